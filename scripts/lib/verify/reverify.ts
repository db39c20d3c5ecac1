// Nightly re-verification: for the latest live version of every server, ask the package registries again
// whether the package still points back to the server (npm mcpName, README `mcp-name:`, OCI label, MCPB
// hash) and, for domain namespaces, whether the committed signature still verifies with a key the domain
// publishes today. The outcome is a health report (published in the tree) and one issue listing what
// broke. Nothing is ever deleted or changed automatically: maintainers decide.
//
// Checks come from the verifier's checkers; IO (HTTP, DNS, the clock, Octokit) comes in as parameters.

import type { Octokit } from "@octokit/rest";
import { listedRecords } from "../build.ts";
import { escapeMarkdown } from "../escape.ts";
import type { Package, RegistryModel, ServerJson } from "../model.ts";
import { compareCodeUnits, serverOf } from "../model.ts";
import { checkBackReference, PACKAGE_KINDS } from "./back-reference.ts";
import { check, type CheckResult } from "./check.ts";
import type { Endpoints } from "./endpoints.ts";
import type { HttpClient } from "./http.ts";
import { namespaceOf, verifyNamespace, type NamespaceDeps } from "./namespace.ts";
import { gitBlobId } from "../git-blob.ts";
import { appendReverification, parseReceipt, receiptCheck, receiptPath, serializeReceipt } from "../receipt.ts";
import type { RemoteHealth, RemoteProber, RemoteState } from "./remote-health.ts";

/** Committed by the nightly run; the build publishes it at v0.1/x/<ns>/health.json (build-inputs.ts). */
export const HEALTH_REPORT_PATH = "site/data/health.json";
const HEALTH_ISSUE_LABEL = "reverify";

export interface ReverifyTarget {
  readonly name: string;
  readonly version: string;
  readonly file: string;
  readonly doc: ServerJson;
  readonly bytes: Uint8Array;
  /** The committed server.json.sig text, for domain namespaces. */
  readonly signature?: string;
}

export interface ReverifyDeps {
  readonly http: HttpClient;
  readonly endpoints: Endpoints;
  readonly namespace: NamespaceDeps;
  readonly now: () => Date;
  /** Servers checked at once. */
  readonly concurrency?: number;
  /** Connects to every remote of each latest version (remote-health.ts); no remote is contacted without it. */
  readonly remotes?: RemoteProber;
}

type HealthStatus = "ok" | "broken" | "error";

interface HealthCheck {
  readonly kind: string;
  readonly status: CheckResult["status"];
  readonly code: string;
  readonly message: string;
  readonly evidence: Readonly<Record<string, unknown>>;
}

interface HealthEntry {
  readonly name: string;
  readonly version: string;
  readonly file: string;
  /** broken: a check failed (the back-reference or key is gone); error: a service did not answer. */
  readonly status: HealthStatus;
  readonly checks: readonly HealthCheck[];
  /** Live health of each remote, in the order of server.json's `remotes`; absent when not probed. */
  readonly remotes?: readonly RemoteHealth[];
}

export interface HealthReport {
  readonly version: 1;
  readonly checkedAt: string;
  readonly counts: Readonly<Record<HealthStatus, number>>;
  /** Remotes by state, when remotes were probed. */
  readonly remoteCounts?: Readonly<Record<RemoteState, number>>;
  readonly servers: readonly HealthEntry[];
}

/**
 * The latest live version of every server (as the list endpoint shows it), or only `only`. The model keeps no
 * document bytes (model.ts): `bytesOf` gives the committed server.json by the record's `file`.
 */
export function reverifyTargets(
  model: RegistryModel,
  readSignature: (file: string) => string | undefined,
  bytesOf: (file: string) => Uint8Array,
  only?: string,
): ReverifyTarget[] {
  return listedRecords(model)
    .filter((r) => only === undefined || r.name === only)
    .map((r) => {
      const signature = readSignature(`${r.file}.sig`);
      return {
        name: r.name,
        version: r.version,
        file: r.file,
        doc: serverOf(r),
        bytes: bytesOf(r.file),
        ...(signature === undefined ? {} : { signature }),
      };
    });
}

const isDomainNamespace = (name: string) => !namespaceOf(name).toLowerCase().startsWith("io.github.");

async function reverifyServer(target: ReverifyTarget, deps: ReverifyDeps): Promise<HealthEntry> {
  const results: CheckResult[] = [];
  if (isDomainNamespace(target.name)) {
    results.push(
      await verifyNamespace(
        {
          file: target.file,
          serverName: target.name,
          author: "(nightly)",
          action: "publish",
          signed: { path: target.file, bytes: target.bytes, signature: target.signature },
        },
        deps.namespace,
      ),
    );
  }
  const packages = Array.isArray(target.doc.packages) ? target.doc.packages : [];
  for (const [i, pkg] of packages.entries()) results.push(await backReference(target, pkg, i, deps));
  const checks = results.map((c) => ({
    kind: c.kind,
    status: c.status,
    code: c.code,
    message: c.message,
    evidence: c.evidence,
  }));
  const status: HealthStatus = checks.some((c) => c.status === "fail")
    ? "broken"
    : checks.some((c) => c.status === "error")
      ? "error"
      : "ok";
  const remotes = await probeRemotes(target, deps);
  return {
    name: target.name,
    version: target.version,
    file: target.file,
    status,
    checks,
    ...(remotes === undefined ? {} : { remotes }),
  };
}

