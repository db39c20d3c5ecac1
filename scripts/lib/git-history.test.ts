import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { HistoryError, readHistory } from "./git-history.ts";
import { makeRepo, mergeNoFf, type TestRepo } from "../test/git-repo.ts";
import { makeTree, serverJson, tempDir } from "../test/temp-tree.ts";

const file = (name: string, version: string) => ({
  [`servers/${name}/${version}/server.json`]: serverJson(name, version),
});

describe("readHistory", () => {
  it("takes publishedAt from the commit that added server.json and updatedAt from the last change", () => {
    const repo = makeRepo();
    repo.commit("add", "2025-01-01T10:00:00Z", file("io.github.user/alpha", "1.0.0"));
    repo.commit("sign", "2025-02-01T10:00:00Z", { "servers/io.github.user/alpha/1.0.0/server.json.sig": "00" });
    repo.commit("unrelated", "2025-03-01T10:00:00Z", { "README.md": "x" });
    const h = readHistory(path.join(repo.dir, "servers"));
    expect(h.timesOf("io.github.user/alpha/1.0.0")).toEqual({
      publishedAt: "2025-01-01T10:00:00Z",
      updatedAt: "2025-02-01T10:00:00Z",
      statusChangedAt: "2025-01-01T10:00:00Z",
    });
    expect(h.info).toEqual({
      gitCommit: repo.git("rev-parse", "HEAD"),
      generatedAt: "2025-03-01T10:00:00Z",
      serial: 3,
    });
    expect(h.notes).toEqual([]);
  });

  it("moves statusChangedAt only when the status value changes", () => {
    const repo = makeRepo();
    repo.commit("add", "2025-01-01T00:00:00Z", file("io.github.user/alpha", "1.0.0"));
    repo.commit("deprecate", "2025-01-02T00:00:00Z", {
      "servers/io.github.user/alpha/1.0.0/status.yaml": "status: deprecated\n",
    });
    repo.commit("reword", "2025-01-03T00:00:00Z", {
      "servers/io.github.user/alpha/1.0.0/status.yaml": "status: deprecated\nstatusMessage: use 2.0\n",
    });
    expect(readHistory(path.join(repo.dir, "servers")).timesOf("io.github.user/alpha/1.0.0")).toEqual({
      publishedAt: "2025-01-01T00:00:00Z",
      updatedAt: "2025-01-03T00:00:00Z",
      statusChangedAt: "2025-01-02T00:00:00Z",
    });
    repo.remove("servers/io.github.user/alpha/1.0.0/status.yaml");
    repo.commit("restore", "2025-01-04T00:00:00Z");
    expect(readHistory(path.join(repo.dir, "servers")).timesOf("io.github.user/alpha/1.0.0").statusChangedAt).toBe(
      "2025-01-04T00:00:00Z",
    );
  });

  it("trusts only the first-parent line: a PR's own commit dates are ignored", () => {
    const repo = makeRepo();
    repo.commit("base", "2025-05-01T00:00:00Z", file("io.github.user/alpha", "1.0.0"));
    repo.git("checkout", "-q", "-b", "pr");
    // The author backdates the PR commit, committer date included: both are the author's to choose.
    repo.commit("publish beta", "2001-01-01T00:00:00Z", file("io.github.user/beta", "1.0.0"), {
      authorTime: "2001-01-01T00:00:00Z",
    });
    repo.git("checkout", "-q", "main");
    mergeNoFf(repo, "pr", "2025-06-01T12:00:00Z");
    const h = readHistory(path.join(repo.dir, "servers"));
    expect(h.timesOf("io.github.user/beta/1.0.0").publishedAt).toBe("2025-06-01T12:00:00Z");
    expect(h.timesOf("io.github.user/alpha/1.0.0").publishedAt).toBe("2025-05-01T00:00:00Z");
    expect(h.info.serial).toBe(2);
  });

  it("gives uncommitted versions HEAD's time and says so", () => {
    const repo = makeRepo();
    repo.commit("add", "2025-01-01T00:00:00Z", file("io.github.user/alpha", "1.0.0"));
    makeTree(file("io.github.user/alpha", "2.0.0"), repo.dir);
    const h = readHistory(path.join(repo.dir, "servers"));
    expect(h.timesOf("io.github.user/alpha/2.0.0").publishedAt).toBe("2025-01-01T00:00:00Z");
    expect(h.notes.join("\n")).toMatch(/not committed/);
  });

  it("falls back to SOURCE_DATE_EPOCH (or the epoch) outside git, and says so", () => {
    const dir = makeTree(file("io.github.user/alpha", "1.0.0"));
    const h = readHistory(path.join(dir, "servers"), { fallbackEpoch: 1_700_000_000 });
    expect(h.timesOf("io.github.user/alpha/1.0.0")).toEqual({
      publishedAt: "2023-11-14T22:13:20Z",
      updatedAt: "2023-11-14T22:13:20Z",
      statusChangedAt: "2023-11-14T22:13:20Z",
    });
    expect(h.info).toEqual({ gitCommit: null, generatedAt: "2023-11-14T22:13:20Z", serial: 0 });
    expect(h.notes.join("\n")).toMatch(/not a git repository/);
  });

  it("reads a servers folder below the repository root", () => {
    const repo = makeRepo();
    repo.commit("add", "2025-01-01T00:00:00Z", {
      "data/servers/io.github.user/alpha/1.0.0/server.json": serverJson("io.github.user/alpha", "1.0.0"),
    });
    expect(readHistory(path.join(repo.dir, "data/servers")).timesOf("io.github.user/alpha/1.0.0").publishedAt).toBe(
      "2025-01-01T00:00:00Z",
    );
  });
});

