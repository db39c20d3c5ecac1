// A dry run of the PR check as the workflow runs it: a real git repository with a base commit and a PR
// head, cloned like the workflow's two checkouts (base/ with full history for the tools, pr/ as data),
// fake GitHub and npm services on 127.0.0.1, and scripts/pr-check.ts run as a process with the
// environment GitHub Actions gives it. What GitHub would show — the annotations on stdout, the job
// summary and the PR comment — is compared with golden files under scripts/test/fixtures/pr-dry-run/.
// Update them with `npx vitest run scripts/pr-dry-run.test.ts -u` and review the diff.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePrReport } from "./lib/pr/report.ts";
import { startFakeGitHub } from "./test/fakes/github-api.ts";
import { startFakeServer, type FakeServer } from "./test/fakes/http-server.ts";
import { createTempRepo, type TempRepo } from "./test/temp-git.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const GOLDEN = path.join(ROOT, "scripts/test/fixtures/pr-dry-run");
const SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json";
const NS = "io.github.Alice-Dev";

const serverJson = (name: string, version: string, pkg: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify(
    {
      $schema: SCHEMA,
      name,
      description: `${name.split("/")[1]} for MCP clients.`,
      version,
      ...extra,
      packages: [{ registryType: "npm", identifier: pkg, version, transport: { type: "stdio" } }],
    },
    null,
    2,
  ) + "\n";

let github: FakeServer;
let npm: FakeServer;
const cleanup: (() => void)[] = [];

beforeAll(async () => {
  github = await startFakeGitHub({ accounts: { "alice-dev": "user-alice.json" } });
  const recorded = (f: string) => ({ body: JSON.parse(fs.readFileSync(path.join(GOLDEN, f), "utf8")) as object });
  npm = await startFakeServer({
    "/@alice-dev%2Fweather/1.1.0": recorded("npm-weather-1.1.0.json"),
    "/@alice-dev%2Ftides/2.0.0": recorded("npm-tides-2.0.0.json"),
    "/@alice-dev%2Fweather-upper/2.0.0": recorded("npm-weather-upper-2.0.0.json"),
    "/@alice-dev%2Fforecast/1.0.0": recorded("npm-forecast-1.0.0.json"),
  });
});
afterAll(async () => {
  await Promise.all([github.close(), npm.close()]);
  for (const f of cleanup.splice(0)) f();
});

interface DryRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
  readonly summary: string;
  readonly comment: string;
  readonly report: string;
  readonly labels: string;
  readonly shas: { base: string; head: string };
}

interface DryRunOptions {
  /** Who opened the PR (default alice-dev, who owns the namespace). */
  readonly author?: string;
  /** More files of the base commit. */
  readonly baseFiles?: Record<string, string>;
}

/** The origin repository, then the workflow's two checkouts of it, then pr-check as the step runs it. */
async function dryRun(prFiles: Record<string, string | null>, options: DryRunOptions = {}): Promise<DryRun> {
  const origin: TempRepo = createTempRepo("dry-origin-");
  cleanup.push(() => origin.remove());
  origin.write({
    "README.md": "# registry\n",
    "scripts/policy/blocklist.yaml": "namespaces:\n  - namespace: com.evil\n    reason: malware\n",
    [`servers/${NS}/weather/1.0.0/server.json`]: serverJson(`${NS}/weather`, "1.0.0", "@alice-dev/weather"),
    ...options.baseFiles,
  });
  const base = origin.commit("Merge pull request #1: weather 1.0.0", 1_750_000_000);
  origin.git("checkout", "-q", "-b", "pr");
  origin.write(prFiles);
  const head = origin.commit("Add a version", 1_750_000_600);

  const work = fs.mkdtempSync(path.join(os.tmpdir(), "dry-workspace-"));
  cleanup.push(() => fs.rmSync(work, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: work,
      stdio: "pipe",
      env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" },
    });
  git("clone", "-q", "--single-branch", "-b", "main", origin.dir, "base"); // actions/checkout base.sha, fetch-depth 0
  git("clone", "-q", "--no-checkout", origin.dir, "pr"); // actions/checkout head.sha into pr/
  git("-C", "pr", "checkout", "-q", "--detach", head);
  const summaryFile = path.join(work, "step-summary.md");
  fs.writeFileSync(summaryFile, "");
  const out = path.join(work, "pr-check-out");

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GITHUB_ACTIONS: "true",
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_REPOSITORY: "mcp-static-registry/registry",
    GITHUB_RUN_ID: "4242",
    REGISTRY_GITHUB_API_URL: github.url,
    REGISTRY_NPM_URL: npm.url,
    REGISTRY_HTTP_TIMEOUT_MS: "5000",
  };
  const args = [
    "--import",
    "tsx",
    "scripts/pr-check.ts",
    "--repo",
    path.join(work, "base"),
    "--data",
    path.join(work, "pr"),
    "--base",
    base,
    "--head",
    head,
    "--author",
    options.author ?? "alice-dev",
    "--pr",
    "12",
    "--out",
    out,
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exitCode = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : `(missing ${path.basename(f)})`);
  return {
    stdout,
    stderr,
    exitCode,
    summary: read(summaryFile),
    comment: read(path.join(out, "comment.md")),
    report: read(path.join(out, "report.json")),
    labels: read(path.join(out, "labels.json")),
    shas: { base, head },
  };
}

