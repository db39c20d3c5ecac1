// The command-line entry points, run as a user runs them: real processes, real files, exit codes.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { makeTree, serverJson, versionFile } from "./test/temp-tree.ts";

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const TSX = path.join(REPO, "node_modules/.bin/tsx");

function run(script: string, args: string[], cwd: string) {
  const r = spawnSync(TSX, [path.join(REPO, "scripts", script), ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GITHUB_ACTIONS: "", SOURCE_DATE_EPOCH: "1700000000" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run validate", () => {
  it("exits 0 on a valid tree and says how many files it checked", () => {
    const dir = makeTree(versionFile("io.github.user/alpha", "1.0.0"));
    const r = run("validate.ts", [], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("1 file checked: 0 errors, 0 warnings");
  });

  it("exits 1 and prints path:line:col: error [rule] message with a hint", () => {
    const dir = makeTree({
      "servers/io.github.user/alpha/1.0.0/server.json": '{\n  "name": "io.github.user/alpha",\n  "name": "x"\n}\n',
    });
    const r = run("validate.ts", [], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'servers/io.github.user/alpha/1.0.0/server.json:3:3: error [json/duplicate-key] duplicate key "name"',
    );
    expect(r.stderr).toMatch(/\n {4}hint: /);
  });

  it("with FILE arguments reports only those files", () => {
    const dir = makeTree({
      ...versionFile("io.github.user/alpha", "1.0.0"),
      "servers/io.github.user/beta/1.0.0/server.json": "{",
    });
    expect(run("validate.ts", ["servers/io.github.user/alpha/1.0.0/server.json"], dir).code).toBe(0);
    expect(run("validate.ts", ["servers/io.github.user/beta/1.0.0/server.json"], dir).code).toBe(1);
  });

  it("refuses a FILE outside the servers folder", () => {
    const dir = makeTree(versionFile("io.github.user/alpha", "1.0.0"));
    const r = run("validate.ts", ["../etc/passwd"], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/outside the servers folder/);
  });
});

describe("npm run build", () => {
  it("builds, then --check passes; a changed tree makes --check fail", () => {
    const dir = makeTree(versionFile("io.github.user/alpha", "1.0.0"));
    expect(run("build.ts", [], dir).code).toBe(0);
    expect(fs.existsSync(path.join(dir, "dist/v0.1/servers/io.github.user/alpha/versions/1.0.0.json"))).toBe(true);
    expect(run("build.ts", ["--check"], dir).code).toBe(0);
    makeTree(versionFile("io.github.user/alpha", "1.1.0"), dir);
    const r = run("build.ts", ["--check"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing: dist\/v0\.1\/servers\/io\.github\.user\/alpha\/versions\/1\.1\.0/);
  });

  it("a failed build leaves the previous dist/ untouched", () => {
    const dir = makeTree(versionFile("io.github.user/alpha", "1.0.0"));
    expect(run("build.ts", [], dir).code).toBe(0);
    const before = fs.readFileSync(path.join(dir, "dist/v0.1/servers.json"), "utf8");
    makeTree({ "servers/io.github.user/beta/1.0.0/server.json": serverJson("io.github.user/beta", "latest") }, dir);
    const r = run("build.ts", [], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dist\/ was not touched/);
    expect(fs.readFileSync(path.join(dir, "dist/v0.1/servers.json"), "utf8")).toBe(before);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith(".dist"))).toEqual([".dist-builds"]); // holds the live tree dist/ links to
    expect(fs.readdirSync(path.join(dir, ".dist-builds"))).toHaveLength(1);
  });

  it("publishes the nightly health report when one is committed, and nothing when none is", () => {
    const dir = makeTree(versionFile("io.github.user/alpha", "1.0.0"));
    expect(run("build.ts", [], dir).code).toBe(0);
    const published = path.join(dir, "dist/v0.1/x/io.github.mcp-static-registry/health.json");
    expect(fs.existsSync(published)).toBe(false);
    makeTree({ "site/data/health.json": '{"servers":[]}\n' }, dir);
    expect(run("build.ts", [], dir).code).toBe(0);
    expect(fs.readFileSync(published, "utf8")).toBe('{"servers":[]}\n');
  });

  it("builds the same bytes twice", () => {
    const dir = makeTree({
      ...versionFile("io.github.user/alpha", "1.0.0"),
      ...versionFile("io.github.user/beta", "2.0.0"),
    });
    expect(run("build.ts", ["--out", "a"], dir).code).toBe(0);
    expect(run("build.ts", ["--out", "b"], dir).code).toBe(0);
    const list = (d: string): string[] =>
      fs.readdirSync(d, { recursive: true, withFileTypes: false }).map(String).sort();
    const a = list(path.join(dir, "a"));
    expect(a).toEqual(list(path.join(dir, "b")));
    for (const f of a.filter((f) => fs.statSync(path.join(dir, "a", f)).isFile())) {
      expect(fs.readFileSync(path.join(dir, "a", f)).equals(fs.readFileSync(path.join(dir, "b", f))), f).toBe(true);
    }
  });
});