const ROOT = path.resolve(import.meta.dirname, "../..");

/** A repository with two merged versions, as main looks after two pull requests. */
function twoVersions(): TestRepo {
  const repo = makeRepo();
  repo.commit("add alpha", "2025-01-01T00:00:00Z", file("io.github.user/alpha", "1.0.0"));
  repo.commit("add beta", "2025-02-01T00:00:00Z", file("io.github.user/beta", "1.0.0"));
  return repo;
}

/** `npm run build` as the deploy runs it, in `cwd`. */
function build(cwd: string) {
  const out = path.join(tempDir("history-out-"), "dist");
  return spawnSync(
    path.join(ROOT, "node_modules/.bin/tsx"),
    [path.join(ROOT, "scripts/build.ts"), "--servers", "servers", "--out", out],
    {
      cwd,
      encoding: "utf8",
      env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" },
    },
  );
}

describe("readHistory fails closed inside a git repository", () => {
  it("refuses a shallow clone and says how to fix it (fetch-depth: 0)", () => {
    const repo = twoVersions();
    const clone = path.join(tempDir("shallow-"), "clone");
    execFileSync("git", ["clone", "-q", "--depth", "1", `file://${repo.dir}`, clone]);
    expect(() => readHistory(path.join(clone, "servers"))).toThrow(HistoryError);
    expect(() => readHistory(path.join(clone, "servers"))).toThrow(/shallow.*fetch-depth: 0/s);
    // The full clone of the same repository is fine.
    const full = path.join(tempDir("full-"), "clone");
    execFileSync("git", ["clone", "-q", `file://${repo.dir}`, full]);
    expect(readHistory(path.join(full, "servers")).timesOf("io.github.user/alpha/1.0.0").publishedAt).toBe(
      "2025-01-01T00:00:00Z",
    );
  });

  it("refuses a repository with a missing object", () => {
    const repo = twoVersions();
    // The tree of the first commit is gone: `git log --raw` cannot diff it.
    const tree = repo.git("rev-parse", "HEAD~1^{tree}");
    fs.rmSync(path.join(repo.dir, ".git/objects", tree.slice(0, 2), tree.slice(2)));
    expect(() => readHistory(path.join(repo.dir, "servers"))).toThrow(/cannot read the git history.*git log/s);
  });

  it("refuses a .git that git cannot read, instead of taking it for no repository", () => {
    const repo = twoVersions();
    fs.writeFileSync(path.join(repo.dir, ".git/HEAD"), "garbage\n");
    expect(() => readHistory(path.join(repo.dir, "servers"))).toThrow(/\.git exists, but git cannot read it/);
  });

  it("refuses a status blob the history names but the repository lacks", () => {
    const repo = twoVersions();
    repo.commit("deprecate", "2025-03-01T00:00:00Z", {
      "servers/io.github.user/alpha/1.0.0/status.yaml": "status: deprecated\n",
    });
    const blob = repo.git("rev-parse", "HEAD:servers/io.github.user/alpha/1.0.0/status.yaml");
    repo.remove("servers/io.github.user/alpha/1.0.0/status.yaml");
    repo.commit("restore", "2025-04-01T00:00:00Z");
    fs.rmSync(path.join(repo.dir, ".git/objects", blob.slice(0, 2), blob.slice(2)));
    expect(() => readHistory(path.join(repo.dir, "servers"))).toThrow(new RegExp(`object ${blob} is missing`));
  });

  it("the build stops with one line on a shallow clone and on a broken repository, and builds outside git", () => {
    const repo = twoVersions();
    const clone = path.join(tempDir("shallow-build-"), "clone");
    execFileSync("git", ["clone", "-q", "--depth", "1", `file://${repo.dir}`, clone]);
    const shallow = build(clone);
    expect(shallow.status).toBe(1);
    expect(shallow.stderr).toMatch(/^error: the clone at .* is shallow.*fetch-depth: 0/m);
    expect(shallow.stderr).not.toMatch(/internal error|\n\s+at /);

    fs.writeFileSync(path.join(repo.dir, ".git/HEAD"), "garbage\n");
    const broken = build(repo.dir);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/^error: cannot read the git history/m);

    // A plain folder (a tarball of the tree): SOURCE_DATE_EPOCH times, with a note.
    const plain = makeTree(file("io.github.user/alpha", "1.0.0"));
    const ok = build(plain);
    expect(ok.stderr).toMatch(/not a git repository/);
    expect(ok.status).toBe(0);
  }, 120_000);
});
