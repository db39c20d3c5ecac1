// The search engine of the browse site. Runs in the browser (bundled by esbuild) and in node (tests, benchmark).
//
// Ranking, best first: exact or prefix name > name substring > fuzzy name (typos: "gthub" finds "github") >
// title > description. Ties: active before deprecated before deleted, then name in code-unit order, so results
// are the same on every machine.

/** The prebuilt index file (`assets/search-index.json`): parallel columns, one entry per server, sorted by name. */
export interface SearchIndexFile {
  readonly format: 1;
  /** Distinct namespaces; `ns[i]` points here. */
  readonly namespaces: readonly string[];
  /** Distinct package registry types (npm, pypi, …); `packages[i]` points here. */
  readonly packageTypes: readonly string[];
  readonly ns: readonly number[];
  /** The part of the server name after the slash. */
  readonly name: readonly string[];
  /** Title of the latest version, "" when none. */
  readonly title: readonly string[];
  readonly description: readonly string[];
  /** The latest version. */
  readonly version: readonly string[];
  /** Number of versions, deleted ones included. */
  readonly versions: readonly number[];
  /** Status of the latest version: index into STATUS_CODES. */
  readonly status: readonly number[];
  /** Bit 1: runs locally (has packages); bit 2: remote. */
  readonly transport: readonly number[];
  readonly packages: readonly (readonly number[])[];
  /**
   * When the server first appeared (its first publish), in whole hours since the Unix epoch: hours, not seconds,
   * keep the column small (at 20,000 servers, seconds would add a third to the gzipped index). Absent in indexes
   * built before sorting.
   */
  readonly published?: readonly number[];
  /** When anything about the server last changed (a publish, a status change), in hours after `published`. */
  readonly updated?: readonly number[];
}

export const STATUS_CODES = ["active", "deprecated", "deleted"] as const;
export const TRANSPORT_LOCAL = 1;
export const TRANSPORT_REMOTE = 2;

/** The index, decoded and prepared for searching. */
export interface PreparedIndex {
  readonly file: SearchIndexFile;
  readonly count: number;
  readonly fullName: readonly string[];
  readonly fullLower: readonly string[];
  readonly shortLower: readonly string[];
  /** Letters and digits of the full name only ("io.github.a/b-c" → "iogithubabc"). */
  readonly compact: readonly string[];
  readonly titleLower: readonly string[];
  readonly descLower: readonly string[];
  /** Every distinct token of names and titles. */
  readonly tokens: readonly string[];
  /** Token ids per server: nameTokens[nameStart[i] .. nameStart[i+1]) for the part after the slash. */
  readonly nameStart: Uint32Array;
  readonly nameTokens: Uint32Array;
  /** The same for the namespace (io.github.<user>: mostly noise when looking for a subject, so ranked lower). */
  readonly nsStart: Uint32Array;
  readonly nsTokens: Uint32Array;
  readonly shortCompact: readonly string[];
  readonly titleStart: Uint32Array;
  readonly titleTokens: Uint32Array;
  /** Per-term token scores, kept for the last few terms (typing and deleting reuse them). */
  readonly cache: Map<string, Uint8Array>;
}

export interface SearchFilters {
  /** Registry type (npm, pypi, oci, …) or "" for any. */
  readonly packageType?: string;
  /** "local", "remote" or "" for any. */
  readonly transport?: string;
  /** "active", "deprecated", "deleted", "any", or "" for everything but deleted (the default). */
  readonly status?: string;
}

export interface SearchHit {
  readonly index: number;
  readonly score: number;
}

const TOKEN_SPLIT = /[^a-z0-9]+/;

function tokenize(text: string): string[] {
  return text.split(TOKEN_SPLIT).filter((t) => t !== "");
}

