// The only code that writes the built tree to disk. It writes into a fresh build folder beside `outDir` and
// swaps it in at the end, so a failed or interrupted build never leaves a half-written dist/ behind, and it
// replaces only what a build made: `outDir` must be missing, empty, or a previous build.
//
// Layout, for `--out <parent>/dist`:
//   <parent>/dist -> .dist-builds/<pid>-<time>/tree     a relative symlink: the live tree
//   <parent>/.dist-builds/<pid>-<time>/build-stamp.json  {"format","pid","host","startedAt","completedAt"?}: marks a build folder
//   <parent>/.dist-builds/<pid>-<time>/tree/…            the files
// The swap is one rename(2) of a new symlink over the old one: atomic, so a reader of dist/ (nginx, a static
// host's sync) sees the old tree or the new one, never none. (Linux's renameat2(RENAME_EXCHANGE) would swap
// two real folders, but Node cannot call it without native code; two renames leave a moment with no dist/.)
// The tree it replaced is kept until the next build (a reader that resolved dist/ just before the swap may
// still be opening files in it); older completed builds are deleted after the swap. The stamp lives beside
// the tree, not in it, so it is not published. Incomplete build folders whose stamp names a process that no
// longer runs on this host (killed or failed builds) are deleted on the next run; nothing without a stamp is
// ever deleted.
//
// The files are written off the build's thread: put() hands each file to a writer thread (write-thread.ts) in
// batches and returns at once. There are two threads by default (one on a machine of one core; the
// writerThreads option), each writing the files of its own folders (all the files of a folder go to one
// thread, and so do all of a server's pin group), creating each folder once (a parent folder the other thread
// made first is fine) and writing the files in order. put() stays synchronous (the API tree is emitted by a
// synchronous loop): when the files or bytes handed to a thread but not yet written reach its share of the
// bound, put() blocks (Atomics.wait) until that thread catches up, so memory held for writing stays bounded
// however fast the build makes files. commit() waits for the last write of every thread; the first write error
// on any thread makes the next put() or commit() throw with the file's path, and abort() stops the threads
// before it deletes. Each thread also pins each file it writes (sha256, mirror/pins.ts): pins() waits for them
// to drain and merges their pins into the signed index's pins, the same as one thread's, so the build's thread
// does not hash what it publishes.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { compareCodeUnits } from "./model.ts";
import { createPinRecorder, type Pins } from "./mirror/pins.ts";
import { threadScript } from "./parallel/pool.ts";
import { stringifyJson } from "./safe-json.ts";
import {
  BYTES,
  ERROR_LEN,
  FAILED,
  FILES,
  pinBatch,
  READY,
  SLOTS,
  STOP,
  writeErrorMessage,
  writeOne,
  type PinsReply,
  type PinsRequest,
  type WriteBatch,
} from "./write-thread.ts";

export type OutputTree = ReadonlyMap<string, string | Uint8Array>;

/** Where the build puts each file as it makes it. */
export interface TreeSink {
  put(rel: string, body: string | Uint8Array): void;
  /**
   * When the sink pins what it writes itself (the tree writer, on its thread): the signed index's pins of every
   * file put so far, once, before the index is put. The pipeline then leaves the hashing to it.
   */
  readonly pins?: () => Pins;
}

export interface TreeWriter extends TreeSink {
  /** The pins of every file put so far, hashed on the writer thread as it wrote them (once, before the index). */
  pins(): Pins;
  /** Swap the finished tree in for `outDir`; only then is the old one gone. */
  commit(): void;
  /** Remove the half-written tree; `outDir` is left as it was. */
  abort(): void;
  readonly files: number;
  readonly bytes: number;
  /** What the writer cleaned up or left alone (folders of killed builds), for the CLI to print. */
  readonly notes: readonly string[];
}

/** A folder the build must never replace, nor any folder that contains it. */
export interface GuardedPath {
  readonly path: string;
  /** How to name it in the refusal, e.g. "the repository root". */
  readonly what: string;
  /** Refuse an --out inside it too (the servers folder: a build there would pollute the data). */
  readonly andInside?: boolean;
}

