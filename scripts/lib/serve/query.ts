// The official read API's query semantics over an in-memory model (UPSTREAM.md §2.2–2.5): what
// `npm start` answers for /v0.1/servers?…, /servers/{name}/versions and /servers/{name}/versions/{version}.
// Pure: a model in, status + bytes out. The static tree (build.ts) answers the same paths without query
// parameters; this module is what a client gets when a server can honour them.
//
// Speed (issue §5: limit=100 over 20k versions at ≥ 3,000 requests/s): everything that does not depend on
// the request is done once in createQueryIndex. Every ServerResponse is serialized once into one contiguous
// buffer per store (all versions; latest versions), in (name, version) order and separated by commas, so a
// page of consecutive versions is a single zero-copy slice of it; a filtered page is a few slices. A body is
// a list of chunks written with one writev: no serialising and no 150 KB copy per request (allocating
// and filling a fresh 150 KB buffer costs more than answering the request). A cursor is a binary search;
// search scans distinct names, not versions.

import { newestFirst } from "../versions.ts";
import { compareCodeUnits, toServerResponse, type RegistryModel, type VersionRecord } from "../model.ts";
import { stringifyJson } from "../safe-json.ts";

/** One response of the API: status, content type and the body, as chunks to write in order. */
export interface ApiResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: readonly Buffer[];
  readonly headers?: Readonly<Record<string, string>>;
}

/** The body as one buffer (tests, small responses). */
export function bodyBytes(r: ApiResponse): Buffer {
  return r.body.length === 1 ? r.body[0]! : Buffer.concat(r.body as Buffer[]);
}

export function bodyLength(r: ApiResponse): number {
  let n = 0;
  for (const c of r.body) n += c.length;
  return n;
}

interface Entry {
  readonly record: VersionRecord;
  readonly name: string;
  readonly version: string;
  readonly lowerName: string;
  readonly deleted: boolean;
  readonly isLatest: boolean;
  readonly updatedAt: Instant;
  /** The ServerResponse as JSON bytes (a view into the `all` store). */
  readonly json: Buffer;
}

/** Entries serialized back to back, comma-separated: entry i is buf[start[i], end[i]). */
interface Store {
  readonly buf: Buffer;
  readonly start: readonly number[];
  readonly end: readonly number[];
}

/** A pre-filtered, sorted list of entries and where each one sits in its store. */
interface Pool {
  readonly entries: readonly Entry[];
  readonly store: Store;
  readonly pos: readonly number[];
  /** Runs of one name: entries[from, to) share `lowerName`. */
  readonly groups: readonly { readonly lowerName: string; readonly from: number; readonly to: number }[];
  /** Indices of entries in updatedAt order, for updated_since (an incremental sync usually matches few). */
  readonly byUpdated: readonly number[];
}

export interface QueryIndex {
  /** Every version in (name, version) code-unit order. */
  readonly all: Pool;
  readonly live: Pool;
  readonly latestAll: Pool;
  readonly latestLive: Pool;
  readonly byName: ReadonlyMap<string, readonly Entry[]>;
}

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
  return { status, contentType, body: [Buffer.from(stringifyJson(body))] };
}

function buildStore(jsons: readonly string[]): Store {
  const buf = Buffer.from(jsons.join(","));
  const start: number[] = [];
  const end: number[] = [];
  let at = 0;
  for (const j of jsons) {
    const n = Buffer.byteLength(j);
    start.push(at);
    end.push(at + n);
    at += n + 1;
  }
  return { buf, start, end };
}

function buildPool(entries: readonly Entry[], store: Store, posOf: ReadonlyMap<Entry, number>): Pool {
  const groups: { lowerName: string; from: number; to: number }[] = [];
  entries.forEach((e, i) => {
    const last = groups[groups.length - 1];
    if (last && entries[last.from]!.name === e.name) last.to = i + 1;
    else groups.push({ lowerName: e.name.toLowerCase(), from: i, to: i + 1 });
  });
  const byUpdated = entries
    .map((_, i) => i)
    .sort((a, b) => compareInstants(entries[a]!.updatedAt, entries[b]!.updatedAt) || a - b);
  return { entries, store, pos: entries.map((e) => posOf.get(e)!), groups, byUpdated };
}

