// An example mirror: keeps a servable copy of a static registry's API in a local folder using only file
// fetches. First run: the bundle (one request). Later runs: the feed index, then only the segments with
// entries newer than the last applied seq, then only the version documents those entries name, each checked
// against the entry's sha256. Closed segments are remembered by sha256: if one ever changes (the history was
// rewritten) the mirror starts over from the bundle.
//
// The folder is the same API tree the build writes (/v0 and /v0.1: lists, versions, latest, .json twins,
// health, ping, version, meta.json), made by the build's own writer (emitApiTree) from the version documents,
// so any static host can serve it. Every run:
//   1. refuses a feed with a gap or an overlap (between segments, inside one, or against the range the index
//      states) and any document that is not byte for byte what the build writes for it;
//   2. stages the whole new tree in a sibling folder `.<name>.mirror-new-<pid>`;
//   3. checks the staged tree against the index's pins (every server's file manifest and every other API file);
//   4. only then swaps it in (`.<name>.mirror-old-<pid>` holds the previous tree for the moment of the swap).
// A failure at any step leaves the previous mirror as it was and removes the stage. A killed run's folders
// are recognised by their name, a dead pid and our marker files, and cleaned (or, for a previous tree caught
// mid-swap, put back) by the next run; nothing else is ever deleted, and --out must be empty, missing or a
// mirror this tool made.
//
// Local layout (DIR):
//   v0/…, v0.1/…          the API tree, exactly as the build writes it
//   .mirror-state.json    {format, source, feedFormat, lastSeq, serial, closedSegments, index?}

import fs from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { emitApiTree } from "../build.ts";
import { BUNDLE_FORMAT, BUNDLE_PATH, type BundleHeader } from "./bundle.ts";
import { RefusalError } from "../errors.ts";
import {
  FEED_FORMAT,
  FEED_INDEX,
  feedIndexProblem,
  parseSegment,
  sha256Hex,
  type FeedEntry,
  type FeedIndex,
} from "./feed.ts";
import { versionFolderProblem } from "../load.ts";
import {
  compareCodeUnits,
  documentJson,
  OFFICIAL_META_KEY,
  REGISTRY_NAMESPACE,
  type OfficialMeta,
  type RegistryModel,
  type ServerJson,
  type VersionRecord,
} from "../model.ts";
import { describeOutcome, type HttpClient } from "../verify/http.ts";
import {
  createPinRecorder,
  decodeIndexPayload,
  pinGroupOf,
  INDEX_PATH,
  verifyIndex,
  type IndexPayload,
  type VerifierState,
} from "./signed-index.ts";
import { gitBlobId } from "../git-blob.ts";

/** HTTP GET of at most `maxBytes` (the CLI passes `httpGetter` over the shared HTTP helper). */
export type Getter = (url: string, maxBytes: number) => Promise<{ status: number; body: Uint8Array }>;

/**
 * A Getter over the shared HTTP helper (timeout, retries, size cap). Redirects are not followed: a static
 * tree has none for the files a mirror reads, and one to another host is not the registry answering.
 * Timeouts, oversized bodies and network errors are refusals (one line), not crashes.
 */
export function httpGetter(client: HttpClient, timeoutMs = 120_000): Getter {
  return async (url, maxBytes) => {
    const outcome = await client.request(url, { maxBodyBytes: maxBytes, timeoutMs, redirect: "manual" });
    if (outcome.kind !== "response") throw new MirrorRefusal("mirror/network", describeOutcome(outcome));
    return { status: outcome.status, body: outcome.body };
  };
}

/** An expected refusal (bad or inconsistent input from the registry): one line for the user, no stack. */
export class MirrorRefusal extends RefusalError {
  declare readonly code: string;
  constructor(code: string, message: string) {
    super(message, { code });
  }
}

