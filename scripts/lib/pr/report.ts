// The PR check's artifact: report.json (this shape), comment.md and labels.json. pr-check.ts writes it in
// the unprivileged pull_request job; post-comment.ts reads it in the privileged workflow_run job, where it
// is data that crossed a trust boundary: parsePrReport checks every field before anything is posted.

import type { RouteChange } from "./api-diff.ts";

export type CheckStatus = "pass" | "fail" | "error" | "skip";
export const CHECK_STATUSES: readonly CheckStatus[] = ["pass", "fail", "error", "skip"];

/** One check as `npm run verify -- --json` reports it (plus validation findings, kind `schema`). */
export interface ReportCheck {
  readonly file: string;
  readonly kind: string;
  readonly status: CheckStatus;
  readonly message: string;
  readonly evidence: Readonly<Record<string, unknown>>;
  readonly code?: string;
  readonly line?: number;
}

/** A path the PR changes, as git reports it (A added, M modified, D deleted, R renamed, T type change…). */
export interface ChangedFile {
  readonly path: string;
  readonly status: "added" | "modified" | "removed" | "renamed" | "changed";
}

export type Verdict = "pass" | "fail" | "error" | "needs-maintainer";

export interface PrInfo {
  readonly number: number;
  readonly baseSha: string;
  readonly headSha: string;
  readonly author: string;
}

export interface PrReport {
  readonly version: 1;
  readonly pr: PrInfo;
  readonly verdict: Verdict;
  readonly checks: readonly ReportCheck[];
  readonly changedFiles: readonly ChangedFile[];
  /** null when the head tree did not build (it has errors): the comment says so instead. */
  readonly apiDiff: readonly RouteChange[] | null;
  readonly labels: readonly string[];
  readonly autoMerge: { readonly eligible: boolean; readonly reasons: readonly string[] };
}

export type ParsedReport =
  { readonly kind: "ok"; readonly report: PrReport } | { readonly kind: "invalid"; readonly reason: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v != null && !Array.isArray(v);
const SHA = /^[0-9a-f]{40}$/;
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const FILE_STATUSES = new Set(["added", "modified", "removed", "renamed", "changed"]);
const VERDICTS = new Set(["pass", "fail", "error", "needs-maintainer"]);

/** Check the artifact's report.json field by field; anything unexpected makes it invalid. */
export function parsePrReport(text: string): ParsedReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { kind: "invalid", reason: `report.json is not JSON: ${(e as Error).message}` };
  }
  const bad = (reason: string): ParsedReport => ({ kind: "invalid", reason: `report.json: ${reason}` });
  if (!isObj(raw) || raw.version !== 1) return bad("expected an object with version 1");
  const pr = raw.pr;
  if (!isObj(pr) || !Number.isSafeInteger(pr.number) || (pr.number as number) < 1)
    return bad("pr.number must be a positive integer");
  if (
    typeof pr.baseSha !== "string" ||
    !SHA.test(pr.baseSha) ||
    typeof pr.headSha !== "string" ||
    !SHA.test(pr.headSha)
  )
    return bad("pr.baseSha and pr.headSha must be 40-hex commit SHAs");
  if (typeof pr.author !== "string" || !LOGIN.test(pr.author)) return bad("pr.author must be a GitHub login");
  if (typeof raw.verdict !== "string" || !VERDICTS.has(raw.verdict))
    return bad("verdict must be pass, fail, error or needs-maintainer");
  if (!Array.isArray(raw.checks) || !raw.checks.every(isCheck))
    return bad("checks must be a list of {file, kind, status, message, evidence}");
  if (
    !Array.isArray(raw.changedFiles) ||
    !raw.changedFiles.every((f) => isObj(f) && typeof f.path === "string" && FILE_STATUSES.has(f.status as string))
  ) {
    return bad("changedFiles must be a list of {path, status}");
  }
  if (
    raw.apiDiff === undefined ||
    (raw.apiDiff != null &&
      !(
        Array.isArray(raw.apiDiff) &&
        raw.apiDiff.every(
          (c) => isObj(c) && typeof c.route === "string" && ["added", "changed", "removed"].includes(c.kind as string),
        )
      ))
  ) {
    return bad("apiDiff must be null or a list of {route, kind}");
  }
  if (!Array.isArray(raw.labels) || !raw.labels.every((l) => typeof l === "string"))
    return bad("labels must be a list of strings");
  const am = raw.autoMerge;
  if (
    !isObj(am) ||
    typeof am.eligible !== "boolean" ||
    !Array.isArray(am.reasons) ||
    !am.reasons.every((r) => typeof r === "string")
  )
    return bad("autoMerge must be {eligible, reasons}");
  return { kind: "ok", report: raw as unknown as PrReport };
}

function isCheck(c: unknown): c is ReportCheck {
  return (
    isObj(c) &&
    typeof c.file === "string" &&
    typeof c.kind === "string" &&
    CHECK_STATUSES.includes(c.status as CheckStatus) &&
    typeof c.message === "string" &&
    isObj(c.evidence) &&
    (c.code === undefined || typeof c.code === "string") &&
    (c.line === undefined || Number.isSafeInteger(c.line))
  );
}
