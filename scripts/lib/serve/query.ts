// The official read API's query semantics (UPSTREAM.md §2.2–2.5): what `npm start` and the edge Worker
// answer for /v0.1/servers?…, /servers/{name}/versions and /servers/{name}/versions/{version}.
// Pure and platform-neutral (no Node built-ins, no Buffer: Uint8Array and TextEncoder only), so the same code
// runs in Node and in workerd. The core reads only each version's facts (EntryFacts: name, version, status,
// isLatest, updatedAt and its rank among the server's versions) and answers with a Selection: which entries,
// in which order, plus the metadata. Turning a selection into bytes is the host's job: `npm start` slices
// its in-memory stores (createQueryIndex), the Worker reads the build's document packs from R2; both wrap the
// documents with the same listBody, so their bodies are identical byte for byte.
//
// Speed (issue §5: limit=100 over 20k versions at ≥ 3,000 requests/s): everything that does not depend on
// the request is done once when the index is built. In `npm start` every ServerResponse is serialized once
// into one contiguous buffer per store (all versions; latest versions), in (name, version) order and
// separated by commas, so a page of consecutive versions is a single zero-copy slice of it. A cursor is a
// binary search; search scans distinct names, not versions.

import { newestFirst } from "../versions.ts";
import { compareCodeUnits, toServerResponse, type RegistryModel, type VersionRecord } from "../model.ts";
import { stringifyJson } from "../safe-json.ts";

/** One response of the API: status, content type and the body, as chunks to write in order. */
export interface ApiResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: readonly Uint8Array[];
  readonly headers?: Readonly<Record<string, string>>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of a string. */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** The body as one byte array. */
