// The stages composed: load → validate → history → model → API tree (+ site). CLIs and tests call these;
// the only effects are reading the servers tree and asking git, both at the edges.

import path from "node:path";
import { hasErrors, type Diagnostic } from "./diagnostics.ts";
import { buildModel, emitApiTreeSteps } from "./build.ts";
import { fallbackEpoch, readHistory, type History } from "./git-history.ts";
import { fsTreeReader, loadPlanned, loadTree, planTree, type LoadResult } from "./load.ts";
import type { RegistryModel, VersionRecord } from "./model.ts";
import { attachReceipts } from "./receipt-files.ts";
import { validateLoaded } from "./validate.ts";
import type { TreeSink } from "./write.ts";
import { checkTreeInParallel } from "./parallel/check-tree.ts";
import { createWorkerPool } from "./parallel/pool.ts";

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
  | {
      readonly kind: "built";
      readonly diagnostics: Diagnostic[];
      readonly model: RegistryModel;
      readonly tree: Map<string, string | Uint8Array>;
      readonly notes: readonly string[];
    };

/** What sees each version's served document as the API tree is made. */
export interface ServedSink {
  /** One version's served document, exactly the bytes of its `/v0.1/servers/<name>/versions/<v>.json`. */
  served(record: VersionRecord, body: string): void;
  /** A promise to await before handing over more documents (work in flight is bounded), or undefined. */
  ready(): Promise<void> | undefined;
}

/** Files derived from the model after the API and the site: the change feed, the bundle, the signed index. */
export interface OutputStage {
  /** Sees every file the build publishes, as it is written (the signed index pins them all). */
  record(path: string, body: string | Uint8Array): void;
  /**
   * Before the API tree: `served` is handed each version's served document as the API writer makes it, in
   * model order, and `ready()`, when it returns a promise, is awaited before the next server's files.
   */
  begin(model: RegistryModel, history: History): ServedSink;
  /** After the site: the stage's files, once every version was served. */
  build(model: RegistryModel, history: History): Promise<{ files: Map<string, string | Uint8Array>; notes: string[] }>;
  /** The last files (the signed index), made after everything else was recorded. */
  seal(): { files: Map<string, string | Uint8Array>; notes: string[] };
}

export interface BuildInputs {
  readonly serversDir: string;
  readonly cwd: string;
  readonly sourceDateEpoch?: string;
  /** Adds files (the browse site, which reads the change feed off `history`); it may not write under the API's folders. */
  readonly extra?: (model: RegistryModel, history: History) => Promise<Map<string, string | Uint8Array>>;
  readonly history?: History;
  /** The mirror files (sync-files.ts); they go under `v0.1/x/`. */
  readonly outputs?: OutputStage;
  /** The committed receipts (receipt.ts), published under `v0.1/x/` and shown by the site; none when absent. */
  readonly receiptsDir?: string;
  /** Called as each stage ends (load, validate, history, model, tree, site, outputs, sort), e.g. to time them. */
  readonly trace?: (stage: BuildStage) => void;
  /**
   * Worker threads for the independent work (reading, parsing and validating each version folder); 1 or
   * absent: none. The output is the same bytes either way (determinism.test.ts builds both).
   */
  readonly threads?: number;
  /** Below this many version folders the threads are not started (starting them costs more). Default 256. */
  readonly parallelFrom?: number;
}

const PARALLEL_FROM = 256;

export type BuildStage = "load" | "validate" | "history" | "model" | "tree" | "site" | "outputs" | "sort";

type BuildResult =
  | { readonly kind: "invalid"; readonly diagnostics: Diagnostic[] }
  | {
      readonly kind: "built";
      readonly diagnostics: Diagnostic[];
      readonly model: RegistryModel;
      readonly notes: readonly string[];
    };

/**
 * Build the registry, handing every output file to `sink` as it is made (the API one server at a time, then
 * the site, then the mirror files). Nothing is handed over when the tree is invalid.
 */