/** Every remote of the version, probed through the run's shared (bounded) prober. */
async function probeRemotes(target: ReverifyTarget, deps: ReverifyDeps): Promise<RemoteHealth[] | undefined> {
  const remotes = Array.isArray(target.doc.remotes) ? target.doc.remotes : [];
  if (!deps.remotes || remotes.length === 0) return undefined;
  const probe = deps.remotes;
  return Promise.all(remotes.map((r) => probe(r)));
}

function countRemotes(servers: readonly HealthEntry[]): Record<RemoteState, number> | undefined {
  if (!servers.some((s) => s.remotes !== undefined)) return undefined;
  const counts = { healthy: 0, private: 0, broken: 0, unchecked: 0 };
  for (const s of servers) for (const r of s.remotes ?? []) counts[r.state]++;
  return counts;
}

function backReference(target: ReverifyTarget, pkg: Package, index: number, deps: ReverifyDeps): Promise<CheckResult> {
  const kind = PACKAGE_KINDS[pkg.registryType];
  if (!kind)
    return Promise.resolve(
      check(
        "schema",
        target.file,
        "skip",
        "reverify/unknown-type",
        `registry type '${pkg.registryType}' has no back-reference check`,
      ),
    );
  return checkBackReference(
    kind,
    { file: target.file, serverName: target.name, pkg, pointer: `/packages/${index}` },
    deps,
  );
}

export async function reverifyAll(targets: readonly ReverifyTarget[], deps: ReverifyDeps): Promise<HealthReport> {
  const entries: HealthEntry[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      entries[i] = await reverifyServer(targets[i] as ReverifyTarget, deps);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.concurrency ?? 4, targets.length)) }, worker));
  const servers = entries.sort((a, b) => compareCodeUnits(a.name, b.name));
  const counts = { ok: 0, broken: 0, error: 0 };
  for (const e of servers) counts[e.status]++;
  const remoteCounts = countRemotes(servers);
  return {
    version: 1,
    checkedAt: deps
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z"),
    counts,
    ...(remoteCounts === undefined ? {} : { remoteCounts }),
    servers,
  };
}

/** Two reports say the same thing when they differ only in checkedAt (no commit every night for nothing). */
export function sameHealth(a: HealthReport, b: unknown): boolean {
  if (typeof b !== "object" || b == null) return false;
  return JSON.stringify({ ...a, checkedAt: "" }) === JSON.stringify({ ...(b as HealthReport), checkedAt: "" });
}

export function renderHealthMarkdown(report: HealthReport, runUrl?: string): string {
  const lines = [
    `Re-verified the latest version of ${report.servers.length} server(s) at ${report.checkedAt}: ${report.counts.ok} ok, ${report.counts.broken} broken, ${report.counts.error} could not be checked.`,
    "",
  ];
  const problems = report.servers.filter((s) => s.status !== "ok");
  if (problems.length === 0) lines.push("Everything still points back. Nothing to do.");
  else {
    lines.push("| Server | Version | State | What broke |", "| --- | --- | --- | --- |");
    for (const s of problems) {
      const what = s.checks
        .filter((c) => c.status === "fail" || c.status === "error")
        .map((c) => `${c.kind}: ${cell(c.message)} (\`${c.code}\`)`);
      lines.push(
        `| \`${s.name}\` | \`${s.version}\` | ${s.status === "broken" ? "❌ broken" : "⚠️ could not check"} | ${what.join("<br>")} |`,
      );
    }
    lines.push(
      "",
      "Nothing was changed automatically. For each broken server: ask the publisher (the back-reference may have been removed in a new package release), then deprecate or delete it with `npm run status` in a pull request if it stays broken. Re-run one server with the Nightly re-verification workflow's `server` input or `npm run reverify -- --server <name>`.",
    );
  }
  lines.push(...remoteLines(report));
  if (runUrl) lines.push("", `[Workflow run](${runUrl})`);
  return lines.join("\n") + "\n";
}

/** The remotes part of the issue: the counts, then every remote that does not speak MCP and why. */
function remoteLines(report: HealthReport): string[] {
  const c = report.remoteCounts;
  if (c === undefined) return [];
  const lines = [
    "",
    `Remotes: ${c.healthy} answer MCP, ${c.private} require a login (401 with a challenge), ${c.broken} do not answer MCP, ${c.unchecked} not checked.`,
  ];
  const broken = report.servers.flatMap((s) =>
    (s.remotes ?? []).filter((r) => r.state === "broken").map((r) => ({ server: s, remote: r })),
  );
  if (broken.length === 0) return lines;
  lines.push("", "| Server | Remote | Why |", "| --- | --- | --- |");
  for (const { server, remote } of broken)
    lines.push(
      `| \`${server.name}\` | \`${cell(remote.url.replace(/`/g, "%60"))}\` (${cell(remote.transport)}) | ${cell(remote.message)} (\`${remote.reason ?? ""}\`) |`,
    );
  return lines;
}

