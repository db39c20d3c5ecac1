// Verification receipts: what the registry checked before a version was merged, kept beside the data.
//
// One JSON file per published version, `receipts/<namespace>/<server>/<version>.json`, committed by the
// trusted side after the merge (pr-comment.yml's merge job or receipts.yml; never a pull request: the PR
// check refuses one that touches receipts/, change/receipt-file). It lives outside servers/, so it never
// moves a version's updatedAt (git-history.ts reads only servers/). The build publishes it at
// `v0.1/x/<registry namespace>/receipts/<namespace>/<server>/<version>.json` and links it from the
// version's `_meta[REGISTRY_META_KEY].receipt`; the nightly re-verification appends its outcome.
//
// What a receipt holds, and who said it (MAINTAINERS.md, "Receipts"):
//   - pr, files: from the GitHub API, read by the trusted job (number, base and head SHA, author, merge
//     commit, the git blob id of the server.json at the merged head);
//   - run, checks: from the PR check's artifact (report.json). The artifact is data the unprivileged run
//     produced with the base branch's code; each check keeps its id, outcome, message and the verifier's
//     evidence record verbatim (what was fetched from where, sha256 of what came back, the login or key
//     that proved the namespace). New kinds of checks (provenance) add entries, not fields.
// Pure: objects in, objects and text out.

import { stringifyJson } from "./safe-json.ts";

const RECEIPT_FORMAT = 1;
/** Where receipts are committed, relative to the repository root (changes.ts refuses PRs touching it). */
export const RECEIPTS_ROOT = "receipts";
/** A receipt file is read only up to this size (the build and the site refuse larger ones). */
export const MAX_RECEIPT_BYTES = 256 * 1024;
/** Evidence deeper than this is cut: a check's record is a few levels at most. */
const MAX_EVIDENCE_DEPTH = 6;
const MAX_EVIDENCE_STRING = 2048;
const MAX_REVERIFICATIONS = 100;

type ReceiptOutcome = "pass" | "fail" | "error" | "skip";
const OUTCOMES: readonly string[] = ["pass", "fail", "error", "skip"];

/** A JSON value as a receipt stores it. */
type EvidenceValue = string | number | boolean | null | EvidenceValue[] | { [key: string]: EvidenceValue };

/** One check, as the verifier reported it. */
export interface ReceiptCheck {
  /** The stable check id (`npm/ok`, `namespace/github-author`, `lookalike/resembles`, …). */
  readonly id: string;
  /** The check's kind (`namespace`, `npm`, `schema`, … and later `provenance`). */
  readonly kind: string;
  readonly outcome: ReceiptOutcome;
  readonly message: string;
  /** The verifier's evidence record, verbatim (bounded): open to any field a kind of check needs. */
  readonly evidence: { readonly [key: string]: EvidenceValue };
}

/** One nightly re-verification of this version, appended when its outcome changed. */
export interface Reverification {
  readonly at: string;
  readonly outcome: "ok" | "broken" | "error";
  readonly checks: readonly ReceiptCheck[];
}

export interface Receipt {
  readonly receipt: typeof RECEIPT_FORMAT;
  readonly name: string;
  readonly version: string;
  /** The server.json the checks were about, and its git blob id at the merged head (from the API). */
  readonly file: string;
  readonly blob: string;
  /** The pull request, as the GitHub API described it to the trusted job. */
  readonly pr: {
    readonly number: number;
    readonly baseSha: string;
    readonly headSha: string;
    readonly author: string;
    readonly mergeCommit: string | null;
  };
  /** The PR check's workflow run whose artifact carried the checks, and the artifact's report.json sha256. */
  readonly run: { readonly id: number; readonly url: string; readonly reportSha256: string };
  /** When the trusted job recorded it (RFC 3339, UTC). */
  readonly recordedAt: string;
  /** The PR check's verdict for the whole pull request. */
  readonly verdict: string;
  readonly checks: readonly ReceiptCheck[];
  readonly reverifications: readonly Reverification[];
}

/** `receipts/<ns>/<server>/<version>.json` for a server name and version. */
export function receiptPath(name: string, version: string): string {
  return `${RECEIPTS_ROOT}/${name}/${version}.json`;
}

/** The PR check's checks (report.json) as a receipt records them. */
interface ReportedCheck {
  readonly file: string;
  readonly kind: string;
  readonly status: string;
  readonly message: string;
  readonly code?: string;
  readonly evidence: Readonly<Record<string, unknown>>;
}

