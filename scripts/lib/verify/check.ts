// The result of one verification check: what was checked, the verdict and the evidence observed.
// The evidence is kept (`--json`) as a receipt of why an entry was trusted, so it records what the
// outside service answered (the mcpName seen, a README's sha256 and matched line, an image digest),
// never only our conclusion.

import type { Package } from "../model.ts";

export type CheckKind =
  | "schema"
  | "change"
  | "namespace"
  | "npm"
  | "pypi"
  | "nuget"
  | "cargo"
  | "oci"
  | "mcpb"
  | "remote"
  | "lookalike"
  | "provenance";

/**
 * pass: proven. fail: the PR must change. error: the check could not finish (a service did not answer,
 * rate limits): try again later. skip: not run (`--offline`, or nothing to check). Only pass passes.
 */
export type CheckStatus = "pass" | "fail" | "error" | "skip";
export const CHECK_STATUSES: readonly CheckStatus[] = ["pass", "fail", "error", "skip"];

export type Evidence = Readonly<Record<string, unknown>>;

export interface CheckResult {
  readonly file: string;
  readonly kind: CheckKind;
  readonly status: CheckStatus;
  /** Stable `kind/slug` id; tests and people search for it. */
  readonly code: string;
  readonly message: string;
  readonly evidence: Evidence;
  /** JSON pointer of the value checked, when inside a document. */
  readonly pointer?: string;
  /** 1-based line of that value, when known. */
  readonly line?: number;
}

export function check(
  kind: CheckKind,
  file: string,
  status: CheckStatus,
  code: string,
  message: string,
  evidence: Evidence = {},
  where: { pointer?: string; line?: number } = {},
): CheckResult {
  return { file, kind, status, code, message, evidence, ...where };
}

/** What every back-reference checker gets: one package of one new server.json. */
export interface PackageCheckInput {
  readonly file: string;
  readonly serverName: string;
  readonly pkg: Package;
  /** JSON pointer of the package, e.g. `/packages/0`. */
  readonly pointer: string;
}

/** Bind kind, file and pointer once, so checkers read as `result("fail", code, msg, ev)`. */
export function resultFor(kind: CheckKind, input: { file: string; pointer?: string }) {
  return (status: CheckStatus, code: string, message: string, evidence: Evidence = {}): CheckResult =>
    check(
      kind,
      input.file,
      status,
      code,
      message,
      evidence,
      input.pointer === undefined ? {} : { pointer: input.pointer },
    );
}
