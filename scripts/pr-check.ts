// npm run pr-check -- --data DIR --base SHA --head SHA --author LOGIN --pr N [--repo DIR] [--out DIR] [--offline]
//
// The PR check's one step, run from the BASE checkout (these scripts) with the PR head only as data:
// --data is a git repository holding the head commit (the workflow's pr/ checkout); its objects are
// fetched into --repo (the base checkout with full history, default: the checkout these scripts are in)
// and read from there with git, never checked out or executed. Then it runs the verifier (scripts/verify.ts
// of this checkout, in --repo: the maintainers' blocklist comes from the base), builds the published API of
// both revisions and diffs it, and writes the artifact for pr-comment.yml: report.json, comment.md,
// labels.json. With GITHUB_ACTIONS set, the verifier prints annotations; both append to
// $GITHUB_STEP_SUMMARY. Exit 0 only when the verdict is pass.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineCommand, runCommand, UsageError } from "./lib/cli.ts";
import { runPrCheck, type VerifyOutcome } from "./lib/pr/check.ts";
import type { ReportCheck } from "./lib/pr/report.ts";
import { CHECK_STATUSES, type CheckStatus } from "./lib/verify/check.ts";
import { createGitRunner, resolveCommit, type GitRunner } from "./lib/verify/git.ts";

const TOOLS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const command = defineCommand({
  name: "pr-check",
  usage:
    "npm run pr-check -- --data DIR --base SHA --head SHA --author LOGIN --pr N [--repo DIR] [--out DIR] [--offline]",
  description:
    "The PR check's one step, run from the base checkout with the PR head only as data: verifies, builds the API of both\nrevisions and diffs it, and writes the artifact for pr-comment.yml (report.json, comment.md, labels.json).\nExit 0 only when the verdict is pass.",
  options: {
    data: { type: "string", value: "DIR", help: "a git repository holding the head commit (required)" },
    repo: {
      type: "string",
      value: "DIR",
      help: "the base checkout with full history (default: the checkout these scripts are in)",
    },
    base: { type: "string", value: "SHA", help: "the base commit (required)" },
    head: { type: "string", value: "SHA", help: "the full 40-hex head commit (required)" },
    author: { type: "string", value: "LOGIN", help: "the pull request author (required)" },
    pr: { type: "string", value: "N", help: "the pull request number (required)" },
    out: { type: "string", value: "DIR", default: "pr-check-out", help: "the artifact folder" },
    offline: { type: "boolean", help: "skip the checks that need the network" },
  },
  example: 'npm run pr-check -- --data pr --base "$BASE_SHA" --head "$HEAD_SHA" --author alice --pr 42',
});

runCommand(command, async ({ values }) => {
  const need = (name: keyof typeof values) => {
    const v = values[name];
    if (typeof v !== "string" || v === "") throw new UsageError(`--${name} is required`);
    return v;
  };
  const dataDir = path.resolve(need("data"));
  const number = Number(need("pr"));
  if (!Number.isSafeInteger(number) || number < 1)
    throw new UsageError(`--pr must be a pull request number, got ${JSON.stringify(values.pr)}`);
  const author = need("author");
  const repoDir = path.resolve(values.repo ?? TOOLS);
  const git = createGitRunner(repoDir);
  const baseSha = resolveCommit(git, need("base"));
  const headSha = fetchHead(git, repoDir, dataDir, need("head"));
  const out = path.resolve(values.out);
  fs.mkdirSync(out, { recursive: true });

  const verify = runVerifier({
    repoDir,
    baseSha,
    headSha,
    author,
    offline: values.offline,
    jsonFile: path.join(out, "verify.json"),
  });
  const env = process.env;
  const runUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined;
  const result = runPrCheck({
    git,
    pr: { number, baseSha, headSha, author },
    verify,
    autoMergeEnabled: (env.REGISTRY_AUTO_MERGE ?? "").trim() === "true",
    ...(runUrl ? { runUrl } : {}),
  });

  if (env.GITHUB_ACTIONS === "true") for (const line of result.annotations) process.stdout.write(line + "\n");
  if (env.GITHUB_STEP_SUMMARY) fs.appendFileSync(env.GITHUB_STEP_SUMMARY, "\n" + result.summary);
  fs.writeFileSync(path.join(out, "report.json"), JSON.stringify(result.report, null, 2) + "\n");
  fs.writeFileSync(path.join(out, "comment.md"), result.comment);
  fs.writeFileSync(path.join(out, "labels.json"), JSON.stringify({ labels: result.report.labels }, null, 2) + "\n");

  const { report } = result;
  process.stderr.write(
    `pr-check: verdict ${report.verdict} (${report.checks.length} checks; labels: ${report.labels.join(", ") || "none"}); artifact in ${path.relative(process.cwd(), out) || "."}/\n`,
  );
  return report.verdict === "pass" ? 0 : 1;
});

