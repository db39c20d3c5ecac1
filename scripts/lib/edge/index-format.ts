// The edge deployment's compact index (the build writes it to R2 as `_edge/index.json`): the facts the query
// core reads of every version, and where each version's document sits in the document packs. An isolate
// parses this one file and never the documents themselves; a page of documents is one ranged read per pack.
//
// Packs (`_edge/packs/<sha256>.json`) hold documents in (name, version) order, comma-separated exactly like
// npm start's in-memory store, so a run of neighbouring documents is one byte range and the list bodies are
// the same bytes. A pack is cut before a server whose name hashes to 0 mod PACK_SPREAD (content-defined), so
// a new version changes its own pack only and a deploy uploads that pack, not every pack after it. Packs are
// named by their sha256: an index only ever points at packs that are already there.
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
  /** FIELDS values per version, in (name, version) order. */
  readonly entries: readonly (string | number | null)[];
}

/** The index as the Worker holds it. */
export interface EdgeIndex {
  readonly info: BuildFacts;
  readonly facts: readonly EntryFacts[];
  readonly packs: readonly string[];
  /** Per entry: its pack, its byte offset in the pack, its length. */
  readonly packOf: Int32Array;
  readonly offset: Int32Array;
  readonly length: Int32Array;
}

/** The index of documents (already serialized, in facts order) cut into packs (keys from the caller). */
export function encodeEdgeIndex(
  info: BuildFacts,
  facts: readonly EntryFacts[],
  docLengths: readonly number[],
  packStarts: readonly number[],
  packKeys: readonly string[],
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
  return { format: 1, info, names, packs: packKeys, packStarts, entries };
}

export function decodeEdgeIndex(json: EdgeIndexJson): EdgeIndex {
  if (json.format !== 1) throw new Error(`edge index: unknown format ${String(json.format)}`);
  const n = json.entries.length / FIELDS;
  const facts: EntryFacts[] = new Array<EntryFacts>(n);
  const packOf = new Int32Array(n);
  const offset = new Int32Array(n);
  const length = new Int32Array(n);
  let pack = -1;
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (pack + 1 < json.packStarts.length && json.packStarts[pack + 1] === i) {
      pack++;
      at = 0;
    }
    const e = json.entries;
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
    packOf[i] = pack;
    offset[i] = at;
    length[i] = e[k + 6] as number;
    at += length[i]! + 1;
  }
  return { info: json.info, facts, packs: json.packs, packOf, offset, length };
}

/** Where the packs are pulled from: `length` bytes at `offset` of the object `key`. */
export type ReadRange = (key: string, offset: number, length: number) => Promise<Uint8Array>;

const COMMA = utf8(",");

/**
 * The documents of ids, comma-separated: one ranged read per pack covering the ids in it, then runs of
 * neighbours sliced from it (a run is already comma-separated in the pack).
 */
async function documents(edge: EdgeIndex, ids: readonly number[], read: ReadRange): Promise<Uint8Array[]> {
  const span = new Map<number, { from: number; to: number }>();
  for (const id of ids) {
    const p = edge.packOf[id]!;
    const s = span.get(p);
    const end = edge.offset[id]! + edge.length[id]!;
    if (s) [s.from, s.to] = [Math.min(s.from, edge.offset[id]!), Math.max(s.to, end)];
    else span.set(p, { from: edge.offset[id]!, to: end });
  }
  const bytes = new Map<number, Uint8Array>();
  await Promise.all([...span].map(async ([p, s]) => bytes.set(p, await read(edge.packs[p]!, s.from, s.to - s.from))));
  const chunks: Uint8Array[] = [];
  for (let k = 0; k < ids.length;) {
    const first = ids[k]!;
    let last = first;
    k++;
    while (k < ids.length && ids[k] === last + 1 && edge.packOf[last + 1] === edge.packOf[first]) {
      last++;
      k++;
    }
    const p = edge.packOf[first]!;
    const base = span.get(p)!.from;
    if (chunks.length > 0) chunks.push(COMMA);
    chunks.push(bytes.get(p)!.subarray(edge.offset[first]! - base, edge.offset[last]! + edge.length[last]! - base));
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
    return { status: 200, contentType: JSON_TYPE, body: await documents(edge, [selection.id], read) };
  return listResponse(await documents(edge, selection.ids, read), selection.meta);
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
