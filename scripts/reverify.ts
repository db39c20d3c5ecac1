// npm run reverify -- [--server NAME] [--servers DIR] [--out DIR] [--issue] [--publish]
//
// Re-runs the back-reference and domain-key checks for the latest version of every server (or one), and
// connects to each remote with the MCP SDK client (initialize, tools/list) unless --skip-remotes.
// Writes DIR/health.json and DIR/health.md, appends the Markdown to $GITHUB_STEP_SUMMARY. With --issue,
// opens/updates/closes the one `reverify` issue; with --publish, commits site/data/health.json when the
// findings changed (both need GITHUB_TOKEN and GITHUB_REPOSITORY, and are ignored with --server, which
// only reports). Outside services: the REGISTRY_* variables of the verifier. Never deletes anything.
// Exit 1 with --server when that server is broken; otherwise 0 once the report is written.

import { Octokit } from "@octokit/rest";
import fs from "node:fs";
import path from "node:path";
import { checks, defineCommand, ExitError, runCommand } from "./lib/cli.ts";
import { buildModel } from "./lib/build.ts";
import { hasErrors } from "./lib/diagnostics.ts";
import { readHistory } from "./lib/git-history.ts";
import { checkTree } from "./lib/pipeline.ts";
import {
  appendToReceipts,
  publishHealthReport,
  renderHealthMarkdown,
  reverifyAll,
  reverifyTargets,
  updateHealthIssue,
} from "./lib/verify/reverify.ts";
import { parseBlocklist } from "./lib/verify/blocklist.ts";
import { guardPublicHost } from "./lib/verify/http-proof.ts";
import { createRemoteProber, REMOTE_TIMEOUT_MS, REMOTE_TOTAL_MS } from "./lib/verify/remote-health.ts";
import { onlineDepsFromEnv } from "./wiring/verify-deps.ts";
import { visible } from "./lib/terminal.ts";

const command = defineCommand({
  name: "reverify",
  usage: "npm run reverify -- [--server NAME] [--servers DIR] [--out DIR] [--issue] [--publish] [--branch NAME]",
  description:
    "Re-runs the back-reference and domain-key checks for the latest version of every server (or one), connects to\nits remotes with an MCP client, writes DIR/health.json and DIR/health.md. Never deletes anything. Exit 1 with --server when that server is broken.",
  options: {
    server: {
      type: "string",
      value: "NAME",
      help: "check only this server (report only: --issue and --publish are ignored)",
    },
    servers: { type: "string", value: "DIR", default: "servers", help: "the servers tree" },
    out: { type: "string", value: "DIR", default: "reverify-out", help: "where health.json and health.md are written" },
    issue: {
      type: "boolean",
      help: "open, update or close the one `reverify` issue (GITHUB_TOKEN, GITHUB_REPOSITORY)",
    },
    publish: {
      type: "boolean",
      help: "commit site/data/health.json when the findings changed (GITHUB_TOKEN, GITHUB_REPOSITORY)",
    },
    branch: { type: "string", value: "NAME", default: "main", help: "the branch --publish commits to" },
    "skip-remotes": { type: "boolean", help: "do not connect to the servers' remotes (no remote health)" },
    "remote-timeout": {
      type: "string",
      value: "SECONDS",
      default: String(REMOTE_TIMEOUT_MS / 1000),
      check: checks.positive,
      help: "per remote: connect, initialize and tools/list together",
    },
    "remote-total-timeout": {
      type: "string",
      value: "SECONDS",
      default: String(REMOTE_TOTAL_MS / 1000),
      check: checks.positive,
      help: "all remotes together; remotes not started by then are reported unchecked",
    },
    "remote-concurrency": {
      type: "string",
      value: "N",
      default: "4",
      check: checks.integer(1, 64),
      help: "remotes connected at once",
    },
  },
  example: "npm run reverify -- --server io.github.alice/weather",
  notes: "Environment: the REGISTRY_* variables of the verifier; GITHUB_STEP_SUMMARY gets the Markdown when set.",
});