export interface ReceiptFacts {
  /** From the API. */
  readonly pr: Receipt["pr"];
  /** Added files of the merged PR, from the API, with their blob ids. */
  readonly files: readonly { readonly path: string; readonly status: string; readonly sha: string }[];
  readonly run: Receipt["run"];
  readonly recordedAt: string;
  /** From the artifact. */
  readonly verdict: string;
  readonly checks: readonly ReportedCheck[];
}

const ADDED_SERVER_FILE = /^servers\/([^/]+)\/([^/]+)\/([^/]+)\/server\.json$/;

/** One receipt per server.json the merged PR added (per the API), with the checks of its version folder. */
export function receiptsFor(facts: ReceiptFacts): { path: string; receipt: Receipt }[] {
  const out: { path: string; receipt: Receipt }[] = [];
  for (const f of facts.files) {
    const m = ADDED_SERVER_FILE.exec(f.path);
    if (!m || f.status !== "added") continue;
    const [, ns, server, version] = m as unknown as [string, string, string, string];
    const dir = f.path.slice(0, -"server.json".length);
    const name = `${ns}/${server}`;
    const receipt: Receipt = {
      receipt: RECEIPT_FORMAT,
      name,
      version,
      file: f.path,
      blob: f.sha,
      pr: facts.pr,
      run: facts.run,
      recordedAt: facts.recordedAt,
      verdict: facts.verdict,
      checks: facts.checks.filter((c) => c.file.startsWith(dir)).map(receiptCheck),
      reverifications: [],
    };
    out.push({ path: receiptPath(name, version), receipt });
  }
  return out;
}

/** A reported check as a receipt check: outcome from the status, evidence copied within bounds. */
export function receiptCheck(c: {
  readonly kind: string;
  readonly status: string;
  readonly message: string;
  readonly code?: string;
  readonly evidence: Readonly<Record<string, unknown>>;
}): ReceiptCheck {
  return {
    id: c.code ?? c.kind,
    kind: c.kind,
    outcome: (OUTCOMES.includes(c.status) ? c.status : "error") as ReceiptOutcome,
    message: bounded(c.message),
    evidence: boundedObject(c.evidence, 0),
  };
}

const bounded = (s: string) => (s.length > MAX_EVIDENCE_STRING ? `${s.slice(0, MAX_EVIDENCE_STRING)}…` : s);

function boundedValue(v: unknown, depth: number): EvidenceValue {
  if (v == null || typeof v === "boolean") return v ?? null;
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string") return bounded(v);
  if (depth >= MAX_EVIDENCE_DEPTH) return "…";
  if (Array.isArray(v)) return v.slice(0, 100).map((x) => boundedValue(x, depth + 1));
  if (typeof v === "object") return boundedObject(v as Record<string, unknown>, depth + 1);
  return null;
}

function boundedObject(o: Readonly<Record<string, unknown>>, depth: number): { [key: string]: EvidenceValue } {
  const out: { [key: string]: EvidenceValue } = {};
  for (const [k, v] of Object.entries(o).slice(0, 100)) if (v !== undefined) out[bounded(k)] = boundedValue(v, depth);
  return out;
}

/** The receipt as committed and published: escaped JSON (safe-json), two-space indented, one newline. */
export function serializeReceipt(receipt: Receipt): string {
  return stringifyJson(receipt, 2) + "\n";
}

