// The change feed: an append-only log of every change to a served version document, derived from git.
//
// Replays the first-parent history of the servers tree commit by commit (the same line and committer times
// the build uses for publishedAt/updatedAt) and emits one entry each time the bytes of a version's served
// document (`/v0.1/servers/<name>/versions/<version>.json`) change:
//   publish       the version's server.json appeared
//   status        its status or statusMessage changed (deprecate, delete, restore)
//   latest-moved  only its isLatest flag flipped, because another version of the server was published or
//                 changed status (the official API's updated_since misses this, UPSTREAM.md §6.2)
//   update        anything else that changes the served document (an edited server.json, a signature or
//                 a re-import changing updatedAt)
//   removed       the folder left the tree (not a normal operation; sha256 is null)
// `sha256` is the sha256 of the served version document bytes after the change, so the newest entry of a
// version always matches the file served now; `seq` counts entries from 1 along the history, so the same
// commits always give the same entries and a new build only appends.
//
// Files (under v0.1 only, the extension convention's prefix; the feed is additive and v0 is not frozen):
//   v0.1/x/<ns>/feed/index.json          {format, segmentSize, lastSeq, serial, gitCommit, generatedAt,
//                                         segments: [{path, firstSeq, lastSeq, entries, bytes, sha256}]}
//   v0.1/x/<ns>/feed/<000000>.ndjson     entries seq k·N+1 … (k+1)·N, one JSON object per line; every
//                                         segment but the last is full and never changes again.

import { sha256Hex } from "./pins.ts";
import { formatTime, readHistory, runGit, type History, type RunGit } from "../git-history.ts";
import { statusOfBytes } from "../status-file.ts";
import {
  REGISTRY_NAMESPACE,
  compareCodeUnits,
  documentJson,
  servedBody,
  servedDocument,
  type OfficialMeta,
  type RegistryModel,
  type Status,
  type VersionRecord,
} from "../model.ts";
import { mergeImportedTimes, parseImportYaml, type ImportInfo } from "../import-record.ts";
import { stringifyJson } from "../safe-json.ts";
import { pickLatest } from "../versions.ts";

export const FEED_FORMAT = "mcp-static-registry-feed/1";
const FEED_DIR = `v0.1/x/${REGISTRY_NAMESPACE}/feed`;
export const FEED_INDEX = `${FEED_DIR}/index.json`;
export const DEFAULT_SEGMENT_SIZE = 1000;

export type FeedOp = "publish" | "status" | "latest-moved" | "update" | "removed";

export interface FeedEntry {
  readonly seq: number;
  readonly time: string;
  readonly commit: string;
  readonly name: string;
  readonly version: string;
  readonly op: FeedOp;
  /** sha256 (hex) of the served version document after the change; null for `removed`. */
  readonly sha256: string | null;
  readonly status: Status | null;
  readonly isLatest: boolean;
}

export interface FeedSegment {
  readonly path: string;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly entries: number;
  readonly bytes: number;
  readonly sha256: string;
}

export interface FeedIndex {
  readonly format: string;
  readonly segmentSize: number;
  readonly lastSeq: number;
  readonly serial: number;
  readonly gitCommit: string | null;
  readonly generatedAt: string;
  readonly segments: FeedSegment[];
}

/** What the feed replays: the first-parent commits and a blob reader (git-history.ts's History has both). */
export type FeedHistory = Pick<History, "commits" | "readBlobs">;

const ZERO = /^0+$/;
export { sha256Hex }; // its home is pins.ts: a feed entry's sha256 is its document's pin

/** Read the first-parent history of `serversRoot` (the same single `git log` the build's times come from). */
export function readFeedHistory(serversRoot: string, run: RunGit = runGit): FeedHistory {
  return readHistory(serversRoot, { run });
}

interface DirState {
  readonly name: string;
  readonly version: string;
  serverBlob: string | null;
  statusBlob: string | null;
  importBlob: string | null;
  publishedAt: number | null;
  firstEvent: number;
  updatedAt: number;
  statusChangedAt: number;
  status: Status;
  importedAt: number | null;
  /** What its newest entry served (null: nothing, or removed): the document, the official data and its JSON. */
  last: Served | null;
  lastStatus: string;
  isLatest: boolean;
  /** What the latest pick reads, cached until the folder changes again. */
  facts: { version: string; publishedAt: string; status: Status } | undefined;
}

