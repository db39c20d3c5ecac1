// npm run build -- [--servers DIR] [--out DIR] [--check]
// Builds the static API, the browse site and the mirror files from the servers tree, writing each file as it
// is made into a fresh folder that replaces DIR at the end (only a missing or empty DIR, or a previous build;
// never the repository or servers/; see lib/write.ts). --check compares with DIR instead of writing.

import path from "node:path";
import { outputGuards, registryBuildInputs } from "./wiring/build-inputs.ts";
import { defineCommand, ExitError, printDiagnostics, runCommand } from "./lib/cli.ts";
import type { Diagnostic } from "./lib/diagnostics.ts";
import { buildRegistry, buildRegistryInto } from "./lib/pipeline.ts";
import { visible } from "./lib/terminal.ts";
import { createTreeWriter, diffTree, OutDirRefusedError, type TreeWriter } from "./lib/write.ts";

const command = defineCommand({
  name: "build",
  usage: "npm run build -- [--servers DIR] [--out DIR] [--check]",
  description:
    "Builds the static API, the browse site and the mirror files from the servers tree into a fresh folder that\nreplaces the output folder at the end. With --check, compares with the output folder instead of writing.",
  options: {
    servers: { type: "string", value: "DIR", default: "servers", help: "the servers tree to build" },
    out: { type: "string", value: "DIR", default: "dist", help: "the folder the build replaces" },
    check: { type: "boolean", help: "write nothing; exit 1 when DIR differs from what this commit builds" },
  },
  example: "npm run build -- --out /tmp/registry-site",
  notes:
    "Environment: SOURCE_DATE_EPOCH (the build time), REGISTRY_INDEX_SIGNING_KEY (signs the index), REGISTRY_INDEX_TTL_DAYS.",
});

runCommand(command, async ({ values }) => {
  const started = performance.now();
  const inputs = await registryBuildInputs(values.servers);
  const out = path.resolve(values.out);

  if (values.check) {
    const outcome = await buildRegistry(inputs);
    if (outcome.kind === "invalid") return stopped(outcome.diagnostics, values.out);
    const diff = diffTree(outcome.tree, out);
    for (const d of diff.slice(0, 50)) process.stderr.write(`${d.kind}: ${values.out}/${d.path}\n`);
    if (diff.length > 0) {
      process.stderr.write(
        `${values.out}/ differs from what this commit builds (${diff.length} file(s)). Run npm run build.\n`,
      );
      return 1;
    }
    process.stdout.write(`${values.out}/ is up to date (${outcome.tree.size} files).\n`);
    return 0;
  }

  const writer = refusalsAsExit(() => createTreeWriter(out, { guarded: outputGuards(values.servers) }));
  for (const note of writer.notes) process.stderr.write(`note: ${note}\n`);
  let result;
  try {
    result = await buildRegistryInto(inputs, writer);
  } catch (e) {
    writer.abort();
    throw e;
  }
  if (result.kind === "invalid") {
    writer.abort();
    return stopped(result.diagnostics, values.out);
  }
  refusalsAsExit(() => writer.commit());
  for (const note of result.notes) process.stderr.write(`note: ${note}\n`);
  const warnings = result.diagnostics.filter((d) => d.severity === "warning");
  if (warnings.length > 0) printDiagnostics(warnings, result.model.versions.length);
  const ms = Math.round(performance.now() - started);
  process.stdout.write(
    `built ${result.model.versions.length} versions into ${values.out}/: ${writer.files} files, ${(writer.bytes / 1e6).toFixed(1)} MB in ${ms} ms\n`,
  );
  return 0;
});

function stopped(diagnostics: Diagnostic[], out: string): number {
  printDiagnostics(diagnostics, 0);
  process.stderr.write(
    `build stopped: fix the errors above (npm run validate shows them too). ${out}/ was not touched.\n`,
  );
  return 1;
}

/** A refused --out is the user's mistake: one line, exit 1. */
function refusalsAsExit<T extends TreeWriter | void>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof OutDirRefusedError) throw new ExitError(visible(e.message));
    throw e;
  }
}