/** Commit ids and loopback ports differ per machine and run: name them. */
function scrub(text: string, shas: { base: string; head: string }): string {
  return text
    .replaceAll(shas.base, "<base-sha>")
    .replaceAll(shas.head, "<head-sha>")
    .replaceAll(shas.base.slice(0, 12), "<base-sha12>")
    .replaceAll(shas.head.slice(0, 12), "<head-sha12>")
    .replaceAll(shas.head.slice(0, 7), "<head-sha7>")
    .replace(/http:\/\/127\.0\.0\.1:\d+/g, "http://fake");
}

const annotations = (stdout: string) =>
  stdout
    .split("\n")
    .filter((l) => l.startsWith("::"))
    .join("\n") + "\n";

async function expectGolden(name: string, run: DryRun) {
  const dir = path.join(GOLDEN, name);
  await expect(scrub(annotations(run.stdout), run.shas)).toMatchFileSnapshot(path.join(dir, "annotations.txt"));
  await expect(scrub(run.summary, run.shas)).toMatchFileSnapshot(path.join(dir, "summary.md"));
  await expect(scrub(run.comment, run.shas)).toMatchFileSnapshot(path.join(dir, "comment.md"));
  await expect(scrub(run.labels, run.shas)).toMatchFileSnapshot(path.join(dir, "labels.json"));
}

