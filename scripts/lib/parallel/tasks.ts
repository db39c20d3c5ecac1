// The work a build worker thread does (pool.ts starts the threads; this module is each one's entry). Every
// task is a pure function of its input, the same function the single-threaded build calls, so the output does
// not depend on which thread ran it or how many there are.

import { isMainThread, parentPort } from "node:worker_threads";
import type { Diagnostic } from "../diagnostics.ts";
import { fsTreeReader, loadVersionJob, walkInto, type LoadedVersion, type TreeItem, type VersionJob } from "../load.ts";
import { prepareServerSchema } from "../schema.ts";
import { remoteUrlsOf, validateVersion } from "../validate.ts";
import { documentJson } from "../model.ts";
import { renderServerPages } from "../../../site/render.ts";

/** Load and validate version folders: what loadTree + validateVersion do for them, one after another. */
export interface LoadTaskInput {
  readonly root: string;
  readonly displayRoot: string;
  readonly jobs: readonly VersionJob[];
}
/**
 * A loaded version as it crosses back: without its bytes (the main thread reads them again only to place a
 * tree rule's finding, check-tree.ts) and with the document as its canonical text (`doc` left out), which
 * costs a fraction of cloning the parsed object and is what the model keeps, and its remote URLs for the tree
 * rules (validate.ts), which would otherwise parse the text again there.
 */
export type SentVersion = Omit<LoadedVersion, "bytes" | "doc"> & { readonly doc?: undefined };

export interface LoadedJob {
  readonly version: SentVersion | undefined;
  /** The loader's findings about the folder's files. */
  readonly loadDiagnostics: Diagnostic[];
  /** validateVersion's findings about its documents. */
  readonly documentDiagnostics: Diagnostic[];
}

export function loadAndValidateJobs(input: LoadTaskInput): LoadedJob[] {
  const reader = fsTreeReader(input.root, input.displayRoot);
  return input.jobs.map((job) => {
    const loadDiagnostics: Diagnostic[] = [];
    const version = loadVersionJob(reader, job, loadDiagnostics);
    if (!version) return { version, loadDiagnostics, documentDiagnostics: [] };
    const documentDiagnostics = validateVersion(version);
    const { bytes, doc, ...rest } = version;
    void bytes;
    const sent: SentVersion =
      doc === undefined ? rest : { ...rest, json: documentJson(doc), remoteUrls: remoteUrlsOf(doc) };
    return { version: sent, loadDiagnostics, documentDiagnostics };
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
