// npm run deploy:edge -- [--servers DIR] [--bucket NAME] [--worker NAME] [--api-base URL] [--skip-worker]
// Builds the servers tree like `npm run build`, uploads to the R2 bucket only the objects whose sha256
// changed since the manifest there (content first, then the edge index, the feed index, the signed index
// last, deletions after), then deploys the Worker with wrangler. Needs CLOUDFLARE_API_TOKEN and
// CLOUDFLARE_ACCOUNT_ID.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { registryBuildInputs } from "./wiring/build-inputs.ts";
import { defineCommand, ExitError, printDiagnostics, runCommand } from "./lib/cli.ts";
import { CLOUDFLARE_API, cloudflareR2 } from "./lib/edge/cloudflare-r2.ts";
import { deployObjects } from "./lib/edge/deploy-plan.ts";
import { edgeObjects } from "./lib/edge/objects.ts";
import { buildRegistry } from "./lib/pipeline.ts";
import { stringifyJson } from "./lib/safe-json.ts";
import { COMPATIBILITY_DATE, WORKER_ENTRY } from "./edge/local.ts";

const command = defineCommand({
  name: "deploy:edge",
  usage: "npm run deploy:edge -- [--servers DIR] [--bucket NAME] [--worker NAME] [--api-base URL] [--skip-worker]",
  description:
    "Builds the servers tree, uploads the changed objects to the R2 bucket (sha256 manifest in the bucket; content,\nthen indexes, the signed index last, deletions after), then deploys the Worker with wrangler.\nNeeds CLOUDFLARE_API_TOKEN (R2 edit + Workers edit) and CLOUDFLARE_ACCOUNT_ID.",
  options: {
    servers: { type: "string", value: "DIR", default: "servers", help: "the servers tree to build" },
    bucket: {
      type: "string",
      value: "NAME",
      default: process.env["CLOUDFLARE_R2_BUCKET"] || "mcp-registry",
      help: "the R2 bucket (or CLOUDFLARE_R2_BUCKET)",
    },
    worker: {
      type: "string",
      value: "NAME",
      default: process.env["CLOUDFLARE_WORKER_NAME"] || "mcp-registry",
      help: "the Worker's name (or CLOUDFLARE_WORKER_NAME)",
    },
    "api-base": { type: "string", value: "URL", default: CLOUDFLARE_API, help: "the Cloudflare API" },
    "skip-worker": { type: "boolean", help: "upload the objects only, do not run wrangler deploy" },
  },
  example: "CLOUDFLARE_API_TOKEN=… CLOUDFLARE_ACCOUNT_ID=… npm run deploy:edge",
});

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new ExitError(`${name} is not set: see README "Pages or the edge" for the secrets`);
  return value;
}

/** wrangler deploy with a generated config (the Worker, its compatibility date, the bucket binding). */
function deployWorker(name: string, bucket: string): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-wrangler-"));
  try {
    const config = path.join(dir, "wrangler.json");
    const settings = {
      name,
      main: WORKER_ENTRY,
      compatibility_date: COMPATIBILITY_DATE,
      r2_buckets: [{ binding: "TREE", bucket_name: bucket }],
      send_metrics: false,
    };
    fs.writeFileSync(config, stringifyJson(settings, 2) + "\n");
    const wrangler = path.join(
      path.dirname(createRequire(import.meta.url).resolve("wrangler/package.json")),
      "bin/wrangler.js",
    );
    const run = spawnSync(process.execPath, [wrangler, "deploy", "--config", config], {
      stdio: "inherit",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_LOG: process.env["WRANGLER_LOG"] ?? "warn" },
    });
    if (run.status !== 0) throw new ExitError(`wrangler deploy failed (exit ${run.status ?? run.signal})`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runCommand(command, async ({ values }) => {
  const token = requiredEnv("CLOUDFLARE_API_TOKEN");
  const accountId = requiredEnv("CLOUDFLARE_ACCOUNT_ID");
  const outcome = await buildRegistry(await registryBuildInputs(values.servers));
  if (outcome.kind === "invalid") {
    printDiagnostics(outcome.diagnostics, 0);
    process.stderr.write("not deploying: fix the errors above (npm run validate shows them too).\n");
    return 1;
  }
  const objects = edgeObjects(outcome.model, outcome.tree);
  const store = cloudflareR2({ accountId, bucket: values.bucket, token, apiBase: values["api-base"] });
  const report = await deployObjects(store, objects);
  process.stdout.write(
    `R2 ${values.bucket}: uploaded ${report.uploaded} objects (${report.uploadedBytes} bytes), ` +
      `deleted ${report.deleted}, unchanged ${report.unchanged}\n`,
  );
  if (!values["skip-worker"]) deployWorker(values.worker, values.bucket);
  return 0;
});