export interface WriterOptions {
  readonly guarded?: readonly GuardedPath[];
  /** Whether a process id is running on this host (tests can pretend). */
  readonly isAlive?: (pid: number) => boolean;
  /** The bound on files handed to the writer thread and not yet written (default 4,096). */
  readonly maxFilesInFlight?: number;
  /** The bound on the bytes of the batches in flight (default 16 MiB); one larger file is let through alone. */
  readonly maxBytesInFlight?: number;
  /**
   * The writer threads (default: two, or one on a machine of one core). Each writes the files of its own
   * folders, and the bounds above hold for the total: each thread gets its share.
   */
  readonly writerThreads?: number;
  /** Called with the files and bytes in flight (all threads) each time put() hands over a batch (tests check the bound). */
  readonly onHandOver?: (filesInFlight: number, bytesInFlight: number) => void;
}

const BUILD_STAMP = "build-stamp.json";
const STAMP_FORMAT = "mcp-static-registry-build/1";

/** The build refused to replace `outDir`; the message is one line, for the CLI. */
export class OutDirRefusedError extends Error {}

type OutDirState = "missing" | "empty" | "build" | "legacy-build";
export type OutDirVerdict =
  { readonly kind: "ok"; readonly state: OutDirState } | { readonly kind: "refused"; readonly reason: string };

interface Stamp {
  readonly format: string;
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  /** Set when the tree was complete and swapped in. */
  readonly completedAt?: string;
}

const buildsDirOf = (abs: string) => path.join(path.dirname(abs), `.${path.basename(abs)}-builds`);

function isAliveDefault(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // alive, owned by someone else
  }
}

function readStamp(buildDir: string): Stamp | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(buildDir, BUILD_STAMP), "utf8")) as Partial<Stamp>;
    if (
      s.format !== STAMP_FORMAT ||
      !Number.isSafeInteger(s.pid) ||
      typeof s.host !== "string" ||
      typeof s.startedAt !== "string"
    )
      return undefined;
    if (s.completedAt !== undefined && typeof s.completedAt !== "string") return undefined;
    return s as Stamp;
  } catch {
    return undefined;
  }
}

/** The build folder a symlink at `abs` points to, when it is one of ours (…-builds/<id>/tree with a stamp). */
function ourBuildBehind(abs: string): string | undefined {
  let target: string;
  try {
    target = fs.readlinkSync(abs);
  } catch {
    return undefined;
  }
  const tree = path.resolve(path.dirname(abs), target);
  const buildDir = path.dirname(tree);
  if (path.basename(tree) !== "tree" || path.dirname(buildDir) !== buildsDirOf(abs)) return undefined;
  return readStamp(buildDir) ? buildDir : undefined;
}

/** Names a build writes at the top of its tree; a folder made of these with our meta.json is a pre-stamp build. */
const BUILD_TOP_NAMES = new Set(["404.html", "assets", "index.html", "s", "v0", "v0.1"]);
const LEGACY_MARK = "v0.1/x/io.github.mcp-static-registry/meta.json";

function isLegacyBuild(abs: string, entries: readonly string[]): boolean {
  return entries.every((e) => BUILD_TOP_NAMES.has(e)) && fs.existsSync(path.join(abs, LEGACY_MARK));
}

/** The path with every symlink in its existing part resolved (the rest appended), to compare locations. */
function realLocation(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realLocation(parent), path.basename(abs));
  }
}

const isSameOrAncestor = (a: string, b: string) => {
  const rel = path.relative(a, b);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
};

/**
 * May the build replace `outDir`? Only when it is missing, empty or a previous build, and is neither a
 * guarded folder nor one of its parents. Decided before any work, and again just before the swap.
 */
export function checkOutDir(outDir: string, guarded: readonly GuardedPath[] = []): OutDirVerdict {
  const abs = path.resolve(outDir);
  const refused = (why: string): OutDirVerdict => ({ kind: "refused", reason: `refusing --out ${outDir}: ${why}` });
  const fix =
    "The build replaces its --out folder, so it must be missing, empty or a previous build: choose another, e.g. --out dist. Nothing was deleted.";
  const real = realLocation(abs);
  const where = guarded.map((g) => ({ ...g, abs: path.resolve(g.path), real: realLocation(g.path) }));
  const same = where.find((g) => abs === g.abs || real === g.real);
  if (same) return refused(`it is ${same.what}. ${fix}`);
  for (const g of where) {
    const [gAbs, gReal] = [g.abs, g.real];
    if (isSameOrAncestor(abs, gAbs) || isSameOrAncestor(real, gReal))
      return refused(`it contains ${g.what} (${gAbs}). ${fix}`);
    if (g.andInside === true && (isSameOrAncestor(gAbs, abs) || isSameOrAncestor(gReal, real)))
      return refused(`it is inside ${g.what}, where build output does not belong. Nothing was deleted.`);
  }
  const stat = fs.lstatSync(abs, { throwIfNoEntry: false });
  if (stat === undefined) return { kind: "ok", state: "missing" };
  if (stat.isSymbolicLink())
    return ourBuildBehind(abs)
      ? { kind: "ok", state: "build" }
      : refused(`it is a symbolic link the build did not make. ${fix}`);
  if (!stat.isDirectory()) return refused(`it is a file. ${fix}`);
  const entries = fs.readdirSync(abs);
  if (entries.length === 0) return { kind: "ok", state: "empty" };
  if (isLegacyBuild(abs, entries)) return { kind: "ok", state: "legacy-build" };
  return refused(
    `the folder is not empty and is not a previous build (${entries.length} entries, no build stamp). ${fix}`,
  );
}