export function prepareIndex(file: SearchIndexFile): PreparedIndex {
  const count = file.name.length;
  const tokenIds = new Map<string, number>();
  const tokens: string[] = [];
  const idOf = (token: string): number => {
    let id = tokenIds.get(token);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(token);
      tokenIds.set(token, id);
    }
    return id;
  };
  const fullName: string[] = [];
  const fullLower: string[] = [];
  const shortLower: string[] = [];
  const compact: string[] = [];
  const titleLower: string[] = [];
  const descLower: string[] = [];
  const shortCompact: string[] = [];
  const nameIds: number[] = [];
  const nsIds: number[] = [];
  const titleIds: number[] = [];
  const nsStart = new Uint32Array(count + 1);
  const nameStart = new Uint32Array(count + 1);
  const titleStart = new Uint32Array(count + 1);
  for (let i = 0; i < count; i++) {
    const short = file.name[i] ?? "";
    const namespace = file.namespaces[file.ns[i] ?? 0] ?? "";
    const full = `${namespace}/${short}`;
    const lower = full.toLowerCase();
    fullName.push(full);
    fullLower.push(lower);
    shortLower.push(short.toLowerCase());
    compact.push(lower.replace(/[^a-z0-9]+/g, ""));
    const title = (file.title[i] ?? "").toLowerCase();
    titleLower.push(title);
    descLower.push((file.description[i] ?? "").toLowerCase());
    const shortLowered = short.toLowerCase();
    shortCompact.push(shortLowered.replace(/[^a-z0-9]+/g, ""));
    nameStart[i] = nameIds.length;
    for (const t of new Set(tokenize(shortLowered))) nameIds.push(idOf(t));
    nsStart[i] = nsIds.length;
    for (const t of new Set(tokenize(namespace.toLowerCase()))) nsIds.push(idOf(t));
    titleStart[i] = titleIds.length;
    for (const t of new Set(tokenize(title))) titleIds.push(idOf(t));
  }
  nameStart[count] = nameIds.length;
  nsStart[count] = nsIds.length;
  titleStart[count] = titleIds.length;
  return {
    file,
    count,
    fullName,
    fullLower,
    shortLower,
    compact,
    titleLower,
    descLower,
    tokens,
    nameStart,
    nameTokens: Uint32Array.from(nameIds),
    nsStart,
    nsTokens: Uint32Array.from(nsIds),
    shortCompact,
    titleStart,
    titleTokens: Uint32Array.from(titleIds),
    cache: new Map(),
  };
}

/** Typos allowed for a term of this length. */
function maxEdits(length: number): number {
  return length < 4 ? 0 : length < 8 ? 1 : 2;
}

/**
 * Optimal-string-alignment distance between `term` and the closest prefix of `token` whose length is within `max`
 * of the term's (so that "gthu" is one edit from "github"'s prefix "githu"). Returns max + 1 when farther.
 */
export function prefixDistance(term: string, token: string, max: number): number {
  const n = term.length;
  const m = Math.min(token.length, n + max);
  if (m < n - max) return max + 1;
  // rows over term, columns over token; three rows for transpositions
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = new Array<number>(m + 1);
  let cur = new Array<number>(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  let prevRowMin = 0;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    let rowMin = i;
    const a = term.charCodeAt(i - 1);
    for (let j = 1; j <= m; j++) {
      const b = token.charCodeAt(j - 1);
      let d = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a === b ? 0 : 1));
      if (i > 1 && j > 1 && a === token.charCodeAt(j - 2) && term.charCodeAt(i - 2) === b) {
        d = Math.min(d, (prev2[j - 2] ?? 0) + 1);
      }
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    // two rows over the limit: no later cell can come back under it, not even by a transposition
    if (rowMin > max && prevRowMin > max) return max + 1;
    prevRowMin = rowMin;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  let best = max + 1;
  for (let j = Math.max(0, n - max); j <= m; j++) best = Math.min(best, prev[j] ?? best);
  return best;
}

// Token match strength, stored per token in a Uint8Array (0: no match).
const TOKEN_EXACT = 100;
const TOKEN_PREFIX = 90;
const TOKEN_FUZZY = 60; // minus 10 per edit

