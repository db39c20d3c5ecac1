// The build step of `npm start` and `npm run edge`: build the servers tree exactly like `npm run build`,
// write it to the output folder (with the same --out rules), print notes and warnings; refuse an invalid tree.

import path from "node:path";
import { outputGuards, registryBuildInputs } from "./build-inputs.ts";
import { ExitError, printDiagnostics } from "../lib/cli.ts";
import type { RegistryModel } from "../lib/model.ts";
import { buildRegistry } from "../lib/pipeline.ts";
import { visible } from "../lib/terminal.ts";
import { checkOutDir, writeTree } from "../lib/write.ts";

export interface BuiltForServing {
  readonly model: RegistryModel;
  readonly tree: Map<string, string | Uint8Array>;
  readonly ms: number;
}

/** The build, or the exit code 1 after the diagnostics of an invalid tree were printed. */
export async function buildForServing(servers: string, out: string): Promise<BuiltForServing | 1> {
  const started = performance.now();
  const inputs = await registryBuildInputs(servers);
  // The same --out rules as npm run build, checked before the build (the write comes after it).
  const guarded = outputGuards(servers);
  const verdict = checkOutDir(out, guarded);
  if (verdict.kind === "refused") throw new ExitError(visible(verdict.reason));
  const outcome = await buildRegistry(inputs);
  if (outcome.kind === "invalid") {
    printDiagnostics(outcome.diagnostics, 0);
    process.stderr.write("not serving: fix the errors above (npm run validate shows them too).\n");
    return 1;
  }
  for (const note of outcome.notes) process.stderr.write(`note: ${note}\n`);
  const warnings = outcome.diagnostics.filter((d) => d.severity === "warning");
  if (warnings.length > 0) printDiagnostics(warnings, outcome.model.versions.length);
  writeTree(outcome.tree, path.resolve(out), { guarded });
  return { model: outcome.model, tree: outcome.tree, ms: Math.round(performance.now() - started) };
}
