// The verdict of a pull request, its labels and the auto-merge decision. Pure: the checks and the list of
// changed files in, decisions with their reasons out. pr-check.ts decides from the git diff;
// post-comment.ts decides again from the GitHub API's file list before it labels or merges, so a forged
// artifact cannot buy a `verified` label for a PR that touches anything else.

import type { ChangedFile, ReportCheck, PrVerdict } from "./report.ts";
import { LOOKALIKE_CODE } from "../verify/lookalike.ts";

const LABELS = {
  verified: "verified",
  needsMaintainer: "needs-maintainer",
  invalid: "invalid",
  needsReview: "needs-review",
} as const;
/** Labels this registry manages: it adds and removes only these. */
const MANAGED_LABELS: readonly string[] = Object.values(LABELS);

/** `servers/<ns>/<server>/<version>/<file>` files a publishing PR may add. */
const VERSION_FILE = /^servers\/[^/]+\/[^/]+\/[^/]+\/(server\.json|server\.json\.sig)$/;

const isOutsideServers = (path: string): boolean => !path.startsWith("servers/");

/**
 * Files outside servers/ that no maintainer rule allowed (a passing `maintainer/…` check on that file, which
 * the verifier gives only to a PR a maintainer opened): they need a maintainer's review.
 */
export function filesNeedingReview(files: readonly ChangedFile[], checks: readonly ReportCheck[]): ChangedFile[] {
  return files.filter(
    (f) =>
      isOutsideServers(f.path) &&
      !checks.some((c) => c.file === f.path && c.status === "pass" && (c.code ?? "").startsWith("maintainer/")),
  );
}

/** The PR changes who the maintainers are: allowed for a maintainer, but another one must see it. */
const changesMaintainers = (checks: readonly ReportCheck[]): boolean =>
  checks.some((c) => c.code === "maintainer/maintainers-file" && c.status === "pass");

/** The look-alike warnings among the checks (a new name close to another namespace's server). */
export const lookalikeChecks = (checks: readonly ReportCheck[]): ReportCheck[] =>
  checks.filter((c) => c.code === LOOKALIKE_CODE);

export function decideVerdict(checks: readonly ReportCheck[], files: readonly ChangedFile[]): PrVerdict {
  if (checks.some((c) => c.status === "fail")) return "fail";
  if (checks.some((c) => c.status === "error")) return "error";
  if (filesNeedingReview(files, checks).length > 0) return "needs-maintainer";
  if (checks.length === 0 || checks.some((c) => c.status !== "pass")) return "error";
  return "pass";
}

/**
 * verified: every check passed and only servers/ changed (or a maintainer rule allowed the rest). invalid: a
 * check failed. needs-maintainer: a file outside servers/ changed that no maintainer rule allowed, or a
 * maintainer changed the maintainers file (alongside the others: reviewers must see it). An `error` verdict
 * (a service did not answer) gets no label: re-running the check is the fix.
 */
export function decideLabels(
  verdict: PrVerdict,
  files: readonly ChangedFile[],
  checks: readonly ReportCheck[] = [],
): string[] {
  const out: string[] = [];
  if (verdict === "pass") out.push(LABELS.verified);
  if (verdict === "fail") out.push(LABELS.invalid);
  if (filesNeedingReview(files, checks).length > 0 || changesMaintainers(checks)) out.push(LABELS.needsMaintainer);
  if (lookalikeChecks(checks).length > 0) out.push(LABELS.needsReview);
  return out;
}

export interface LabelPlan {
  readonly add: string[];
  readonly remove: string[];
}

/** Which managed labels to add and remove so the PR carries exactly `wanted`; other labels are left alone. */
export function planLabels(current: readonly string[], wanted: readonly string[]): LabelPlan {
  const have = new Set(current);
  return {
    add: wanted.filter((l) => !have.has(l)),
    remove: MANAGED_LABELS.filter((l) => have.has(l) && !wanted.includes(l)),
  };
}

export const AUTO_MERGE_OFF = "auto-merge is off in this repository";

export interface AutoMergeInput {
  readonly checks: readonly ReportCheck[];
  readonly files: readonly ChangedFile[];
  /** The repository setting (variable REGISTRY_AUTO_MERGE); off unless exactly "true". */
  readonly enabled: boolean;
}

export interface AutoMergeDecision {
  readonly eligible: boolean;
  /** Why not (empty when eligible), in words for the comment. */
  readonly reasons: string[];
}

/**
 * Merge without a maintainer only when every check passed, the PR only adds new version folders
 * (server.json and its signature, nothing modified, no status change) and the namespace of every added
 * server.json was proven by a passing namespace check — and the repository switched the feature on.
 */
export function decideAutoMerge(input: AutoMergeInput): AutoMergeDecision {
  const reasons: string[] = [];
  if (!input.enabled) reasons.push(`${AUTO_MERGE_OFF} (repository variable REGISTRY_AUTO_MERGE is not "true")`);
  if (input.checks.length === 0) reasons.push("no checks ran");
  const notPassed = input.checks.filter((c) => c.status !== "pass");
  if (notPassed.length > 0) reasons.push(`${notPassed.length} check(s) did not pass`);
  if (input.files.length === 0) reasons.push("the PR changes no files");
  const other = input.files.filter((f) => f.status !== "added" || !VERSION_FILE.test(f.path));
  if (other.length > 0)
    reasons.push(
      `the PR does more than add versions: ${other
        .slice(0, 3)
        .map((f) => `${f.path} (${f.status})`)
        .join(", ")}${other.length > 3 ? ", …" : ""}`,
    );
  const added = input.files.filter((f) => f.status === "added" && f.path.endsWith("/server.json"));
  const unproven = added.filter(
    (f) => !input.checks.some((c) => c.kind === "namespace" && c.status === "pass" && c.file === f.path),
  );
  if (unproven.length > 0) reasons.push(`no passing namespace check for ${unproven.map((f) => f.path).join(", ")}`);
  if (lookalikeChecks(input.checks).length > 0)
    reasons.push("a new server name looks like an existing server in another namespace: a maintainer decides");
  return { eligible: reasons.length === 0, reasons };
}