export type ParsedReceipt =
  { readonly kind: "ok"; readonly receipt: Receipt } | { readonly kind: "invalid"; readonly reason: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v != null && !Array.isArray(v);
const SHA = /^[0-9a-f]{40}$/;
const isStr = (v: unknown): v is string => typeof v === "string";

/** Read a committed receipt strictly: a malformed one is reported, never half-published. */
export function parseReceipt(text: string, expected: { name: string; version: string }): ParsedReceipt {
  if (text.length > MAX_RECEIPT_BYTES) return { kind: "invalid", reason: `larger than ${MAX_RECEIPT_BYTES} bytes` };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { kind: "invalid", reason: `not JSON: ${(e as Error).message}` };
  }
  const bad = (reason: string): ParsedReceipt => ({ kind: "invalid", reason });
  if (!isObj(raw) || raw.receipt !== RECEIPT_FORMAT) return bad(`expected an object with "receipt": ${RECEIPT_FORMAT}`);
  if (raw.name !== expected.name || raw.version !== expected.version)
    return bad(`it is the receipt of ${String(raw.name)} ${String(raw.version)}, not of its path`);
  const pr = raw.pr;
  if (
    !isObj(pr) ||
    !Number.isSafeInteger(pr.number) ||
    !isStr(pr.headSha) ||
    !SHA.test(pr.headSha) ||
    !isStr(pr.baseSha) ||
    !isStr(pr.author) ||
    !(pr.mergeCommit == null || isStr(pr.mergeCommit))
  )
    return bad("pr must be {number, baseSha, headSha, author, mergeCommit}");
  const run = raw.run;
  if (!isObj(run) || !Number.isSafeInteger(run.id) || !isStr(run.url) || !isStr(run.reportSha256))
    return bad("run must be {id, url, reportSha256}");
  if (!isStr(raw.file) || !isStr(raw.blob) || !isStr(raw.recordedAt) || !isStr(raw.verdict))
    return bad("file, blob, recordedAt and verdict must be strings");
  if (!Array.isArray(raw.checks) || !raw.checks.every(isReceiptCheck)) return bad("checks must be a list of checks");
  if (
    !Array.isArray(raw.reverifications) ||
    !raw.reverifications.every(
      (r) =>
        isObj(r) &&
        isStr(r.at) &&
        ["ok", "broken", "error"].includes(r.outcome as string) &&
        Array.isArray(r.checks) &&
        r.checks.every(isReceiptCheck),
    )
  )
    return bad("reverifications must be a list of {at, outcome, checks}");
  return { kind: "ok", receipt: raw as unknown as Receipt };
}

function isReceiptCheck(c: unknown): boolean {
  return (
    isObj(c) &&
    isStr(c.id) &&
    isStr(c.kind) &&
    OUTCOMES.includes(c.outcome as string) &&
    isStr(c.message) &&
    isObj(c.evidence)
  );
}

/**
 * Append a nightly outcome when it differs from the last one recorded (the first re-verification always
 * counts): a receipt grows with changes of state, not with nights. Undefined when nothing changes.
 */
export function appendReverification(receipt: Receipt, entry: Reverification): Receipt | undefined {
  const last = receipt.reverifications.at(-1);
  if (last && last.outcome === entry.outcome && sameChecks(last.checks, entry.checks)) return undefined;
  return { ...receipt, reverifications: [...receipt.reverifications, entry].slice(-MAX_REVERIFICATIONS) };
}

const sameChecks = (a: readonly ReceiptCheck[], b: readonly ReceiptCheck[]) =>
  JSON.stringify(a.map((c) => [c.id, c.outcome])) === JSON.stringify(b.map((c) => [c.id, c.outcome]));

/** What the site's server page says: who proved the namespace and which package back-references matched. */
export interface ReceiptSummary {
  readonly verifiedAt: string;
  /** "GitHub login alice-dev", "DNS key ed25519:…", "maintainer ana (import)", … */
  readonly namespace?: string;
  /** One line per package check that passed: "npm @alice/weather mcpName matched". */
  readonly packages: readonly string[];
  readonly pr: number;
}

/** The facts the site shows, read from the checks' evidence (unknown kinds are left to the receipt itself). */
export function summarizeReceipt(receipt: Receipt): ReceiptSummary {
  const ns = receipt.checks.find((c) => c.kind === "namespace" && c.outcome === "pass");
  const packages = receipt.checks
    .filter((c) => c.outcome === "pass" && ["npm", "pypi", "nuget", "cargo", "oci", "mcpb"].includes(c.kind))
    .map((c) => {
      const id = c.evidence.identifier ?? c.evidence.image ?? c.evidence.url;
      return `${c.kind} ${typeof id === "string" ? id : "package"} ${c.kind === "npm" ? "mcpName" : "back-reference"} matched`;
    });
  return {
    verifiedAt: receipt.recordedAt,
    ...(ns ? { namespace: namespaceProof(ns) } : {}),
    packages,
    pr: receipt.pr.number,
  };
}

function namespaceProof(c: ReceiptCheck): string {
  const e = c.evidence;
  if (typeof e.maintainer === "string") return `maintainer ${e.maintainer} (${c.id})`;
  if (typeof e.account === "string")
    return `GitHub ${e.accountType === "Organization" ? "organization" : "login"} ${e.account}`;
  if (typeof e.key === "string")
    return `key ${e.key} (${e.proof === "http" ? "HTTP" : "DNS"}${typeof e.domain === "string" ? ` of ${e.domain}` : ""})`;
  return c.id;
}