/**
 * Bring the head commit's objects from the data repository into the base repository (a fetch copies
 * objects; nothing of the PR is checked out or run) under refs/pr-check/head, and return its id.
 */
function fetchHead(git: GitRunner, repoDir: string, dataDir: string, head: string): string {
  if (!/^[0-9a-f]{40}$/.test(head))
    throw new UsageError(`--head must be a full 40-hex commit SHA, got ${JSON.stringify(head)}`);
  if (fs.realpathSync(repoDir) !== fs.realpathSync(dataDir))
    git(["fetch", "--quiet", "--no-tags", "--no-recurse-submodules", dataDir, `+${head}:refs/pr-check/head`]);
  return resolveCommit(git, head);
}

/**
 * Run this checkout's verifier in the base repository. Node loads tsx by absolute path from the tools'
 * own node_modules, so nothing is resolved from the PR's files.
 */
function runVerifier(o: {
  repoDir: string;
  baseSha: string;
  headSha: string;
  author: string;
  offline: boolean;
  jsonFile: string;
}): VerifyOutcome {
  const script = path.join(TOOLS, "scripts/verify.ts");
  if (!fs.existsSync(script))
    return { kind: "crashed", message: "scripts/verify.ts is missing from the base branch: the PR cannot be verified" };
  fs.rmSync(o.jsonFile, { force: true });
  const loader = import.meta.resolve("tsx/esm");
  const args = [
    "--import",
    loader,
    script,
    "--base",
    o.baseSha,
    "--head",
    o.headSha,
    "--author",
    o.author,
    "--json",
    o.jsonFile,
    ...(o.offline ? ["--offline"] : []),
  ];
  const run = spawnSync(process.execPath, args, {
    cwd: o.repoDir,
    stdio: ["ignore", "inherit", "inherit"],
    env: process.env,
    timeout: 15 * 60_000,
  });
  if (!fs.existsSync(o.jsonFile)) {
    return {
      kind: "crashed",
      message: `the verifier stopped without a report (exit ${run.status ?? run.signal ?? "unknown"}); see the job log`,
    };
  }
  try {
    const parsed = JSON.parse(fs.readFileSync(o.jsonFile, "utf8")) as { checks?: unknown };
    if (!Array.isArray(parsed.checks)) throw new Error("no checks list");
    return { kind: "report", checks: parsed.checks.map(toReportCheck) };
  } catch (e) {
    return { kind: "crashed", message: `the verifier's report is unreadable: ${(e as Error).message}` };
  }
}

function toReportCheck(raw: unknown): ReportCheck {
  const c = (raw ?? {}) as Record<string, unknown>;
  const status = CHECK_STATUSES.includes(c.status as CheckStatus) ? (c.status as CheckStatus) : "error";
  return {
    file: String(c.file ?? ""),
    kind: String(c.kind ?? "change"),
    status,
    message: String(c.message ?? ""),
    evidence:
      typeof c.evidence === "object" && c.evidence != null && !Array.isArray(c.evidence)
        ? (c.evidence as Record<string, unknown>)
        : {},
    ...(typeof c.code === "string" ? { code: c.code } : {}),
    ...(Number.isSafeInteger(c.line) ? { line: c.line as number } : {}),
  };
}
