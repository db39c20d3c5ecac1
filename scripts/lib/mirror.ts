// An example mirror: keeps a local copy of every version document of a static registry in sync using only
// file fetches. First run: the bundle (one request). Later runs: the feed index, then only the segments
// with entries newer than the last seen seq, then only the version documents those entries name, each
// checked against the entry's sha256. Closed segments are remembered by sha256: if one ever changes (the
// history was rewritten) the mirror starts over from the bundle.
//
// Local layout (DIR):
//   servers/<namespace>/<server>/<version>.json   the served ServerResponse bytes (deleted ones kept as
//                                                  tombstones with status "deleted"; consumers may drop them)
//   mirror-state.json                              {source, feedFormat, lastSeq, serial, closedSegments}

import fs from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { BUNDLE_FORMAT, BUNDLE_PATH, type BundleHeader } from "./bundle.ts";
import { RefusalError } from "./errors.ts";
import { FEED_FORMAT, FEED_INDEX, sha256Hex, type FeedEntry, type FeedIndex } from "./feed.ts";
import { versionFolderProblem } from "./load.ts";
import { INDEX_PATH, verifyIndex, type IndexPayload, type VerifierState } from "./signed-index.ts";

export type Getter = (url: string) => Promise<{ status: number; body: Uint8Array }>;

export interface MirrorState {
  readonly source: string;
  readonly feedFormat: string;
  readonly lastSeq: number;
  readonly serial: number;
  /** path → sha256 of every full segment already applied. */
  readonly closedSegments: Record<string, string>;
  readonly index?: VerifierState;
}

export interface MirrorResult {
  readonly mode: "bundle" | "feed";
  readonly lastSeq: number;
  /** Version documents written or removed in this run. */
  readonly written: number;
  readonly removed: number;
  readonly requests: number;
}

export interface MirrorOptions {
  /** HTTP GET (the CLI passes one over fetch). */
  readonly get: Getter;
  /** Trusted index keys (hex). When given, the signed index must verify and pins the bundle and feed. */
  readonly publicKeys?: readonly string[];
  readonly now?: Date;
  readonly segmentLog?: (msg: string) => void;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9]\/[a-zA-Z0-9][a-zA-Z0-9._-]*[a-zA-Z0-9]$/;

/** The local file of a version; throws on a name or version that could escape the folder. */
export function localPath(outDir: string, name: string, version: string): string {
  if (!NAME_RE.test(name)) throw new RefusalError(`refusing unsafe server name ${JSON.stringify(name)}`);
  const problem = versionFolderProblem(version);
  if (problem) throw new RefusalError(`refusing unsafe version ${JSON.stringify(version)}: ${problem}`);
  return path.join(outDir, "servers", ...name.split("/"), `${version}.json`);
}

