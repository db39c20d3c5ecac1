// npm run post-comment -- --dir ARTIFACT_DIR --head-sha SHA [--auto-merge-setting VALUE]
// npm run post-comment -- --merge --pr N --head-sha SHA
//
// Used by pr-comment.yml (workflow_run). The first form posts or updates the PR comment from the PR
// check's artifact, sets the labels, and writes `merge=true|false` and `pr=N` to $GITHUB_OUTPUT. The
// second squash-merges the PR at exactly that commit and starts deploy.yml. Needs GITHUB_TOKEN and
// GITHUB_REPOSITORY (owner/name); the API address is REGISTRY_GITHUB_API_URL (default api.github.com).

import { Octokit } from "@octokit/rest";
import fs from "node:fs";
import path from "node:path";
import { defineCommand, ExitError, runCommand, UsageError } from "./lib/cli.ts";
import { mergeVerified, postFeedback, type Repo } from "./lib/pr/post-feedback.ts";
import { visible } from "./lib/terminal.ts";
import { writeStepOutputs } from "./wiring/github-output.ts";

const MAX_ARTIFACT_FILE = 2 * 1024 * 1024;

const command = defineCommand({
  name: "post-comment",
  usage: [
    "npm run post-comment -- --dir ARTIFACT_DIR --head-sha SHA [--auto-merge-setting VALUE]",
    "npm run post-comment -- --merge --pr N --head-sha SHA",
  ],
  description:
    "Used by pr-comment.yml. The first form posts or updates the PR comment from the PR check's artifact, sets the\nlabels and writes merge=true|false and pr=N to $GITHUB_OUTPUT. The second squash-merges the PR at exactly that\ncommit and starts deploy.yml.",
  options: {
    dir: { type: "string", value: "DIR", help: "the PR check's artifact folder (report.json, comment.md)" },
    "head-sha": { type: "string", value: "SHA", help: "the 40-hex head commit the artifact is for (required)" },
    "auto-merge-setting": {
      type: "string",
      value: "VALUE",
      default: "",
      help: "the repository's auto-merge setting; true enables it",
    },
    merge: { type: "boolean", help: "merge instead of commenting (with --pr)" },
    pr: { type: "string", value: "N", help: "the pull request number to merge" },
  },
  example: "npm run post-comment -- --dir pr-check-out --head-sha 0123456789abcdef0123456789abcdef01234567",
  notes:
    "Environment: GITHUB_TOKEN, GITHUB_REPOSITORY (owner/name), REGISTRY_GITHUB_API_URL (default https://api.github.com).",
});

runCommand(command, async ({ values }) => {
  const env = process.env;
  const headSha = values["head-sha"] ?? "";
  if (!/^[0-9a-f]{40}$/.test(headSha))
    throw new UsageError(`--head-sha must be a 40-hex commit SHA, got ${JSON.stringify(headSha)}`);
  const repoEnv = env.GITHUB_REPOSITORY ?? "";
  const [owner, repo] = repoEnv.split("/");
  if (!owner || !repo) throw new ExitError(`GITHUB_REPOSITORY must be owner/name, got ${JSON.stringify(repoEnv)}`, 2);
  if (!env.GITHUB_TOKEN) throw new ExitError("GITHUB_TOKEN is not set: the workflow passes the job token", 2);
  const octokit = new Octokit({
    auth: env.GITHUB_TOKEN,
    baseUrl: env.REGISTRY_GITHUB_API_URL || "https://api.github.com",
    userAgent: "mcp-static-registry-pr-comment",
  });
  const where: Repo = { owner, repo };

  if (values.merge) {
    const pr = Number(values.pr);
    if (!Number.isSafeInteger(pr) || pr < 1)
      throw new UsageError(`--pr must be a pull request number, got ${JSON.stringify(values.pr)}`);
    const outcome = await mergeVerified(octokit, {
      ...where,
      pr,
      headSha,
      deployWorkflow: "deploy.yml",
      receiptsWorkflow: "receipts.yml",
    });
    if (outcome.kind === "merged") {
      process.stdout.write(`merged #${pr} as ${outcome.sha}${outcome.deployStarted ? "; deploy started" : ""}\n`);
      return 0;
    }
    process.stderr.write(`not merged: ${visible(outcome.reason)}\n`);
    return 1;
  }

  if (!values.dir) throw new UsageError("--dir ARTIFACT_DIR is required (or --merge)");
  const read = (name: string) => {
    const file = path.join(values.dir as string, name);
    const stat = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile()) throw new ExitError(`${file}: missing from the artifact (the PR check did not finish?)`);
    if (stat.size > MAX_ARTIFACT_FILE)
      throw new ExitError(`${file}: ${stat.size} bytes is too large for an artifact file`);
    return fs.readFileSync(file, "utf8");
  };
  const outcome = await postFeedback(octokit, {
    ...where,
    artifact: { reportJson: read("report.json"), commentMd: read("comment.md") },
    headSha,
    autoMergeEnabled: values["auto-merge-setting"].trim() === "true",
  });
  const output = (pairs: Record<string, string>) => writeStepOutputs(env, pairs);
  switch (outcome.kind) {
    case "rejected":
      output({ merge: "false" });
      throw new ExitError(`the artifact was rejected: ${outcome.reason}`);
    case "stale":
      output({ merge: "false", pr: String(outcome.pr) });
      process.stdout.write(`nothing posted: ${visible(outcome.reason)}\n`);
      return 0;
    case "posted":
      output({ merge: String(outcome.autoMerge.eligible), pr: String(outcome.pr) });
      process.stdout.write(
        `${outcome.created ? "created" : "updated"} comment ${outcome.commentId} on #${outcome.pr}${outcome.withheld ? " (artifact text withheld: the PR changes .github/)" : ""}; labels +[${outcome.labels.add.join(", ")}] -[${outcome.labels.remove.join(", ")}]; auto-merge: ${outcome.autoMerge.eligible ? "yes" : `no (${outcome.autoMerge.reasons.join("; ")})`}\n`,
      );
      return 0;
  }
});
