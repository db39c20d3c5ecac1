// The stages composed: load → validate → history → model → API tree (+ site). CLIs and tests call these;
// the only effects are reading the servers tree and asking git, both at the edges.

import path from "node:path";
import { hasErrors, type Diagnostic } from "./diagnostics.ts";
import { buildModel, emitApiTreeSteps } from "./build.ts";
import { fallbackEpoch, readHistory, type History } from "./git-history.ts";
import { displayPath, fsTreeReader, loadPlanned, loadTree, planTree, type LoadResult } from "./load.ts";
import type { RegistryModel, VersionRecord } from "./model.ts";
import { attachReceipts } from "./receipt-files.ts";
import { validateLoaded } from "./validate.ts";
import type { Pins } from "./mirror/pins.ts";
import type { TreeSink } from "./write.ts";
import { checkTreeInParallel, namespaceFolders, prepareForLoad, walkInParallel } from "./parallel/check-tree.ts";
import { createWorkerPool, type WorkerPool } from "./parallel/pool.ts";

export interface CheckedTree {
  readonly loaded: LoadResult;
  readonly diagnostics: Diagnostic[];
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
  /**
   * The last files (the signed index), made after everything else was recorded; with `pins`, the sink's pins
   * of every file instead of what record() saw (record() is then not called).
   */
  seal(pins?: Pins): { files: Map<string, string | Uint8Array>; notes: string[] };
}

export interface BuildInputs {
  readonly serversDir: string;
  readonly cwd: string;
  readonly sourceDateEpoch?: string;
  /**
   * Adds files (the browse site, which reads the change feed off `history`), each handed to `put` as it is made;
   * it may not write under the API's folders. Called before the API is serialised and awaited after, so work
   * it hands to `pool` (the build's worker threads, when there are any) runs meanwhile, and what comes back
   * from there is put as the API is emitted (the build lets it in every few milliseconds).
   */
  readonly extra?: (
    model: RegistryModel,
    history: History,
    pool: WorkerPool | undefined,
    put: (path: string, body: string | Uint8Array) => void,
  ) => Promise<void>;
  readonly history?: History;
  /** The mirror files (sync-files.ts); they go under `v0.1/x/`. */
  readonly outputs?: OutputStage;
  /** The committed receipts (receipt.ts), published under `v0.1/x/` and shown by the site; none when absent. */
  readonly receiptsDir?: string;
  /** Called as each stage ends (load, validate, history, model, tree, site, outputs, sort), e.g. to time them. */
  readonly trace?: (stage: BuildStage) => void;
  /**
   * Worker threads for the independent work (reading, parsing and validating each version folder, the site's
   * pages); 1 or absent: none. They live for the whole build. The output is the same bytes either way
   * (determinism.test.ts builds both).
   */
  readonly threads?: number;
  /** Below this many version folders the threads are not started (starting them costs more). Default 256. */
  readonly parallelFrom?: number;
}

const PARALLEL_FROM = 256;

/**
 * While the site renders on the pool, the API's loop lets the event loop in at least this often: the pages that
 * came back are put then and the next batches handed out, so the threads keep working and the pages held stay
 * the site's window (emitSite), not all of them. Each pause costs microseconds.
 */
