// npm run commit-receipts -- --find SHA
// npm run commit-receipts -- --dir ARTIFACT_DIR --pr N --head-sha SHA --run-id ID [--branch NAME] [--deploy WORKFLOW]
//
// Used by receipts.yml, the trusted side, after a pull request merged. The first form finds the pull request
// the commit SHA merged and the PR check run on its head, and writes pr=, head_sha= and run_id= to
// $GITHUB_OUTPUT (nothing when SHA merged no pull request). The second commits one receipt per version the
// PR added (receipts/<name>/<version>.json, lib/receipt.ts) from the run's artifact and the GitHub API, then
// starts the deploy so the next build publishes them. Needs GITHUB_TOKEN and GITHUB_REPOSITORY; the API
// address is REGISTRY_GITHUB_API_URL (default api.github.com).

import { Octokit } from "@octokit/rest";
import fs from "node:fs";
import path from "node:path";
import { checks, defineCommand, ExitError, runCommand, UsageError } from "./lib/cli.ts";
import { commitReceipts, findMergedPull } from "./lib/pr/commit-receipts.ts";
import { visible } from "./lib/terminal.ts";
import { writeStepOutputs } from "./wiring/github-output.ts";

const MAX_REPORT_BYTES = 2 * 1024 * 1024;
const SHA = /^[0-9a-f]{40}$/;

const command = defineCommand({
  name: "commit-receipts",
  usage: [
    "npm run commit-receipts -- --find SHA",
    "npm run commit-receipts -- --dir ARTIFACT_DIR --pr N --head-sha SHA --run-id ID [--branch NAME] [--deploy WORKFLOW]",
  ],
  description:
    "Used by receipts.yml after a merge. --find names the pull request a commit merged and its PR check run (step\noutputs); the second form commits one receipt per version the PR added, from that run's artifact and the API.",
  options: {
    find: { type: "string", value: "SHA", help: "the commit on the default branch to find the pull request of" },
    dir: { type: "string", value: "DIR", help: "the PR check's artifact folder (report.json)" },
    pr: { type: "string", value: "N", help: "the merged pull request", check: checks.integer(1) },
    "head-sha": { type: "string", value: "SHA", help: "the head commit the check ran on" },
    "run-id": { type: "string", value: "ID", help: "the PR check's workflow run id", check: checks.integer(1) },
    branch: { type: "string", value: "NAME", default: "main", help: "the branch the receipts are committed to" },
    deploy: { type: "string", value: "WORKFLOW", help: "the workflow to start once receipts were written" },
    "check-workflow": {
      type: "string",
      value: "FILE",
      default: "pr-check.yml",
      help: "the PR check's workflow file (with --find)",
    },
  },
  example:
    "npm run commit-receipts -- --dir pr-check --pr 12 --head-sha 0123456789abcdef0123456789abcdef01234567 --run-id 4242",
  notes:
    "Environment: GITHUB_TOKEN, GITHUB_REPOSITORY (owner/name), GITHUB_SERVER_URL, GITHUB_OUTPUT, REGISTRY_GITHUB_API_URL.",
});

runCommand(command, async ({ values }) => {
  const env = process.env;
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? "").split("/");
  if (!owner || !repo)
    throw new ExitError(`GITHUB_REPOSITORY must be owner/name, got ${JSON.stringify(env.GITHUB_REPOSITORY ?? "")}`, 2);
  if (!env.GITHUB_TOKEN) throw new ExitError("GITHUB_TOKEN is not set: the workflow passes the job token", 2);
  const octokit = new Octokit({
    auth: env.GITHUB_TOKEN,
    baseUrl: env.REGISTRY_GITHUB_API_URL || "https://api.github.com",
    userAgent: "mcp-static-registry-receipts",
    // A 404 is how "no receipt yet" is asked: the outcome is reported here, not by Octokit's request log.
    log: { debug: () => {}, info: () => {}, warn: console.warn, error: () => {} },
  });
  const output = (pairs: Record<string, string>) => writeStepOutputs(env, pairs);

  if (values.find !== undefined) {
    if (!SHA.test(values.find))
      throw new UsageError(`--find must be a 40-hex commit SHA, got ${JSON.stringify(values.find)}`);
    const found = await findMergedPull(octokit, {
      owner,
      repo,
      sha: values.find,
      checkWorkflow: values["check-workflow"],
    });
    if ("none" in found) {
      process.stdout.write(`no receipts: ${visible(found.none)}\n`);
      return 0;
    }
    output({ pr: String(found.pr), head_sha: found.headSha, run_id: String(found.runId) });
    process.stdout.write(`#${found.pr} at ${found.headSha}, checked by run ${found.runId}\n`);
    return 0;
  }

  const headSha = values["head-sha"] ?? "";
  if (!SHA.test(headSha))
    throw new UsageError(`--head-sha must be a 40-hex commit SHA, got ${JSON.stringify(headSha)}`);
  if (!values.dir || !values.pr || !values["run-id"])
    throw new UsageError("--dir, --pr and --run-id are required (or --find SHA)");
  const file = path.join(values.dir, "report.json");
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!stat?.isFile()) throw new ExitError(`${file}: missing from the artifact`);
  if (stat.size > MAX_REPORT_BYTES)
    throw new ExitError(`${file}: ${stat.size} bytes is too large for an artifact file`);
  const runId = Number(values["run-id"]);
  const server = env.GITHUB_SERVER_URL || "https://github.com";
  const outcome = await commitReceipts(octokit, {
    owner,
    repo,
    pr: Number(values.pr),
    headSha,
    reportJson: fs.readFileSync(file, "utf8"),
    run: { id: runId, url: `${server}/${owner}/${repo}/actions/runs/${runId}` },
    branch: values.branch,
    now: () => new Date(),
  });
  if (outcome.kind === "refused") throw new ExitError(`no receipts written: ${visible(outcome.reason)}`);
  process.stdout.write(
    `receipts: ${outcome.written.length} written${outcome.written.map((p) => `\n  ${visible(p)}`).join("")}${outcome.kept.length > 0 ? `\n${outcome.kept.length} already there, kept` : ""}\n`,
  );
  if (values.deploy && outcome.written.length > 0) {
    await octokit.rest.actions.createWorkflowDispatch({ owner, repo, workflow_id: values.deploy, ref: values.branch });
    process.stdout.write(`started ${visible(values.deploy)}\n`);
  }
  return 0;
});