const MIRROR_FORMAT = "mcp-static-registry-mirror/2";
export const STATE_FILE = ".mirror-state.json";
/** The state file of format 1 (servers/<ns>/<srv>/<ver>.json layout): still recognised as a folder we made. */
const OLD_STATE_FILE = "mirror-state.json";
/** Written first into a stage, so a killed run's half-written stage is recognisably ours. */
const STAGE_MARKER = ".mirror-stage";

interface MirrorState {
  readonly format: string;
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
  /** Version documents fetched (or taken from the bundle) and removed in this run. */
  readonly written: number;
  readonly removed: number;
  readonly files: number;
  readonly requests: number;
  /** True when the index signature was checked against a trusted key. */
  readonly verified: boolean;
}

export interface MirrorOptions {
  readonly get: Getter;
  /** Trusted index keys (hex). When given, the signed index must verify; without, its pins are still checked. */
  readonly publicKeys?: readonly string[];
  readonly now?: Date;
  readonly segmentLog?: (msg: string) => void;
  /** This run's process id (names its stage) and a liveness test, so leftovers of live runs are never touched. */
  readonly pid: number;
  readonly isAlive: (pid: number) => boolean;
}

/** Download caps: every fetch is bounded (the whole registry at 100k versions is a ~15 MB bundle). */
const LIMITS = {
  index: 32 << 20,
  feedIndex: 16 << 20,
  segment: 16 << 20,
  document: 1 << 20,
  bundle: 512 << 20,
  bundleText: 1 << 30,
} as const;

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9]\/[a-zA-Z0-9][a-zA-Z0-9._-]*[a-zA-Z0-9]$/;

/** Why `name`/`version` cannot be a path in the mirror, or undefined. */
function unsafePath(name: string, version: string): string | undefined {
  if (!NAME_RE.test(name)) return `unsafe server name ${JSON.stringify(name)}`;
  const problem = versionFolderProblem(version);
  return problem ? `unsafe version ${JSON.stringify(version)}: ${problem}` : undefined;
}

/** The served path of a version's `.json` twin (what the feed's sha256 is of). */
const twinPath = (name: string, version: string) => `v0.1/servers/${name}/versions/${version}.json`;

interface Doc {
  readonly text: string;
  /** Where it came from, for messages (bundle line N, a URL, a local file). */
  readonly from: string;
}