describe("PR check dry run", () => {
  it("a PR adding a version whose package points back: verified", async () => {
    const run = await dryRun({
      [`servers/${NS}/weather/1.1.0/server.json`]: serverJson(`${NS}/weather`, "1.1.0", "@alice-dev/weather"),
    });
    expect(run.stderr).toContain("pr-check: verdict pass");
    expect(run.exitCode).toBe(0);
    const parsed = parsePrReport(run.report);
    expect(parsed.kind).toBe("ok");
    expect(parsed.kind === "ok" ? parsed.report.labels : parsed).toEqual(["verified"]);
    await expectGolden("verified", run);
  }, 60_000);

  it("a PR with a schema error, a package that points elsewhere and a file outside servers/: invalid", async () => {
    const run = await dryRun({
      [`servers/${NS}/tides/2.0.0/server.json`]: serverJson(`${NS}/tides`, "2.0.0", "@alice-dev/tides", {
        websiteUrl: "not a url",
      }),
      "README.md": "# registry\n\n<img src=x onerror=alert(1)> @everyone\n",
    });
    expect(run.exitCode).toBe(1);
    expect(parsePrReport(run.report).kind).toBe("ok");
    await expectGolden("invalid", run);
  }, 60_000);

  it("a PR adding a server whose name differs only in case from an existing one: refused, naming the new file", async () => {
    const file = `servers/${NS}/Weather/2.0.0/server.json`;
    const run = await dryRun({ [file]: serverJson(`${NS}/Weather`, "2.0.0", "@alice-dev/weather-upper") });
    expect(run.exitCode).toBe(1);
    const parsed = parsePrReport(run.report);
    if (parsed.kind !== "ok") throw new Error(parsed.reason);
    expect(parsed.report.verdict).toBe("fail");
    expect(parsed.report.labels).toEqual(["invalid"]);
    const failed = parsed.report.checks.filter((c) => c.status === "fail");
    expect(failed.map((c) => [c.file, c.code])).toEqual([[file, "tree/name-case-conflict"]]);
    expect(failed[0]?.message).toContain(`servers/${NS}/weather/1.0.0/server.json`);
    expect(run.comment).not.toContain("Verified");
    await expectGolden("case-variant", run);
  }, 60_000);

  it("a PR adding a server whose name looks like another namespace's: verified, with a warning and needs-review", async () => {
    const existing = "io.github.alice-deu/forecast"; // one letter from the new io.github.Alice-Dev/forecast
    const run = await dryRun(
      { [`servers/${NS}/forecast/1.0.0/server.json`]: serverJson(`${NS}/forecast`, "1.0.0", "@alice-dev/forecast") },
      { baseFiles: { [`servers/${existing}/1.0.0/server.json`]: serverJson(existing, "1.0.0", "@deu/forecast") } },
    );
    expect(run.exitCode).toBe(0);
    const parsed = parsePrReport(run.report);
    if (parsed.kind !== "ok") throw new Error(parsed.reason);
    expect(parsed.report.labels).toEqual(["verified", "needs-review"]);
    expect(parsed.report.autoMerge.eligible).toBe(false);
    expect(run.comment).toContain("**Look-alike name.**");
    expect(run.comment).toContain(existing);
    await expectGolden("lookalike", run);
  }, 60_000);

  it("a PR that edits a receipt: refused, a maintainer's too", async () => {
    const receipt = `receipts/${NS}/weather/1.0.0.json`;
    const run = await dryRun(
      { [receipt]: '{"receipt":1,"checks":[{"id":"npm/ok","outcome":"pass"}]}\n' },
      { author: "maint-ana", baseFiles: { "scripts/policy/maintainers.yaml": "maintainers:\n  - login: maint-ana\n" } },
    );
    expect(run.exitCode).toBe(1);
    const parsed = parsePrReport(run.report);
    if (parsed.kind !== "ok") throw new Error(parsed.reason);
    expect(parsed.report.checks.filter((c) => c.status === "fail").map((c) => [c.file, c.code])).toEqual([
      [receipt, "change/receipt-file"],
    ]);
    expect(parsed.report.labels).toContain("invalid");
    await expectGolden("receipt-edit", run);
  }, 60_000);

  const MAINTAINERS = { "scripts/policy/maintainers.yaml": "maintainers:\n  - login: maint-ana\n" };
  const TAKEDOWN = {
    [`servers/${NS}/weather/1.0.0/status.yaml`]:
      'status: deleted\nstatusMessage: "Takedown: malware reported in #123"\n',
  };

  it("a maintainer's takedown of someone else's version: verified, saying which maintainer rule allowed it", async () => {
    const run = await dryRun(TAKEDOWN, { author: "maint-ana", baseFiles: MAINTAINERS });
    expect(run.stderr).toContain("pr-check: verdict pass");
    expect(run.exitCode).toBe(0);
    expect(run.comment).toContain("allowed by maintainer rules: `maintainer/status` (1 file)");
    await expectGolden("maintainer-takedown", run);
  }, 60_000);

  it("the same takedown by someone else: refused, saying a maintainer must do it", async () => {
    const run = await dryRun(TAKEDOWN, { author: "mallory", baseFiles: MAINTAINERS });
    expect(run.exitCode).toBe(1);
    const parsed = parsePrReport(run.report);
    if (parsed.kind !== "ok") throw new Error(parsed.reason);
    expect(parsed.report.checks.filter((c) => c.status === "fail").map((c) => c.code)).toEqual(["namespace/not-owner"]);
    expect(run.comment).toMatch(/is done by a maintainer/);
    await expectGolden("takedown-refused", run);
  }, 60_000);
});