export interface FeedResult {
  readonly entries: FeedEntry[];
  /** Versions of the model whose newest entry does not match the served document (uncommitted changes). */
  readonly mismatches: string[];
}

/** A feed entry before its sha256 is known: the site reads these; `finish` adds the sha256s. */
type FeedChange = Omit<FeedEntry, "sha256">;

/**
 * The history replayed. Which entries there are is known without hashing (a served document is a function of
 * its parsed document and official data), so `changes` is ready before the API is written; the sha256s come
 * from the served documents' own hashes where an entry is what is served now (`finish`), else are computed.
 */
export interface ReplayedFeed {
  readonly changes: readonly FeedChange[];
  /** The entries, and the versions whose newest entry is not served now; `servedSha` hashes r's served document. */
  finish(servedSha: (r: VersionRecord) => string): FeedResult;
}

const replays = new WeakMap<FeedHistory, { readonly model: RegistryModel; readonly feed: ReplayedFeed }>();

/**
 * Replay the history into feed entries, once, commit by commit: each commit updates the state of the version
 * folders it touches (FeedReplay.record), re-picks `latest` only for the servers those folders belong to, and
 * emits an entry for every version whose served document changed (FeedReplay.emitChanges). `model` supplies
 * the parsed documents of current blobs (the common case: a server.json never changes), so only older blobs
 * are read from git. One replay per (history, model): the site and the mirror files of one build share it.
 */
export function replayFeed(history: FeedHistory, model: RegistryModel): ReplayedFeed {
  const seen = replays.get(history);
  if (seen?.model === model) return seen.feed;
  const replay = new FeedReplay(readFeedBlobs(history, model));
  for (const commit of history.commits) replay.apply(commit);
  const feed: ReplayedFeed = { changes: replay.changes, finish: (servedSha) => replay.finish(model, servedSha) };
  replays.set(history, { model, feed });
  return feed;
}

/** The feed and its check against the model, each served document serialised again (tests). */
export function buildFeed(history: FeedHistory, model: RegistryModel): FeedResult {
  return replayFeed(history, model).finish(servedSha);
}

/** What the replay reads from blobs: a document, a status and an import record, each parsed once. */
interface FeedBlobs {
  /** The document's canonical text (documentJson), or undefined when the blob is not JSON. */
  docOf(blob: string): string | undefined;
  statusOf(blob: string | null): { status: Status; statusMessage?: string };
  importOf(blob: string | null): ImportInfo | undefined;
}

/** Read every blob the replay needs with one `git cat-file --batch`, except documents the model already has. */
function readFeedBlobs(history: FeedHistory, model: RegistryModel): FeedBlobs {
  const currentDocs = new Map<string, string>();
  for (const r of model.versions) currentDocs.set(r.blob, r.json);
  const needed = new Set<string>();
  for (const c of history.commits)
    for (const ch of c.changes)
      if (!ZERO.test(ch.blob) && (ch.file !== "server.json" || !currentDocs.has(ch.blob)) && isTracked(ch.file))
        needed.add(ch.blob);
  const blobs = history.readBlobs([...needed].sort());
  const statusCache = new Map<string, { status: Status; statusMessage?: string }>();
  const importCache = new Map<string, ImportInfo | undefined>();
  return {
    docOf(blob) {
      const cur = currentDocs.get(blob);
      if (cur) return cur;
      const bytes = blobs.get(blob);
      if (!bytes) return undefined;
      try {
        const doc = documentJson(JSON.parse(Buffer.from(bytes).toString("utf8")));
        currentDocs.set(blob, doc);
        return doc;
      } catch {
        return undefined;
      }
    },
    statusOf(blob) {
      if (blob == null) return { status: "active" };
      let st = statusCache.get(blob);
      if (!st) {
        st = statusOfBytes(blobs.get(blob));
        statusCache.set(blob, st);
      }
      return st;
    },
    importOf(blob) {
      if (blob == null) return undefined;
      if (!importCache.has(blob)) {
        const bytes = blobs.get(blob);
        const parsed = bytes ? parseImportYaml(Buffer.from(bytes).toString("utf8"), "import.yaml") : undefined;
        importCache.set(blob, parsed?.kind === "ok" ? parsed.info : undefined);
      }
      return importCache.get(blob);
    },
  };
}

type HistoryStep = FeedHistory["commits"][number];

/** What one commit did to a version folder. */
interface Touch {
  published: boolean;
  removed: boolean;
}

