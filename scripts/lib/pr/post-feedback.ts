// The privileged half of the PR check (pr-comment.yml, on workflow_run): post the one comment, set the
// labels, and decide whether the PR may be merged automatically. The artifact crossed a trust boundary
// (a PR that edits .github/workflows runs its own version of pr-check.yml), so:
//   - the report must parse strictly and name the commit this workflow_run was about;
//   - the PR's head and file list come from the GitHub API, not from the artifact;
//   - a PR that touches .github/ gets a fixed comment from this code, never the artifact's text;
//   - labels and auto-merge are decided again here from the API's file list.
// Octokit comes in as a parameter (tests point it at a loopback fake).

import type { Octokit } from "@octokit/rest";
import { decideAutoMerge, decideLabels, filesNeedingReview, planLabels, type AutoMergeDecision } from "./labels.ts";
import { COMMENT_MARKER, MAX_COMMENT_CHARS } from "./comment.ts";
import { parsePrReport, type ChangedFile, type PrReport, type PrVerdict } from "./report.ts";

export interface Repo {
  readonly owner: string;
  readonly repo: string;
}

interface Artifact {
  readonly reportJson: string;
  readonly commentMd: string;
}

export interface FeedbackInput extends Repo {
  readonly artifact: Artifact;
  /** `github.event.workflow_run.head_sha`: the commit the check ran on, as GitHub reports it. */
  readonly headSha: string;
  readonly autoMergeEnabled: boolean;
}

export type FeedbackOutcome =
  | {
      readonly kind: "posted";
      readonly pr: number;
      readonly commentId: number;
      readonly created: boolean;
      readonly labels: { add: string[]; remove: string[] };
      readonly autoMerge: AutoMergeDecision;
      readonly withheld: boolean;
    }
  /** The PR moved on (new commits) or closed: a newer run will report; nothing was posted. */
  | { readonly kind: "stale"; readonly pr: number; readonly reason: string }
  | { readonly kind: "rejected"; readonly reason: string };

const API_STATUS: Record<string, ChangedFile["status"]> = {
  added: "added",
  modified: "modified",
  removed: "removed",
  renamed: "renamed",
  copied: "added",
  changed: "changed",
  unchanged: "changed",
};

/** The text posted instead of the artifact's when the PR changes the workflows that produced it. */
function withheldComment(report: PrReport): string {
  return [
    COMMENT_MARKER,
    "## 👀 Needs a maintainer's review",
    "",
    `This pull request changes files under \`.github/\`, so the check's own output cannot be trusted to describe it and is not shown here. A maintainer will review it (commit \`${report.pr.headSha.slice(0, 7)}\`).`,
    "",
  ].join("\n");
}

