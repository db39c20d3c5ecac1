// post-comment against a loopback GitHub API: one comment kept up to date, labels, the trust checks on
// the artifact, the auto-merge decision and the merge. Plus the CLI as the workflow runs it.
import { Octokit } from "@octokit/rest";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeGitHubPrApi, type FakeGitHubPrApi, type FakePull } from "../../test/fakes/github-pr-api.ts";
import { mergeVerified, postFeedback } from "./post-feedback.ts";
import { COMMENT_MARKER, renderComment } from "./comment.ts";
import type { PrReport } from "./report.ts";

const HEAD = "c".repeat(40);
const F = "servers/io.github.alice/weather/1.1.0/server.json";
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
      { file: F, kind: "schema", status: "pass", message: "ok", evidence: {} },
      { file: F, kind: "namespace", status: "pass", message: "ok", evidence: {} },
    ],
    changedFiles: [{ path: F, status: "added" }],
    apiDiff: [],
    labels: ["verified"],
    autoMerge: { eligible: true, reasons: [] },
    ...over,
  };
}
const artifact = (r: PrReport) => ({ reportJson: JSON.stringify(r), commentMd: renderComment(r) });

async function setup(pull: Partial<FakePull> = {}) {
  const fake = await startFakeGitHubPrApi("o", "r", {
    pulls: [
      {
        number: 5,
        state: "open",
        headSha: HEAD,
        baseRef: "main",
        labels: [],
        files: [{ filename: F, status: "added" }],
        ...pull,
      },
    ],
  });
  fakes.push(fake);
  return { fake, octokit: new Octokit({ baseUrl: fake.url, auth: "t" }) };
}