const writeStamp = (buildDir: string, stamp: Stamp) =>
  fs.writeFileSync(path.join(buildDir, BUILD_STAMP), stringifyJson(stamp) + "\n");

/**
 * Delete what killed builds left beside `abs`: incomplete build folders whose stamp names a process of this
 * host that no longer runs (never the live one), empty folders without a stamp, and temporary symlinks of
 * dead processes.
 */
function cleanLeftovers(abs: string, isAlive: (pid: number) => boolean, notes: string[]): void {
  const parent = path.dirname(abs);
  const base = path.basename(abs);
  const builds = buildsDirOf(abs);
  const live = ourBuildBehind(abs);
  const host = os.hostname();
  let removed = 0;
  for (const id of fs.readdirSync(builds)) {
    const dir = path.join(builds, id);
    if (dir === live || !fs.lstatSync(dir).isDirectory()) continue;
    const stamp = readStamp(dir);
    if (stamp === undefined) {
      if (fs.readdirSync(dir).length === 0)
        fs.rmdirSync(dir); // killed between mkdir and the stamp
      else notes.push(`left ${dir} alone: it has no build stamp, so no build made it.`);
      continue;
    }
    if (stamp.completedAt !== undefined) continue; // the tree before the live one; the next swap deletes it
    if (stamp.host !== host || stamp.pid === process.pid || isAlive(stamp.pid)) continue; // another build may be running
    fs.rmSync(dir, { recursive: true, force: true });
    removed++;
  }
  if (removed > 0)
    notes.push(`removed ${removed} folder(s) left by killed or failed builds in ${path.basename(builds)}/.`);
  const linkPrefix = `.${base}-link-`;
  const isLegacyLeftover = (name: string) =>
    [`.${base}-new-`, `.${base}-old-`].some((p) => name.startsWith(p) && /^[0-9]+$/.test(name.slice(p.length)));
  for (const name of fs.readdirSync(parent)) {
    if (name.startsWith(linkPrefix)) {
      const pid = Number(name.slice(linkPrefix.length));
      const p = path.join(parent, name);
      if (Number.isSafeInteger(pid) && pid !== process.pid && !isAlive(pid) && fs.lstatSync(p).isSymbolicLink())
        fs.unlinkSync(p); // a link, nothing behind it is touched
    } else if (isLegacyLeftover(name)) {
      notes.push(
        `${name} beside ${base}/ was left by a build from before build stamps; remove it by hand (rm -rf ${path.join(parent, name)}) when no build is running.`,
      );
    }
  }
}

