// npm run build -- [--servers DIR] [--out DIR] [--check]
// Builds the static API (and the browse site) from the servers tree. --check compares instead of writing.

import path from "node:path";
import { parseArgs } from "node:util";
import { printDiagnostics, runCli } from "./lib/cli.ts";
import { buildRegistry } from "./lib/pipeline.ts";
import { syncFilesFor } from "./lib/sync-files.ts";
import { diffTree, writeTree } from "./lib/write.ts";
import fs from "node:fs";

runCli(async () => {
  const { values } = parseArgs({
    options: { servers: { type: "string", default: "servers" }, out: { type: "string", default: "dist" }, check: { type: "boolean", default: false } },
  });
  const started = performance.now();
  const outcome = await buildRegistry({ serversDir: values.servers, cwd: process.cwd(), sourceDateEpoch: process.env["SOURCE_DATE_EPOCH"], extra: await loadSiteBuilder(), outputs: syncOutputs(values.servers) });
  if (outcome.kind === "invalid") {
    printDiagnostics(outcome.diagnostics, 0);
    process.stderr.write("build stopped: fix the errors above (npm run validate shows them too). dist/ was not touched.\n");
    return 1;
  }
  for (const note of outcome.notes) process.stderr.write(`note: ${note}\n`);
  const warnings = outcome.diagnostics.filter((d) => d.severity === "warning");
  if (warnings.length > 0) printDiagnostics(warnings, outcome.model.versions.length);
  const out = path.resolve(values.out);
  if (values.check) {
    const diff = diffTree(outcome.tree, out);
    for (const d of diff.slice(0, 50)) process.stderr.write(`${d.kind}: ${values.out}/${d.path}\n`);
    if (diff.length > 0) {
      process.stderr.write(`${values.out}/ differs from what this commit builds (${diff.length} file(s)). Run npm run build.\n`);
      return 1;
    }
    process.stdout.write(`${values.out}/ is up to date (${outcome.tree.size} files).\n`);
    return 0;
  }
  writeTree(outcome.tree, out);
  const ms = Math.round(performance.now() - started);
  process.stdout.write(`built ${outcome.model.versions.length} versions into ${values.out}/: ${outcome.tree.size} files in ${ms} ms\n`);
  return 0;
});

/** The browse site is built into the same tree when site/build.ts exists (the API alone otherwise). */
async function loadSiteBuilder() {
  const file = new URL("../site/build.ts", import.meta.url);
  if (!fs.existsSync(file)) return undefined;
  const mod = (await import(file.href)) as { buildSite: NonNullable<Parameters<typeof buildRegistry>[0]["extra"]> };
  return mod.buildSite;
}

/** Change feed, bundle and signed index (sync-files.ts); signed when REGISTRY_INDEX_SIGNING_KEY (hex seed) is set. */
function syncOutputs(serversDir: string) {
  const key = process.env["REGISTRY_INDEX_SIGNING_KEY"];
  const ttl = Number(process.env["REGISTRY_INDEX_TTL_DAYS"]);
  return syncFilesFor(path.resolve(serversDir), { ...(key ? { signingKey: key } : {}), ...(Number.isFinite(ttl) && ttl > 0 ? { ttlDays: ttl } : {}) });
}
