// The edge deployment's compact index (the build writes it to R2 as `_edge/index.json`): the facts the query
// core reads of every version, and where each version's document sits in the document packs. An isolate
// parses this one file and never the documents themselves; a page of documents is one ranged read per pack.
//
// Packs (`_edge/packs/<sha256>.json`) hold documents in (name, version) order, comma-separated exactly like
// npm start's in-memory store, so a run of neighbouring documents is one byte range and the list bodies are
// the same bytes. A pack is cut before a server whose name hashes to 0 mod PACK_SPREAD (content-defined), so
// a new version changes its own pack only and a deploy uploads that pack, not every pack after it. Packs are
// named by their sha256: an index only ever points at packs that are already there. A second set of packs
// holds only the latest version of each server (cut before about one server in LATEST_SPREAD), so a
// `version=latest` page (VS Code's every request) reads a few small packs, not every version of 50 servers.
//
// Pure and platform-neutral: runs in workerd (the Worker) and in Node (the build, the tests).

import {
  JSON_TYPE,
  listResponse,
  utf8,
  type ApiResponse,
  type EntryFacts,
  type QueryIndex,
  type Selection,
} from "../serve/query.ts";

export const EDGE_INDEX_KEY = "_edge/index.json";
export const PACK_PREFIX = "_edge/packs/";
/** A pack is cut before about one server in PACK_SPREAD. */
export const PACK_SPREAD = 16;
/** A latest-only pack is cut before about one server in LATEST_SPREAD. */
export const LATEST_SPREAD = 128;

/** Values per entry in `entries`: nameIdx, version, flags (1 deleted, 2 latest), updatedAt ms, nanos, rank, length. */
const FIELDS = 7;

export interface BuildFacts {
  readonly serial: number;
  readonly gitCommit: string | null;
  readonly generatedAt: string;
}

/** The JSON of `_edge/index.json`. */
export interface EdgeIndexJson {
  readonly format: 1;
  readonly info: BuildFacts;
  /** Distinct server names, in code-unit order. */
  readonly names: readonly string[];
  /** Pack keys, in (name, version) order. */
  readonly packs: readonly string[];
  /** The first entry of each pack. */
  readonly packStarts: readonly number[];
  /** The latest-only packs, and the first latest entry (counting latest entries only) of each. */
  readonly latestPacks: readonly string[];
  readonly latestPackStarts: readonly number[];
  /** FIELDS values per version, in (name, version) order. */
  readonly entries: readonly (string | number | null)[];
}

/** The index as the Worker holds it. */
export interface EdgeIndex {
  readonly info: BuildFacts;
  readonly facts: readonly EntryFacts[];
  /** Per entry: the length of its document. */
  readonly length: Int32Array;
  readonly all: PackSet;
  readonly latest: PackSet;
}

/** One set of packs; per entry id its pack, byte offset and position in the set (-1: not in it). */
interface PackSet {
  readonly keys: readonly string[];
  readonly packOf: Int32Array;
  readonly offset: Int32Array;
  readonly pos: Int32Array;
}

/** Where the packs of a set start (entry positions in the set) and their keys. */
export interface PackCut {
  readonly starts: readonly number[];
  readonly keys: readonly string[];
}

/** The index of documents (already serialized, in facts order) cut into packs (keys from the caller). */
export function encodeEdgeIndex(
  info: BuildFacts,
  facts: readonly EntryFacts[],
  docLengths: readonly number[],
  all: PackCut,
  latest: PackCut,
): EdgeIndexJson {
  const names: string[] = [];
  const nameIdx = new Map<string, number>();
  const entries: (string | number | null)[] = [];
  facts.forEach((f, i) => {
    if (!nameIdx.has(f.name)) nameIdx.set(f.name, names.push(f.name) - 1);
    const flags = (f.deleted ? 1 : 0) | (f.isLatest ? 2 : 0);
    const u = f.updatedAt;
    entries.push(nameIdx.get(f.name)!, f.version, flags, u ? u.ms : null, u ? u.nanos : 0, f.rank, docLengths[i]!);
  });
  return {
    format: 1,
    info,
    names,
    packs: all.keys,
    packStarts: all.starts,
    latestPacks: latest.keys,
    latestPackStarts: latest.starts,
    entries,
  };
}

/** The pack set over the entries `member` admits, in id order, cut at `starts` (positions in the set). */
function packSet(
  n: number,
  length: Int32Array,
  member: (id: number) => boolean,
  keys: readonly string[],
  starts: readonly number[],
): PackSet {
  const packOf = new Int32Array(n).fill(-1);
  const offset = new Int32Array(n).fill(-1);
  const pos = new Int32Array(n).fill(-1);
  let pack = -1;
  let at = 0;
  let j = 0;
  for (let id = 0; id < n; id++) {
    if (!member(id)) continue;
    if (pack + 1 < starts.length && starts[pack + 1] === j) {
      pack++;
      at = 0;
    }
    packOf[id] = pack;
    offset[id] = at;
    pos[id] = j++;
    at += length[id]! + 1;
  }
  return { keys, packOf, offset, pos };
}

