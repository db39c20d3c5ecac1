// npm run edge -- [--servers DIR] [--out DIR] [--port N] [--host ADDR]
// Builds the servers tree exactly like `npm start`, then serves it through the edge deployment's Worker in
// the real runtime (workerd, via Miniflare from npm: no Cloudflare account, no network), with the build in a
// locally simulated R2 bucket loaded by the deploy's own upload logic.

import net from "node:net";
import { buildForServing } from "./wiring/build-for-serving.ts";
import { defineCommand, ExitError, runCommand, UsageError } from "./lib/cli.ts";
import { deployObjects } from "./lib/edge/deploy-plan.ts";
import { edgeObjects } from "./lib/edge/objects.ts";
import { startLocalEdge } from "./edge/local.ts";

const command = defineCommand({
  name: "edge",
  usage: "npm run edge -- [--servers DIR] [--out DIR] [--port N] [--host ADDR]",
  description:
    "Builds the servers tree like `npm start`, then serves it through the edge Worker in workerd (the Cloudflare\nWorkers runtime, locally) with the build in a simulated R2 bucket, until Ctrl+C. No account, no network.",
  options: {
    servers: { type: "string", value: "DIR", default: "servers", help: "the servers tree to build" },
    out: { type: "string", value: "DIR", default: "dist", help: "the folder the build writes" },
    port: {
      type: "string",
      value: "N",
      default: process.env["PORT"] ?? "8787",
      help: "the port to listen on, 0 for any free one (or PORT)",
    },
    host: {
      type: "string",
      value: "ADDR",
      default: process.env["HOST"] ?? "127.0.0.1",
      help: "the address to listen on (or HOST)",
    },
  },
  example: "npm run edge -- --port 8788",
});

/** A port another process holds answers EADDRINUSE here, before workerd is started. */
async function checkPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new ExitError(`port ${port} is in use: stop the other server or pass --port (e.g. --port 8788)`)
          : e,
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

runCommand(command, async ({ values }) => {
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535)
    throw new UsageError(`--port/PORT: expected a port number 0-65535, got ${JSON.stringify(values.port)}`);
  await checkPortFree(port, values.host);
  const built = await buildForServing(values.servers, values.out);
  if (built === 1) return 1;
  const objects = edgeObjects(built.model, built.tree);
  const edge = await startLocalEdge({ port, host: values.host });
  const report = await deployObjects(edge.store, objects);
  const base = edge.url;
  process.stdout.write(
    `built ${built.model.versions.length} versions into ${values.out}/ in ${built.ms} ms; ` +
      `${report.uploaded} objects (${report.uploadedBytes} bytes) in the local R2 bucket\n` +
      `edge (workerd) serving ${base}/  (API: ${base}/v0.1/servers, ${base}/v0.1/servers?search=weather&version=latest)\n` +
      `press Ctrl+C to stop\n`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await edge.dispose();
  return 0;
});
