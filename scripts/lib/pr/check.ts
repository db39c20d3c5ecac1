// The PR check's steps, composed: validate the head tree, take the verifier's checks, diff the published
// API between base and head, decide verdict, labels and auto-merge, and render the artifact (report.json,
// comment.md, labels.json) and the job summary's API section. Both trees are read from git as data
// (gitTreeReader): nothing of the PR is checked out by this code or executed.
//
// IO comes in as parameters: a GitRunner for the data repository and the verifier's outcome.

import { diffApiTrees, type RouteChange } from "./api-diff.ts";
import { buildApiTree, buildModel } from "../build.ts";
import { hasErrors, type Diagnostic } from "../diagnostics.ts";
import { workflowAnnotation } from "../escape.ts";
import { attributeFindings } from "./blame.ts";
import { readHistory, type History } from "../git-history.ts";
import { decideAutoMerge, decideLabels, decideVerdict } from "./labels.ts";
import { loadTree, type TreeReader } from "../load.ts";
import { renderApiDiff, renderComment } from "./comment.ts";
import type { ChangedFile, PrInfo, PrReport, ReportCheck } from "./report.ts";
import { validateLoaded } from "../validate.ts";
import { diffEntries, gitTreeReader, type GitRunner } from "../verify/git.ts";
import { validationResults } from "../verify/verify-pr.ts";

/** Times for the API diff: a fixed time, never git (see checkRevision). */
function fixedTimes(): History {
  return readHistory("/", { run: () => null, fallbackEpoch: 0, repositoryRoot: () => undefined });
}

export interface CheckedRevision {
  /** The revision's servers tree, read from git objects. */
  readonly reader: TreeReader;
  readonly diagnostics: Diagnostic[];
  /** The published API of this revision, or undefined when it has errors and would not build. */
  readonly tree?: Map<string, string | Uint8Array>;
}

/**
 * Validate and build the servers tree of one revision. Times come from a fixed fallback, not from git:
 * the diff is about what the PR changes in content, and a PR's own commit times are not the times it will
 * be published with (those are the merge commit's).
 */
export function checkRevision(git: GitRunner, rev: string): CheckedRevision {
  const reader = gitTreeReader(git, rev);
  const loaded = loadTree(reader);
  const diagnostics = validateLoaded(loaded);
  if (hasErrors(diagnostics)) return { reader, diagnostics };
  return { reader, diagnostics, tree: buildApiTree(buildModel(loaded.versions, fixedTimes())) };
}

const FILE_STATUS: Record<string, ChangedFile["status"]> = {
  A: "added",
  M: "modified",
  D: "removed",
  R: "renamed",
  T: "changed",
};

export function changedFiles(git: GitRunner, base: string, head: string): ChangedFile[] {
  return diffEntries(git, base, head)
    .map((e) => ({ path: e.path, status: FILE_STATUS[e.status] ?? "changed" }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Validation as checks, when the verifier could not report its own: the same attribution and the same
 * checks as the verifier's (verify-pr.ts validationResults).
 */
function validationChecks(head: CheckedRevision, base: CheckedRevision, files: readonly ChangedFile[]): ReportCheck[] {
  const attribution = attributeFindings({
    reader: head.reader,
    diagnostics: head.diagnostics,
    subjects: files.map((f) => f.path),
    base,
  });
  const publications = files
    .filter((f) => f.status === "added" && /^servers\/[^/]+\/[^/]+\/[^/]+\/server\.json$/.test(f.path))
    .map((f) => ({ dir: f.path.slice(0, -"/server.json".length) }));
  return validationResults(attribution, publications).map((c) => ({
    file: c.file,
    kind: c.kind,
    status: c.status,
    code: c.code,
    message: c.message,
    evidence: c.pointer === undefined ? {} : { pointer: c.pointer },
    ...(c.line === undefined ? {} : { line: c.line }),
  }));
}

/** The verifier's `--json` output, or why it is missing. */
export type VerifyOutcome =
  | { readonly kind: "report"; readonly checks: readonly ReportCheck[] }
  | { readonly kind: "crashed"; readonly message: string };

export interface PrCheckInput {
  readonly git: GitRunner;
  readonly pr: PrInfo;
  readonly verify: VerifyOutcome;
  readonly autoMergeEnabled: boolean;
  readonly runUrl?: string;
}

export interface PrCheckOutput {
  readonly report: PrReport;
  readonly comment: string;
  /** Markdown appended to the job summary after the verifier's own. */
  readonly summary: string;
  /** Annotations for validation errors when the verifier could not print its own. */
  readonly annotations: string[];
}

export function runPrCheck(input: PrCheckInput): PrCheckOutput {
  const { git, pr } = input;
  const files = changedFiles(git, pr.baseSha, pr.headSha);
  const head = checkRevision(git, pr.headSha);
  const base = checkRevision(git, pr.baseSha);
  // The verifier validates the head (schema checks, with its own annotations). Only when it produced no
  // report does this step's own validation of the head stand in, so authors still see their errors.
  const crashed = input.verify.kind === "crashed";
  const checks: ReportCheck[] =
    input.verify.kind === "report"
      ? [...input.verify.checks]
      : [
          ...validationChecks(head, base, files),
          {
            file: "(verifier)",
            kind: "change",
            status: "error",
            code: "verify/crashed",
            message: input.verify.message,
            evidence: {},
          },
        ];
  // The verdict is the build's verdict plus the change rules: a head tree that would not build is never
  // verified, whatever the checks above say (they should have said it; if not, that is a bug here).
  if (hasErrors(head.diagnostics) && !checks.some((c) => c.status === "fail" || c.status === "error")) {
    checks.push({
      file: "(head tree)",
      kind: "schema",
      status: "error",
      code: "verify/head-does-not-build",
      message:
        "the head tree has errors, so it would not build, but no check reported them: this is a bug in the registry scripts, please open an issue",
      evidence: {},
    });
  }
  const apiDiff: RouteChange[] | null = head.tree && base.tree ? diffApiTrees(base.tree, head.tree) : null;
  const verdict = decideVerdict(checks, files);
  const labels = decideLabels(verdict, files, checks);
  const autoMerge = decideAutoMerge({ checks, files, enabled: input.autoMergeEnabled });
  const report: PrReport = { version: 1, pr, verdict, checks, changedFiles: files, apiDiff, labels, autoMerge };
  const options = input.runUrl === undefined ? {} : { runUrl: input.runUrl };
  return {
    report,
    comment: renderComment(report, options),
    summary: ["## API changes", "", ...renderApiDiff(apiDiff)].join("\n").trimEnd() + "\n",
    annotations: crashed ? validationAnnotations(head.diagnostics) : [],
  };
}

/** `::error file=…,line=…,col=…,title=…::message` with the toolkit's escaping (actions/toolkit core/src/command.ts). */
export function annotation(d: Diagnostic): string {
  const target = {
    file: d.file,
    ...(d.line === undefined ? {} : { line: d.line }),
    ...(d.column === undefined ? {} : { col: d.column }),
    title: d.code,
  };
  const message = d.hint ? `${d.message}\n${d.hint}` : d.message;
  return workflowAnnotation(d.severity === "error" ? "error" : "warning", target, message);
}

function validationAnnotations(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map(annotation);
}