function tokenScores(index: PreparedIndex, term: string): Uint8Array {
  const cached = index.cache.get(term);
  if (cached !== undefined) return cached;
  const max = maxEdits(term.length);
  const scores = new Uint8Array(index.tokens.length);
  const first = term.charCodeAt(0);
  for (let id = 0; id < index.tokens.length; id++) {
    const token = index.tokens[id] ?? "";
    if (token.charCodeAt(0) === first && token.startsWith(term)) {
      scores[id] = token.length === term.length ? TOKEN_EXACT : TOKEN_PREFIX;
    } else if (max > 0 && token.length >= term.length - max) {
      const d = prefixDistance(term, token, max);
      if (d <= max) scores[id] = TOKEN_FUZZY - 10 * d;
    }
  }
  if (index.cache.size >= 16) index.cache.delete(index.cache.keys().next().value as string);
  index.cache.set(term, scores);
  return scores;
}

function bestToken(scores: Uint8Array, ids: Uint32Array, start: number, end: number): number {
  let best = 0;
  for (let k = start; k < end; k++) {
    const s = scores[ids[k] ?? 0] ?? 0;
    if (s > best) best = s;
  }
  return best;
}

/** Shortest window of `text` holding `term` as a subsequence, or Infinity. */
function subsequenceSpan(term: string, text: string): number {
  let best = Infinity;
  let start = text.indexOf(term[0] ?? "");
  while (start !== -1) {
    let pos = start;
    let ok = true;
    for (let k = 1; k < term.length; k++) {
      pos = text.indexOf(term[k] ?? "", pos + 1);
      if (pos === -1) {
        ok = false;
        break;
      }
    }
    if (!ok) break;
    best = Math.min(best, pos - start + 1);
    start = text.indexOf(term[0] ?? "", start + 1);
  }
  return best;
}

function isWordStart(text: string, at: number): boolean {
  if (at <= 0) return true;
  const c = text.charCodeAt(at - 1);
  return !((c >= 97 && c <= 122) || (c >= 48 && c <= 57));
}

/**
 * Score of one term against one server; 0 when it does not match. The checks run from the highest score down, so
 * the first that matches is the best.
 */
function scoreTerm(index: PreparedIndex, i: number, term: string, scores: Uint8Array): number {
  const full = index.fullLower[i] ?? "";
  const short = index.shortLower[i] ?? "";
  if (short === term || full === term) return 1000;
  if (short.startsWith(term)) return 950;
  if (full.startsWith(term)) return 940;
  const nameToken = bestToken(scores, index.nameTokens, index.nameStart[i] ?? 0, index.nameStart[i + 1] ?? 0);
  if (nameToken === TOKEN_EXACT) return 900;
  if (nameToken === TOKEN_PREFIX) return 880;
  if (short.includes(term)) return 850;
  const termCompact = term.replace(/[^a-z0-9]+/g, "");
  if (termCompact.length >= 3 && index.shortCompact[i]?.includes(termCompact)) return 820;
  if (nameToken > 0) return 600 + nameToken; // fuzzy: 650 (one edit), 640 (two)
  if (termCompact.length >= 3 && subsequenceSpan(termCompact, index.shortCompact[i] ?? "") <= termCompact.length + 2)
    return 600;
  const nsToken = bestToken(scores, index.nsTokens, index.nsStart[i] ?? 0, index.nsStart[i + 1] ?? 0);
  if (nsToken === TOKEN_EXACT) return 530;
  if (nsToken === TOKEN_PREFIX) return 520;
  if (full.includes(term)) return 510;
  const title = index.titleLower[i] ?? "";
  const titleToken =
    title === "" ? 0 : bestToken(scores, index.titleTokens, index.titleStart[i] ?? 0, index.titleStart[i + 1] ?? 0);
  if (title !== "") {
    if (title === term) return 500;
    if (title.startsWith(term)) return 480;
    if (titleToken >= TOKEN_PREFIX) return 460;
    if (title.includes(term)) return 440;
    if (titleToken > 0) return 350 + titleToken; // 400 / 390
  }
  if (nsToken > 0) return 300 + nsToken; // 350 / 340
  const desc = index.descLower[i] ?? "";
  const at = desc.indexOf(term);
  if (at !== -1) return isWordStart(desc, at) ? 250 : 200;
  return 0;
}