export async function syncMirror(from: string, outDir: string, opts: MirrorOptions): Promise<MirrorResult> {
  const base = from.replace(/\/+$/, "");
  const out = path.resolve(outDir);
  let requests = 0;
  const fetchOk = async (rel: string, maxBytes: number): Promise<Uint8Array> => {
    requests++;
    const res = await opts.get(`${base}/${rel}`, maxBytes);
    if (res.status !== 200) throw new MirrorRefusal("mirror/http", `${base}/${rel}: HTTP ${res.status}`);
    return res.body;
  };

  recoverLeftovers(out, opts);
  checkOutFolder(out);
  const state = readState(path.join(out, STATE_FILE), base);

  // 1. The index: verified when keys are given; its pins and stated feed range hold either way.
  const indexBytes = await fetchOk(INDEX_PATH, LIMITS.index);
  let payload: IndexPayload;
  let indexState: VerifierState | undefined = state?.index;
  const verified = (opts.publicKeys?.length ?? 0) > 0;
  if (verified) {
    const verdict = await verifyIndex(indexBytes, {
      publicKeys: opts.publicKeys!,
      now: opts.now ?? new Date(),
      ...(indexState ? { state: indexState } : {}),
    });
    if (verdict.kind === "rejected") throw new MirrorRefusal(verdict.code, `${INDEX_PATH}: ${verdict.reason}`);
    payload = verdict.payload;
    indexState = verdict.state;
  } else {
    const decoded = decodeIndexPayload(indexBytes);
    if (decoded.kind === "rejected") throw new MirrorRefusal(decoded.code, `${INDEX_PATH}: ${decoded.reason}`);
    payload = decoded.payload;
  }

  // 2. The feed index: pinned by the index, contiguous from seq 1 to the index's stated lastSeq.
  const feedBytes = await fetchOk(FEED_INDEX, LIMITS.feedIndex);
  if (sha256Hex(feedBytes) !== payload.feed.sha256)
    throw new MirrorRefusal(
      "mirror/pin-mismatch",
      `${FEED_INDEX}: sha256 does not match the index (a deploy in progress? run again)`,
    );
  const feedIndex = parseJson(feedBytes, FEED_INDEX) as FeedIndex;
  const problem = feedIndexProblem(feedIndex, payload.feed.lastSeq);
  if (problem) throw new MirrorRefusal(problem.code, problem.message);
  if (feedIndex.serial !== payload.serial || feedIndex.gitCommit !== payload.gitCommit)
    throw new MirrorRefusal(
      "mirror/mixed-deploy",
      `${FEED_INDEX} is from serial ${feedIndex.serial}, index.json from serial ${payload.serial} (a deploy in progress? run again)`,
    );

  const rewritten =
    state !== undefined &&
    feedIndex.segments.some(
      (s) => state.closedSegments[s.path] !== undefined && state.closedSegments[s.path] !== s.sha256,
    );
  const fromFeed =
    state !== undefined && state.feedFormat === feedIndex.format && !rewritten && feedIndex.lastSeq >= state.lastSeq;

  const attempt = async (mode: MirrorResult["mode"]) => {
    const start =
      mode === "feed"
        ? { docs: readLocalDocs(out), lastSeq: state!.lastSeq }
        : readBundle(await fetchOk(BUNDLE_PATH, LIMITS.bundle), payload, feedIndex.lastSeq);
    const caught = await applyFeed(start.docs, start.lastSeq, feedIndex, fetchOk, opts.segmentLog);
    const model = toModel(caught.docs, payload);
    return {
      mode,
      model,
      docs: caught.docs,
      written: (mode === "bundle" ? caught.docs.size : 0) + caught.written,
      removed: caught.removed,
    };
  };
  let run = await attempt(fromFeed ? "feed" : "bundle");

  const closed: Record<string, string> = run.mode === "feed" ? { ...state!.closedSegments } : {};
  for (const seg of feedIndex.segments) if (seg.entries === feedIndex.segmentSize) closed[seg.path] = seg.sha256;
  const next: MirrorState = {
    format: MIRROR_FORMAT,
    source: base,
    feedFormat: feedIndex.format,
    lastSeq: feedIndex.lastSeq,
    serial: payload.serial,
    closedSegments: closed,
    ...(indexState ? { index: indexState } : {}),
  };

  // 3–4. Stage, check against the pins, swap. A feed replay that does not reproduce the pinned tree (e.g. the
  // registry was built from uncommitted changes, which the feed cannot see) falls back to the bundle once.
  let staged = stageTree(out, run.model, run.docs, payload, next, opts.pid);
  if (staged.kind === "mismatch" && run.mode === "feed") {
    opts.segmentLog?.(
      `the feed replay differs from the signed index (${staged.message}); starting over from the bundle`,
    );
    run = await attempt("bundle");
    staged = stageTree(out, run.model, run.docs, payload, next, opts.pid);
  }
  if (staged.kind === "mismatch")
    throw new MirrorRefusal(
      "mirror/pin-mismatch",
      `the rebuilt tree differs from the index: ${staged.message}; the mirror was not changed`,
    );
  swapIn(staged.dir, out, opts.pid);
  return {
    mode: run.mode,
    lastSeq: next.lastSeq,
    written: run.written,
    removed: run.removed,
    files: staged.files,
    requests,
    verified,
  };
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw new MirrorRefusal("mirror/malformed", `${what} is not JSON`);
  }
}

/** Name and version of a served document, checked to be safe as paths. */
function docKey(text: string, from: string): { name: string; version: string } {
  let doc: { server?: { name?: unknown; version?: unknown } };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    throw new MirrorRefusal("mirror/malformed", `${from}: not JSON`);
  }
  const name = doc?.server?.name;
  const version = doc?.server?.version;
  if (typeof name !== "string" || typeof version !== "string")
    throw new MirrorRefusal("mirror/malformed", `${from}: no server.name/server.version`);
  const unsafe = unsafePath(name, version);
  if (unsafe) throw new MirrorRefusal("mirror/unsafe-path", `${from}: ${unsafe}`);
  return { name, version };
}