runCommand(command, async ({ values }) => {
  const env = process.env;
  const cwd = process.cwd();
  const { loaded, diagnostics } = checkTree(values.servers, cwd);
  if (hasErrors(diagnostics))
    throw new ExitError(`${values.servers}/ has validation errors; run npm run validate first`);
  const serversRoot = path.resolve(cwd, values.servers);
  const model = buildModel(loaded.versions, readHistory(serversRoot));
  const base = path.dirname(serversRoot);
  const readSignature = (file: string) => {
    const abs = path.join(base, file);
    return fs.lstatSync(abs, { throwIfNoEntry: false })?.isFile() ? fs.readFileSync(abs, "utf8") : undefined;
  };
  const bytes = new Map(loaded.versions.map((v) => [v.file, v.bytes]));
  const targets = reverifyTargets(model, readSignature, (file) => bytes.get(file)!, values.server);
  if (values.server !== undefined && targets.length === 0)
    throw new ExitError(
      `${values.server}: no live version of that server under ${values.servers}/ (check the name; letter case counts)`,
      2,
    );

  const blocklistFile = path.join(cwd, "scripts/policy/blocklist.yaml");
  const blocklist = fs.existsSync(blocklistFile)
    ? parseBlocklist(fs.readFileSync(blocklistFile, "utf8"))
    : ({ kind: "ok", blocklist: { namespaces: [] } } as const);
  if (blocklist.kind === "invalid") throw new ExitError(`scripts/policy/blocklist.yaml: ${blocklist.reason}`);
  const { http, endpoints, namespace } = onlineDepsFromEnv(env, blocklist.blocklist);
  // Remote URLs come from server.json: hosts resolving to internal addresses are refused, except hosts the
  // operator mapped in REGISTRY_REMOTE_ENDPOINTS (tests map them to loopback).
  const remotes = values["skip-remotes"]
    ? undefined
    : createRemoteProber({
        timeoutMs: Number(values["remote-timeout"]) * 1000,
        totalMs: Number(values["remote-total-timeout"]) * 1000,
        concurrency: Number(values["remote-concurrency"]),
        guard: guardPublicHost,
        endpoints: endpoints.remotes ?? {},
        userAgent: http.userAgent,
      });
  const report = await reverifyAll(targets, {
    http,
    endpoints,
    now: () => new Date(),
    namespace,
    ...(remotes ? { remotes } : {}),
  });

  const runUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined;
  const markdown = renderHealthMarkdown(report, runUrl);
  const out = path.resolve(values.out);
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, "health.json"), JSON.stringify(report, null, 2) + "\n");
  fs.writeFileSync(path.join(out, "health.md"), markdown);
  if (env.GITHUB_STEP_SUMMARY) fs.appendFileSync(env.GITHUB_STEP_SUMMARY, `## Re-verification\n\n${markdown}`);
  for (const s of report.servers) {
    process.stdout.write(`${s.status.padEnd(6)} ${visible(`${s.name} ${s.version}`)}\n`);
    for (const c of s.checks)
      if (c.status !== "pass") process.stdout.write(`       ${c.status} ${visible(`[${c.code}] ${c.message}`)}\n`);
    for (const r of s.remotes ?? [])
      process.stdout.write(`       remote ${r.state} ${visible(`${r.url} (${r.transport}): ${r.message}`)}\n`);
  }
  process.stdout.write(
    `${report.counts.ok} ok, ${report.counts.broken} broken, ${report.counts.error} could not be checked\n`,
  );

  if (values.server !== undefined) return report.counts.ok === report.servers.length ? 0 : 1;
  if (values.issue || values.publish) {
    const [owner, repo] = (env.GITHUB_REPOSITORY ?? "").split("/");
    if (!owner || !repo || !env.GITHUB_TOKEN)
      throw new ExitError("--issue and --publish need GITHUB_TOKEN and GITHUB_REPOSITORY (owner/name)", 2);
    const octokit = new Octokit({
      auth: env.GITHUB_TOKEN,
      baseUrl: endpoints.githubApi,
      userAgent: "mcp-static-registry-reverify",
    });
    if (values.issue) {
      const outcome = await updateHealthIssue(octokit, { owner, repo }, report, runUrl);
      process.stdout.write(
        outcome.kind === "none" ? "issue: nothing broken, none open\n" : `issue #${outcome.number} ${outcome.kind}\n`,
      );
    }
    if (values.publish) {
      const outcome = await publishHealthReport(octokit, { owner, repo }, report, values.branch);
      process.stdout.write(
        outcome.kind === "unchanged"
          ? "site/data/health.json: unchanged\n"
          : `site/data/health.json committed (${outcome.sha})\n`,
      );
      const readReceipt = (file: string) => {
        const abs = path.join(base, file);
        return fs.lstatSync(abs, { throwIfNoEntry: false })?.isFile() ? fs.readFileSync(abs) : undefined;
      };
      const receipts = await appendToReceipts(octokit, { owner, repo }, report, values.branch, readReceipt);
      process.stdout.write(`receipts: ${receipts.length} with a new outcome appended\n`);
    }
  }
  return 0;
});
