// The PR check's steps, composed: validate the head tree, take the verifier's checks, diff the published
// API between base and head, decide verdict, labels and auto-merge, and render the artifact (report.json,
// comment.md, labels.json) and the job summary's API section. Both trees are read from git as data
// (gitTreeReader): nothing of the PR is checked out by this code or executed.
//
// IO comes in as parameters: a GitRunner for the data repository and the verifier's outcome.

import { diffApiTrees, type RouteChange } from "./api-diff.ts";
import { buildApiTree, buildModel } from "./build.ts";
import { hasErrors, type Diagnostic } from "./diagnostics.ts";
import { readHistory } from "./git-history.ts";
import { decideAutoMerge, decideLabels, decideVerdict } from "./labels.ts";
import { loadTree } from "./load.ts";
import { renderApiDiff, renderComment } from "./pr-comment.ts";
import type { ChangedFile, PrInfo, PrReport, ReportCheck } from "./pr-report.ts";
import { validateLoaded } from "./validate.ts";
import { diffEntries, gitTreeReader, type GitRunner } from "./verify/git.ts";

export interface CheckedRevision {
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
  const loaded = loadTree(gitTreeReader(git, rev));
  const diagnostics = validateLoaded(loaded);
  if (hasErrors(diagnostics)) return { diagnostics };
  const history = readHistory("/", { run: () => null, fallbackEpoch: 0 });
  return { diagnostics, tree: buildApiTree(buildModel(loaded.versions, history)) };
}

const FILE_STATUS: Record<string, ChangedFile["status"]> = { A: "added", M: "modified", D: "removed", R: "renamed", T: "changed" };

export function changedFiles(git: GitRunner, base: string, head: string): ChangedFile[] {
  return diffEntries(git, base, head)
    .map((e) => ({ path: e.path, status: FILE_STATUS[e.status] ?? "changed" }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Validation as checks: every error of the head tree is a `schema` fail (with its line, for the
 * annotation); every changed server.json or status.yaml without an error gets one `schema` pass.
 */
export function validationChecks(diagnostics: readonly Diagnostic[], files: readonly ChangedFile[]): ReportCheck[] {
  const errors = diagnostics.filter((d) => d.severity === "error");
  const out: ReportCheck[] = errors.map((d) => ({
    file: d.file,
    kind: "schema",
    status: "fail",
    code: d.code,
    message: d.hint ? `${d.message} (${d.hint})` : d.message,
    evidence: d.pointer === undefined ? {} : { pointer: d.pointer },
    ...(d.line === undefined ? {} : { line: d.line }),
  }));
  const failed = new Set(errors.map((d) => d.file));
  for (const f of files) {
    if (f.status === "removed" || failed.has(f.path) || !/^servers\/.+\/(server\.json|status\.yaml)$/.test(f.path)) continue;
    out.push({ file: f.path, kind: "schema", status: "pass", code: "schema/ok", message: "valid: the server.json schema, the official registry's publish rules and the tree rules", evidence: {} });
  }
  return out;
}

/** The verifier's `--json` output, or why it is missing. */
export type VerifyOutcome = { readonly kind: "report"; readonly checks: readonly ReportCheck[] } | { readonly kind: "crashed"; readonly message: string };

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
      : [...validationChecks(head.diagnostics, files), { file: "(verifier)", kind: "change", status: "error", code: "verify/crashed", message: input.verify.message, evidence: {} }];
  const apiDiff: RouteChange[] | null = head.tree && base.tree ? diffApiTrees(base.tree, head.tree) : null;
  const verdict = decideVerdict(checks, files);
  const labels = decideLabels(verdict, files);
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
  const data = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const prop = (s: string) => data(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
  const props = [`file=${prop(d.file)}`, ...(d.line === undefined ? [] : [`line=${d.line}`]), ...(d.column === undefined ? [] : [`col=${d.column}`]), `title=${prop(d.code)}`];
  const message = d.hint ? `${d.message}\n${d.hint}` : d.message;
  return `::${d.severity === "error" ? "error" : "warning"} ${props.join(",")}::${data(message)}`;
}

export function validationAnnotations(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map(annotation);
}