/** After a swap: delete completed builds of ours other than the live one and the one it replaced. */
function deleteOlderBuilds(builds: string, keep: ReadonlySet<string | undefined>): void {
  for (const id of fs.readdirSync(builds)) {
    const dir = path.join(builds, id);
    if (!keep.has(dir) && readStamp(dir)?.completedAt !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Write files into a fresh build folder beside `outDir` as they come, so the build never holds the whole
 * output in memory, and swap it in at the end. A build that fails before commit() leaves `outDir` untouched.
 * Throws OutDirRefusedError (nothing touched) when `outDir` may not be replaced.
 */
export function createTreeWriter(outDir: string, options: WriterOptions = {}): TreeWriter {
  const abs = path.resolve(outDir);
  const guarded = options.guarded ?? [];
  const isAlive = options.isAlive ?? isAliveDefault;
  const first = checkOutDir(outDir, guarded);
  if (first.kind === "refused") throw new OutDirRefusedError(first.reason);
  const parent = path.dirname(abs);
  const builds = buildsDirOf(abs);
  const notes: string[] = [];
  fs.mkdirSync(builds, { recursive: true });
  cleanLeftovers(abs, isAlive, notes);
  const startedAt = new Date();
  const buildDir = path.join(builds, `${process.pid}-${startedAt.getTime().toString(36)}`);
  fs.mkdirSync(buildDir);
  const stamp: Stamp = {
    format: STAMP_FORMAT,
    pid: process.pid,
    host: os.hostname(),
    startedAt: startedAt.toISOString(),
  };
  writeStamp(buildDir, stamp);
  const tmp = path.join(buildDir, "tree");
  fs.mkdirSync(tmp);
  const writer = startWriterThreads(tmp, options);
  return {
    put(rel, body) {
      writer.put(rel, body);
    },
    pins: () => writer.pins(),
    commit() {
      try {
        writer.finish();
      } catch (e) {
        fs.rmSync(buildDir, { recursive: true, force: true });
        throw e;
      }
      // Again, just before the swap: the folder may have changed during a long build.
      const now = checkOutDir(outDir, guarded);
      if (now.kind === "refused") {
        fs.rmSync(buildDir, { recursive: true, force: true });
        throw new OutDirRefusedError(now.reason);
      }
      const previous = now.state === "build" ? ourBuildBehind(abs) : undefined;
      const link = path.join(parent, `.${path.basename(abs)}-link-${process.pid}`);
      fs.rmSync(link, { force: true });
      if (process.platform === "win32") fs.symlinkSync(tmp, link, "junction");
      else fs.symlinkSync(path.relative(parent, tmp), link);
      if (now.state === "empty") fs.rmdirSync(abs); // nothing was served from it
      let legacy: string | undefined;
      if (now.state === "legacy-build") {
        // A real folder cannot be swapped for a symlink in one step: this one-time move leaves a moment
        // without dist/. The old tree goes into a stamped folder of ours, so a kill here is cleaned up later.
        legacy = `${buildDir}-legacy`;
        fs.mkdirSync(legacy);
        writeStamp(legacy, { ...stamp, completedAt: new Date().toISOString() });
        fs.renameSync(abs, path.join(legacy, "tree"));
      }
      writeStamp(buildDir, { ...stamp, completedAt: new Date().toISOString() });
      fs.renameSync(link, abs); // atomic: the old symlink (or nothing) is replaced by the new one
      deleteOlderBuilds(builds, new Set([buildDir, previous ?? legacy]));
    },
    abort() {
      writer.stop();
      fs.rmSync(buildDir, { recursive: true, force: true });
    },
    get files() {
      return writer.files;
    },
    get bytes() {
      return writer.bytes;
    },
    notes,
  };
}

const ERROR_BYTES = 4096;
const BATCH_FILES = 256;
const BATCH_BYTES = 1 << 20;
const START_TIMEOUT_MS = 60_000;
const WRITE_THREAD = fileURLToPath(new URL("./write-thread.ts", import.meta.url));

interface WriterThread {
  put(rel: string, body: string | Uint8Array): void;
  /** Wait for the files put so far to be written and pinned, and return their pins (once). */
  pins(): Pins;
  /** Wait for every write; throws the first write error. */
  finish(): void;
  /** Skip what is not written yet, and wait until the threads touch nothing more. */
  stop(): void;
  readonly files: number;
  readonly bytes: number;
}

const V0_SERVERS = "v0/servers/";
const V01_SERVERS = "v0.1/servers/";

/** Where the pin group `<ns>/<srv>` of `rel` (pinGroupOf, without its regex) starts, or -1; it ends at groupEnd. */
const groupStart = (rel: string): number =>
  rel.startsWith(V0_SERVERS) ? V0_SERVERS.length : rel.startsWith(V01_SERVERS) ? V01_SERVERS.length : -1;

function groupEnd(rel: string, start: number): number {
  const slash = rel.indexOf("/", start);
  if (slash <= start) return -1;
  const end = rel.indexOf("/", slash + 1);
  return end > slash + 1 ? end : -1;
}

/** A cheap hash (FNV-1a, then mixed so that its low bits count) of `rel`'s code units from..to. */
function hashSpan(rel: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ rel.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

const laneOfSpan = (rel: string, start: number, end: number, lanes: number): number =>
  (end < 0 ? hashSpan(rel, 0, Math.max(0, rel.lastIndexOf("/"))) : hashSpan(rel, start, end)) % lanes;

/** Which of `lanes` writer threads writes `rel`: the one of its server's pin group, or else of its folder. */
export function writerLaneOf(rel: string, lanes: number): number {
  const start = groupStart(rel);
  return laneOfSpan(rel, start, start < 0 ? -1 : groupEnd(rel, start), lanes);
}

/** One writer thread's share: its own state in shared memory, its own batch, and its thread once started. */
interface Lane {
  readonly state: Int32Array;
  readonly errorText: Uint8Array;
  worker?: Worker;
  pinsPort?: MessagePort;
  batch: { rels: string[]; starts: number[]; ends: number[]; buffer: Buffer };
  used: number;
  last: string | Uint8Array | undefined;
}

/**
 * The files go to the writer threads in batches, each encoded once into a buffer that is transferred (not
 * copied). Each thread (a lane) writes the files of its own folders: all of a server's pin group
 * (`v0/servers/<ns>/<srv>/…` and `v0.1/…`) go to one lane, so that each thread pins whole groups, and any other
 * file goes by a hash of its folder; either way all the files of a folder go to one lane. Each lane keeps the
 * bound divided by the number of lanes, so the total in flight stays within it. A lane's thread is started with
 * its second batch: a tree of one batch per lane (tests, small registries) is written on this thread at commit,
 * in the order it was put, sparing the threads' start.
 */
function startWriterThreads(root: string, options: WriterOptions): WriterThread {
  const n = Math.max(1, Math.floor(options.writerThreads ?? Math.min(2, os.availableParallelism())));
  const maxFiles = Math.max(1, Math.floor(Math.max(1, options.maxFilesInFlight ?? 4096) / n));
  const maxBytes = Math.max(1, Math.floor(Math.max(1, options.maxBytesInFlight ?? 16 << 20) / n));
  const batchFiles = Math.min(BATCH_FILES, maxFiles);
  const batchBytes = Math.min(BATCH_BYTES, maxBytes);
  const newBatch = (lane: Lane, need: number) => {
    lane.batch = { rels: [], starts: [], ends: [], buffer: Buffer.allocUnsafeSlow(Math.max(batchBytes, need)) };
    lane.used = 0;
    lane.last = undefined;
  };
  const lanes: Lane[] = Array.from({ length: n }, () => {
    const lane = {
      state: new Int32Array(new SharedArrayBuffer(SLOTS * 4)),
      errorText: new Uint8Array(new SharedArrayBuffer(ERROR_BYTES)),
    } as Lane;
    newBatch(lane, 0);
    return lane;
  });
  /** The lane of each file put, while no thread is started (several lanes): a small tree is written in order. */
  let order: number[] | undefined = n > 1 ? [] : undefined;
  // Several lanes: the check of the pin recorder that a server's files come together, made here (each thread
  // sees only its own lanes' files). One server name per server.
  let openGroup: string | undefined;
  const closedGroups = new Set<string>();
  let groupError: string | undefined;
  let files = 0;
  let bytes = 0;
  let closed = false;
  let pinned = false;

  const throwIfFailed = () => {
    for (const { state, errorText } of lanes) {
      if (Atomics.load(state, FAILED) === 0) continue;
      const len = Atomics.load(state, ERROR_LEN);
      throw new Error(Buffer.from(errorText.subarray(0, len)).toString("utf8"));
    }
  };
  /** Block until `done()` holds; the lane's thread notifies FILES after every batch. */
  const waitUntil = ({ state }: Lane, done: () => boolean) => {
    const started = Date.now();
    while (!done()) {
      const seen = Atomics.load(state, FILES);
      if (done()) break;
      Atomics.wait(state, FILES, seen, 1000);
      if (Atomics.load(state, READY) === 0 && Date.now() - started > START_TIMEOUT_MS)
        throw new Error(`internal: the writer thread did not start in ${START_TIMEOUT_MS / 1000} s`);
    }
  };
  const idle = ({ state }: Lane) => Atomics.load(state, FILES) === 0 && Atomics.load(state, BYTES) === 0;
  const inFlight = (slot: number) => lanes.reduce((sum, { state }) => sum + Atomics.load(state, slot), 0);
  /** Hand the lane's batch over (blocking while its bound would be passed), and start its next one. */
  const handOver = (lane: Lane, need: number) => {
    const { rels, starts, ends, buffer } = lane.batch;
    const { state } = lane;
    if (rels.length > 0) {
      if (lane.worker === undefined) {
        // The thread pins what it writes, unless the pins were taken here already (then only the index is left).
        const channel = pinned ? undefined : new MessageChannel();
        lane.pinsPort = channel?.port1;
        lane.worker = new Worker(threadScript(WRITE_THREAD), {
          eval: true,
          workerData: { role: "tree-writer", root, state, errorText: lane.errorText, pinsPort: channel?.port2 },
          transferList: channel ? [channel.port2] : [],
        });
        lane.worker.unref(); // commit() or abort() waits for it; a build that throws must not hang on it
        order = undefined;
      }
      // Room for this batch: the bound holds, or nothing is in flight (one file larger than the bound).
      waitUntil(
        lane,
        () =>
          idle(lane) ||
          (Atomics.load(state, FILES) + rels.length <= maxFiles &&
            Atomics.load(state, BYTES) + buffer.byteLength <= maxBytes),
      );
      Atomics.add(state, FILES, rels.length);
      Atomics.add(state, BYTES, buffer.byteLength);
      options.onHandOver?.(inFlight(FILES), inFlight(BYTES));
      const handed: WriteBatch = { rels, starts, ends, buffer: buffer.buffer as ArrayBuffer };
      lane.worker.postMessage(handed, [handed.buffer]);
    }
    newBatch(lane, need);
  };
  /** The last batch of lanes that never needed their thread, written here (in the order put, when it is known). */
  const writeHere = (which: readonly Lane[]) => {
    const made = new Set<string>(["."]);
    const at = new Map(which.map((lane) => [lane, 0]));
    const write = (lane: Lane, i: number) => {
      const { rels, starts, ends, buffer } = lane.batch;
      try {
        writeOne(root, made, rels[i]!, buffer.subarray(starts[i], ends[i]));
      } catch (e) {
        throw new Error(writeErrorMessage(rels[i]!, e), { cause: e });
      }
    };
    if (order !== undefined)
      for (const l of order) {
        const lane = lanes[l]!;
        const i = at.get(lane)!;
        at.set(lane, i + 1);
        write(lane, i);
      }
    else for (const lane of which) for (let i = 0; i < lane.batch.rels.length; i++) write(lane, i);
  };
  const close = () => {
    closed = true;
    for (const lane of lanes) {
      lane.pinsPort?.close();
      if (lane.worker) void lane.worker.terminate();
    }
  };
  const started = () => lanes.filter((lane) => lane.worker !== undefined);
  const notStarted = () => lanes.filter((lane) => lane.worker === undefined);

  return {
    put(rel, body) {
      if (closed) throw new Error(`internal: ${rel} was put after the tree was committed or aborted`);
      throwIfFailed();
      let lane = lanes[0]!;
      if (n > 1) {
        const start = groupStart(rel);
        const end = start < 0 ? -1 : groupEnd(rel, start);
        const l = laneOfSpan(rel, start, end, n);
        if (end >= 0 && !pinned && (openGroup?.length !== end - start || !rel.startsWith(openGroup, start))) {
          const group = rel.slice(start, end);
          if (openGroup !== undefined) closedGroups.add(openGroup);
          if (closedGroups.has(group))
            groupError ??= `internal: the files of ${group} were not emitted together (${rel} came after another server's)`;
          openGroup = group;
        }
        lane = lanes[l]!;
        order?.push(l);
      }
      let { batch } = lane;
      if (body !== lane.last || batch.rels.length >= batchFiles) {
        if (batch.rels.length >= batchFiles) handOver(lane, 0);
        batch = lane.batch;
        let len: number;
        if (typeof body === "string") {
          // A UTF-16 code unit is at most 3 UTF-8 bytes: with that much room the string is encoded straight
          // into the batch, without a first pass to measure it (most files; a batch is 1 MiB).
          if (body.length * 3 > batch.buffer.byteLength - lane.used) {
            const need = Buffer.byteLength(body);
            if (lane.used + need > batch.buffer.byteLength) handOver(lane, need);
            batch = lane.batch;
          }
          len = batch.buffer.write(body, lane.used, "utf8");
        } else {
          len = body.byteLength;
          if (lane.used + len > batch.buffer.byteLength) handOver(lane, len);
          batch = lane.batch;
          batch.buffer.set(body, lane.used);
        }
        batch.starts.push(lane.used);
        lane.used += len;
        lane.last = body;
      } else batch.starts.push(batch.starts[batch.starts.length - 1]!);
      batch.ends.push(lane.used);
      batch.rels.push(rel);
      files++;
      bytes += batch.ends[batch.ends.length - 1]! - batch.starts[batch.starts.length - 1]!;
    },
    pins() {
      if (closed || pinned) throw new Error("internal: the pins were taken already, or the tree was committed");
      throwIfFailed();
      pinned = true;
      const asked = started();
      for (const lane of asked) {
        handOver(lane, 0);
        // The request counts as a file in flight until the thread has posted the pins of every batch before it.
        Atomics.add(lane.state, FILES, 1);
        lane.worker!.postMessage({ pins: true } satisfies PinsRequest);
      }
      // Every file of a lane whose thread is not started is still in its first batch: pinned here, as the thread would.
      const parts = notStarted().map((lane) => {
        const recorder = createPinRecorder();
        pinBatch(recorder, lane.batch, lane.batch.buffer, 0, lane.batch.rels.length);
        return recorder.pins();
      });
      for (const lane of asked) waitUntil(lane, () => idle(lane));
      throwIfFailed();
      if (groupError !== undefined) throw new Error(groupError);
      for (const lane of asked) {
        const reply = receiveMessageOnPort(lane.pinsPort!);
        if (reply === undefined) throw new Error("internal: the writer thread sent no pins");
        const answer = reply.message as PinsReply;
        if ("error" in answer) throw new Error(answer.error);
        parts.push(answer.pins);
      }
      return mergePins(parts);
    },
    finish() {
      if (closed) throw new Error("internal: the tree was committed or aborted already");
      try {
        const running = started();
        for (const lane of running) handOver(lane, 0);
        writeHere(notStarted()); // while the threads write theirs
        for (const lane of running) waitUntil(lane, () => idle(lane));
        throwIfFailed();
      } finally {
        close();
      }
    },
    stop() {
      if (closed) return;
      for (const { state } of lanes) Atomics.store(state, STOP, 1);
      for (const lane of started()) waitUntil(lane, () => idle(lane));
      close();
    },
    get files() {
      return files;
    },
    get bytes() {
      return bytes;
    },
  };
}

/** The pins of several lanes as one: each lane pinned whole groups and its own files, so they only interleave. */
function mergePins(parts: readonly Pins[]): Pins {
  if (parts.length === 1) return parts[0]!;
  const merged = (records: readonly Readonly<Record<string, string>>[]) => {
    const entries = records.flatMap((r) => Object.entries(r)).sort((a, b) => compareCodeUnits(a[0], b[0]));
    const out: Record<string, string> = {};
    for (const [k, v] of entries) out[k] = v;
    return out;
  };
  return { servers: merged(parts.map((p) => p.servers)), files: merged(parts.map((p) => p.files)) };
}

/** Write `tree` as `outDir`, replacing what was there only once every file is written. */
export function writeTree(tree: OutputTree, outDir: string, options: WriterOptions = {}): void {
  const writer = createTreeWriter(outDir, options);
  try {
    for (const [rel, body] of tree) writer.put(rel, body);
  } catch (e) {
    writer.abort();
    throw e;
  }
  writer.commit();
}

export interface TreeDifference {
  readonly path: string;
  readonly kind: "missing" | "extra" | "changed";
}

/** What differs between `tree` and the files under `dir` (for `build --check`). */
export function diffTree(tree: OutputTree, dir: string): TreeDifference[] {
  const out: TreeDifference[] = [];
  const onDisk = new Set<string>();
  const walk = (rel: string) => {
    const abs = rel === "" ? dir : path.join(dir, rel);
    if (!fs.existsSync(abs)) return;
    for (const d of fs.readdirSync(abs, { withFileTypes: true })) {
      const p = rel === "" ? d.name : `${rel}/${d.name}`;
      if (d.isDirectory()) walk(p);
      else onDisk.add(p);
    }
  };
  walk("");
  for (const [rel, body] of tree) {
    if (!onDisk.has(rel)) {
      out.push({ path: rel, kind: "missing" });
      continue;
    }
    const want = typeof body === "string" ? Buffer.from(body) : body;
    if (!fs.readFileSync(path.join(dir, rel)).equals(want)) out.push({ path: rel, kind: "changed" });
  }
  for (const rel of onDisk) if (!tree.has(rel)) out.push({ path: rel, kind: "extra" });
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}