export function bodyBytes(r: ApiResponse): Uint8Array {
  if (r.body.length === 1) return r.body[0]!;
  const out = new Uint8Array(bodyLength(r));
  let at = 0;
  for (const c of r.body) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The body decoded as UTF-8 (tests, small responses). */
export function bodyText(r: ApiResponse): string {
  return decoder.decode(bodyBytes(r));
}

export function bodyLength(r: ApiResponse): number {
  let n = 0;
  for (const c of r.body) n += c.length;
  return n;
}

/** What the query core reads of one version; a list of them is in (name, version) code-unit order. */
export interface EntryFacts {
  readonly name: string;
  readonly version: string;
  readonly deleted: boolean;
  readonly isLatest: boolean;
  /** updatedAt; null when it is not RFC 3339 (sorts first, never "after" anything). */
  readonly updatedAt: Instant | null;
  /** Position among the server's versions in the newest-first order of `/versions` (0 = newest). */
  readonly rank: number;
}

interface Entry {
  /** Position in the (name, version) order of every version: the key of its document. */
  readonly id: number;
  readonly name: string;
  readonly version: string;
  readonly lowerName: string;
  readonly deleted: boolean;
  readonly isLatest: boolean;
  readonly updatedAt: Instant;
  readonly rank: number;
}

/** The four lists a query can read: every version or the latest ones, with or without deleted ones. */
type PoolName = "all" | "live" | "latestAll" | "latestLive";

/** A pre-filtered, sorted list of entries. */
interface Pool {
  readonly entries: readonly Entry[];
  /** Runs of one name: entries[from, to) share `lowerName`. */
  readonly groups: readonly { readonly lowerName: string; readonly from: number; readonly to: number }[];
  /** Indices of entries in updatedAt order, for updated_since (an incremental sync usually matches few). */
  readonly byUpdated: readonly number[];
}

export interface QueryIndex {
  readonly pools: Readonly<Record<PoolName, Pool>>;
  readonly byName: ReadonlyMap<string, readonly Entry[]>;
}

/**
 * What a query selected: a list (ids of the documents, in order; `pool` and `page` say where they sit, for a
 * host whose stores follow the pools) or one document.
 */
export type Selection =
  | {
      readonly kind: "list";
      readonly ids: readonly number[];
      readonly meta: string;
      readonly pool?: PoolName;
      readonly page?: readonly number[];
    }
  | { readonly kind: "one"; readonly id: number }
  | { readonly kind: "problem"; readonly response: ApiResponse };

const DEFAULT_LIMIT = 30;
const MAX_LIMIT = 100;

/** Official error texts (UPSTREAM.md §2.2, §2.4, §2.5). Tests assert these exact strings. */
export const DETAIL = {
  serverNotFound: "Server not found",
  invalidUpdatedSince: "Invalid updated_since format: expected RFC3339 timestamp (e.g., 2025-08-07T13:15:04.280Z)",
  includeDeletedConflict:
    "Cannot set include_deleted=false when using updated_since (incremental sync requires deleted servers)",
  validationFailed: "validation failed",
  invalidNameEncoding: "Invalid server name encoding",
  invalidVersionEncoding: "Invalid version encoding",
} as const;

const STATUS_TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  422: "Unprocessable Entity",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

const PROBLEM_JSON = "application/problem+json";
export const JSON_TYPE = "application/json";

export interface ProblemError {
  readonly message: string;
  readonly location: string;
  readonly value: unknown;
}

/** An RFC 9457 problem as Huma writes it: title, status, detail (and `errors` for request validation). */
export function problem(
  status: number,
  detail: string,
  errors?: readonly ProblemError[],
  contentType = PROBLEM_JSON,
): ApiResponse {
  const body = { title: STATUS_TITLES[status] ?? "Error", status, detail, ...(errors ? { errors } : {}) };
  return { status, contentType, body: [utf8(stringifyJson(body))] };
}

const NEVER: Instant = { ms: Number.NEGATIVE_INFINITY, nanos: 0 };

function buildPool(entries: readonly Entry[]): Pool {
  const groups: { lowerName: string; from: number; to: number }[] = [];
  entries.forEach((e, i) => {
    const last = groups[groups.length - 1];
    if (last && entries[last.from]!.name === e.name) last.to = i + 1;
    else groups.push({ lowerName: e.lowerName, from: i, to: i + 1 });
  });
  const byUpdated = entries
    .map((_, i) => i)
    .sort((a, b) => compareInstants(entries[a]!.updatedAt, entries[b]!.updatedAt) || a - b);
  return { entries, groups, byUpdated };
}

/** The query index over facts in (name, version) order: built once per build, by either host. */
export function indexEntries(facts: readonly EntryFacts[]): QueryIndex {
  const all: Entry[] = facts.map((f, id) => ({
    id,
    name: f.name,
    version: f.version,
    lowerName: f.name.toLowerCase(),
    deleted: f.deleted,
    isLatest: f.isLatest,
    updatedAt: f.updatedAt ?? NEVER,
    rank: f.rank,
  }));
  const latest = all.filter((e) => e.isLatest);
  const byName = new Map<string, Entry[]>();
  for (const e of all) {
    const list = byName.get(e.name);
    if (list) list.push(e);
    else byName.set(e.name, [e]);
  }
  return {
    pools: {
      all: buildPool(all),
      live: buildPool(all.filter((e) => !e.deleted)),
      latestAll: buildPool(latest),
      latestLive: buildPool(latest.filter((e) => !e.deleted)),
    },
    byName,
  };
}

/**
 * Newest publishedAt first (upstream `GetAllVersionsByServerName`), ties by version precedence then
 * string: the same order build.ts uses for the static `/versions` files (a test compares the two).
 */
const byPublishedDesc = newestFirst((r: VersionRecord) => ({
  version: r.version,
  publishedAt: r.official.publishedAt,
}));

/** A model's versions in (name, version) code-unit order, with the facts the query core reads of each. */
export function modelFacts(model: RegistryModel): { records: VersionRecord[]; facts: EntryFacts[] } {
  const records = [...model.versions].sort(
    (a, b) => compareCodeUnits(a.name, b.name) || compareCodeUnits(a.version, b.version),
  );
  const rank = new Map<VersionRecord, number>();
  const byName = new Map<string, VersionRecord[]>();
  for (const r of records) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  for (const list of byName.values()) list.sort(byPublishedDesc).forEach((r, i) => rank.set(r, i));
  const facts = records.map((r) => ({
    name: r.name,
    version: r.version,
    deleted: r.official.status === "deleted",
    isLatest: r.official.isLatest,
    updatedAt: parseInstant(r.official.updatedAt),
    rank: rank.get(r)!,
  }));
  return { records, facts };
}

/** Documents serialized back to back, comma-separated: the document at position p is buf[start[p], end[p]). */
interface Store {
  readonly buf: Uint8Array;
  readonly start: readonly number[];
  readonly end: readonly number[];
  /** Position in this store of the document with a given id. */
  readonly posOf: (id: number) => number;
}

function buildStore(docs: readonly Uint8Array[], posOf: (id: number) => number): Store {
  let size = Math.max(0, docs.length - 1);
  for (const d of docs) size += d.length;
  const buf = new Uint8Array(size);
  const start: number[] = [];
  const end: number[] = [];
  let at = 0;
  for (const d of docs) {
    if (at > 0) buf[at++] = 0x2c; // ","
    buf.set(d, at);
    start.push(at);
    end.push(at + d.length);
    at += d.length;
  }
  return { buf, start, end, posOf };
}

/** `npm start`'s index: the query index plus every document in memory. */
export interface MemoryQueryIndex extends QueryIndex {
  readonly stores: { readonly all: Store; readonly latest: Store };
}

/** Build the index once per model; every request is answered from it. */
export function createQueryIndex(model: RegistryModel): MemoryQueryIndex {
  const { records, facts } = modelFacts(model);
  const docs = records.map((r) => utf8(stringifyJson(toServerResponse(r))));
  const latestIds = records.flatMap((r, id) => (r.official.isLatest ? [id] : []));
  const latestPos = new Map(latestIds.map((id, p) => [id, p]));
  return {
    ...indexEntries(facts),
    stores: {
      all: buildStore(docs, (id) => id),
      latest: buildStore(
        latestIds.map((id) => docs[id]!),
        (id) => latestPos.get(id)!,
      ),
    },
  };
}

/** The documents of a selection as slices of a store: one slice per run of neighbours, commas between runs. */
function storeChunks(store: Store, ids: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let k = 0; k < ids.length;) {
    const first = store.posOf(ids[k]!);
    let last = first;
    k++;
    while (k < ids.length && store.posOf(ids[k]!) === last + 1) {
      last++;
      k++;
    }
    if (chunks.length > 0) chunks.push(COMMA);
    chunks.push(store.buf.subarray(store.start[first], store.end[last]));
  }
  return chunks;
}

