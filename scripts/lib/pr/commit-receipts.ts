// The trusted side's receipts (receipt.ts): after a pull request merged, commit one receipt per version it
// added. Runs with write access (pr-comment.yml's merge job, receipts.yml), so what it believes is spelled
// out:
//   - from the GitHub API: that the PR merged, its number, base and head SHA, author, merge commit, and the
//     files it added with their blob ids;
//   - from the artifact (report.json of the PR check's run on exactly that head): the checks and their
//     evidence, recorded as what that run reported, with the sha256 of the report they came from. A PR that
//     changed .github/ ran its own workflow, so its artifact proves nothing: no receipt is written.
// Receipts are written once: an existing one is left as it is. Octokit comes in as a parameter.

import type { Octokit } from "@octokit/rest";
import { createHash } from "node:crypto";
import { receiptsFor, serializeReceipt, type Receipt } from "../receipt.ts";
import { parsePrReport } from "./report.ts";

export interface ReceiptsInput {
  readonly owner: string;
  readonly repo: string;
  readonly pr: number;
  /** The head the check ran on (the workflow_run's head_sha). */
  readonly headSha: string;
  readonly reportJson: string;
  /** The PR check's workflow run that produced the artifact. */
  readonly run: { readonly id: number; readonly url: string };
  readonly branch: string;
  readonly now: () => Date;
}

export type ReceiptsOutcome =
  | { readonly kind: "committed"; readonly written: string[]; readonly kept: string[] }
  | { readonly kind: "refused"; readonly reason: string };

export async function commitReceipts(octokit: Octokit, input: ReceiptsInput): Promise<ReceiptsOutcome> {
  const parsed = parsePrReport(input.reportJson);
  if (parsed.kind === "invalid") return { kind: "refused", reason: parsed.reason };
  const report = parsed.report;
  if (report.pr.number !== input.pr || report.pr.headSha !== input.headSha)
    return {
      kind: "refused",
      reason: `report.json is about #${report.pr.number} at ${report.pr.headSha}, not #${input.pr} at ${input.headSha}`,
    };
  const { owner, repo } = input;
  const { data: pr } = await octokit.rest.pulls.get({ owner, repo, pull_number: input.pr });
  if (!pr.merged) return { kind: "refused", reason: `pull request #${input.pr} is not merged` };
  if (pr.head.sha !== input.headSha)
    return { kind: "refused", reason: `pull request #${input.pr} merged ${pr.head.sha}, not ${input.headSha}` };
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
    owner,
    repo,
    pull_number: input.pr,
    per_page: 100,
  });
  if (files.some((f) => f.filename.startsWith(".github/")))
    return {
      kind: "refused",
      reason: `pull request #${input.pr} changed .github/: its check ran its own workflow, so its artifact proves nothing`,
    };
  const receipts = receiptsFor({
    pr: {
      number: input.pr,
      baseSha: pr.base.sha,
      headSha: pr.head.sha,
      author: pr.user?.login ?? report.pr.author,
      mergeCommit: pr.merge_commit_sha ?? null,
    },
    files: files.map((f) => ({ path: f.filename, status: f.status, sha: f.sha ?? "" })),
    run: { ...input.run, reportSha256: createHash("sha256").update(input.reportJson).digest("hex") },
    recordedAt: input
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z"),
    verdict: report.verdict,
    checks: report.checks,
  });
  const written: string[] = [];
  const kept: string[] = [];
  for (const { path, receipt } of receipts) {
    if (await exists(octokit, input, path)) kept.push(path);
    else {
      await writeReceipt(octokit, input, path, receipt);
      written.push(path);
    }
  }
  return { kind: "committed", written, kept };
}

async function exists(octokit: Octokit, input: ReceiptsInput, path: string): Promise<boolean> {
  try {
    await octokit.rest.repos.getContent({ owner: input.owner, repo: input.repo, path, ref: input.branch });
    return true;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return false;
    throw error;
  }
}

async function writeReceipt(octokit: Octokit, input: ReceiptsInput, path: string, receipt: Receipt): Promise<void> {
  await octokit.rest.repos.createOrUpdateFileContents({
    owner: input.owner,
    repo: input.repo,
    path,
    branch: input.branch,
    message: `receipt: ${receipt.name} ${receipt.version} (#${receipt.pr.number}, checked by run ${receipt.run.id})`,
    content: Buffer.from(serializeReceipt(receipt)).toString("base64"),
  });
}

export interface MergedPull {
  readonly pr: number;
  readonly headSha: string;
  /** The PR check's latest completed run on that head (its artifact holds report.json). */
  readonly runId: number;
}

/**
 * The pull request a commit on the default branch merged, and the PR check run on its head, or why there is
 * none (a direct push, a receipts commit, a PR whose check never completed).
 */
export async function findMergedPull(
  octokit: Octokit,
  input: { readonly owner: string; readonly repo: string; readonly sha: string; readonly checkWorkflow: string },
): Promise<MergedPull | { readonly none: string }> {
  const { owner, repo, sha } = input;
  const { data: pulls } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
    owner,
    repo,
    commit_sha: sha,
  });
  const pull = pulls.find((p) => p.merged_at != null && p.merge_commit_sha === sha);
  if (!pull) return { none: `${sha} is not the merge commit of a pull request` };
  const { data: runs } = await octokit.rest.actions.listWorkflowRuns({
    owner,
    repo,
    workflow_id: input.checkWorkflow,
    head_sha: pull.head.sha,
    event: "pull_request",
    status: "completed",
    per_page: 20,
  });
  const run = runs.workflow_runs
    .filter((r) => r.head_sha === pull.head.sha)
    .sort((a, b) => b.run_number - a.run_number || b.id - a.id)[0];
  if (!run) return { none: `no completed ${input.checkWorkflow} run for #${pull.number} at ${pull.head.sha}` };
  return { pr: pull.number, headSha: pull.head.sha, runId: run.id };
}