function passesFilters(index: PreparedIndex, i: number, filters: SearchFilters, packageType: number): boolean {
  const status = STATUS_CODES[index.file.status[i] ?? 0];
  const wanted = filters.status ?? "";
  if (wanted === "" ? status === "deleted" : wanted !== "any" && wanted !== status) return false;
  const transport = index.file.transport[i] ?? 0;
  if (filters.transport === "local" && (transport & TRANSPORT_LOCAL) === 0) return false;
  if (filters.transport === "remote" && (transport & TRANSPORT_REMOTE) === 0) return false;
  if (packageType === -1) return false;
  if (packageType >= 0 && !(index.file.packages[i] ?? []).includes(packageType)) return false;
  return true;
}

function normalizeQuery(query: string): string[] {
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter((t) => t !== "")
    .slice(0, 8);
}

/** All servers matching the query and filters, best first. An empty query lists every server by name. */
export function search(index: PreparedIndex, query: string, filters: SearchFilters = {}): SearchHit[] {
  const terms = normalizeQuery(query);
  // -2: any type; -1: a type no server has (nothing passes)
  const packageType = filters.packageType ? index.file.packageTypes.indexOf(filters.packageType) : -2;
  const termScores = terms.map((t) => tokenScores(index, t));
  const phrase = terms.join(" ");
  const hits: SearchHit[] = [];
  for (let i = 0; i < index.count; i++) {
    if (!passesFilters(index, i, filters, packageType)) continue;
    let total = 0;
    let ok = true;
    for (let t = 0; t < terms.length; t++) {
      const s = scoreTerm(index, i, terms[t] ?? "", termScores[t] ?? new Uint8Array(0));
      if (s === 0) {
        ok = false;
        break;
      }
      total += s;
    }
    if (!ok) continue;
    let score = terms.length === 0 ? 0 : total / terms.length;
    if (
      terms.length > 1 &&
      ((index.titleLower[i] ?? "").includes(phrase) || (index.fullLower[i] ?? "").includes(terms.join("-")))
    ) {
      score += 50;
    }
    hits.push({ index: i, score });
  }
  // The index is in name order: an empty query keeps it.
  if (terms.length === 0) return hits;
  const status = index.file.status;
  hits.sort(
    (a, b) =>
      b.score - a.score ||
      (status[a.index] ?? 0) - (status[b.index] ?? 0) ||
      compare(index.fullName[a.index] ?? "", index.fullName[b.index] ?? ""),
  );
  return hits;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Hours since the epoch of a server's first publish (0 when the index has no times). */
export function publishedHour(file: SearchIndexFile, i: number): number {
  return file.published?.[i] ?? 0;
}

/** Hours since the epoch of a server's last change. */
export function updatedHour(file: SearchIndexFile, i: number): number {
  return publishedHour(file, i) + (file.updated?.[i] ?? 0);
}

/** Orders of the home page's list, as the `sort` URL parameter spells them ("" is best match, else name). */
export const SORT_ORDERS = ["", "name", "published", "updated"] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/** The hits in another order; ties (same time) by name, so the order is the same everywhere. */
export function sortHits(index: PreparedIndex, hits: readonly SearchHit[], order: string): SearchHit[] {
  const byName = (a: SearchHit, b: SearchHit): number =>
    compare(index.fullName[a.index] ?? "", index.fullName[b.index] ?? "");
  const newest =
    (column: (file: SearchIndexFile, i: number) => number) =>
    (a: SearchHit, b: SearchHit): number =>
      column(index.file, b.index) - column(index.file, a.index) || byName(a, b);
  if (order === "name") return hits.slice().sort(byName);
  if (order === "published") return hits.slice().sort(newest(publishedHour));
  if (order === "updated") return hits.slice().sort(newest(updatedHour));
  return hits.slice();
}
