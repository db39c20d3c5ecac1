// The PR check's artifact: report.json (this shape), comment.md and labels.json. pr-check.ts writes it in
// the unprivileged pull_request job; post-comment.ts reads it in the privileged workflow_run job, where it
// is data that crossed a trust boundary: parsePrReport checks every field before anything is posted.

import { checkOwnSchema } from "../schema.ts";
import { CHECK_STATUSES, type CheckStatus } from "../verify/check.ts";
import type { RouteChange } from "./api-diff.ts";

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

/** The pull request's verdict (what the comment and labels say), decided from the verifier's checks by labels.ts. */
export type PrVerdict = "pass" | "fail" | "error" | "needs-maintainer";

export interface PrInfo {
  readonly number: number;
  readonly baseSha: string;
  readonly headSha: string;
  readonly author: string;
}

export interface PrReport {
  readonly version: 1;
  readonly pr: PrInfo;
  readonly verdict: PrVerdict;
  readonly checks: readonly ReportCheck[];
  readonly changedFiles: readonly ChangedFile[];
  /** null when the head tree did not build (it has errors): the comment says so instead. */
  readonly apiDiff: readonly RouteChange[] | null;
  readonly labels: readonly string[];
  readonly autoMerge: { readonly eligible: boolean; readonly reasons: readonly string[] };
}

export type ParsedReport =
  { readonly kind: "ok"; readonly report: PrReport } | { readonly kind: "invalid"; readonly reason: string };

const SAFE_INT = { type: "integer", minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER } as const;
const SHA = { type: "string", pattern: "^[0-9a-f]{40}$" } as const;
const STRINGS = { type: "array", items: { type: "string" } } as const;

/** What report.json may hold; anything else (an extra key in pr or a check is allowed, as before) is invalid. */
const REPORT_SCHEMA = {
  type: "object",
  required: ["version", "pr", "verdict", "checks", "changedFiles", "apiDiff", "labels", "autoMerge"],
  properties: {
    version: { const: 1 },
    pr: {
      type: "object",
      required: ["number", "baseSha", "headSha", "author"],
      properties: {
        number: { ...SAFE_INT, minimum: 1 },
        baseSha: SHA,
        headSha: SHA,
        author: { type: "string", pattern: "^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$" },
      },
    },
    verdict: { type: "string", enum: ["pass", "fail", "error", "needs-maintainer"] },
    checks: {
      type: "array",
      items: {
        type: "object",
        required: ["file", "kind", "status", "message", "evidence"],
        properties: {
          file: { type: "string" },
          kind: { type: "string" },
          status: { type: "string", enum: CHECK_STATUSES },
          message: { type: "string" },
          evidence: { type: "object" },
          code: { type: "string" },
          line: SAFE_INT,
        },
      },
    },
    changedFiles: {
      type: "array",
      items: {
        type: "object",
        required: ["path", "status"],
        properties: {
          path: { type: "string" },
          status: { type: "string", enum: ["added", "modified", "removed", "renamed", "changed"] },
        },
      },
    },
    apiDiff: {
      type: ["array", "null"],
      items: {
        type: "object",
        required: ["route", "kind"],
        properties: { route: { type: "string" }, kind: { type: "string", enum: ["added", "changed", "removed"] } },
      },
    },
    labels: STRINGS,
    autoMerge: {
      type: "object",
      required: ["eligible", "reasons"],
      properties: { eligible: { type: "boolean" }, reasons: STRINGS },
    },
  },
};

/** Check the artifact's report.json against REPORT_SCHEMA (ajv); anything unexpected makes it invalid. */
export function parsePrReport(text: string): ParsedReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { kind: "invalid", reason: `report.json is not JSON: ${(e as Error).message}` };
  }
  const findings = checkOwnSchema("pr-report", REPORT_SCHEMA, raw);
  if (findings.length > 0) return { kind: "invalid", reason: `report.json: ${findings[0]!.message}` };
  return { kind: "ok", report: raw as PrReport };
}
