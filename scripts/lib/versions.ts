// Version rules of the official MCP registry (UPSTREAM.md §3): what counts as semver, how two versions
// compare, which version is "latest", and which version strings are refused at publish.
//
// Strict on purpose: npm `semver` trims whitespace and accepts `=1.2.3`, Go's golang.org/x/mod/semver
// does not. Comparison is done here too (not with `semver`), so that huge numeric parts, which Go
// compares fine and npm `semver` refuses to parse, never throw (and so that huge numeric prerelease
// identifiers, which npm `semver` rounds until they tie, keep their order). versions.test.ts checks that the
// order agrees with npm `semver` on every pair that package represents exactly.

/** A Go-semver numeric identifier: no leading zeros. */
const NUM = String.raw`(?:0|[1-9][0-9]*)`;
/** A prerelease identifier: numeric without leading zeros, or alphanumeric with at least one non-digit. */
const PRE_ID = String.raw`(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)`;
const BUILD_ID = String.raw`[0-9A-Za-z-]+`;
/**
 * `v` + exactly MAJOR.MINOR.PATCH + optional prerelease + optional build metadata. Upstream prepends a
 * `v` when missing and then asks `semver.IsValid`, so the input may carry at most one leading lowercase `v`.
 */
const SEMVER = new RegExp(
  `^v?(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?(?:\\+${BUILD_ID}(?:\\.${BUILD_ID})*)?$`,
);

/** Upstream `IsSemanticVersion`: Go semver with exactly three core parts (`1.0` and `2025.06.18` are not). */
export function isSemanticVersion(v: string): boolean {
  return SEMVER.test(v);
}

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** Compare two decimal digit strings without leading zeros, of any length. */
function compareNumeric(a: string, b: string): number {
  return sign(a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0);
}

const isDigits = (s: string): boolean => /^[0-9]+$/.test(s);

