// The work a build worker thread does (pool.ts starts the threads; this module is each one's entry). Every
// task is a pure function of its input, the same function the single-threaded build calls, so the output does
// not depend on which thread ran it or how many there are.

import { isMainThread, parentPort } from "node:worker_threads";
import type { Diagnostic } from "../diagnostics.ts";
import { fsTreeReader, loadVersionJob, walkInto, type LoadedVersion, type TreeItem, type VersionJob } from "../load.ts";
import { prepareServerSchema } from "../schema.ts";
import { validateVersion } from "../validate.ts";
import { renderServerPages } from "../../../site/render.ts";

/** Load and validate version folders: what loadTree + validateVersion do for them, one after another. */
export interface LoadTaskInput {
  readonly root: string;
  readonly displayRoot: string;
  readonly jobs: readonly VersionJob[];
}
export interface LoadedJob {
  readonly version: LoadedVersion | undefined;
  /** The loader's findings about the folder's files. */
  readonly loadDiagnostics: Diagnostic[];
  /** validateVersion's findings about its documents. */
  readonly documentDiagnostics: Diagnostic[];
  /**
   * The document was left out (`version.doc` is undefined): server.json had no finding at all, so its value is
   * JSON.parse of its text (json-source.ts: the strict reader's value is JSON.parse's for such text), and
   * parsing it again in the main thread costs half of copying the parsed object across (measured).
   */
  readonly reparse: boolean;
}

export function loadAndValidateJobs(input: LoadTaskInput): LoadedJob[] {
  const reader = fsTreeReader(input.root, input.displayRoot);
  return input.jobs.map((job) => {
    const loadDiagnostics: Diagnostic[] = [];
    const version = loadVersionJob(reader, job, loadDiagnostics);
    if (!version) return { version, loadDiagnostics, documentDiagnostics: [], reparse: false };
    const documentDiagnostics = validateVersion(version);
    const reparse = version.doc !== undefined && !loadDiagnostics.some((d) => d.file === version.file);
    return {
      version: reparse ? { ...version, doc: undefined } : version,
      loadDiagnostics,
      documentDiagnostics,
      reparse,
    };
  });
}

/** The items below some top folders of a servers tree, as fsTreeReader lists them (check-tree.ts walkInParallel). */
function walkFolders(input: { readonly root: string; readonly folders: readonly string[] }): TreeItem[] {
  const out: TreeItem[] = [];
  for (const folder of input.folders) walkInto(input.root, folder, out);
  return out;
}

/** Ready a thread for load tasks (the schema compiled) while the main thread walks the folders; returns nothing. */
function prepareLoad(): null {
  prepareServerSchema();
  return null;
}

const TASKS = {
  load: loadAndValidateJobs,
  prepareLoad,
  walkFolders,
  /** The browse site's server pages (site/build.ts hands them out in batches, in page order). */
  pages: renderServerPages,
};

export type TaskName = keyof typeof TASKS;
export type TaskInput<K extends TaskName> = Parameters<(typeof TASKS)[K]>[0];
export type TaskOutput<K extends TaskName> = ReturnType<(typeof TASKS)[K]>;

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on("message", (job: { id: number; task: TaskName; input: never }) => {
    try {
      port.postMessage({ id: job.id, ok: true, out: TASKS[job.task](job.input) });
    } catch (e) {
      port.postMessage({ id: job.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
}
