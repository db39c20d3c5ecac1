// Load and validate a servers folder on the worker pool: the layout walk here, each version folder's reading,
// parsing and per-document rules in the workers (tasks.ts), the tree rules here once every version is back.
// The same findings and versions as loadTree + validateLoaded, in the same order.

import fs from "node:fs";
import path from "node:path";
import { sortDiagnostics, type Diagnostic } from "../diagnostics.ts";
import {
  walkInto,
  type LoadedVersion,
  type LoadResult,
  type TreeItem,
  type TreePlan,
  type VersionJob,
} from "../load.ts";
import { treeDiagnostics } from "../validate.ts";
import type { WorkerPool } from "./pool.ts";
import type { SentVersion, TaskOutput } from "./tasks.ts";

/** Version folders per task: small enough to share the work evenly, large enough that messages stay few. */
const JOBS_PER_TASK = 128;

/**
 * How many folders `root` holds (0 when it cannot be listed). Each namespace folder of a tree that can build
 * holds at least one version, so this tells, before the walk, that the tree is big enough for the threads.
 */
export function namespaceFolders(root: string): number {
  try {
    return fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).length;
  } catch {
    return 0; // not there: the walk says what it is
  }
}

/** Top folders per walk task: a few tasks per thread, so that one big namespace does not hold up the rest. */
const WALK_TASKS_PER_THREAD = 4;

/**
 * What fsTreeReader(root).items() lists, with the walk below each top folder (namespace) done on the pool;
 * the tasks are queued before this returns, so tasks asked for next run after them. In another order
 * (planTree sorts the items).
 */
export function walkInParallel(root: string, pool: WorkerPool): Promise<TreeItem[]> {
  const top: TreeItem[] = [];
  if (!fs.existsSync(root)) return Promise.resolve(top);
  walkInto(root, "", top, false);
  const folders = top.filter((i) => i.type === "directory").map((i) => i.path);
  const size = Math.max(1, Math.ceil(folders.length / (pool.size * WALK_TASKS_PER_THREAD)));
  const tasks: Promise<TreeItem[]>[] = [];
  for (let i = 0; i < folders.length; i += size)
    tasks.push(pool.run("walkFolders", { root, folders: folders.slice(i, i + size) }));
  return Promise.all(tasks).then((shares) => top.concat(...shares));
}

/**
 * Have every thread of `pool` ready itself for load tasks (compile the schema) now, e.g. while the layout walk
 * runs; the load tasks queue behind it. Fire and forget: a failure shows again in the load tasks.
 */
export function prepareForLoad(pool: WorkerPool): void {
  for (let i = 0; i < pool.size; i++) pool.run("prepareLoad", undefined).catch(() => {});
}

/** `plan` is planTree of fsTreeReader(root, displayRoot): the workers read the folders it lists from disk. */
export async function checkTreeInParallel(
  root: string,
  displayRoot: string,
  plan: TreePlan,
  pool: WorkerPool,
): Promise<{ loaded: LoadResult; diagnostics: Diagnostic[] }> {
  const tasks: Promise<TaskOutput<"load">>[] = [];
  for (const jobs of chunks(plan.jobs, JOBS_PER_TASK)) tasks.push(pool.run("load", { root, displayRoot, jobs }));
  const loadDiagnostics = [...plan.diagnostics];
  const documentDiagnostics: Diagnostic[] = [];
  const versions: LoadedVersion[] = [];
  for (const results of await Promise.all(tasks)) {
    for (const r of results) {
      loadDiagnostics.push(...r.loadDiagnostics);
      documentDiagnostics.push(...r.documentDiagnostics);
      if (r.version) versions.push(received(r.version, root, displayRoot));
    }
  }
  const loaded: LoadResult = { versions, diagnostics: loadDiagnostics, fileCount: plan.fileCount };
  const diagnostics = sortDiagnostics([...loadDiagnostics, ...documentDiagnostics, ...treeDiagnostics(versions)]);
  return { loaded, diagnostics };
}

function* chunks(jobs: readonly VersionJob[], size: number): Generator<VersionJob[]> {
  for (let i = 0; i < jobs.length; i += size) yield jobs.slice(i, i + size);
}

/**
 * A version as the loader made it, from what a worker sent (tasks.ts SentVersion): `doc` parses the canonical
 * text when first read (only the tree rules read it here, for the remote URLs; the model keeps the text), and
 * `bytes` reads server.json again, as readFileSync made it (only to place a tree rule's finding in the file).
 */
function received(v: SentVersion, root: string, displayRoot: string): LoadedVersion {
  return new ReceivedVersion(v, path.join(root, v.file.slice(displayRoot.length + 1))) as unknown as LoadedVersion;
}

class ReceivedVersion {
  readonly #path: string;
  declare readonly json?: string;
  constructor(sent: SentVersion, file: string) {
    Object.assign(this, sent);
    this.#path = file;
  }
  #doc: unknown;
  /** Parsed on first read and kept (the tree rules read it twice); the versions are released after the model. */
  get doc(): unknown {
    if (this.#doc === undefined && this.json !== undefined) this.#doc = JSON.parse(this.json);
    return this.#doc;
  }
  get bytes(): Buffer {
    return fs.readFileSync(this.#path);
  }
}