/** The replay's state: every version folder seen so far, grouped by server, and the entries emitted. */
class FeedReplay {
  readonly changes: FeedChange[] = [];
  /** What each change served (null for `removed`), by position. */
  private readonly served: (Served | null)[] = [];
  private readonly dirs = new Map<string, DirState>();
  private readonly byServer = new Map<string, DirState[]>();
  private readonly blobs: FeedBlobs;

  constructor(blobs: FeedBlobs) {
    this.blobs = blobs;
  }

  /** One commit: update the folders it touches, re-pick latest for their servers, emit what changed. */
  apply(commit: HistoryStep): void {
    const touched = this.record(commit);
    const servers = new Set<string>();
    for (const key of touched.keys()) servers.add(this.dirs.get(key)!.name);
    this.emitChanges(commit, this.pickLatest(servers, touched));
  }

  /** The state of every folder the commit changed (its blobs, times and status), keyed by folder. */
  private record(commit: HistoryStep): Map<string, Touch> {
    const touched = new Map<string, Touch>();
    for (const ch of commit.changes) {
      const d = this.dirs.get(ch.dir) ?? this.addDir(ch.dir, commit.time);
      const blob = ZERO.test(ch.blob) ? null : ch.blob;
      const t = touched.get(ch.dir) ?? { published: false, removed: false };
      d.facts = undefined;
      if (commit.time > d.updatedAt) d.updatedAt = commit.time; // every file (a signature too) changes updatedAt
      if (ch.file === "server.json") {
        if (blob != null && d.serverBlob == null) t.published = true;
        if (blob == null && d.serverBlob != null) t.removed = true;
        if (blob != null && d.publishedAt == null) {
          d.publishedAt = commit.time;
          if (d.statusChangedAt < commit.time && d.status === "active") d.statusChangedAt = commit.time;
        }
        d.serverBlob = blob;
      } else if (ch.file === "status.yaml") {
        d.statusBlob = blob;
        const next = blob == null ? "active" : this.blobs.statusOf(blob).status;
        if (next !== d.status) {
          d.status = next;
          d.statusChangedAt = commit.time;
        }
      } else if (ch.file === "import.yaml") {
        d.importBlob = blob;
        d.importedAt = commit.time;
      }
      touched.set(ch.dir, t);
    }
    return touched;
  }

  private addDir(dir: string, time: number): DirState {
    const [ns, server, version] = dir.split("/") as [string, string, string];
    const d: DirState = {
      name: `${ns}/${server}`,
      version,
      serverBlob: null,
      statusBlob: null,
      importBlob: null,
      publishedAt: null,
      firstEvent: time,
      updatedAt: time,
      statusChangedAt: time,
      status: "active",
      importedAt: null,
      last: null,
      lastStatus: "",
      isLatest: false,
      facts: undefined,
    };
    this.dirs.set(dir, d);
    const list = this.byServer.get(d.name);
    if (list) list.push(d);
    else this.byServer.set(d.name, [d]);
    return d;
  }

  /**
   * Re-pick latest for each server the commit touched (only theirs: the others cannot have moved), and list
   * the versions whose document may have changed: touched ones and those whose isLatest flipped, in
   * (name, version) order.
   */
  private pickLatest(servers: ReadonlySet<string>, touched: ReadonlyMap<string, Touch>) {
    const changed: { dir: DirState; published: boolean; removed: boolean; touched: boolean }[] = [];
    for (const name of servers) {
      const list = this.byServer.get(name)!;
      const live = list.filter((d) => d.serverBlob != null);
      const latest = pickLatest(live, (d) => {
        if (d.facts === undefined) {
          const o = this.officialOf(d, false);
          d.facts = { version: d.version, publishedAt: o.publishedAt, status: o.status };
        }
        return d.facts;
      });
      for (const d of list) {
        const t = touched.get(`${d.name}/${d.version}`);
        const nextLatest = d === latest;
        if (t || nextLatest !== d.isLatest)
          changed.push({ dir: d, published: t?.published ?? false, removed: t?.removed ?? false, touched: !!t });
        d.isLatest = nextLatest;
      }
    }
    return changed.sort(
      (a, b) => compareCodeUnits(a.dir.name, b.dir.name) || compareCodeUnits(a.dir.version, b.dir.version),
    );
  }