export async function postFeedback(octokit: Octokit, input: FeedbackInput): Promise<FeedbackOutcome> {
  const parsed = parsePrReport(input.artifact.reportJson);
  if (parsed.kind === "invalid") return { kind: "rejected", reason: parsed.reason };
  const report = parsed.report;
  if (report.pr.headSha !== input.headSha) {
    return {
      kind: "rejected",
      reason: `report.json is about commit ${report.pr.headSha}, but the workflow run checked ${input.headSha}`,
    };
  }
  if (
    !input.artifact.commentMd.startsWith(COMMENT_MARKER) ||
    input.artifact.commentMd.length > MAX_COMMENT_CHARS + 1000
  ) {
    return { kind: "rejected", reason: "comment.md does not start with the marker or is too long" };
  }
  const number = report.pr.number;
  const { owner, repo } = input;
  const { data: pr } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
  if (pr.state !== "open") return { kind: "stale", pr: number, reason: `pull request #${number} is ${pr.state}` };
  if (pr.head.sha !== input.headSha)
    return {
      kind: "stale",
      pr: number,
      reason: `pull request #${number} moved on to ${pr.head.sha}; its own check run will report`,
    };

  const apiFiles = await octokit.paginate(octokit.rest.pulls.listFiles, {
    owner,
    repo,
    pull_number: number,
    per_page: 100,
  });
  const files: ChangedFile[] = apiFiles.map((f) => ({ path: f.filename, status: API_STATUS[f.status] ?? "changed" }));
  const touchesWorkflows = files.some((f) => f.path.startsWith(".github/"));
  // Files outside servers/ pass only under a maintainer rule the (base branch's) check applied to that very file.
  const outside = filesNeedingReview(files, report.checks).length > 0;
  // The artifact's verdict can only be made worse here, never better.
  const verdict: PrVerdict =
    touchesWorkflows || (outside && report.verdict === "pass") ? "needs-maintainer" : report.verdict;
  const body = touchesWorkflows ? withheldComment(report) : input.artifact.commentMd;
  const wanted = touchesWorkflows ? ["needs-maintainer"] : decideLabels(verdict, files, report.checks);
  const autoMerge = touchesWorkflows
    ? { eligible: false, reasons: ["the PR changes .github/"] }
    : decideAutoMerge({ checks: report.checks, files, enabled: input.autoMergeEnabled });

  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: number,
    per_page: 100,
  });
  const mine = comments.find((c) => c.user?.type === "Bot" && (c.body ?? "").startsWith(COMMENT_MARKER));
  let commentId: number;
  if (mine) {
    if (mine.body !== body) await octokit.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
    commentId = mine.id;
  } else {
    commentId = (await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body })).data.id;
  }

  const current = pr.labels.map((l) => (typeof l === "string" ? l : (l.name ?? "")));
  const plan = planLabels(current, wanted);
  if (plan.add.length > 0) await octokit.rest.issues.addLabels({ owner, repo, issue_number: number, labels: plan.add });
  for (const name of plan.remove) await octokit.rest.issues.removeLabel({ owner, repo, issue_number: number, name });
  return {
    kind: "posted",
    pr: number,
    commentId,
    created: mine === undefined,
    labels: plan,
    autoMerge,
    withheld: touchesWorkflows,
  };
}

export interface MergeInput extends Repo {
  readonly pr: number;
  readonly headSha: string;
  /** The workflow started after the merge (a merge made with the job token triggers no push workflow). */
  readonly deployWorkflow?: string;
  /** The workflow that commits the merged PR's receipts (receipts.yml), started with the merge commit. */
  readonly receiptsWorkflow?: string;
}

export type MergeOutcome =
  | { readonly kind: "merged"; readonly sha: string; readonly deployStarted: boolean }
  | { readonly kind: "not-merged"; readonly reason: string };

/** Squash-merge exactly the checked commit (GitHub refuses if the head moved), then start the deploy. */
export async function mergeVerified(octokit: Octokit, input: MergeInput): Promise<MergeOutcome> {
  const { owner, repo } = input;
  const { data: pr } = await octokit.rest.pulls.get({ owner, repo, pull_number: input.pr });
  if (pr.state !== "open" || pr.head.sha !== input.headSha)
    return {
      kind: "not-merged",
      reason: `pull request #${input.pr} is ${pr.state} at ${pr.head.sha}, not open at ${input.headSha}`,
    };
  try {
    const { data } = await octokit.rest.pulls.merge({
      owner,
      repo,
      pull_number: input.pr,
      sha: input.headSha,
      merge_method: "squash",
    });
    if (!data.merged) return { kind: "not-merged", reason: data.message };
    if (input.receiptsWorkflow)
      await octokit.rest.actions.createWorkflowDispatch({
        owner,
        repo,
        workflow_id: input.receiptsWorkflow,
        ref: pr.base.ref,
        inputs: { sha: data.sha },
      });
    let deployStarted = false;
    if (input.deployWorkflow) {
      await octokit.rest.actions.createWorkflowDispatch({
        owner,
        repo,
        workflow_id: input.deployWorkflow,
        ref: pr.base.ref,
      });
      deployStarted = true;
    }
    return { kind: "merged", sha: data.sha, deployStarted };
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 405 || status === 409)
      return { kind: "not-merged", reason: `GitHub refused the merge (${status}): ${(error as Error).message}` };
    throw error;
  }
}