describe("postFeedback", () => {
  it("creates the comment once, then updates it; sets labels; decides auto-merge from the API's file list", async () => {
    const { fake, octokit } = await setup({ labels: ["invalid", "help wanted"] });
    const first = await postFeedback(octokit, {
      owner: "o",
      repo: "r",
      artifact: artifact(report()),
      headSha: HEAD,
      autoMergeEnabled: true,
    });
    expect(first).toMatchObject({
      kind: "posted",
      created: true,
      labels: { add: ["verified"], remove: ["invalid"] },
      autoMerge: { eligible: true },
    });
    expect(fake.state.pulls[0]?.labels).toEqual(["help wanted", "verified"]);
    const again = await postFeedback(octokit, {
      owner: "o",
      repo: "r",
      artifact: artifact(report({ verdict: "fail", labels: ["invalid"] })),
      headSha: HEAD,
      autoMergeEnabled: true,
    });
    expect(again).toMatchObject({ kind: "posted", created: false });
    expect(fake.state.comments).toHaveLength(1);
    expect(fake.state.comments[0]?.body).toContain("❌ Changes needed");
    expect(fake.state.pulls[0]?.labels).toEqual(["help wanted", "invalid"]);
  });

  it("does not take over a person's comment that quotes the marker", async () => {
    const { fake, octokit } = await setup();
    fake.state.comments.push({
      id: 1,
      issue: 5,
      body: `${COMMENT_MARKER}\nfake verdict`,
      user: { login: "mallory", type: "User" },
    });
    const out = await postFeedback(octokit, {
      owner: "o",
      repo: "r",
      artifact: artifact(report()),
      headSha: HEAD,
      autoMergeEnabled: false,
    });
    expect(out).toMatchObject({ kind: "posted", created: true });
    expect(fake.state.comments.map((c) => c.user.login)).toEqual(["mallory", "github-actions[bot]"]);
  });

  it("a look-alike warning labels the PR needs-review beside verified, shows the warning, and is never merged automatically", async () => {
    const { fake, octokit } = await setup();
    const warned = report({
      checks: [
        ...report().checks,
        {
          file: F,
          kind: "lookalike",
          status: "pass",
          code: "lookalike/resembles",
          message:
            "warning: the name io.github.alice/weather looks like io.github.a1ice/weather (the same after folding)",
          evidence: {},
        },
      ],
    });
    const out = await postFeedback(octokit, {
      owner: "o",
      repo: "r",
      artifact: artifact(warned),
      headSha: HEAD,
      autoMergeEnabled: true,
    });
    expect(out).toMatchObject({ kind: "posted", labels: { add: ["verified", "needs-review"] } });
    expect(out.kind === "posted" && out.autoMerge).toMatchObject({
      eligible: false,
      reasons: [expect.stringContaining("looks like an existing server")],
    });
    expect(fake.state.pulls[0]?.labels).toEqual(["verified", "needs-review"]);
    expect(fake.state.comments[0]?.body).toContain("**Look-alike name.**");
    expect(fake.state.comments[0]?.body).toContain("io.github.a1ice/weather");
  });

  it("auto-merge stays off unless the repository setting is on", async () => {
    const { octokit } = await setup();
    const out = await postFeedback(octokit, {
      owner: "o",
      repo: "r",
      artifact: artifact(report()),
      headSha: HEAD,
      autoMergeEnabled: false,
    });
    expect(out.kind === "posted" && out.autoMerge.eligible).toBe(false);
  });

  it("a maintainer rule covers only the policy file it names: verified for that, needs-maintainer for anything else", async () => {
    const P = "scripts/policy/blocklist.yaml";
    const policy = {
      file: P,
      kind: "change",
      status: "pass" as const,
      code: "maintainer/policy",
      message: "allowed",
      evidence: {},
    };
    const r = report({
      checks: [policy],
      changedFiles: [{ path: P, status: "modified" }],
      autoMerge: { eligible: false, reasons: ["more than versions"] },
    });
    const covered = await setup({ files: [{ filename: P, status: "modified" }] });
    await postFeedback(covered.octokit, {
      owner: "o",
      repo: "r",
      artifact: artifact(r),
      headSha: HEAD,
      autoMergeEnabled: true,
    });
    expect(covered.fake.state.pulls[0]?.labels).toEqual(["verified"]);
    const more = await setup({
      files: [
        { filename: P, status: "modified" },
        { filename: "scripts/verify.ts", status: "modified" },
      ],
    });
    const out = await postFeedback(more.octokit, {
      owner: "o",
      repo: "r",
      artifact: artifact(r),
      headSha: HEAD,
      autoMergeEnabled: true,
    });
    expect(out).toMatchObject({ kind: "posted", autoMerge: { eligible: false } });
    expect(more.fake.state.pulls[0]?.labels).toEqual(["needs-maintainer"]);
  });

  it("trusts the API, not the artifact: a file the artifact did not mention blocks verified and auto-merge", async () => {
    const { fake, octokit } = await setup({
      files: [
        { filename: F, status: "added" },
        { filename: "scripts/verify.ts", status: "modified" },
      ],
    });
    const out = await postFeedback(octokit, {
      owner: "o",
      repo: "r",
      artifact: artifact(report()),
      headSha: HEAD,
      autoMergeEnabled: true,
    });
    expect(out).toMatchObject({ kind: "posted", autoMerge: { eligible: false } });
    expect(fake.state.pulls[0]?.labels).toEqual(["needs-maintainer"]);
  });

  it("a PR that changes .github/ gets a fixed comment, never the artifact's text", async () => {
    const { fake, octokit } = await setup({
      files: [{ filename: ".github/workflows/pr-check.yml", status: "modified" }],
    });
    const forged = {
      reportJson: JSON.stringify(report()),
      commentMd: `${COMMENT_MARKER}\n## ✅ Verified\nclick https://evil.example`,
    };
    const out = await postFeedback(octokit, {
      owner: "o",
      repo: "r",
      artifact: forged,
      headSha: HEAD,
      autoMergeEnabled: true,
    });
    expect(out).toMatchObject({ kind: "posted", withheld: true, autoMerge: { eligible: false } });
    expect(fake.state.comments[0]?.body).not.toContain("evil.example");
    expect(fake.state.comments[0]?.body).toContain("Needs a maintainer's review");
    expect(fake.state.pulls[0]?.labels).toEqual(["needs-maintainer"]);
  });

  it("rejects an artifact about another commit, a malformed report or a comment without the marker", async () => {
    const { fake, octokit } = await setup();
    const other = await postFeedback(octokit, {
      owner: "o",
      repo: "r",
      artifact: artifact(report()),
      headSha: "d".repeat(40),
      autoMergeEnabled: true,
    });
    expect(other.kind).toBe("rejected");
    const malformed = await postFeedback(octokit, {
      owner: "o",
      repo: "r",
      artifact: { reportJson: "{}", commentMd: COMMENT_MARKER },
      headSha: HEAD,
      autoMergeEnabled: true,
    });
    expect(malformed.kind).toBe("rejected");
    const unmarked = await postFeedback(octokit, {
      owner: "o",
      repo: "r",
      artifact: { reportJson: JSON.stringify(report()), commentMd: "hello" },
      headSha: HEAD,
      autoMergeEnabled: true,
    });
    expect(unmarked.kind).toBe("rejected");
    expect(fake.state.log).toEqual([]); // nothing asked, nothing posted
  });

  it("posts nothing when the PR moved on or closed", async () => {
    const { fake, octokit } = await setup({ headSha: "e".repeat(40) });
    expect(
      (
        await postFeedback(octokit, {
          owner: "o",
          repo: "r",
          artifact: artifact(report()),
          headSha: HEAD,
          autoMergeEnabled: true,
        })
      ).kind,
    ).toBe("stale");
    fake.state.pulls[0]!.headSha = HEAD;
    fake.state.pulls[0]!.state = "closed";
    expect(
      (
        await postFeedback(octokit, {
          owner: "o",
          repo: "r",
          artifact: artifact(report()),
          headSha: HEAD,
          autoMergeEnabled: true,
        })
      ).kind,
    ).toBe("stale");
    expect(fake.state.comments).toEqual([]);
  });

  it("reads every page of a long file list", async () => {
    const files = Array.from({ length: 150 }, (_, i) => ({
      filename: `servers/io.github.alice/s${i}/1.0.0/server.json`,
      status: "added",
    }));
    const { octokit } = await setup({ files: [...files, { filename: "README.md", status: "modified" }] });
    const out = await postFeedback(octokit, {
      owner: "o",
      repo: "r",
      artifact: artifact(report()),
      headSha: HEAD,
      autoMergeEnabled: true,
    });
    expect(out.kind === "posted" && out.autoMerge.reasons.join(" ")).toContain("README.md");
  });
});

