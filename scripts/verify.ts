// npm run verify -- --base <ref> [--head <ref>] --author <github-login> [--json FILE] [--offline]
// Verifies a pull request (change rules, validation, namespace ownership, package back-references, and the
// maintainer rules for a PR opened by a login in scripts/policy/maintainers.yaml of this checkout).
// Run it from the base checkout; the head is read from git objects only. Outside services are configured
// with REGISTRY_* variables (see scripts/lib/verify/endpoints.ts); GITHUB_TOKEN, if set, is used for
// the GitHub API (with read:org, private org members are accepted too).

import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { checks, defineCommand, ExitError, runCommand, UsageError } from "./lib/cli.ts";
import { parseBlocklist } from "./lib/verify/blocklist.ts";
import { createGitRunner, GitError } from "./lib/verify/git.ts";
import { MAINTAINERS_FILE, parseMaintainers } from "./lib/verify/maintainers.ts";
import { formatReport, toAnnotations, toJsonReport, toSummaryMarkdown } from "./lib/verify/report.ts";
import { nothingToVerify, verifyPullRequest } from "./lib/verify/verify-pr.ts";
import { onlineDepsFromEnv } from "./wiring/verify-deps.ts";

const BLOCKLIST = "scripts/policy/blocklist.yaml";

const command = defineCommand({
  name: "verify",
  usage: "npm run verify -- --base <git-ref> [--head <git-ref>] --author <github-login> [--json FILE] [--offline]",
  description:
    "Verifies a pull request: change rules, validation, namespace ownership, package back-references. Run it from the\nbase checkout; the head is read from git objects only.",
  options: {
    base: {
      type: "string",
      value: "REF",
      help: "the base revision, e.g. origin/main (required)",
      check: checks.nonEmpty,
    },
    head: { type: "string", value: "REF", default: "HEAD", help: "the head revision" },
    author: {
      type: "string",
      value: "LOGIN",
      help: "the pull request author's GitHub login (required)",
      check: checks.nonEmpty,
    },
    json: { type: "string", value: "FILE", help: "also write the report as JSON" },
    offline: { type: "boolean", help: "skip the checks that need the network" },
  },
  example: "npm run verify -- --base origin/main --author alice",
  notes:
    "Environment: REGISTRY_* addresses of the outside services (scripts/lib/verify/endpoints.ts), GITHUB_TOKEN (optional,\nwith read:org private org members are accepted too), REGISTRY_HTTP_TIMEOUT_MS.",
});

runCommand(command, async ({ values }) => {
  if (!values.base || !values.author)
    throw new UsageError(`${values.base ? "--author LOGIN" : "--base REF"} is required`);
  // The blocklist is the maintainers' file in the base checkout (the PR cannot change what judges it).
  const blocklist = parseBlocklist(readFileSync(BLOCKLIST, "utf8"));
  if (blocklist.kind === "invalid") throw new ExitError(`${BLOCKLIST}: ${blocklist.reason}`);

  // The maintainers, also from the base checkout: a PR cannot name its own author a maintainer. No file, no maintainers.
  const maintainers = existsSync(MAINTAINERS_FILE)
    ? parseMaintainers(readFileSync(MAINTAINERS_FILE, "utf8"))
    : ({ kind: "ok", maintainers: { logins: [] } } as const);
  if (maintainers.kind === "invalid") throw new ExitError(`${MAINTAINERS_FILE}: ${maintainers.reason}`);

  const deps = onlineDepsFromEnv(process.env, blocklist.blocklist);
  const online = values.offline
    ? undefined
    : {
        http: deps.http,
        endpoints: deps.endpoints,
        namespace: deps.namespace,
        ociTimeoutMs: deps.timeoutMs ?? 30_000,
        sigstore: deps.sigstore,
      };

  const git = createGitRunner(process.cwd());
  let report;
  try {
    const nothing = nothingToVerify(git, {
      base: values.base,
      head: values.head,
      checkWorktree: values.head === "HEAD",
    });
    if (nothing !== undefined) throw new ExitError(nothing, 1);
    report = await verifyPullRequest(
      { base: values.base, head: values.head, author: values.author, offline: values.offline },
      { git, blocklist: blocklist.blocklist, maintainers: maintainers.maintainers, ...(online ? { online } : {}) },
    );
  } catch (error) {
    if (error instanceof GitError) throw new ExitError(error.message, 2);
    throw error;
  }

  process.stdout.write(formatReport(report) + "\n");
  if (process.env.GITHUB_ACTIONS) for (const line of toAnnotations(report.checks)) process.stdout.write(line + "\n");
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, toSummaryMarkdown(report));
  if (values.json) writeFileSync(values.json, toJsonReport(report));
  return report.ok ? 0 : 1;
});