const cell = escapeMarkdown;

export interface Repo {
  readonly owner: string;
  readonly repo: string;
}

export type IssueOutcome =
  { readonly kind: "opened" | "updated" | "closed"; readonly number: number } | { readonly kind: "none" };

/** One issue, labelled `reverify`: opened when something broke, updated while it lasts, closed when all is well. */
export async function updateHealthIssue(
  octokit: Octokit,
  where: Repo,
  report: HealthReport,
  runUrl?: string,
): Promise<IssueOutcome> {
  const open = await octokit.paginate(octokit.rest.issues.listForRepo, {
    ...where,
    state: "open",
    labels: HEALTH_ISSUE_LABEL,
    per_page: 100,
  });
  const existing = open.find((i) => !i.pull_request);
  const brokenRemotes = report.remoteCounts?.broken ?? 0;
  const broken = report.counts.broken + report.counts.error + brokenRemotes;
  const title = `Nightly re-verification: ${report.counts.broken} broken, ${report.counts.error} could not be checked${brokenRemotes > 0 ? `, ${brokenRemotes} remote(s) not answering MCP` : ""}`;
  const body = renderHealthMarkdown(report, runUrl);
  if (broken === 0) {
    if (!existing) return { kind: "none" };
    await octokit.rest.issues.update({
      ...where,
      issue_number: existing.number,
      body,
      state: "closed",
      state_reason: "completed",
    });
    return { kind: "closed", number: existing.number };
  }
  if (existing) {
    await octokit.rest.issues.update({ ...where, issue_number: existing.number, title, body });
    return { kind: "updated", number: existing.number };
  }
  const { data } = await octokit.rest.issues.create({ ...where, title, body, labels: [HEALTH_ISSUE_LABEL] });
  return { kind: "opened", number: data.number };
}

export type PublishOutcome = { readonly kind: "unchanged" } | { readonly kind: "committed"; readonly sha: string };

/** Commit site/data/health.json on the default branch through the contents API, only when the findings changed. */
export async function publishHealthReport(
  octokit: Octokit,
  where: Repo,
  report: HealthReport,
  branch: string,
): Promise<PublishOutcome> {
  let sha: string | undefined;
  let previous: unknown;
  try {
    const { data } = await octokit.rest.repos.getContent({ ...where, path: HEALTH_REPORT_PATH, ref: branch });
    if (!Array.isArray(data) && data.type === "file") {
      sha = data.sha;
      previous = JSON.parse(Buffer.from(data.content, "base64").toString("utf8"));
    }
  } catch (error) {
    if ((error as { status?: number }).status !== 404) throw error;
  }
  if (sameHealth(report, previous)) return { kind: "unchanged" };
  const content = Buffer.from(JSON.stringify(report, null, 2) + "\n").toString("base64");
  const message = `health: ${report.counts.ok} ok, ${report.counts.broken} broken, ${report.counts.error} unchecked (nightly re-verification)`;
  const { data } = await octokit.rest.repos.createOrUpdateFileContents({
    ...where,
    path: HEALTH_REPORT_PATH,
    message,
    content,
    branch,
    ...(sha ? { sha } : {}),
  });
  return { kind: "committed", sha: data.commit.sha ?? "" };
}

/**
 * Append each server's nightly outcome to the receipt of the version it checked (receipt.ts), committed
 * through the contents API like the report. `read` gives a receipt's committed bytes from the checkout
 * (undefined when there is none); only receipts whose outcome changed are written, so a quiet night commits
 * nothing. Returns the paths written.
 */
export async function appendToReceipts(
  octokit: Octokit,
  where: Repo,
  report: HealthReport,
  branch: string,
  read: (path: string) => Uint8Array | undefined,
): Promise<string[]> {
  const written: string[] = [];
  for (const s of report.servers) {
    const path = receiptPath(s.name, s.version);
    const bytes = read(path);
    if (bytes === undefined) continue;
    const parsed = parseReceipt(Buffer.from(bytes).toString("utf8"), s);
    if (parsed.kind === "invalid") continue; // the build leaves it out and says so
    const next = appendReverification(parsed.receipt, {
      at: report.checkedAt,
      outcome: s.status,
      checks: s.checks.map((c) => receiptCheck(c)),
    });
    if (next === undefined) continue;
    await octokit.rest.repos.createOrUpdateFileContents({
      ...where,
      path,
      branch,
      sha: gitBlobId(bytes),
      message: `receipt: ${s.name} ${s.version} re-verified ${s.status} (nightly re-verification)`,
      content: Buffer.from(serializeReceipt(next)).toString("base64"),
    });
    written.push(path);
  }
  return written;
}