describe("mergeVerified", () => {
  it("squash-merges at the checked commit and starts the deploy", async () => {
    const { fake, octokit } = await setup();
    expect(
      await mergeVerified(octokit, { owner: "o", repo: "r", pr: 5, headSha: HEAD, deployWorkflow: "deploy.yml" }),
    ).toEqual({ kind: "merged", sha: `merge-of-${HEAD.slice(0, 7)}`, deployStarted: true });
    expect(fake.state.pulls[0]?.merged?.method).toBe("squash");
    expect(fake.state.dispatches).toEqual([{ workflow: "deploy.yml", ref: "main" }]);
  });
  it("does not merge a PR whose head moved", async () => {
    const { fake, octokit } = await setup({ headSha: "e".repeat(40) });
    expect((await mergeVerified(octokit, { owner: "o", repo: "r", pr: 5, headSha: HEAD })).kind).toBe("not-merged");
    expect(fake.state.pulls[0]?.merged).toBeUndefined();
  });
});

describe("the post-comment CLI", () => {
  const run = promisify(execFile);
  it("posts from an artifact folder and writes the step outputs", async () => {
    const { fake } = await setup();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "artifact-"));
    try {
      const r = report();
      fs.writeFileSync(path.join(dir, "report.json"), JSON.stringify(r));
      fs.writeFileSync(path.join(dir, "comment.md"), renderComment(r));
      const outputFile = path.join(dir, "github-output");
      const env = {
        PATH: process.env.PATH,
        GITHUB_TOKEN: "t",
        GITHUB_REPOSITORY: "o/r",
        REGISTRY_GITHUB_API_URL: fake.url,
        GITHUB_OUTPUT: outputFile,
      };
      const root = path.resolve(import.meta.dirname, "../../..");
      const { stdout } = await run(
        process.execPath,
        [
          "--import",
          "tsx",
          "scripts/post-comment.ts",
          "--dir",
          dir,
          "--head-sha",
          HEAD,
          "--auto-merge-setting",
          "true",
        ],
        { cwd: root, env },
      );
      expect(stdout).toContain("created comment");
      expect(fs.readFileSync(outputFile, "utf8")).toBe("merge=true\npr=5\n");
      const merged = await run(
        process.execPath,
        ["--import", "tsx", "scripts/post-comment.ts", "--merge", "--pr", "5", "--head-sha", HEAD],
        { cwd: root, env },
      );
      expect(merged.stdout).toContain("merged #5");
      // receipts.yml with the merge commit (it commits the receipts), then the deploy
      expect(fake.state.dispatches).toEqual([
        { workflow: "receipts.yml", ref: "main", inputs: { sha: `merge-of-${HEAD.slice(0, 7)}` } },
        { workflow: "deploy.yml", ref: "main" },
      ]);
      const bad = await run(
        process.execPath,
        ["--import", "tsx", "scripts/post-comment.ts", "--dir", path.join(dir, "nope"), "--head-sha", HEAD],
        { cwd: root, env },
      ).catch((e: { code: number; stderr: string }) => e);
      expect(bad).toMatchObject({ code: 1 });
      expect((bad as { stderr: string }).stderr).toContain("missing from the artifact");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