/** A selection answered from the in-memory stores. */
export function renderFromMemory(index: MemoryQueryIndex, selection: Selection): ApiResponse {
  if (selection.kind === "problem") return selection.response;
  const { all, latest } = index.stores;
  if (selection.kind === "one")
    return {
      status: 200,
      contentType: JSON_TYPE,
      body: [all.buf.subarray(all.start[selection.id], all.end[selection.id])],
    };
  const store = selection.pool === "latestAll" || selection.pool === "latestLive" ? latest : all;
  return listResponse(storeChunks(store, selection.ids), selection.meta);
}

// ---------------------------------------------------------------------------------------------------------
// Query parameters, parsed the way Huma parses them: an empty value counts as absent, the first of repeated
// values wins, unknown parameters are ignored, and every parse/range failure is collected into one 422.

type Parsed<T> = { kind: "ok"; value: T } | { kind: "invalid"; error: ProblemError };

/** Go strconv.ParseInt(s, 10, 64): optional sign, decimal digits only. */
function parseHumaInt(name: string, raw: string, min: number, max: number): Parsed<number> {
  if (!/^[+-]?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    return { kind: "invalid", error: { message: "invalid integer", location: `query.${name}`, value: raw } };
  }
  const n = Number(raw);
  if (n < min)
    return { kind: "invalid", error: { message: `expected number >= ${min}`, location: `query.${name}`, value: n } };
  if (n > max)
    return { kind: "invalid", error: { message: `expected number <= ${max}`, location: `query.${name}`, value: n } };
  return { kind: "ok", value: n };
}

const GO_TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const GO_FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** Go strconv.ParseBool. */
function parseHumaBool(name: string, raw: string): Parsed<boolean> {
  if (GO_TRUE.has(raw)) return { kind: "ok", value: true };
  if (GO_FALSE.has(raw)) return { kind: "ok", value: false };
  return { kind: "invalid", error: { message: "invalid boolean", location: `query.${name}`, value: raw } };
}

function param(query: URLSearchParams, name: string): string | undefined {
  const v = query.get(name);
  return v == null || v === "" ? undefined : v;
}