export async function syncMirror(from: string, outDir: string, opts: MirrorOptions): Promise<MirrorResult> {
  const base = from.replace(/\/+$/, "");
  const get = opts.get;
  let requests = 0;
  const fetchOk = async (rel: string): Promise<Uint8Array> => {
    requests++;
    const res = await get(`${base}/${rel}`);
    if (res.status !== 200) throw new RefusalError(`${base}/${rel}: HTTP ${res.status}`);
    return res.body;
  };
  const stateFile = path.join(outDir, "mirror-state.json");
  let state = readState(stateFile, base);

  let pinned: IndexPayload | undefined;
  let indexState: VerifierState | undefined = state?.index;
  if (opts.publicKeys && opts.publicKeys.length > 0) {
    const verdict = verifyIndex(await fetchOk(INDEX_PATH), { publicKeys: opts.publicKeys, now: opts.now ?? new Date(), ...(indexState ? { state: indexState } : {}) });
    if (verdict.kind === "rejected") throw new RefusalError(`${INDEX_PATH}: ${verdict.code}: ${verdict.reason}`);
    pinned = verdict.payload;
    indexState = verdict.state;
  }

  const indexBytes = await fetchOk(FEED_INDEX);
  if (pinned && sha256Hex(indexBytes) !== pinned.feed.sha256) throw new RefusalError(`${FEED_INDEX}: sha256 does not match the signed index`);
  const feedIndex = JSON.parse(Buffer.from(indexBytes).toString("utf8")) as FeedIndex;
  if (feedIndex.format !== FEED_FORMAT) throw new RefusalError(`${FEED_INDEX}: unknown feed format ${JSON.stringify(feedIndex.format)}`);

  const rewritten = state !== undefined && feedIndex.segments.some((s) => state!.closedSegments[s.path] !== undefined && state!.closedSegments[s.path] !== s.sha256);
  let mode: MirrorResult["mode"] = "feed";
  let written = 0;
  let removed = 0;
  if (state === undefined || state.feedFormat !== feedIndex.format || rewritten || feedIndex.lastSeq < state.lastSeq) {
    mode = "bundle";
    const gz = await fetchOk(BUNDLE_PATH);
    const expected = pinned ? pinned.bundle.sha256 : Buffer.from(await fetchOk(`${BUNDLE_PATH}.sha256`)).toString("utf8").split(/\s/)[0];
    if (sha256Hex(gz) !== expected) throw new RefusalError(`${BUNDLE_PATH}: sha256 ${sha256Hex(gz)} does not match ${expected}`);
    const lines = gunzipSync(gz).toString("utf8").split("\n").filter((l) => l !== "");
    const header = (JSON.parse(lines[0] ?? "{}") as { bundle?: BundleHeader }).bundle;
    if (header?.format !== BUNDLE_FORMAT) throw new RefusalError(`${BUNDLE_PATH}: unknown bundle format`);
    const keep = new Set<string>();
    for (const line of lines.slice(1)) {
      const doc = JSON.parse(line) as { server?: { name?: unknown; version?: unknown } };
      const name = doc.server?.name;
      const version = doc.server?.version;
      if (typeof name !== "string" || typeof version !== "string") throw new RefusalError(`${BUNDLE_PATH}: a line without server.name/version`);
      const file = localPath(outDir, name, version);
      keep.add(file);
      writeIfChanged(file, line);
      written++;
    }
    removed += removeOthers(path.join(outDir, "servers"), keep);
    state = { source: base, feedFormat: feedIndex.format, lastSeq: header.feedLastSeq, serial: header.serial, closedSegments: {} };
  }

  // Catch up from the feed (after a bundle too: the bundle may be a build behind the feed index).
  const newest = new Map<string, FeedEntry>();
  const closed: Record<string, string> = { ...state.closedSegments };
  for (const seg of feedIndex.segments) {
    if (seg.entries === feedIndex.segmentSize) closed[seg.path] = seg.sha256;
    if (seg.lastSeq <= state.lastSeq) continue;
    const body = await fetchOk(seg.path);
    if (sha256Hex(body) !== seg.sha256) throw new RefusalError(`${seg.path}: sha256 does not match the feed index`);
    opts.segmentLog?.(`${seg.path}: entries ${seg.firstSeq}-${seg.lastSeq}`);
    for (const line of Buffer.from(body).toString("utf8").split("\n")) {
      if (line === "") continue;
      const e = JSON.parse(line) as FeedEntry;
      if (e.seq > state.lastSeq) newest.set(`${e.name}\0${e.version}`, e);
    }
  }
  for (const e of [...newest.values()].sort((a, b) => a.seq - b.seq)) {
    const file = localPath(outDir, e.name, e.version);
    // eslint-disable-next-line eqeqeq -- only an explicit null (a removal) deletes the file; a missing sha256 must fail the hash check below
    if (e.sha256 === null) {
      if (fs.existsSync(file)) {
        fs.rmSync(file);
        removed++;
      }
      continue;
    }
    if (fs.existsSync(file) && sha256Hex(fs.readFileSync(file)) === e.sha256) continue;
    const [ns, server] = e.name.split("/") as [string, string];
    const rel = `v0.1/servers/${ns}/${server}/versions/${encodeURIComponent(e.version)}.json`;
    const body = await fetchOk(rel);
    if (sha256Hex(body) !== e.sha256) throw new RefusalError(`${rel}: sha256 does not match feed entry ${e.seq} (the registry may have been redeployed meanwhile; run again)`);
    writeIfChanged(file, Buffer.from(body).toString("utf8"));
    written++;
  }
  const next: MirrorState = { source: base, feedFormat: feedIndex.format, lastSeq: Math.max(state.lastSeq, feedIndex.lastSeq), serial: feedIndex.serial, closedSegments: closed, ...(indexState ? { index: indexState } : {}) };
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(stateFile, JSON.stringify(next, null, 1) + "\n");
  return { mode, lastSeq: next.lastSeq, written, removed, requests };
}

function readState(file: string, source: string): MirrorState | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(file, "utf8")) as MirrorState;
    return s.source === source && typeof s.lastSeq === "number" ? s : undefined;
  } catch {
    return undefined;
  }
}

function writeIfChanged(file: string, text: string): void {
  if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === text) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function removeOthers(dir: string, keep: ReadonlySet<string>): number {
  if (!fs.existsSync(dir)) return 0;
  let n = 0;
  for (const d of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = path.join(d.parentPath, d.name);
    if (d.isFile() && !keep.has(p)) {
      fs.rmSync(p);
      n++;
    }
  }
  return n;
}
