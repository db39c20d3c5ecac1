// npm start -- [--servers DIR] [--out DIR] [--port N] [--host ADDR]
// Builds the servers tree exactly like `npm run build` (writing dist/), then serves the result with the
// official query semantics at http://localhost:8080 (PORT or --port to change).

import { buildForServing } from "./wiring/build-for-serving.ts";
import { defineCommand, ExitError, runCommand, UsageError } from "./lib/cli.ts";
import { registryDataFromModel, TREE_PATHS } from "./lib/mcp/data.ts";
import { MCP_PATH, nodeMcpHandler } from "./lib/mcp/http.ts";
import { createRegistryServer } from "./lib/serve/server.ts";

const command = defineCommand({
  name: "start",
  usage: "npm start -- [--servers DIR] [--out DIR] [--port N] [--host ADDR]",
  description:
    "Builds the servers tree exactly like `npm run build` (writing the output folder), then serves the result with the\nofficial query semantics until Ctrl+C.",
  options: {
    servers: { type: "string", value: "DIR", default: "servers", help: "the servers tree to build" },
    out: { type: "string", value: "DIR", default: "dist", help: "the folder the build writes" },
    port: {
      type: "string",
      value: "N",
      default: process.env["PORT"] ?? "8080",
      help: "the port to listen on, 0 for any free one (or PORT)",
    },
    host: {
      type: "string",
      value: "ADDR",
      default: process.env["HOST"] ?? "0.0.0.0",
      help: "the address to listen on (or HOST)",
    },
  },
  example: "PORT=8081 npm start -- --host 127.0.0.1",
});

runCommand(command, async ({ values }) => {
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535)
    throw new UsageError(`--port/PORT: expected a port number 0-65535, got ${JSON.stringify(values.port)}`);

  const built = await buildForServing(values.servers, values.out);
  if (built === 1) return 1;
  const { model, tree, ms } = built;

  const mcpData = registryDataFromModel(model, healthReport(tree.get(TREE_PATHS.health)));
  const mcp = nodeMcpHandler(() => Promise.resolve(mcpData));
  const server = createRegistryServer({ model, tree, mcp });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new ExitError(`port ${port} is in use: stop the other server or set PORT (e.g. PORT=8081 npm start)`)
          : e,
      ),
    );
    server.listen(port, values.host, () => resolve());
  });
  const shown = values.host === "0.0.0.0" || values.host === "::" ? "localhost" : values.host;
  const base = `http://${shown}:${(server.address() as { port: number }).port}`;
  process.stdout.write(
    `built ${model.versions.length} versions into ${values.out}/ (${tree.size} files) in ${ms} ms\n` +
      `serving ${base}/  (API: ${base}/v0.1/servers, ${base}/v0.1/servers?search=weather&version=latest)\n` +
      `MCP server (streamable HTTP): ${base}${MCP_PATH}\n` +
      `press Ctrl+C to stop\n`,
  );
  const stop = () => {
    server.close();
    server.closeAllConnections();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await new Promise<void>((resolve) => server.once("close", () => resolve()));
  return 0;
});

/** The nightly health report the build published, parsed (the MCP tools quote it); undefined when absent. */
function healthReport(file: string | Uint8Array | undefined): unknown {
  if (file === undefined) return undefined;
  try {
    return JSON.parse(typeof file === "string" ? file : Buffer.from(file).toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}