export async function buildRegistryInto(inputs: BuildInputs, sink: TreeSink): Promise<BuildResult> {
  const trace = inputs.trace ?? (() => {});
  const checked = await checkAndReadHistory(inputs, trace);
  if (checked.kind === "invalid") return checked;
  const { loaded, diagnostics, history } = checked;
  const receipts = attachReceipts(buildModel(loaded.versions, history), inputs.receiptsDir ?? "");
  const model = receipts.model;
  trace("model");

  const put = (p: string, body: string | Uint8Array) => {
    inputs.outputs?.record(p, body);
    sink.put(p, body);
  };
  const served = inputs.outputs?.begin(model, history);
  const steps = emitApiTreeSteps(model, put, served?.served);
  while (!steps.next().done) {
    const wait = served?.ready();
    if (wait) await wait;
  }
  trace("tree");
  if (inputs.extra) {
    for (const [p, body] of await inputs.extra(model, history)) {
      if (/^v0(\.1)?(\/|$)/.test(p))
        throw new Error(`internal: the site tried to write ${p}, inside the API's folders`);
      put(p, body);
    }
  }
  trace("site");
  const outputNotes: string[] = [];
  if (inputs.outputs) {
    const stage = inputs.outputs;
    for (const make of [() => stage.build(model, history), () => stage.seal()]) {
      const out = await make(); // seal() only after build()'s files are recorded
      for (const [p, body] of out.files) {
        if (!p.startsWith("v0.1/x/") || p.endsWith("/meta.json"))
          throw new Error(`internal: a build output tried to write ${p}, outside its extension folder`);
        put(p, body);
      }
      outputNotes.push(...out.notes);
    }
  }
  trace("outputs");
  return { kind: "built", diagnostics, model, notes: [...history.notes, ...receipts.notes, ...outputNotes] };
}

type Checked =
  | { readonly kind: "invalid"; readonly diagnostics: Diagnostic[] }
  | { readonly kind: "valid"; readonly loaded: LoadResult; readonly diagnostics: Diagnostic[]; history: History };

/**
 * Load, validate and read the history. With threads, the version folders are read and checked on the worker
 * pool while this thread waits for `git log` (the history is then read even for a tree that turns out
 * invalid, and a git failure is reported only for a valid one, as without threads).
 */
async function checkAndReadHistory(inputs: BuildInputs, trace: (stage: BuildStage) => void): Promise<Checked> {
  const root = path.resolve(inputs.cwd, inputs.serversDir);
  const display = displayPath(inputs.serversDir, inputs.cwd);
  const readTimes = () => inputs.history ?? readHistory(root, { fallbackEpoch: fallbackEpoch(inputs.sourceDateEpoch) });
  const reader = fsTreeReader(root, display);
  const plan = planTree(reader);
  const threads = inputs.threads ?? 1;
  if (threads > 1 && plan.jobs.length >= (inputs.parallelFrom ?? PARALLEL_FROM)) {
    const pool = createWorkerPool(threads);
    try {
      const checking = checkTreeInParallel(root, reader.displayRoot, plan, pool);
      let history: History | undefined;
      let historyError: unknown;
      try {
        history = readTimes();
      } catch (e) {
        historyError = e;
      }
      const { loaded, diagnostics } = await checking;
      for (const stage of ["load", "validate"] as const) trace(stage);
      if (hasErrors(diagnostics)) return { kind: "invalid", diagnostics };
      if (history === undefined) throw historyError;
      trace("history");
      return { kind: "valid", loaded, diagnostics, history };
    } finally {
      await pool.close();
    }
  }
  const loaded = loadPlanned(reader, plan);
  trace("load");
  const diagnostics = validateLoaded(loaded);
  trace("validate");
  if (hasErrors(diagnostics)) return { kind: "invalid", diagnostics };
  const history = readTimes();
  trace("history");
  return { kind: "valid", loaded, diagnostics, history };
}

/** The whole build in memory, sorted by path: for the local server, `build --check` and tests. */
export async function buildRegistry(inputs: BuildInputs): Promise<BuildOutcome> {
  const files: [string, string | Uint8Array][] = [];
  const result = await buildRegistryInto(inputs, { put: (p, body) => files.push([p, body]) });
  if (result.kind === "invalid") return result;
  files.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const tree = new Map(files);
  if (tree.size !== files.length) throw new Error("internal: two build stages wrote the same path");
  inputs.trace?.("sort");
  return { ...result, tree };
}