  /** One entry for each listed version whose served document's bytes differ from its last entry's. */
  private emitChanges(commit: HistoryStep, changed: ReturnType<FeedReplay["pickLatest"]>): void {
    for (const { dir: d, published, removed, touched: wasTouched } of changed) {
      if (d.serverBlob == null) {
        if (removed || d.last != null) this.emit(commit, d, "removed", null, null);
        if (d.last != null) settle(d, d.last);
        d.last = null;
        continue;
      }
      const doc = this.blobs.docOf(d.serverBlob);
      if (doc === undefined) continue; // a blob that is not JSON was never valid on main; nothing to serve
      const official = this.officialOf(d, d.isLatest);
      const next: Served = { doc, official, sha: undefined };
      if (d.last != null && sameBytes(d.last, next)) continue;
      const statusKey = `${official.status}\0${official.statusMessage ?? ""}`;
      const op: FeedOp =
        published || d.last == null
          ? "publish"
          : statusKey !== d.lastStatus
            ? "status"
            : wasTouched
              ? "update"
              : "latest-moved";
      d.lastStatus = statusKey;
      if (d.last != null) settle(d, d.last);
      d.last = next;
      this.emit(commit, d, op, next, official.status);
    }
  }

  private emit(commit: HistoryStep, d: DirState, op: FeedOp, served: Served | null, status: Status | null): void {
    this.changes.push({
      seq: this.changes.length + 1,
      time: formatTime(commit.time),
      commit: commit.id,
      name: d.name,
      version: d.version,
      op,
      status,
      isLatest: served != null && d.isLatest,
    });
    this.served.push(served);
  }

  /** The registry-managed data the folder's document is served with, as of the commit replayed last. */
  private officialOf(d: DirState, isLatest: boolean): OfficialMeta {
    const { status, statusMessage } = this.blobs.statusOf(d.statusBlob);
    const times = mergeImportedTimes(
      {
        publishedAt: formatTime(d.publishedAt ?? d.firstEvent),
        updatedAt: formatTime(d.updatedAt),
        statusChangedAt: formatTime(d.statusChangedAt),
        ...(d.importedAt == null ? {} : { importedAt: formatTime(d.importedAt) }),
      },
      this.blobs.importOf(d.importBlob),
    );
    return {
      status,
      ...(statusMessage === undefined ? {} : { statusMessage }),
      statusChangedAt: times.statusChangedAt,
      publishedAt: times.publishedAt,
      updatedAt: times.updatedAt,
      isLatest,
    };
  }

  /**
   * The entries with their sha256s, and the versions whose newest entry is not what is served now. An entry
   * that serves exactly the model's document and official data takes the served document's sha256.
   */
  finish(model: RegistryModel, servedSha: (r: VersionRecord) => string): FeedResult {
    const mismatches: string[] = [];
    for (const r of model.versions) {
      const d = this.dirs.get(`${r.name}/${r.version}`);
      const last = d?.last;
      if (!d || !last) {
        mismatches.push(`${r.name}@${r.version}`);
        continue;
      }
      const sha = servedSha(r);
      if (last.doc === r.json && sameOfficial(last.official!, r.official)) last.sha = sha;
      else if (shaOf(d, last) !== sha) mismatches.push(`${r.name}@${r.version}`);
    }
    const dirOf = (c: FeedChange) => this.dirs.get(`${c.name}/${c.version}`)!;
    const entries = this.changes.map((c, i): FeedEntry => {
      const served = this.served[i];
      return {
        seq: c.seq,
        time: c.time,
        commit: c.commit,
        name: c.name,
        version: c.version,
        op: c.op,
        sha256: served ? shaOf(dirOf(c), served) : null,
        status: c.status,
        isLatest: c.isLatest,
      };
    });
    return { entries, mismatches };
  }
}

/**
 * What an entry served: its bytes are a function of (name, version, doc, official). The newest entry of each
 * folder keeps its document and official data until finish() (where the model's served sha256 is taken when
 * they are what the model serves); an entry a later one replaces is hashed then and keeps only its sha256, so
 * the replay does not hold every historical document to the end.
 */
interface Served {
  /** The document's canonical text; dropped once settled. */
  doc: string | undefined;
  official: OfficialMeta | undefined;
  sha: string | undefined;
}

function shaOf(d: DirState, s: Served): string {
  s.sha ??= sha256Hex(servedBody(d.name, d.version, s.doc!, s.official!));
  return s.sha;
}