export function decodeEdgeIndex(json: EdgeIndexJson): EdgeIndex {
  if (json.format !== 1) throw new Error(`edge index: unknown format ${String(json.format)}`);
  const n = json.entries.length / FIELDS;
  const facts: EntryFacts[] = new Array<EntryFacts>(n);
  const length = new Int32Array(n);
  const e = json.entries;
  for (let i = 0; i < n; i++) {
    const k = i * FIELDS;
    const flags = e[k + 2] as number;
    const ms = e[k + 3] as number | null;
    facts[i] = {
      name: json.names[e[k] as number]!,
      version: e[k + 1] as string,
      deleted: (flags & 1) !== 0,
      isLatest: (flags & 2) !== 0,
      updatedAt: ms == null ? null : { ms, nanos: e[k + 4] as number },
      rank: e[k + 5] as number,
    };
    length[i] = e[k + 6] as number;
  }
  return {
    info: json.info,
    facts,
    length,
    all: packSet(n, length, () => true, json.packs, json.packStarts),
    latest: packSet(n, length, (id) => facts[id]!.isLatest, json.latestPacks, json.latestPackStarts),
  };
}

/** Where the packs are pulled from: `length` bytes at `offset` of the object `key`. */
export type ReadRange = (key: string, offset: number, length: number) => Promise<Uint8Array>;

const COMMA = utf8(",");

/**
 * The documents of ids, comma-separated: one ranged read per pack covering the ids in it, then runs of
 * neighbours sliced from it (a run is already comma-separated in the pack).
 */
async function documents(
  set: PackSet,
  length: Int32Array,
  ids: readonly number[],
  read: ReadRange,
): Promise<Uint8Array[]> {
  const span = new Map<number, { from: number; to: number }>();
  for (const id of ids) {
    const p = set.packOf[id]!;
    const s = span.get(p);
    const end = set.offset[id]! + length[id]!;
    if (s) [s.from, s.to] = [Math.min(s.from, set.offset[id]!), Math.max(s.to, end)];
    else span.set(p, { from: set.offset[id]!, to: end });
  }
  const bytes = new Map<number, Uint8Array>();
  await Promise.all([...span].map(async ([p, s]) => bytes.set(p, await read(set.keys[p]!, s.from, s.to - s.from))));
  const chunks: Uint8Array[] = [];
  for (let k = 0; k < ids.length;) {
    const first = ids[k]!;
    let last = first;
    k++;
    while (k < ids.length && set.pos[ids[k]!] === set.pos[last]! + 1 && set.packOf[ids[k]!] === set.packOf[first]) {
      last = ids[k]!;
      k++;
    }
    const p = set.packOf[first]!;
    const base = span.get(p)!.from;
    if (chunks.length > 0) chunks.push(COMMA);
    chunks.push(bytes.get(p)!.subarray(set.offset[first]! - base, set.offset[last]! + length[last]! - base));
  }
  return chunks;
}

/** A selection answered from the packs: the same bytes as renderFromMemory gives from npm start's stores. */
export async function renderFromPacks(
  edge: EdgeIndex,
  selection: Exclude<Selection, { kind: "problem" }>,
  read: ReadRange,
): Promise<ApiResponse> {
  if (selection.kind === "one")
    return { status: 200, contentType: JSON_TYPE, body: await documents(edge.all, edge.length, [selection.id], read) };
  const latest = selection.pool === "latestAll" || selection.pool === "latestLive";
  return listResponse(
    await documents(latest ? edge.latest : edge.all, edge.length, selection.ids, read),
    selection.meta,
  );
}

// ---------------------------------------------------------------------------------------------------------
// The build's static API files under `servers` (lists, versions, latest, `.json` twins): the edge answers
// them from the index instead of storing 370,000 objects at 100,000 versions. build.ts writes them; a test
// compares every one with what derivedApiSelection gives.

const LIST_FILE = /^(v0|v0\.1)\/servers(\.html|\.json|\/index\.html)$/;
const VERSIONS_FILE = /^(v0|v0\.1)\/servers\/([^/]+\/[^/]+)\/versions(\.json|\/index\.html)$/;
const VERSION_FILE = /^(v0|v0\.1)\/servers\/([^/]+\/[^/]+)\/versions\/([^/]+)$/;

/** A tree path the edge derives from its index (and so does not upload). */
export function isDerivedApiFile(path: string): boolean {
  return /^(v0|v0\.1)\/servers(\.html|\.json|\/)/.test(path);
}

/** What the static file at `path` holds, as a selection; undefined when the build writes no such file. */
export function derivedApiSelection(index: QueryIndex, path: string): Selection | undefined {
  const found = (s: Selection) => (s.kind === "problem" ? undefined : s);
  const list = LIST_FILE.exec(path);
  if (list) {
    if (list[2] === ".json" && list[1] !== "v0.1") return undefined;
    const ids = index.pools.latestLive.entries.map((e) => e.id);
    return { kind: "list", pool: "latestLive", ids, meta: `{"count":${ids.length}}` };
  }
  const versions = VERSIONS_FILE.exec(path);
  if (versions) {
    if (versions[3] === ".json" && versions[1] !== "v0.1") return undefined;
    const live = (index.byName.get(versions[2]!) ?? []).filter((e) => !e.deleted).sort((a, b) => a.rank - b.rank);
    if (live.length === 0) return undefined;
    return { kind: "list", pool: "all", ids: live.map((e) => e.id), meta: `{"count":${live.length}}` };
  }
  const one = VERSION_FILE.exec(path);
  if (!one) return undefined;
  const twin = one[3]!.endsWith(".json");
  if (twin && one[1] !== "v0.1") return undefined;
  const version = twin ? one[3]!.slice(0, -".json".length) : one[3]!;
  const entries = index.byName.get(one[2]!) ?? [];
  if (version === "latest") {
    const latest = entries.find((e) => e.isLatest && !e.deleted);
    return latest && { kind: "one", id: latest.id };
  }
  const exact = entries.find((e) => e.version === version);
  return exact && found({ kind: "one", id: exact.id });
}