/** SemVer 2.0 precedence of two prerelease strings (`undefined` = release, which ranks higher). */
function comparePrerelease(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  const as = a.split(".");
  const bs = b.split(".");
  for (let i = 0; i < Math.max(as.length, bs.length); i++) {
    const x = as[i];
    const y = bs[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const xNum = isDigits(x);
    const yNum = isDigits(y);
    if (xNum && yNum) return compareNumeric(x, y);
    if (xNum) return -1;
    if (yNum) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** Go `semver.Compare` for two strings that passed `isSemanticVersion`; build metadata is ignored. */
function compareSemver(a: string, b: string): number {
  const ma = SEMVER.exec(a);
  const mb = SEMVER.exec(b);
  if (!ma || !mb) throw new Error(`compareSemver called with non-semver input: ${a}, ${b}`);
  for (let i = 1; i <= 3; i++) {
    const c = compareNumeric(ma[i] ?? "0", mb[i] ?? "0");
    if (c !== 0) return c;
  }
  return comparePrerelease(ma[4], mb[4]);
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Compare two RFC 3339 timestamps at full (nanosecond) precision, as Go's `time.Time` does. Strings
 * that are not RFC 3339 sort after valid ones and among themselves by code units, so the order stays total.
 */
export function compareTimestamps(a: string, b: string): number {
  const pa = parseTimestamp(a);
  const pb = parseTimestamp(b);
  if (pa && pb)
    return sign(pa.seconds - pb.seconds) || (pa.fraction < pb.fraction ? -1 : pa.fraction > pb.fraction ? 1 : 0);
  if (pa) return -1;
  if (pb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

type ParsedTime = { seconds: number; fraction: string } | null;

/**
 * Parsed timestamps by text. A build sorts every server's versions by times that repeat (every version a
 * commit adds has that commit's time), so a small cache makes the sorts cheap; it is emptied when full.
 */
const parsedTimes = new Map<string, ParsedTime>();
const PARSED_TIMES_MAX = 4096;

function parseTimestamp(t: string): ParsedTime {
  let parsed = parsedTimes.get(t);
  if (parsed === undefined) {
    if (parsedTimes.size >= PARSED_TIMES_MAX) parsedTimes.clear();
    parsed = parseTimestampText(t);
    parsedTimes.set(t, parsed);
  }
  return parsed;
}

function parseTimestampText(t: string): ParsedTime {
  const m = RFC3339.exec(t);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[4]?.toUpperCase() === "Z" ? "Z" : m[4]}`);
  if (Number.isNaN(ms)) return null;
  return { seconds: ms / 1000, fraction: (m[3] ?? ".").slice(1).padEnd(9, "0") };
}

/**
 * Upstream `CompareVersions(a, b, aPublishedAt, bPublishedAt)`: both semver → semver precedence (build
 * metadata ignored, so `1.0.0+a` equals `1.0.0+b`); neither → the later publish time is greater; exactly
 * one semver → the semver one is greater (the code's behaviour; the docs claim the opposite, §3).
 */
export function compareVersions(a: string, b: string, aPublishedAt: string, bPublishedAt: string): number {
  const aSemver = isSemanticVersion(a);
  const bSemver = isSemanticVersion(b);
  if (aSemver && bSemver) return compareSemver(a, b);
  if (!aSemver && !bSemver) return compareTimestamps(aPublishedAt, bPublishedAt);
  return aSemver ? 1 : -1;
}

/** What the newest-first order reads of a version. */
export interface PublishedVersion {
  readonly version: string;
  readonly publishedAt: string;
}

/**
 * The one order of a server's versions, newest first, for the static `/versions` files, `npm start`'s
 * `/versions` answer and the site's version table: later publishedAt first (upstream
 * `GetAllVersionsByServerName`, `published_at DESC`, compared as times, so `…:18Z` is before `…:18.5Z`
 * whatever the precision), then higher version precedence, then the version string descending, so the
 * order is total and independent of the input order.
 */
export function newestFirst<T>(get: (t: T) => PublishedVersion): (a: T, b: T) => number {
  return (x, y) => {
    const a = get(x);
    const b = get(y);
    return (
      compareTimestamps(b.publishedAt, a.publishedAt) ||
      compareVersions(b.version, a.version, b.publishedAt, a.publishedAt) ||
      (a.version < b.version ? 1 : a.version > b.version ? -1 : 0)
    );
  };
}

export interface VersionFacts {
  readonly version: string;
  readonly publishedAt: string;
  readonly status: string;
}

/**
 * Upstream `recalculateLatest`/`pickLatestVersion`: the latest of the non-deleted versions, or, when every
 * version is deleted, the latest of the deleted ones. `undefined` only for an empty list.
 *
 * Iteration order matters because the fold replaces the winner only on a strict `> 0`: versions that
 * compare equal (same semver core and prerelease, differing only in build metadata, e.g. `1.0.0+a` and
 * `1.0.0+b`) keep whichever came first. Upstream's publish path decides the flag one publish at a time,
 * so the earlier-published one stays latest; folding in publishedAt order reproduces that, and the
 * version-string tie-break makes the result independent of the input order.
 */
export function pickLatest<T>(versions: readonly T[], get: (t: T) => VersionFacts): T | undefined {
  const entries = versions.map((item) => ({ item, facts: get(item) }));
  entries.sort(
    (x, y) =>
      compareTimestamps(x.facts.publishedAt, y.facts.publishedAt) ||
      (x.facts.version < y.facts.version ? -1 : x.facts.version > y.facts.version ? 1 : 0),
  );
  const live = entries.filter((e) => e.facts.status !== "deleted");
  const pool = live.length > 0 ? live : entries;
  let winner: (typeof pool)[number] | undefined;
  for (const e of pool) {
    if (
      winner === undefined ||
      compareVersions(e.facts.version, winner.facts.version, e.facts.publishedAt, winner.facts.publishedAt) > 0
    ) {
      winner = e;
    }
  }
  return winner?.item;
}

// The four range patterns of upstream `validateVersion`, verbatim except that Go's ASCII `\s` is spelled
// out (JavaScript's `\s` also matches Unicode spaces).
const S = String.raw`[\t\n\f\r ]`;
const PART = String.raw`v?\d+(?:\.\d+){0,3}(?:-[0-9A-Za-z.-]+)?`;
const RANGE_PATTERNS: readonly RegExp[] = [
  new RegExp(`^${S}*(?:\\^|~|>=|<=|>|<|=)${S}*${PART}${S}*$`),
  new RegExp(`^${S}*${PART}${S}-${S}*${PART}${S}*$`),
  new RegExp(`^${S}*(?:${PART}${S}*)(?:\\|\\|${S}*${PART}${S}*)+$`),
];
const WILDCARD = new RegExp(String.raw`^${S}*(?:v?\d+|x|X|\*)(?:\.(?:\d+|x|X|\*)){1,2}(?:-[0-9A-Za-z.-]+)?${S}*$`);

/** Go `strings.TrimSpace`: Unicode White_Space (JavaScript's `trim` would also strip U+FEFF). */
function trimSpaceLikeGo(s: string): string {
  return s.replace(
    /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g,
    "",
  );
}

/** Whether upstream would read this version string as a range (`^1.2.3`, `1.x`, `1 - 2`, `1.2 || 1.3`). */
function looksLikeRange(v: string): boolean {
  const t = trimSpaceLikeGo(v);
  if (RANGE_PATTERNS.some((re) => re.test(t))) return true;
  // Upstream quirk kept on purpose: the x/X/* test looks at the whole string, so a prerelease such as
  // `1.0.0-linux` (three numeric parts plus an `x` in the suffix) is refused as a range too.
  return WILDCARD.test(t) && /[xX*]/.test(t);
}

export interface VersionProblem {
  readonly code: "version/reserved" | "version/range";
  readonly message: string;
}

/** Upstream `validateVersion`, for the server `version` and each package `version`. */
export function checkVersionString(v: string): VersionProblem | null {
  if (v === "latest") {
    return { code: "version/reserved", message: "version string 'latest' is reserved and cannot be used" };
  }
  if (looksLikeRange(v)) {
    return { code: "version/range", message: `version must be a specific version, not a range: ${JSON.stringify(v)}` };
  }
  return null;
}