const SITE_YIELD_MS = 5;

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
 * Build the registry, handing every output file to `sink` as it is made (the API one server at a time, the
 * site's files meanwhile, as they are made, then the mirror files). Nothing is handed over when the tree is invalid.
 */
export async function buildRegistryInto(inputs: BuildInputs, sink: TreeSink): Promise<BuildResult> {
  let pool: WorkerPool | undefined;
  const poolFor = (versionFolders: number) => {
    const threads = inputs.threads ?? 1;
    if (threads > 1 && versionFolders >= (inputs.parallelFrom ?? PARALLEL_FROM)) pool ??= createWorkerPool(threads);
    return pool;
  };
  try {
    return await buildWith(inputs, sink, poolFor);
  } finally {
    await pool?.close();
  }
}

async function buildWith(
  inputs: BuildInputs,
  sink: TreeSink,
  poolFor: (versionFolders: number) => WorkerPool | undefined,
): Promise<BuildResult> {
  const trace = inputs.trace ?? (() => {});
  const modelled = await checkAndModel(inputs, trace, poolFor);
  if (modelled.kind === "invalid") return modelled;
  const { diagnostics, history, model, receiptNotes } = modelled;

  // A sink that pins what it writes (the tree writer hashes on its thread) hands the pins to seal() instead.
  const record = sink.pins === undefined ? inputs.outputs?.record.bind(inputs.outputs) : undefined;
  const put = (p: string, body: string | Uint8Array) => {
    record?.(p, body);
    sink.put(p, body);
  };
  const sitePut = (p: string, body: string | Uint8Array) => {
    if (/^v0(\.1)?(\/|$)/.test(p)) throw new Error(`internal: the site tried to write ${p}, inside the API's folders`);
    put(p, body);
  };
  let siteRunning = inputs.extra !== undefined;
  const site = inputs.extra?.(model, history, poolFor(model.versions.length), sitePut);
  // Awaited below; an API failure first must not leave it unhandled.
  site?.then(
    () => (siteRunning = false),
    () => (siteRunning = false),
  );
  const served = inputs.outputs?.begin(model, history);
  const steps = emitApiTreeSteps(model, put, served?.served);
  let lastYield = performance.now();
  while (!steps.next().done) {
    const wait = served?.ready();
    if (wait) await wait;
    else if (siteRunning && performance.now() - lastYield >= SITE_YIELD_MS) await new Promise(setImmediate);
    else continue;
    lastYield = performance.now();
  }
  trace("tree");
  await site;
  trace("site");
  const outputNotes: string[] = [];
  if (inputs.outputs) {
    const stage = inputs.outputs;
    for (const make of [() => stage.build(model, history), () => stage.seal(sink.pins?.())]) {
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
  return { kind: "built", diagnostics, model, notes: [...history.notes, ...receiptNotes, ...outputNotes] };
}

/**
 * The checked tree turned into the model, in a function of its own so that the loaded versions (each with its
 * committed bytes and parse) are garbage once the model is made, not held by the caller's frame for the rest
 * of the build.
 */
async function checkAndModel(
  inputs: BuildInputs,
  trace: (stage: BuildStage) => void,
  poolFor: (versionFolders: number) => WorkerPool | undefined,
) {
  const checked = await checkAndReadHistory(inputs, trace, poolFor);
  if (checked.kind === "invalid") return checked;
  const { diagnostics, history } = checked;
  const receipts = attachReceipts(buildModel(checked.loaded.versions, history), inputs.receiptsDir ?? "");
  trace("model");
  return { kind: "valid", diagnostics, history, model: receipts.model, receiptNotes: receipts.notes } as const;
}

type Checked =
  | { readonly kind: "invalid"; readonly diagnostics: Diagnostic[] }
  | { readonly kind: "valid"; readonly loaded: LoadResult; readonly diagnostics: Diagnostic[]; history: History };

/**
 * Load, validate and read the history. With threads, the version folders are read and checked on the worker
 * pool while this thread waits for `git log` (the history is then read even for a tree that turns out
 * invalid, and a git failure is reported only for a valid one, as without threads).
 */
async function checkAndReadHistory(
  inputs: BuildInputs,
  trace: (stage: BuildStage) => void,
  poolFor: (versionFolders: number) => WorkerPool | undefined,
): Promise<Checked> {
  const root = path.resolve(inputs.cwd, inputs.serversDir);
  const display = displayPath(inputs.serversDir, inputs.cwd);
  const readTimes = () => inputs.history ?? readHistory(root, { fallbackEpoch: fallbackEpoch(inputs.sourceDateEpoch) });
  const reader = fsTreeReader(root, display);
  // When the tree is surely big enough (every namespace folder holds a version), the threads start before the
  // layout walk and ready themselves (schema compiled) while this thread lists the folders; the walk below
  // the namespace folders is then shared out to them too.
  const early = (inputs.threads ?? 1) > 1 ? poolFor(namespaceFolders(root)) : undefined;
  let plan: ReturnType<typeof planTree>;
  if (early) {
    const walking = walkInParallel(root, early);
    prepareForLoad(early); // queued behind the walk
    const items = await walking;
    plan = planTree({ ...reader, items: () => items });
  } else plan = planTree(reader);
  const pool = poolFor(plan.jobs.length);
  if (pool) {
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