/** An entry no longer the folder's newest: its sha256, and nothing else kept. */
function settle(d: DirState, s: Served): void {
  shaOf(d, s);
  s.doc = undefined;
  s.official = undefined;
}

/** The same official data, field by field (the fields servedBody writes, in its order). */
function sameOfficial(a: OfficialMeta, b: OfficialMeta): boolean {
  return (
    a.status === b.status &&
    a.statusMessage === b.statusMessage &&
    a.statusChangedAt === b.statusChangedAt &&
    a.publishedAt === b.publishedAt &&
    a.updatedAt === b.updatedAt &&
    a.isLatest === b.isLatest
  );
}

/**
 * Whether two states of a folder serve the same bytes: the served document is the document's canonical text
 * and the official data, each written whole (model.ts servedBody), so it is the same bytes exactly when both
 * are the same; no hashing.
 */
function sameBytes(a: Served, b: Served): boolean {
  return a.doc === b.doc && sameOfficial(a.official!, b.official!);
}

const isTracked = (file: string) => file === "server.json" || file === "status.yaml" || file === "import.yaml";

export const servedSha = (r: VersionRecord): string => sha256Hex(servedDocument(r));

const formatEntry = (e: FeedEntry): string => stringifyJson(e);

/** Split entries into segment files and the index; closed segments are byte-stable across builds. */
export function buildFeedFiles(
  entries: readonly FeedEntry[],
  model: RegistryModel,
  segmentSize = DEFAULT_SEGMENT_SIZE,
): Map<string, string> {
  // Contiguous by construction: seq is the position in the list, and segment k holds seq k·N+1 … (k+1)·N.
  entries.forEach((e, i) => {
    if (e.seq !== i + 1) throw new Error(`internal: feed entry ${i + 1} has seq ${e.seq}`);
  });
  const files = new Map<string, string>();
  const segments: FeedSegment[] = [];
  for (let start = 0; start < entries.length; start += segmentSize) {
    const slice = entries.slice(start, start + segmentSize);
    const body = slice.map((e) => formatEntry(e) + "\n").join("");
    const p = segmentPath(start / segmentSize);
    files.set(p, body);
    segments.push({
      path: p,
      firstSeq: slice[0]!.seq,
      lastSeq: slice[slice.length - 1]!.seq,
      entries: slice.length,
      bytes: Buffer.byteLength(body),
      sha256: sha256Hex(body),
    });
  }
  const index: FeedIndex = {
    format: FEED_FORMAT,
    segmentSize,
    lastSeq: entries.length,
    serial: model.info.serial,
    gitCommit: model.info.gitCommit,
    generatedAt: model.info.generatedAt,
    segments,
  };
  const problem = feedIndexProblem(index);
  if (problem) throw new Error(`internal: the feed the build made is not contiguous: ${problem.message}`);
  files.set(FEED_INDEX, stringifyJson(index, 1) + "\n");
  return files;
}

export const segmentPath = (k: number): string => `${FEED_DIR}/${String(k).padStart(6, "0")}.ndjson`;

export interface FeedProblem {
  /** feed/malformed, feed/gap, feed/overlap, feed/short-segment, feed/range */
  readonly code: string;
  readonly message: string;
}

const SHA_RE = /^[0-9a-f]{64}$/;
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

/**
 * The feed index must describe one contiguous run of seq 1 … lastSeq: segment k is `segmentPath(k)`, starts
 * at k·N+1, every segment but the last is full, and the last ends at lastSeq (which must equal the range the
 * signed index states, when given). Anything else is a gap or an overlap, and a mirror that applied it would
 * skip entries for good.
 */
