// The stages composed: load → validate → history → model → API tree (+ site). CLIs and tests call these;
// the only effects are reading the servers tree and asking git, both at the edges.

import path from "node:path";
import { hasErrors, type Diagnostic } from "./diagnostics.ts";
import { buildApiTree, buildModel } from "./build.ts";
import { fallbackEpoch, readHistory, type History } from "./git-history.ts";
import { fsTreeReader, loadTree, type LoadResult } from "./load.ts";
import type { RegistryModel } from "./model.ts";
import { validateLoaded } from "./validate.ts";

export interface CheckedTree {
  readonly loaded: LoadResult;
  readonly diagnostics: Diagnostic[];
}

/** How a servers folder is named in messages: relative to the working directory when inside it. */
export function displayPath(dir: string, cwd: string): string {
  const rel = path.relative(cwd, path.resolve(cwd, dir));
  return rel === "" ? "." : rel.startsWith("..") ? path.resolve(cwd, dir) : rel.split(path.sep).join("/");
}

export function checkTree(serversDir: string, cwd: string): CheckedTree {
  const loaded = loadTree(fsTreeReader(path.resolve(cwd, serversDir), displayPath(serversDir, cwd)));
  return { loaded, diagnostics: validateLoaded(loaded) };
}

export type BuildOutcome =
  | { readonly kind: "invalid"; readonly diagnostics: Diagnostic[] }
  | { readonly kind: "built"; readonly diagnostics: Diagnostic[]; readonly model: RegistryModel; readonly tree: Map<string, string | Uint8Array>; readonly notes: readonly string[] };

export interface BuildInputs {
  readonly serversDir: string;
  readonly cwd: string;
  readonly sourceDateEpoch?: string;
  /** Adds files (the browse site) to the API tree; may not overwrite API paths. */
  readonly extra?: (model: RegistryModel) => Promise<Map<string, string | Uint8Array>>;
  readonly history?: History;
  /** Adds files derived from the model and the finished tree (sync-files.ts: change feed, bundle, signed index). */
  readonly outputs?: (model: RegistryModel, tree: ReadonlyMap<string, string | Uint8Array>, history: History) => { files: Map<string, string | Uint8Array>; notes: string[] };
  /** Called as each stage ends (load, validate, history, model, tree, site, outputs, sort), e.g. to time them. */
  readonly trace?: (stage: BuildStage) => void;
}

export type BuildStage = "load" | "validate" | "history" | "model" | "tree" | "site" | "outputs" | "sort";

export async function buildRegistry(inputs: BuildInputs): Promise<BuildOutcome> {
  const trace = inputs.trace ?? (() => {});
  const loaded = loadTree(fsTreeReader(path.resolve(inputs.cwd, inputs.serversDir), displayPath(inputs.serversDir, inputs.cwd)));
  trace("load");
  const diagnostics = validateLoaded(loaded);
  trace("validate");
  if (hasErrors(diagnostics)) return { kind: "invalid", diagnostics };
  const history = inputs.history ?? readHistory(path.resolve(inputs.cwd, inputs.serversDir), { fallbackEpoch: fallbackEpoch(inputs.sourceDateEpoch) });
  trace("history");
  const model = buildModel(loaded.versions, history);
  trace("model");
  const tree = buildApiTree(model);
  trace("tree");
  if (inputs.extra) {
    for (const [p, body] of await inputs.extra(model)) {
      if (tree.has(p)) throw new Error(`internal: the site tried to overwrite the API file ${p}`);
      tree.set(p, body);
    }
  }
  trace("site");
  const outputNotes: string[] = [];
  if (inputs.outputs) {
    const out = inputs.outputs(model, tree, history);
    for (const [p, body] of out.files) {
      if (tree.has(p)) throw new Error(`internal: a build output tried to overwrite ${p}`);
      tree.set(p, body);
    }
    outputNotes.push(...out.notes);
  }
  trace("outputs");
  const sorted = new Map([...tree].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  trace("sort");
  return { kind: "built", diagnostics, model, tree: sorted, notes: [...history.notes, ...outputNotes] };
}