/** A point in time at nanosecond precision: epoch milliseconds plus the nanoseconds below them. */
export interface Instant {
  readonly ms: number;
  readonly nanos: number;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Go `time.Parse(time.RFC3339, s)`: `T` and `Z` upper case, optional fraction of any length, numeric
 * offsets, fields range-checked (month, day of that month, hour < 24, minute and second < 60).
 */
export function parseInstant(s: string): Instant | null {
  const m = RFC3339.exec(s);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  if (
    year === undefined ||
    month === undefined ||
    day === undefined ||
    hour === undefined ||
    minute === undefined ||
    second === undefined
  )
    return null;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59)
    return null;
  let offsetMinutes = 0;
  if (m[8] !== "Z") {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const digits = (m[7] ?? "").padEnd(9, "0").slice(0, 9);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number(digits.slice(0, 3)));
  return { ms: date.getTime() - offsetMinutes * 60_000, nanos: Number(digits.slice(3)) };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

function isAfter(a: Instant, b: Instant): boolean {
  return a.ms > b.ms || (a.ms === b.ms && a.nanos > b.nanos);
}

function compareInstants(a: Instant, b: Instant): number {
  return a.ms - b.ms || a.nanos - b.nanos;
}

/** Indices (ascending) of the pool's entries updated strictly after `since`, when they are few; else null. */
function fewUpdatedAfter(pool: Pool, since: Instant): number[] | null {
  const order = pool.byUpdated;
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (isAfter(pool.entries[order[mid]!]!.updatedAt, since)) hi = mid;
    else lo = mid + 1;
  }
  if ((order.length - lo) * 8 > order.length) return null; // many: a scan in name order fills the page sooner
  return order.slice(lo).sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------------------
// GET /servers

export interface ListQuery {
  readonly cursor?: string;
  readonly limit: number;
  readonly search?: string;
  readonly updatedSince?: Instant;
  readonly version?: string;
  readonly includeDeleted: boolean;
}

/** Parse and check the list parameters; a problem response when they are not acceptable. */
export function parseListQuery(
  query: URLSearchParams,
): { kind: "ok"; query: ListQuery } | { kind: "problem"; response: ApiResponse } {
  const errors: ProblemError[] = [];
  let limit = DEFAULT_LIMIT;
  const rawLimit = param(query, "limit");
  if (rawLimit !== undefined) {
    const p = parseHumaInt("limit", rawLimit, 1, MAX_LIMIT);
    if (p.kind === "ok") limit = p.value;
    else errors.push(p.error);
  }
  let includeDeleted: boolean | undefined;
  const rawDeleted = param(query, "include_deleted");
  if (rawDeleted !== undefined) {
    const p = parseHumaBool("include_deleted", rawDeleted);
    if (p.kind === "ok") includeDeleted = p.value;
    else errors.push(p.error);
  }
  if (errors.length > 0) return { kind: "problem", response: problem(422, DETAIL.validationFailed, errors) };

  let updatedSince: Instant | undefined;
  const rawSince = param(query, "updated_since");
  if (rawSince !== undefined) {
    const instant = parseInstant(rawSince);
    if (!instant) return { kind: "problem", response: problem(400, DETAIL.invalidUpdatedSince) };
    updatedSince = instant;
    if (includeDeleted === false) return { kind: "problem", response: problem(400, DETAIL.includeDeletedConflict) };
    includeDeleted = true;
  }
  // A space in a cursor is a `+`: VS Code appends `&cursor=name:1.0.0+build.1` without escaping the `+`, which
  // a query string decodes as a space; versions never contain whitespace (checkVersionString refuses it).
  const cursor = param(query, "cursor")?.replaceAll(" ", "+");
  const search = param(query, "search");
  const version = param(query, "version");
  return {
    kind: "ok",
    query: {
      limit,
      includeDeleted: includeDeleted ?? false,
      ...(cursor === undefined ? {} : { cursor }),
      ...(search === undefined ? {} : { search }),
      ...(updatedSince === undefined ? {} : { updatedSince }),
      ...(version === undefined ? {} : { version }),
    },
  };
}

/** Index of the first entry strictly after the cursor: (name, version) > (cName, cVersion), or name > cursor. */
function firstAfter(entries: readonly Entry[], cursor: string): number {
  const colon = cursor.indexOf(":");
  const cName = colon === -1 ? cursor : cursor.slice(0, colon);
  const cVersion = colon === -1 ? undefined : cursor.slice(colon + 1);
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = entries[mid]!;
    const after =
      cVersion === undefined ? e.name > cName : e.name > cName || (e.name === cName && e.version > cVersion);
    if (after) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** First group whose range ends after index i. */
function groupAt(pool: Pool, i: number): number {
  let lo = 0;
  let hi = pool.groups.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pool.groups[mid]!.to <= i) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const LIST_HEAD = utf8('{"servers":[');
const COMMA = utf8(",");

/** A list response around documents already separated by commas: the one list shape both hosts write. */
export function listResponse(docs: readonly Uint8Array[], meta: string): ApiResponse {
  return { status: 200, contentType: JSON_TYPE, body: [LIST_HEAD, ...docs, utf8(`],"metadata":${meta}}`)] };
}

function poolFor(q: ListQuery): PoolName {
  if (q.version === "latest") return q.includeDeleted ? "latestAll" : "latestLive";
  return q.includeDeleted ? "all" : "live";
}

/** Indices into the pool's entries of the page: filters AND-ed with the cursor, at most `limit`. */
function pageOf(pool: Pool, q: ListQuery): number[] {
  const exactVersion = q.version !== undefined && q.version !== "latest" ? q.version : undefined;
  const needle = q.search?.toLowerCase();
  const since = q.updatedSince;
  const { entries } = pool;
  const start = q.cursor === undefined ? 0 : firstAfter(entries, q.cursor);
  const page: number[] = [];
  const accept = (i: number) => {
    const e = entries[i]!;
    return (
      (exactVersion === undefined || e.version === exactVersion) &&
      (since === undefined || isAfter(e.updatedAt, since)) &&
      (needle === undefined || e.lowerName.includes(needle))
    );
  };
  const few = since === undefined ? null : fewUpdatedAfter(pool, since);
  if (few != null) {
    for (const i of few) if (i >= start && accept(i) && page.push(i) >= q.limit) break;
  } else if (needle === undefined) {
    for (let i = start; i < entries.length && page.length < q.limit; i++) if (accept(i)) page.push(i);
  } else {
    // Search tests each name once, then takes that name's versions.
    for (let g = groupAt(pool, start); g < pool.groups.length && page.length < q.limit; g++) {
      const group = pool.groups[g]!;
      if (!group.lowerName.includes(needle)) continue;
      for (let i = Math.max(start, group.from); i < group.to && page.length < q.limit; i++) if (accept(i)) page.push(i);
    }
  }
  return page;
}

/** The paginated list, exactly as upstream: nextCursor only on a full page. */
export function selectList(index: QueryIndex, q: ListQuery): Selection {
  const poolName = poolFor(q);
  const pool = index.pools[poolName];
  const page = pageOf(pool, q);
  const last = page.length >= q.limit ? pool.entries[page[page.length - 1]!] : undefined;
  const meta = last
    ? `{"nextCursor":${stringifyJson(`${last.name}:${last.version}`)},"count":${page.length}}`
    : `{"count":${page.length}}`;
  return { kind: "list", pool: poolName, ids: page.map((i) => pool.entries[i]!.id), meta };
}

/** `npm start`'s list answer (selectList over the in-memory stores). */
export function listServers(index: MemoryQueryIndex, q: ListQuery): ApiResponse {
  return renderFromMemory(index, selectList(index, q));
}

// ---------------------------------------------------------------------------------------------------------
// GET /servers/{serverName}/versions and /servers/{serverName}/versions/{version}

/** Read the `include_deleted` of the single-server endpoints (a plain bool, default false). */
export function parseIncludeDeleted(
  query: URLSearchParams,
): { kind: "ok"; value: boolean } | { kind: "problem"; response: ApiResponse } {
  const raw = param(query, "include_deleted");
  if (raw === undefined) return { kind: "ok", value: false };
  const p = parseHumaBool("include_deleted", raw);
  return p.kind === "ok" ? p : { kind: "problem", response: problem(422, DETAIL.validationFailed, [p.error]) };
}

/** Every version of a server, newest first (the build's rank order). */
export function selectVersions(index: QueryIndex, name: string, includeDeleted: boolean): Selection {
  const entries = (index.byName.get(name) ?? []).filter((e) => includeDeleted || !e.deleted);
  if (entries.length === 0) return { kind: "problem", response: problem(404, DETAIL.serverNotFound) };
  const sorted = [...entries].sort((a, b) => a.rank - b.rank);
  return { kind: "list", pool: "all", ids: sorted.map((e) => e.id), meta: `{"count":${sorted.length}}` };
}

/** One version, or `latest` (the isLatest one). Upstream answers `Server not found` for both misses. */
export function selectVersion(index: QueryIndex, name: string, version: string, includeDeleted: boolean): Selection {
  const entries = index.byName.get(name) ?? [];
  const found = entries.find(
    (e) => (version === "latest" ? e.isLatest : e.version === version) && (includeDeleted || !e.deleted),
  );
  if (!found) return { kind: "problem", response: problem(404, DETAIL.serverNotFound) };
  return { kind: "one", id: found.id };
}

export function serverVersions(index: MemoryQueryIndex, name: string, includeDeleted: boolean): ApiResponse {
  return renderFromMemory(index, selectVersions(index, name, includeDeleted));
}

export function serverVersion(
  index: MemoryQueryIndex,
  name: string,
  version: string,
  includeDeleted: boolean,
): ApiResponse {
  return renderFromMemory(index, selectVersion(index, name, version, includeDeleted));
}
