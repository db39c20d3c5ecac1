// `npm run build` as a user runs it (real process, real files): what it writes for a hostile tree.

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, it, onTestFinished } from "vitest";
import { HOSTILE_MARKUP, HOSTILE_SERVER, HOSTILE_VERSION, writeHostileTree } from "./test/hostile-tree.ts";
import { createTempRepo } from "./test/temp-git.ts";
import { makeTree, versionFile } from "./test/temp-tree.ts";

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const TSX = path.join(REPO, "node_modules/.bin/tsx");

function build(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(TSX, [path.join(REPO, "scripts/build.ts"), ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GITHUB_ACTIONS: "", ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function filesUnder(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const d of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel === "" ? d.name : `${rel}/${d.name}`;
    if (d.isDirectory()) out.push(...filesUnder(dir, p));
    else out.push(p);
  }
  return out;
}

/** The JSON texts in a built file: the file itself, each NDJSON line, each line of the gunzipped bundle. */
function jsonTextsOf(rel: string, bytes: Buffer): string[] | undefined {
  if (rel.endsWith(".sha256")) return undefined; // `<hex>  <file name>`: not JSON
  if (rel.endsWith(".ndjson.gz")) return gunzipSync(bytes).toString("utf8").split("\n").filter(Boolean);
  if (rel.endsWith(".ndjson")) return bytes.toString("utf8").split("\n").filter(Boolean);
  const isApi = /^v0(\.1)?\//.test(rel);
  if (isApi || rel.endsWith(".json")) return [bytes.toString("utf8")];
  return undefined; // the site's HTML, JS and CSS
}

describe("npm run build of a hostile tree", () => {
  it("writes no raw <, > or & (nor U+2028/9) in any JSON file, and every value survives", () => {
    const repo = createTempRepo("build-hostile-");
    try {
      writeHostileTree(repo.dir);
      repo.commit("hostile publisher", 1_750_000_000);
      const r = build([], repo.dir, { REGISTRY_INDEX_SIGNING_KEY: "11".repeat(32) });
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.code).toBe(0);
      const dist = path.join(repo.dir, "dist");
      const files = filesUnder(dist);
      let checked = 0;
      const values: unknown[] = [];
      for (const rel of files) {
        const texts = jsonTextsOf(rel, fs.readFileSync(path.join(dist, rel)));
        if (!texts) continue;
        for (const text of texts) {
          expect(text, rel).not.toMatch(/[<>&\u2028\u2029]/);
          values.push(JSON.parse(text));
          checked++;
        }
      }
      // Every kind of file was looked at: API routes and twins, both prefixes, the feed, the bundle, the
      // signed index and its keys, meta.json, the health report, the client files, the site's search index.
      for (const want of [
        "v0.1/servers.html",
        "v0/servers/index.html",
        `v0.1/servers/${HOSTILE_SERVER}/versions/index.html`,
        `v0.1/servers/${HOSTILE_SERVER}/versions/${HOSTILE_VERSION}`,
        `v0.1/servers/${HOSTILE_SERVER}/versions/${HOSTILE_VERSION}.json`,
        "v0.1/x/io.github.mcp-static-registry/feed/000000.ndjson",
        "v0.1/x/io.github.mcp-static-registry/feed/index.json",
        "v0.1/x/io.github.mcp-static-registry/bundle/registry.ndjson.gz",
        "v0.1/x/io.github.mcp-static-registry/index.json",
        "v0.1/x/io.github.mcp-static-registry/keys.json",
        "v0.1/x/io.github.mcp-static-registry/meta.json",
        "v0.1/x/io.github.mcp-static-registry/health.json",
        "v0.1/x/io.github.mcp-static-registry/clients/claude-code-managed-settings.json",
        "v0.1/x/io.github.mcp-static-registry/clients/vscode-registry-only.json",
        "v0.1/x/io.github.mcp-static-registry/clients/toolhive-registry.json",
        "assets/search-index.json",
      ]) {
        expect(files, want).toContain(want);
      }
      expect(checked).toBeGreaterThan(40);
      // The hostile texts are all there, unchanged, once parsed: escaping changed bytes, not values.
      const seen = JSON.stringify(values);
      for (const markup of Object.values(HOSTILE_MARKUP)) expect(seen).toContain(JSON.stringify(markup).slice(1, -1));
      const list = JSON.parse(fs.readFileSync(path.join(dist, "v0.1/servers.json"), "utf8")) as {
        servers: { server: { description: string } }[];
      };
      expect(Object.values<string>(HOSTILE_MARKUP)).toContain(list.servers[0]?.server.description);
    } finally {
      repo.remove();
    }
  }, 60_000);
});

describe("npm run build --servers", () => {
  it.each([
    ["a missing folder", "nope", /^error: --servers nope: no such folder\./],
    ["a file", "file.txt", /^error: --servers file\.txt: not a folder\./],
  ])("refuses %s: exit 1, one line, nothing written", (_, servers, message) => {
    const dir = makeTree({ "file.txt": "x" });
    const r = build(["--servers", servers], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(fs.existsSync(path.join(dir, "dist"))).toBe(false);
  });

  it("builds an existing but empty servers folder (a new registry): 0 versions, exit 0", () => {
    const dir = makeTree({});
    fs.mkdirSync(path.join(dir, "servers"));
    const r = build([], dir, { SOURCE_DATE_EPOCH: "1700000000" });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^built 0 versions/);
  });
});

describe("npm run build --out: replaces only a missing or empty folder or a previous build", () => {
  /** A small valid registry checkout: a git repository with servers/ and an uncommitted file. */
  function checkout() {
    const repo = createTempRepo("build-out-");
    onTestFinished(() => repo.remove());
    makeTree(versionFile("io.github.user/alpha", "1.0.0"), repo.dir);
    repo.commit("one server", 1_750_000_000);
    fs.writeFileSync(path.join(repo.dir, "notes.txt"), "uncommitted work");
    return repo.dir;
  }
  /** Every path under `dir` (links not followed), to prove a refusal deleted nothing. */
  const snapshot = (dir: string) => fs.readdirSync(dir, { recursive: true }).map(String).sort();

  it.each([
    ["the repository root", ".", /refusing --out \S+: it is a repository root\./],
    ["the servers folder", "servers", /refusing --out \S+servers: it is the servers folder\./],
    ["a folder inside servers", "servers/io.github.user", /it is inside the servers folder/],
    ["a parent of the repository", "..", /refusing --out \S+: it contains the servers folder/],
    ["the filesystem root", "/", /refusing --out \/: it contains the servers folder/],
  ])("refuses %s: exit 1, one line, nothing deleted", (_, out, message) => {
    const dir = checkout();
    const before = snapshot(dir);
    const r = build(["--out", out], dir, { SOURCE_DATE_EPOCH: "1700000000" });
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.code).toBe(1);
    expect(snapshot(dir)).toEqual(before);
    expect(fs.readFileSync(path.join(dir, "notes.txt"), "utf8")).toBe("uncommitted work");
  });

  it("refuses a non-empty folder that is not a build, and a symlink it did not make; leaves both untouched", () => {
    const dir = checkout();
    makeTree({ "photos/cat.jpg": "meow", "photos/2024/dog.jpg": "woof" }, dir);
    fs.symlinkSync("photos", path.join(dir, "pics"));
    for (const out of ["photos", "pics"]) {
      const r = build(["--out", out], dir);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(
        out === "photos" ? /not empty and is not a previous build/ : /symbolic link the build did not make/,
      );
    }
    expect(snapshot(path.join(dir, "photos"))).toEqual(["2024", "2024/dog.jpg", "cat.jpg"]);
    expect(fs.readlinkSync(path.join(dir, "pics"))).toBe("photos");
  });

  it("builds into an empty folder, then replaces its own previous build, keeping the live tree and the one before", () => {
    const dir = checkout();
    fs.mkdirSync(path.join(dir, "out"));
    expect(build(["--out", "out"], dir).code).toBe(0);
    const first = fs.readlinkSync(path.join(dir, "out"));
    expect(first).toMatch(/^\.out-builds\/[0-9]+-[0-9a-z]+\/tree$/);
    makeTree(versionFile("io.github.user/alpha", "1.1.0"), dir);
    expect(build(["--out", "out"], dir).code).toBe(0);
    const second = fs.readlinkSync(path.join(dir, "out"));
    expect(second).not.toBe(first);
    expect(fs.existsSync(path.join(dir, "out/v0.1/servers/io.github.user/alpha/versions/1.1.0.json"))).toBe(true);
    const id = (link: string) => path.basename(path.dirname(link));
    expect(fs.readdirSync(path.join(dir, ".out-builds")).sort()).toEqual([id(first), id(second)].sort());
    expect(build(["--out", "out"], dir).code).toBe(0);
    const third = fs.readlinkSync(path.join(dir, "out"));
    expect(fs.readdirSync(path.join(dir, ".out-builds")).sort()).toEqual([id(second), id(third)].sort());
    expect(fs.readdirSync(dir).filter((n) => n.startsWith(".out-link-"))).toEqual([]);
  });

  it("replaces a dist/ folder written before build stamps (a real folder holding only build output)", () => {
    const dir = checkout();
    makeTree(
      {
        "dist/index.html": "<!doctype html>",
        "dist/v0.1/x/io.github.mcp-static-registry/meta.json": "{}",
        "dist/v0/servers.html": "{}",
      },
      dir,
    );
    expect(build([], dir).code).toBe(0);
    expect(fs.lstatSync(path.join(dir, "dist")).isSymbolicLink()).toBe(true);
    expect(fs.readdirSync(path.join(dir, ".dist-builds"))).toHaveLength(2); // the live tree, and the old one until the next build
    expect(build([], dir).code).toBe(0);
    expect(fs.readdirSync(path.join(dir, ".dist-builds"))).toHaveLength(2);
    expect(fs.readdirSync(path.join(dir, ".dist-builds")).filter((n) => n.endsWith("-legacy"))).toEqual([]);
  });

  it("cleans build folders of dead processes on the next run; keeps live, foreign-host and unstamped ones", () => {
    const dir = checkout();
    expect(build([], dir).code).toBe(0);
    const builds = path.join(dir, ".dist-builds");
    const live = path.basename(path.dirname(fs.readlinkSync(path.join(dir, "dist"))));
    const dead = spawnSync("true").pid!; // has exited: no process has this id now (barring reuse)
    const stamp = (pid: number, host = os.hostname()) =>
      JSON.stringify({ format: "mcp-static-registry-build/1", pid, host, startedAt: "2025-01-01T00:00:00.000Z" });
    makeTree(
      {
        [`.dist-builds/${dead}-a/build-stamp.json`]: stamp(dead),
        [`.dist-builds/${dead}-a/tree/v0.1/servers.json`]: "{}",
        [`.dist-builds/${process.pid}-b/build-stamp.json`]: stamp(process.pid), // a build still running
        [`.dist-builds/${dead}-c/build-stamp.json`]: stamp(dead, "another-host"), // maybe running elsewhere
        [".dist-builds/mine/keep.txt"]: "not a build", // no stamp: never ours
        [`.dist-new-${dead}/v0.1/servers.json`]: "{}", // from before stamps: named, not deleted
      },
      dir,
    );
    fs.mkdirSync(path.join(builds, "empty")); // killed between mkdir and the stamp
    fs.symlinkSync(".dist-builds/x/tree", path.join(dir, `.dist-link-${dead}`));
    const r = build([], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/removed 1 folder\(s\) left by killed or failed builds/);
    expect(r.stderr).toMatch(
      new RegExp(`\\.dist-new-${dead} beside dist/ was left by a build from before build stamps`),
    );
    const now = path.basename(path.dirname(fs.readlinkSync(path.join(dir, "dist"))));
    expect(fs.readdirSync(builds).sort()).toEqual([`${dead}-c`, `${process.pid}-b`, "mine", now, live].sort());
    expect(now).not.toBe(live);
    expect(fs.existsSync(path.join(dir, `.dist-link-${dead}`))).toBe(false);
    expect(fs.existsSync(path.join(dir, `.dist-new-${dead}`))).toBe(true);
  });

  it("a build killed with SIGKILL mid-build leaves dist/ serving the previous tree; the next build leaves nothing behind", async () => {
    const dir = checkout();
    for (let i = 0; i < 120; i++) makeTree(versionFile(`io.github.user/s${i}`, "1.0.0"), dir);
    expect(build([], dir).code).toBe(0);
    const before = fs.readlinkSync(path.join(dir, "dist"));
    const builds = path.join(dir, ".dist-builds");
    // node with tsx's loader rather than the tsx wrapper: the wrapper runs the build in a child process,
    // and a SIGKILL of the wrapper would not reach the build.
    const loader = pathToFileURL(path.join(REPO, "node_modules/tsx/dist/loader.mjs")).href;
    const child = spawn(process.execPath, ["--import", loader, path.join(REPO, "scripts/build.ts")], {
      cwd: dir,
      stdio: "ignore",
      env: { ...process.env, GITHUB_ACTIONS: "" },
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_, signal) => resolve(signal)));
    // Kill once the new build folder has API files in it: the build is writing.
    const writing = () =>
      fs
        .readdirSync(builds)
        .some((id) => id.startsWith(`${child.pid}-`) && fs.existsSync(path.join(builds, id, "tree/v0.1/servers")));
    for (let t = 0; !writing(); t++) {
      if (t > 3000 || child.exitCode != null) throw new Error("the build finished before it could be killed");
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(fs.readlinkSync(path.join(dir, "dist"))).toBe(before);
    expect(fs.readdirSync(builds)).toHaveLength(2); // the live build and the killed one's
    const r = build([], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/removed 1 folder\(s\) left by killed or failed builds/);
    const id = (link: string) => path.basename(path.dirname(link));
    expect(fs.readdirSync(builds).sort()).toEqual([id(before), id(fs.readlinkSync(path.join(dir, "dist")))].sort());
    expect(fs.readdirSync(dir).filter((n) => n.startsWith(".dist-") && n !== ".dist-builds")).toEqual([]);
  }, 120_000);
});