const keyOf = (name: string, version: string) => `${name}\0${version}`;

function readBundle(
  gz: Uint8Array,
  payload: IndexPayload,
  feedLastSeq: number,
): { docs: Map<string, Doc>; lastSeq: number } {
  if (sha256Hex(gz) !== payload.bundle.sha256)
    throw new MirrorRefusal(
      "mirror/pin-mismatch",
      `${BUNDLE_PATH}: sha256 ${sha256Hex(gz)} does not match the index (${payload.bundle.sha256})`,
    );
  let text: Buffer;
  try {
    text = gunzipSync(gz, { maxOutputLength: LIMITS.bundleText });
  } catch (e) {
    throw new MirrorRefusal(
      "mirror/malformed",
      `${BUNDLE_PATH}: not a readable gzip file under ${LIMITS.bundleText} bytes (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const docs = new Map<string, Doc>();
  let header: BundleHeader | undefined;
  let lineNo = 0;
  for (let at = 0; at < text.length;) {
    const end = text.indexOf(0x0a, at);
    if (end < 0)
      throw new MirrorRefusal("mirror/malformed", `${BUNDLE_PATH}: line ${lineNo + 1} does not end with a newline`);
    const line = text.subarray(at, end).toString("utf8");
    at = end + 1;
    lineNo++;
    const from = `${BUNDLE_PATH} line ${lineNo}`;
    if (lineNo === 1) {
      header = (parseJson(Buffer.from(line), from) as { bundle?: BundleHeader }).bundle;
      if (header?.format !== BUNDLE_FORMAT)
        throw new MirrorRefusal("mirror/malformed", `${from}: not a ${BUNDLE_FORMAT} header`);
      continue;
    }
    const { name, version } = docKey(line, from);
    if (docs.has(keyOf(name, version)))
      throw new MirrorRefusal("mirror/malformed", `${from}: ${name}@${version} appears twice`);
    docs.set(keyOf(name, version), { text: line, from });
  }
  if (!header) throw new MirrorRefusal("mirror/malformed", `${BUNDLE_PATH}: empty`);
  if (header.versions !== docs.size)
    throw new MirrorRefusal(
      "mirror/malformed",
      `${BUNDLE_PATH}: the header says ${header.versions} versions, the bundle holds ${docs.size}`,
    );
  if (!Number.isSafeInteger(header.feedLastSeq) || header.feedLastSeq < 0 || header.feedLastSeq > feedLastSeq)
    throw new MirrorRefusal(
      "feed/range",
      `${BUNDLE_PATH}: the bundle continues from feed seq ${header.feedLastSeq}, beyond the feed's last seq ${feedLastSeq}`,
    );
  return { docs, lastSeq: header.feedLastSeq };
}

/** The documents of the previous mirror: every version's `.json` twin (deleted ones included). */
function readLocalDocs(out: string): Map<string, Doc> {
  const docs = new Map<string, Doc>();
  const root = path.join(out, "v0.1", "servers");
  if (!fs.existsSync(root)) return docs;
  for (const ns of fs.readdirSync(root, { withFileTypes: true })) {
    if (!ns.isDirectory()) continue;
    for (const srv of fs.readdirSync(path.join(root, ns.name), { withFileTypes: true })) {
      const dir = path.join(root, ns.name, srv.name, "versions");
      if (!srv.isDirectory() || !fs.existsSync(dir)) continue;
      for (const f of fs.readdirSync(dir)) {
        if (!f.endsWith(".json") || f === "latest.json") continue;
        const file = path.join(dir, f);
        const text = fs.readFileSync(file, "utf8");
        const { name, version } = docKey(text, file);
        docs.set(keyOf(name, version), { text, from: file });
      }
    }
  }
  return docs;
}

/** Apply every feed entry after `lastSeq` (the newest per version), fetching the documents they name. */
async function applyFeed(
  docs: Map<string, Doc>,
  lastSeq: number,
  feedIndex: FeedIndex,
  fetchOk: (rel: string, max: number) => Promise<Uint8Array>,
  log?: (m: string) => void,
) {
  const newest = new Map<string, FeedEntry>();
  for (const seg of feedIndex.segments) {
    if (seg.lastSeq <= lastSeq) continue;
    const body = await fetchOk(seg.path, LIMITS.segment);
    if (sha256Hex(body) !== seg.sha256)
      throw new MirrorRefusal("mirror/pin-mismatch", `${seg.path}: sha256 does not match the feed index`);
    const parsed = parseSegment(Buffer.from(body).toString("utf8"), seg);
    if (parsed.kind === "bad") throw new MirrorRefusal(parsed.problem.code, parsed.problem.message);
    log?.(`${seg.path}: entries ${seg.firstSeq}-${seg.lastSeq}`);
    for (const e of parsed.entries) if (e.seq > lastSeq) newest.set(keyOf(e.name, e.version), e);
  }
  let written = 0;
  let removed = 0;
  for (const e of [...newest.values()].sort((a, b) => a.seq - b.seq)) {
    const unsafe = unsafePath(e.name, e.version);
    if (unsafe) throw new MirrorRefusal("mirror/unsafe-path", `feed entry ${e.seq}: ${unsafe}`);
    const key = keyOf(e.name, e.version);
    // eslint-disable-next-line eqeqeq -- only an explicit null (a removal) drops the version; a missing sha256 was refused by parseSegment
    if (e.sha256 === null) {
      if (docs.delete(key)) removed++;
      continue;
    }
    const have = docs.get(key);
    if (have && sha256Hex(have.text) === e.sha256) continue;
    const rel = twinPath(e.name, encodeURIComponent(e.version));
    const body = await fetchOk(rel, LIMITS.document);
    if (sha256Hex(body) !== e.sha256)
      throw new MirrorRefusal(
        "mirror/pin-mismatch",
        `${rel}: sha256 does not match feed entry ${e.seq} (the registry may have been redeployed meanwhile; run again)`,
      );
    const text = Buffer.from(body).toString("utf8");
    const got = docKey(text, rel);
    if (got.name !== e.name || got.version !== e.version)
      throw new MirrorRefusal(
        "mirror/malformed",
        `${rel}: holds ${got.name}@${got.version}, not ${e.name}@${e.version} as feed entry ${e.seq} says`,
      );
    docs.set(key, { text, from: rel });
    written++;
  }
  return { docs, written, removed };
}

/** The model the build's writer needs, from served documents (`{server, _meta: {official}}`). */
function toModel(docs: ReadonlyMap<string, Doc>, payload: IndexPayload): RegistryModel {
  const versions: VersionRecord[] = [];
  for (const doc of docs.values()) {
    const parsed = JSON.parse(doc.text) as { server: ServerJson; _meta?: Record<string, unknown> };
    const official = parsed._meta?.[OFFICIAL_META_KEY] as OfficialMeta | undefined;
    if (typeof official !== "object" || official == null)
      throw new MirrorRefusal("mirror/malformed", `${doc.from}: no _meta["${OFFICIAL_META_KEY}"]`);
    versions.push({
      name: parsed.server.name,
      version: parsed.server.version,
      file: doc.from,
      json: documentJson(parsed.server),
      blob: gitBlobId(Buffer.from(doc.text)),
      official,
    });
  }
  versions.sort((a, b) => compareCodeUnits(a.name, b.name) || compareCodeUnits(a.version, b.version));
  return { versions, info: { serial: payload.serial, gitCommit: payload.gitCommit, generatedAt: payload.generatedAt } };
}

/** The API files of the published tree that a mirror holds: /v0 and /v0.1 but the extensions other than meta.json. */
export function isMirroredPath(p: string): boolean {
  return /^v0(\.1)?\//.test(p) && (!/^v0(\.1)?\/x\//.test(p) || p.endsWith(`/x/${REGISTRY_NAMESPACE}/meta.json`));
}

type Staged =
  | { readonly kind: "ok"; readonly dir: string; readonly files: number }
  | { readonly kind: "mismatch"; readonly message: string };

const stageDir = (out: string, kind: "new" | "old", pid: number) =>
  path.join(path.dirname(out), `.${path.basename(out)}.mirror-${kind}-${pid}`);

/** Write the whole tree into a fresh stage with the build's writer and check it against the pins. */
function stageTree(
  out: string,
  model: RegistryModel,
  docs: ReadonlyMap<string, Doc>,
  payload: IndexPayload,
  next: MirrorState,
  pid: number,
): Staged {
  const dir = stageDir(out, "new", pid);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  try {
    fs.writeFileSync(path.join(dir, STAGE_MARKER), `${next.source}\n`);
    const recorder = createPinRecorder();
    let files = 0;
    emitApiTree(model, (rel, body) => {
      const m = /^v0\.1\/servers\/([^/]+\/[^/]+)\/versions\/([^/]+)\.json$/.exec(rel);
      if (m && m[2] !== "latest") {
        const doc = docs.get(keyOf(m[1]!, m[2]!));
        if (doc && doc.text !== body)
          throw new MirrorRefusal(
            "mirror/not-canonical",
            `${doc.from}: ${m[1]}@${m[2]} is not byte for byte what the build writes for it`,
          );
      }
      recorder.record(rel, body);
      const file = path.join(dir, rel);
      if (!file.startsWith(dir + path.sep)) throw new Error(`internal: ${rel} would be written outside the stage`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, body);
      files++;
    });
    const ours = recorder.pins();
    const diff = pinDifferences(ours, payload);
    if (diff.length > 0) {
      fs.rmSync(dir, { recursive: true, force: true });
      return { kind: "mismatch", message: `${diff.length} difference(s), e.g. ${diff.slice(0, 3).join("; ")}` };
    }
    fs.writeFileSync(path.join(dir, STATE_FILE), JSON.stringify(next, null, 1) + "\n");
    fs.rmSync(path.join(dir, STAGE_MARKER));
    return { kind: "ok", dir, files };
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** How the rebuilt tree's pins differ from the index's (servers exactly; other files: the API ones). */
function pinDifferences(
  ours: { servers: Readonly<Record<string, string>>; files: Readonly<Record<string, string>> },
  payload: Pick<IndexPayload, "servers" | "files">,
): string[] {
  const out: string[] = [];
  const compare = (
    kind: string,
    a: Readonly<Record<string, string>>,
    b: Readonly<Record<string, string>>,
    keep: (k: string) => boolean,
  ) => {
    for (const k of Object.keys(b)) if (keep(k) && a[k] === undefined) out.push(`${kind} ${k} is missing`);
    for (const [k, sha] of Object.entries(a)) {
      if (b[k] === undefined) out.push(`${kind} ${k} is not in the index`);
      else if (b[k] !== sha) out.push(`${kind} ${k} differs`);
    }
  };
  compare("server", ours.servers, payload.servers, () => true);
  compare("file", ours.files, payload.files, isMirroredPath);
  return out;
}

/** Replace `out` by the finished stage. The previous tree is removed only once the new one is in place. */
function swapIn(stage: string, out: string, pid: number): void {
  const old = stageDir(out, "old", pid);
  const had = fs.existsSync(out);
  if (had) fs.renameSync(out, old);
  fs.renameSync(stage, out);
  if (had) fs.rmSync(old, { recursive: true, force: true });
}

const isOurs = (dir: string) =>
  [STAGE_MARKER, STATE_FILE, OLD_STATE_FILE].some((f) => fs.existsSync(path.join(dir, f)));

/**
 * Clean what a killed run left beside `out`: its stage (removed) and, when it died between the two renames of
 * the swap, the previous tree (put back if `out` is missing, else removed). Only folders with our name
 * pattern, a pid that is not running and one of our marker files are touched.
 */
function recoverLeftovers(out: string, opts: Pick<MirrorOptions, "pid" | "isAlive">): void {
  const parent = path.dirname(out);
  if (!fs.existsSync(parent)) return;
  const prefix = `.${path.basename(out)}.mirror-`;
  for (const entry of fs.readdirSync(parent, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith(prefix)) continue;
    const m = /^(new|old)-(\d+)$/.exec(entry.name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[2]);
    const dir = path.join(parent, entry.name);
    if ((pid !== opts.pid && opts.isAlive(pid)) || !isOurs(dir)) continue;
    if (m[1] === "old" && !fs.existsSync(out)) fs.renameSync(dir, out);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** --out must be missing, empty, or a mirror this tool made: the swap replaces it. */
function checkOutFolder(out: string): void {
  if (!fs.existsSync(out)) return;
  if (!fs.lstatSync(out).isDirectory())
    throw new MirrorRefusal("mirror/not-a-mirror", `${out} exists and is not a folder: refusing to replace it`);
  if (fs.readdirSync(out).length === 0 || isOurs(out)) return;
  throw new MirrorRefusal(
    "mirror/not-a-mirror",
    `${out} is not empty and holds no ${STATE_FILE}: refusing to replace a folder this tool did not make (choose another --out)`,
  );
}

function readState(file: string, source: string): MirrorState | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(file, "utf8")) as MirrorState;
    return s.format === MIRROR_FORMAT &&
      s.source === source &&
      s.feedFormat === FEED_FORMAT &&
      Number.isSafeInteger(s.lastSeq) &&
      typeof s.closedSegments === "object"
      ? s
      : undefined;
  } catch {
    return undefined;
  }
}

export interface DeepCheck {
  readonly checked: number;
  /** Published files whose bytes differ from their pin (or that are missing), as `path: reason`. */
  readonly bad: string[];
}

/**
 * Check every published file against the index (verify-index --deep). The index pins each server's files by
 * one manifest digest, so their paths and expected sha256 come from rebuilding them from the bundle (pinned
 * itself) with the build's writer; the rebuild must reproduce every server's digest before it is trusted.
 * Every other file has its own sha256 in `files`. Fetches run `concurrency` at a time.
 */
export async function checkPublishedFiles(
  payload: IndexPayload,
  get: (rel: string, maxBytes: number) => Promise<Uint8Array | undefined>,
  concurrency = 8,
): Promise<DeepCheck> {
  const gz = await get(BUNDLE_PATH, LIMITS.bundle);
  if (gz === undefined) return { checked: 1, bad: [`${BUNDLE_PATH}: missing`] };
  const { docs } = readBundle(gz, payload, payload.feed.lastSeq);
  const expected = new Map<string, string>();
  const recorder = createPinRecorder();
  emitApiTree(toModel(docs, payload), (rel, body) => {
    recorder.record(rel, body);
    if (pinGroupOf(rel) !== undefined) expected.set(rel, sha256Hex(body));
  });
  const diff = pinDifferences(recorder.pins(), payload);
  if (diff.length > 0)
    throw new MirrorRefusal(
      "index/bundle-mismatch",
      `the bundle does not rebuild the files the index pins (${diff.length} difference(s), e.g. ${diff.slice(0, 3).join("; ")})`,
    );
  for (const [p, sha] of Object.entries(payload.files)) expected.set(p, sha);
  const bad: string[] = [];
  const queue = [...expected.entries()].sort((a, b) => compareCodeUnits(a[0], b[0]));
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const [rel, sha] = queue[next++]!;
      const body = await get(rel, rel === BUNDLE_PATH ? LIMITS.bundle : LIMITS.segment);
      if (body === undefined) bad.push(`${rel}: missing`);
      else if (sha256Hex(body) !== sha) bad.push(`${rel}: sha256 ${sha256Hex(body)}, the index pins ${sha}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return { checked: queue.length, bad: bad.sort() };
}