export function feedIndexProblem(index: FeedIndex, statedLastSeq?: number): FeedProblem | undefined {
  const bad = (code: string, message: string): FeedProblem => ({ code, message: `${FEED_INDEX}: ${message}` });
  if (typeof index !== "object" || index == null || !Array.isArray(index.segments))
    return bad("feed/malformed", "no segments list");
  if (index.format !== FEED_FORMAT)
    return bad("feed/malformed", `unknown feed format ${JSON.stringify(index.format)} (expected ${FEED_FORMAT})`);
  const n = index.segmentSize;
  if (!isInt(n) || n < 1 || !isInt(index.lastSeq) || index.lastSeq < 0)
    return bad("feed/malformed", "segmentSize or lastSeq is not a whole number");
  if (statedLastSeq !== undefined && index.lastSeq !== statedLastSeq)
    return bad(
      "feed/range",
      `lastSeq is ${index.lastSeq} but the signed index says the feed ends at seq ${statedLastSeq}`,
    );
  let next = 1;
  for (const [k, seg] of index.segments.entries()) {
    const at = `segment ${k} (${typeof seg?.path === "string" ? seg.path : "?"})`;
    if (
      typeof seg !== "object" ||
      seg == null ||
      !isInt(seg.firstSeq) ||
      !isInt(seg.lastSeq) ||
      !isInt(seg.entries) ||
      typeof seg.sha256 !== "string" ||
      !SHA_RE.test(seg.sha256)
    )
      return bad("feed/malformed", `${at} lacks firstSeq, lastSeq, entries or sha256`);
    if (seg.path !== segmentPath(k)) return bad("feed/malformed", `${at} should be ${segmentPath(k)}`);
    if (seg.firstSeq > next)
      return bad(
        "feed/gap",
        `${at} starts at seq ${seg.firstSeq}, but the previous segment ended at ${next - 1}: seq ${next}–${seg.firstSeq - 1} are missing`,
      );
    if (seg.firstSeq < next)
      return bad(
        "feed/overlap",
        `${at} starts at seq ${seg.firstSeq}, but seq ${seg.firstSeq}–${next - 1} are already in the previous segment`,
      );
    if (seg.lastSeq < seg.firstSeq || seg.entries !== seg.lastSeq - seg.firstSeq + 1)
      return bad("feed/malformed", `${at} says seq ${seg.firstSeq}–${seg.lastSeq} but ${seg.entries} entries`);
    const isLast = k === index.segments.length - 1;
    if (seg.entries > n || (!isLast && seg.entries !== n))
      return bad(
        "feed/short-segment",
        `${at} holds ${seg.entries} entries; every segment but the last holds exactly ${n}`,
      );
    next = seg.lastSeq + 1;
  }
  if (next - 1 !== index.lastSeq)
    return bad(
      next - 1 < index.lastSeq ? "feed/gap" : "feed/overlap",
      `the segments end at seq ${next - 1} but lastSeq is ${index.lastSeq}`,
    );
  return undefined;
}

/** The entries of one fetched segment: exactly seq firstSeq … lastSeq, in order, each well-formed. */
export function parseSegment(
  body: string,
  seg: FeedSegment,
): { readonly kind: "ok"; readonly entries: FeedEntry[] } | { readonly kind: "bad"; readonly problem: FeedProblem } {
  const bad = (code: string, message: string) => ({
    kind: "bad" as const,
    problem: { code, message: `${seg.path}: ${message}` },
  });
  const lines = body.split("\n");
  if (lines.at(-1) !== "") return bad("feed/malformed", "does not end with a newline");
  lines.pop();
  const entries: FeedEntry[] = [];
  for (const [i, line] of lines.entries()) {
    const expected = seg.firstSeq + i;
    let e: FeedEntry;
    try {
      e = JSON.parse(line) as FeedEntry;
    } catch {
      return bad("feed/malformed", `line ${i + 1} is not JSON`);
    }
    if (typeof e !== "object" || e == null || !isInt(e.seq)) return bad("feed/malformed", `line ${i + 1} has no seq`);
    if (e.seq > expected)
      return bad(
        "feed/gap",
        `line ${i + 1} has seq ${e.seq} where seq ${expected} belongs: seq ${expected}–${e.seq - 1} are missing`,
      );
    if (e.seq < expected)
      return bad("feed/overlap", `line ${i + 1} has seq ${e.seq}, already seen (expected ${expected})`);
    if (
      typeof e.name !== "string" ||
      typeof e.version !== "string" ||
      // eslint-disable-next-line eqeqeq -- null (a removal) is the only value besides a sha256
      !(e.sha256 === null || (typeof e.sha256 === "string" && SHA_RE.test(e.sha256)))
    )
      return bad("feed/malformed", `line ${i + 1} (seq ${e.seq}) lacks name, version or sha256`);
    entries.push(e);
  }
  if (entries.length !== seg.entries)
    return bad(
      entries.length < seg.entries ? "feed/short-segment" : "feed/overlap",
      `holds seq ${seg.firstSeq}–${seg.firstSeq + entries.length - 1}, but the feed index says ${seg.firstSeq}–${seg.lastSeq}`,
    );
  return { kind: "ok", entries };
}
