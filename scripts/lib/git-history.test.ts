import path from "node:path";
import { describe, expect, it } from "vitest";
import { readHistory } from "./git-history.ts";
import { makeRepo, mergeNoFf } from "../test/git-repo.ts";
import { makeTree, serverJson } from "../test/temp-tree.ts";

const file = (name: string, version: string) => ({ [`servers/${name}/${version}/server.json`]: serverJson(name, version) });

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
    expect(h.info).toEqual({ gitCommit: repo.git("rev-parse", "HEAD"), generatedAt: "2025-03-01T10:00:00Z", serial: 3 });
    expect(h.notes).toEqual([]);
  });

  it("moves statusChangedAt only when the status value changes", () => {
    const repo = makeRepo();
    repo.commit("add", "2025-01-01T00:00:00Z", file("io.github.user/alpha", "1.0.0"));
    repo.commit("deprecate", "2025-01-02T00:00:00Z", { "servers/io.github.user/alpha/1.0.0/status.yaml": "status: deprecated\n" });
    repo.commit("reword", "2025-01-03T00:00:00Z", { "servers/io.github.user/alpha/1.0.0/status.yaml": "status: deprecated\nstatusMessage: use 2.0\n" });
    expect(readHistory(path.join(repo.dir, "servers")).timesOf("io.github.user/alpha/1.0.0")).toEqual({
      publishedAt: "2025-01-01T00:00:00Z",
      updatedAt: "2025-01-03T00:00:00Z",
      statusChangedAt: "2025-01-02T00:00:00Z",
    });
    repo.remove("servers/io.github.user/alpha/1.0.0/status.yaml");
    repo.commit("restore", "2025-01-04T00:00:00Z");
    expect(readHistory(path.join(repo.dir, "servers")).timesOf("io.github.user/alpha/1.0.0").statusChangedAt).toBe("2025-01-04T00:00:00Z");
  });

  it("trusts only the first-parent line: a PR's own commit dates are ignored", () => {
    const repo = makeRepo();
    repo.commit("base", "2025-05-01T00:00:00Z", file("io.github.user/alpha", "1.0.0"));
    repo.git("checkout", "-q", "-b", "pr");
    // The author backdates the PR commit, committer date included: both are the author's to choose.
    repo.commit("publish beta", "2001-01-01T00:00:00Z", file("io.github.user/beta", "1.0.0"), { authorTime: "2001-01-01T00:00:00Z" });
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
    expect(h.timesOf("io.github.user/alpha/1.0.0")).toEqual({ publishedAt: "2023-11-14T22:13:20Z", updatedAt: "2023-11-14T22:13:20Z", statusChangedAt: "2023-11-14T22:13:20Z" });
    expect(h.info).toEqual({ gitCommit: null, generatedAt: "2023-11-14T22:13:20Z", serial: 0 });
    expect(h.notes.join("\n")).toMatch(/not a git repository/);
  });

  it("reads a servers folder below the repository root", () => {
    const repo = makeRepo();
    repo.commit("add", "2025-01-01T00:00:00Z", { "data/servers/io.github.user/alpha/1.0.0/server.json": serverJson("io.github.user/alpha", "1.0.0") });
    expect(readHistory(path.join(repo.dir, "data/servers")).timesOf("io.github.user/alpha/1.0.0").publishedAt).toBe("2025-01-01T00:00:00Z");
  });
});