/** Build the index once per model; every request is answered from it. */
export function createQueryIndex(model: RegistryModel): QueryIndex {
  const records = [...model.versions].sort(
    (a, b) => compareCodeUnits(a.name, b.name) || compareCodeUnits(a.version, b.version),
  );
  const jsons = records.map((r) => stringifyJson(toServerResponse(r)));
  const allStore = buildStore(jsons);
  const all: Entry[] = records.map((record, i) => ({
    record,
    name: record.name,
    version: record.version,
    lowerName: record.name.toLowerCase(),
    deleted: record.official.status === "deleted",
    isLatest: record.official.isLatest,
    updatedAt: parseInstant(record.official.updatedAt) ?? { ms: Number.NEGATIVE_INFINITY, nanos: 0 },
    json: allStore.buf.subarray(allStore.start[i], allStore.end[i]),
  }));
  const latest = all.filter((e) => e.isLatest);
  const latestStore = buildStore(latest.map((e) => e.json.toString()));
  const allPos = new Map(all.map((e, i) => [e, i]));
  const latestPos = new Map(latest.map((e, i) => [e, i]));
  const byName = new Map<string, Entry[]>();
  for (const e of all) {
    const list = byName.get(e.name);
    if (list) list.push(e);
    else byName.set(e.name, [e]);
  }
  return {
    all: buildPool(all, allStore, allPos),
    live: buildPool(
      all.filter((e) => !e.deleted),
      allStore,
      allPos,
    ),
    latestAll: buildPool(latest, latestStore, latestPos),
    latestLive: buildPool(
      latest.filter((e) => !e.deleted),
      latestStore,
      latestPos,
    ),
    byName,
  };
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
  const cursor = param(query, "cursor");
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

const LIST_HEAD = Buffer.from('{"servers":[');
const COMMA = Buffer.from(",");

/** The paginated list, exactly as upstream: filters AND-ed with the cursor, nextCursor only on a full page. */
export function listServers(index: QueryIndex, q: ListQuery): ApiResponse {
  const latestOnly = q.version === "latest";
  const exactVersion = q.version !== undefined && !latestOnly ? q.version : undefined;
  const pool = latestOnly
    ? q.includeDeleted
      ? index.latestAll
      : index.latestLive
    : q.includeDeleted
      ? index.all
      : index.live;
  const needle = q.search?.toLowerCase();
  const since = q.updatedSince;
  const { entries } = pool;
  const start = q.cursor === undefined ? 0 : firstAfter(entries, q.cursor);
  const page: number[] = []; // indices into pool.entries
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
  const last = page.length >= q.limit ? entries[page[page.length - 1]!] : undefined;
  const meta = last
    ? `{"nextCursor":${stringifyJson(`${last.name}:${last.version}`)},"count":${page.length}}`
    : `{"count":${page.length}}`;
  return { status: 200, contentType: JSON_TYPE, body: pageChunks(pool, page, meta) };
}

/** HEAD, then the page's entries as slices of the store (one per run of neighbours), then the metadata. */
function pageChunks(pool: Pool, page: readonly number[], meta: string): Buffer[] {
  const chunks: Buffer[] = [LIST_HEAD];
  const { store, pos } = pool;
  for (let k = 0; k < page.length;) {
    const first = pos[page[k]!]!;
    let last = first;
    k++;
    while (k < page.length && pos[page[k]!] === last + 1) {
      last++;
      k++;
    }
    if (chunks.length > 1) chunks.push(COMMA);
    chunks.push(store.buf.subarray(store.start[first], store.end[last]));
  }
  chunks.push(Buffer.from(`],"metadata":${meta}}`));
  return chunks;
}

function entryChunks(list: readonly Entry[], meta: string): Buffer[] {
  const chunks: Buffer[] = [LIST_HEAD];
  list.forEach((e, i) => {
    if (i > 0) chunks.push(COMMA);
    chunks.push(e.json);
  });
  chunks.push(Buffer.from(`],"metadata":${meta}}`));
  return chunks;
}

// ---------------------------------------------------------------------------------------------------------
// GET /servers/{serverName}/versions and /servers/{serverName}/versions/{version}

/**
 * Newest publishedAt first (upstream `GetAllVersionsByServerName`), ties by version precedence then
 * string: the same order build.ts uses for the static `/versions` files (a test compares the two).
 */
const byPublishedDesc = newestFirst((e: Entry) => ({ version: e.version, publishedAt: e.record.official.publishedAt }));

/** Read the `include_deleted` of the single-server endpoints (a plain bool, default false). */
export function parseIncludeDeleted(
  query: URLSearchParams,
): { kind: "ok"; value: boolean } | { kind: "problem"; response: ApiResponse } {
  const raw = param(query, "include_deleted");
  if (raw === undefined) return { kind: "ok", value: false };
  const p = parseHumaBool("include_deleted", raw);
  return p.kind === "ok" ? p : { kind: "problem", response: problem(422, DETAIL.validationFailed, [p.error]) };
}

export function serverVersions(index: QueryIndex, name: string, includeDeleted: boolean): ApiResponse {
  const entries = (index.byName.get(name) ?? []).filter((e) => includeDeleted || !e.deleted);
  if (entries.length === 0) return problem(404, DETAIL.serverNotFound);
  const sorted = [...entries].sort(byPublishedDesc);
  return { status: 200, contentType: JSON_TYPE, body: entryChunks(sorted, `{"count":${sorted.length}}`) };
}

/** One version, or `latest` (the isLatest one). Upstream answers `Server not found` for both misses. */
export function serverVersion(index: QueryIndex, name: string, version: string, includeDeleted: boolean): ApiResponse {
  const entries = index.byName.get(name) ?? [];
  const found = entries.find(
    (e) => (version === "latest" ? e.isLatest : e.version === version) && (includeDeleted || !e.deleted),
  );
  if (!found) return problem(404, DETAIL.serverNotFound);
  return { status: 200, contentType: JSON_TYPE, body: [found.json] };
}
