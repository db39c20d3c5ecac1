// The trusted side's receipts against a loopback GitHub API: what it takes from the API, what from the
// artifact, what it refuses, and that a receipt is written once. Plus the CLI as receipts.yml runs it.
import { Octokit } from "@octokit/rest";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeGitHubPrApi, type FakeGitHubPrApi, type FakePull } from "../../test/fakes/github-pr-api.ts";
import { parseReceipt } from "../receipt.ts";
import { commitReceipts, findMergedPull } from "./commit-receipts.ts";
import type { PrReport } from "./report.ts";

const HEAD = "c".repeat(40);
const F = "servers/io.github.alice/weather/1.1.0/server.json";
const G = "servers/io.github.alice/tides/2.0.0/server.json";
const fakes: FakeGitHubPrApi[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

function report(over: Partial<PrReport> = {}): PrReport {
  return {
    version: 1,
    pr: { number: 5, baseSha: "a".repeat(40), headSha: HEAD, author: "alice" },
    verdict: "pass",
    checks: [
      {
        file: F,
        kind: "namespace",
        status: "pass",
        code: "namespace/github-author",
        message: "alice owns io.github.alice",
        evidence: { method: "github", account: "alice", accountId: 7, accountType: "User" },
      },
      {
        file: F,
        kind: "npm",
        status: "pass",
        code: "npm/ok",
        message: "NPM package '@alice/weather' version '1.1.0' declares mcpName 'io.github.alice/weather'",
        evidence: {
          url: "https://registry.npmjs.org/@alice%2Fweather/1.1.0",
          identifier: "@alice/weather",
          responseSha256: "d".repeat(64),
          mcpName: "</script><script>alert(1)</script>",
        },
      },
      { file: G, kind: "schema", status: "pass", code: "schema/ok", message: "ok", evidence: {} },
    ],
    changedFiles: [{ path: F, status: "added" }],
    apiDiff: [],
    labels: ["verified"],
    autoMerge: { eligible: true, reasons: [] },
    ...over,
  };
}

const MERGED: Partial<FakePull> = {
  state: "closed",
  merged: { sha: "e".repeat(40), method: "squash" },
  author: "alice",
  baseSha: "a".repeat(40),
  files: [
    { filename: F, status: "added", sha: "1".repeat(40) },
    { filename: G, status: "added", sha: "2".repeat(40) },
    { filename: "servers/io.github.alice/weather/1.0.0/status.yaml", status: "added", sha: "3".repeat(40) },
  ],
};

async function setup(pull: Partial<FakePull> = MERGED) {
  const fake = await startFakeGitHubPrApi("o", "r", {
    pulls: [{ number: 5, state: "open", headSha: HEAD, baseRef: "main", labels: [], files: [], ...pull }],
    runs: [
      { id: 41, workflow: "pr-check.yml", headSha: HEAD, runNumber: 1, event: "pull_request", status: "completed" },
      { id: 42, workflow: "pr-check.yml", headSha: HEAD, runNumber: 2, event: "pull_request", status: "completed" },
    ],
  });
  fakes.push(fake);
  return { fake, octokit: new Octokit({ baseUrl: fake.url, auth: "t" }) };
}

const input = (reportJson = JSON.stringify(report())) => ({
  owner: "o",
  repo: "r",
  pr: 5,
  headSha: HEAD,
  reportJson,
  run: { id: 42, url: "https://github.com/o/r/actions/runs/42" },
  branch: "main",
  now: () => new Date("2026-12-02T04:00:00.123Z"),
});

describe("commitReceipts", () => {
  it("writes one receipt per added server.json: PR facts from the API, checks of that version from the artifact", async () => {
    const { fake, octokit } = await setup();
    const out = await commitReceipts(octokit, input());
    expect(out).toEqual({
      kind: "committed",
      written: ["receipts/io.github.alice/weather/1.1.0.json", "receipts/io.github.alice/tides/2.0.0.json"],
      kept: [],
    });
    const text = fake.state.files.get("receipts/io.github.alice/weather/1.1.0.json")!.content;
    expect(text).not.toContain("</script>"); // escaped JSON: \u003c/script\u003e
    const parsed = parseReceipt(text, { name: "io.github.alice/weather", version: "1.1.0" });
    if (parsed.kind !== "ok") throw new Error(parsed.reason);
    const r = parsed.receipt;
    expect(r.pr).toEqual({
      number: 5,
      baseSha: "a".repeat(40),
      headSha: HEAD,
      author: "alice",
      mergeCommit: "e".repeat(40),
    });
    expect(r.blob).toBe("1".repeat(40));
    expect(r.recordedAt).toBe("2026-12-02T04:00:00Z");
    expect(r.run).toMatchObject({ id: 42, reportSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(r.checks.map((c) => [c.id, c.outcome])).toEqual([
      ["namespace/github-author", "pass"],
      ["npm/ok", "pass"],
    ]);
    expect(r.checks[1]!.evidence).toMatchObject({ responseSha256: "d".repeat(64), identifier: "@alice/weather" });
    expect(fake.state.files.get("receipts/io.github.alice/weather/1.1.0.json")!.message).toBe(
      "receipt: io.github.alice/weather 1.1.0 (#5, checked by run 42)",
    );
  });

  it("writes a receipt once: a second run keeps it as it is", async () => {
    const { fake, octokit } = await setup();
    await commitReceipts(octokit, input());
    const before = fake.state.files.get("receipts/io.github.alice/weather/1.1.0.json")!.content;
    const again = await commitReceipts(octokit, input(JSON.stringify(report({ checks: [] }))));
    expect(again).toMatchObject({ kind: "committed", written: [], kept: expect.arrayContaining([expect.any(String)]) });
    expect(fake.state.files.get("receipts/io.github.alice/weather/1.1.0.json")!.content).toBe(before);
  });

  it("refuses a PR that did not merge, one that merged another head, and one that changed .github/", async () => {
    const open = await setup({ state: "open" });
    expect(await commitReceipts(open.octokit, input())).toMatchObject({
      kind: "refused",
      reason: expect.stringContaining("not merged"),
    });
    const moved = await setup({ ...MERGED, headSha: "f".repeat(40) });
    expect(await commitReceipts(moved.octokit, input())).toMatchObject({
      kind: "refused",
      reason: expect.stringContaining("merged ffff"),
    });
    const workflows = await setup({
      ...MERGED,
      files: [...MERGED.files!, { filename: ".github/workflows/pr-check.yml", status: "modified" }],
    });
    expect(await commitReceipts(workflows.octokit, input())).toMatchObject({
      kind: "refused",
      reason: expect.stringContaining(".github/"),
    });
    expect(workflows.fake.state.files.size).toBe(0);
  });

  it("refuses an artifact about another PR or head, and one that is not a report", async () => {
    const { fake, octokit } = await setup();
    const other = report({ pr: { number: 6, baseSha: "a".repeat(40), headSha: HEAD, author: "alice" } });
    expect(await commitReceipts(octokit, input(JSON.stringify(other)))).toMatchObject({ kind: "refused" });
    expect(await commitReceipts(octokit, input("{}"))).toMatchObject({ kind: "refused" });
    expect(fake.state.files.size).toBe(0);
  });
});

describe("findMergedPull", () => {
  it("names the PR a merge commit merged and the latest PR check run on its head; none for another commit", async () => {
    const { octokit } = await setup();
    const where = { owner: "o", repo: "r", checkWorkflow: "pr-check.yml" };
    expect(await findMergedPull(octokit, { ...where, sha: "e".repeat(40) })).toEqual({
      pr: 5,
      headSha: HEAD,
      runId: 42,
    });
    expect(await findMergedPull(octokit, { ...where, sha: "9".repeat(40) })).toMatchObject({
      none: expect.any(String),
    });
  });
});

describe("the CLI", () => {
  it("--find writes the step outputs; the second form commits the receipts and starts the deploy", async () => {
    const { fake } = await setup();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "receipts-cli-"));
    try {
      fs.writeFileSync(path.join(dir, "report.json"), JSON.stringify(report()));
      const outputs = path.join(dir, "outputs");
      fs.writeFileSync(outputs, "");
      const env = {
        PATH: process.env.PATH,
        GITHUB_TOKEN: "t",
        GITHUB_REPOSITORY: "o/r",
        GITHUB_OUTPUT: outputs,
        REGISTRY_GITHUB_API_URL: fake.url,
      };
      const run = (...args: string[]) =>
        promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/commit-receipts.ts", ...args], {
          cwd: path.resolve(import.meta.dirname, "../../.."),
          env,
        });
      await run("--find", "e".repeat(40));
      expect(fs.readFileSync(outputs, "utf8")).toBe(`pr=5\nhead_sha=${HEAD}\nrun_id=42\n`);
      const { stdout } = await run(
        "--dir",
        dir,
        "--pr",
        "5",
        "--head-sha",
        HEAD,
        "--run-id",
        "42",
        "--deploy",
        "deploy.yml",
      );
      expect(stdout).toContain("receipts: 2 written");
      expect(fake.state.dispatches).toEqual([{ workflow: "deploy.yml", ref: "main" }]);
      const bad = await run("--dir", dir, "--pr", "x").catch((e: { code: number; stderr: string }) => e);
      expect(bad).toMatchObject({ code: 2 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
