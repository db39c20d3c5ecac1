// The PR check's composition on real git repositories (base commit, PR head), without the verifier:
// its outcome is given, so these tests pin validation-as-checks, the API diff from git data, the
// verdict and the annotation format. The full dry run with the real verifier is pr-dry-run.test.ts.
import { afterEach, describe, expect, it } from "vitest";
import { createTempRepo, type TempRepo } from "../../test/temp-git.ts";
import { serverJson } from "../../test/temp-tree.ts";
import { diag } from "../diagnostics.ts";
import { annotation, changedFiles, checkRevision, runPrCheck } from "./check.ts";
import { createGitRunner } from "../verify/git.ts";

const repos: TempRepo[] = [];
afterEach(() => repos.splice(0).forEach((r) => r.remove()));

const A = "io.github.alice/weather";
const json = (v: unknown) => JSON.stringify(v, null, 2) + "\n";

function fixtureRepo(head: Record<string, string | null>) {
  const repo = createTempRepo("pr-check-");
  repos.push(repo);
  repo.write({ [`servers/${A}/1.0.0/server.json`]: json(serverJson(A, "1.0.0")), "README.md": "registry\n" });
  const baseSha = repo.commit("base", 1_700_000_000);
  repo.git("checkout", "-q", "-b", "pr");
  repo.write(head);
  const headSha = repo.commit("pr", 1_700_000_100);
  return { repo, git: createGitRunner(repo.dir), baseSha, headSha };
}

const pass = (file: string, kind: string) => ({
  file,
  kind,
  status: "pass" as const,
  message: `${kind} ok`,
  evidence: {},
});

describe("runPrCheck", () => {
  it("a PR adding a valid version: schema pass, API diff from the two revisions, verdict from every check", () => {
    const file = `servers/${A}/1.1.0/server.json`;
    const { git, baseSha, headSha } = fixtureRepo({ [file]: json(serverJson(A, "1.1.0")) });
    const out = runPrCheck({
      git,
      pr: { number: 3, baseSha, headSha, author: "alice" },
      verify: { kind: "report", checks: [pass(file, "schema"), pass(file, "change"), pass(file, "namespace")] },
      autoMergeEnabled: true,
    });
    expect(out.report.changedFiles).toEqual([{ path: file, status: "added" }]);
    expect(out.report.checks.map((c) => `${c.kind}:${c.status}`)).toEqual([
      "schema:pass",
      "change:pass",
      "namespace:pass",
    ]);
    expect(out.report.verdict).toBe("pass");
    expect(out.report.labels).toEqual(["verified"]);
    expect(out.report.autoMerge).toEqual({ eligible: true, reasons: [] });
    expect(out.report.apiDiff?.find((c) => c.kind === "added")?.route).toBe(
      "/v0.1/servers/io.github.alice%2Fweather/versions/1.1.0",
    );
    expect(out.summary.startsWith("## API changes\n\n1 added · 4 changed · 0 removed")).toBe(true);
    expect(out.annotations).toEqual([]);
  });

  it("the verifier crashed on an invalid version: this step's validation stands in (line, annotation); no API diff; label invalid", () => {
    const file = `servers/${A}/1.1.0/server.json`;
    const { git, baseSha, headSha } = fixtureRepo({ [file]: json({ ...serverJson(A, "1.1.0"), description: 42 }) });
    const out = runPrCheck({
      git,
      pr: { number: 3, baseSha, headSha, author: "alice" },
      verify: { kind: "crashed", message: "no report" },
      autoMergeEnabled: false,
    });
    const failed = out.report.checks.filter((c) => c.status === "fail");
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((c) => c.kind === "schema" && c.file === file && typeof c.line === "number")).toBe(true);
    expect(out.report.checks.at(-1)?.code).toBe("verify/crashed");
    expect(out.report.verdict).toBe("fail");
    expect(out.report.labels).toEqual(["invalid"]);
    expect(out.report.apiDiff).toBeNull();
    expect(out.annotations[0]).toMatch(
      new RegExp(`^::error file=${file.replace(/[./]/g, "\\$&")},line=\\d+,col=\\d+,title=schema/`),
    );
  });

  it("a file outside servers/ needs a maintainer; a crashed verifier is an error, never a pass", () => {
    const { git, baseSha, headSha } = fixtureRepo({ "scripts/evil.ts": "process.exit(0)\n" });
    const out = runPrCheck({
      git,
      pr: { number: 4, baseSha, headSha, author: "mallory" },
      verify: { kind: "report", checks: [pass("scripts/evil.ts", "change")] },
      autoMergeEnabled: true,
    });
    expect(out.report.verdict).toBe("needs-maintainer");
    expect(out.report.labels).toEqual(["needs-maintainer"]);
    expect(out.report.autoMerge.eligible).toBe(false);
    const crashed = runPrCheck({
      git,
      pr: { number: 4, baseSha, headSha, author: "mallory" },
      verify: { kind: "crashed", message: "boom" },
      autoMergeEnabled: true,
    });
    expect(crashed.report.verdict).toBe("error");
    expect(crashed.report.checks.map((c) => c.code)).toContain("verify/crashed");
  });
});

describe("the verdict is the build's verdict", () => {
  it("a head tree with an error is never verified, even when the verifier's report says every check passed", () => {
    const file = `servers/${A}/1.1.0/server.json`;
    const { git, baseSha, headSha } = fixtureRepo({ [file]: json({ ...serverJson(A, "1.1.0"), description: 42 }) });
    const out = runPrCheck({
      git,
      pr: { number: 5, baseSha, headSha, author: "alice" },
      verify: { kind: "report", checks: [pass(file, "schema"), pass(file, "change")] },
      autoMergeEnabled: true,
    });
    expect(out.report.checks.map((c) => c.code)).toContain("verify/head-does-not-build");
    expect(out.report.verdict).toBe("error");
    expect(out.report.labels).toEqual([]);
    expect(out.report.autoMerge.eligible).toBe(false);
    expect(out.comment).not.toContain("Verified");
  });

  it("without the verifier, a case-variant server fails on the PR's file, not on the existing one", () => {
    const file = "servers/io.github.alice/Weather/2.0.0/server.json";
    const { git, baseSha, headSha } = fixtureRepo({ [file]: json(serverJson("io.github.alice/Weather", "2.0.0")) });
    const out = runPrCheck({
      git,
      pr: { number: 6, baseSha, headSha, author: "alice" },
      verify: { kind: "crashed", message: "no report" },
      autoMergeEnabled: false,
    });
    expect(out.report.checks.filter((c) => c.status === "fail").map((c) => [c.file, c.code])).toEqual([
      [file, "tree/name-case-conflict"],
    ]);
    expect(out.report.verdict).toBe("fail");
  });
});

describe("pieces", () => {
  it("lists changed files with their git status", () => {
    const { git, baseSha, headSha } = fixtureRepo({
      "README.md": null,
      [`servers/${A}/1.0.0/status.yaml`]: "status: deprecated\n",
    });
    expect(changedFiles(git, baseSha, headSha)).toEqual([
      { path: "README.md", status: "removed" },
      { path: `servers/${A}/1.0.0/status.yaml`, status: "added" },
    ]);
  });
  it("builds each revision's API from git objects, not from the working tree", () => {
    const { repo, git, baseSha } = fixtureRepo({ [`servers/${A}/2.0.0/server.json`]: json(serverJson(A, "2.0.0")) });
    repo.write({ [`servers/${A}/3.0.0/server.json`]: "not even json" }); // uncommitted: must not matter
    const base = checkRevision(git, baseSha);
    const versions = [...(base.tree?.keys() ?? [])].filter((p) =>
      /^v0\.1\/servers\/io\.github\.alice\/weather\/versions\/[\d.]+$/.test(p),
    );
    expect(versions).toEqual(["v0.1/servers/io.github.alice/weather/versions/1.0.0"]);
  });
  it("escapes annotation properties and data like the Actions toolkit", () => {
    expect(
      annotation(diag("error", "a/b", "servers/x,y:z/server.json", "50% off\nnow", { line: 3, hint: "fix" })),
    ).toBe("::error file=servers/x%2Cy%3Az/server.json,line=3,title=a/b::50%25 off%0Anow%0Afix");
  });
});
