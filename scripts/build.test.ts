// `npm run build` as a user runs it (real process, real files): what it writes for a hostile tree.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { HOSTILE_MARKUP, HOSTILE_SERVER, HOSTILE_VERSION, writeHostileTree } from "./test/hostile-tree.ts";
import { createTempRepo } from "./test/temp-git.ts";
import { makeTree } from "./test/temp-tree.ts";

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const TSX = path.join(REPO, "node_modules/.bin/tsx");

function build(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(TSX, [path.join(REPO, "scripts/build.ts"), ...args], { cwd, encoding: "utf8", env: { ...process.env, GITHUB_ACTIONS: "", ...env } });
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
      // signed index and its keys, meta.json, the health report, the site's search index.
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
        "assets/search-index.json",
      ]) {
        expect(files, want).toContain(want);
      }
      expect(checked).toBeGreaterThan(40);
      // The hostile texts are all there, unchanged, once parsed: escaping changed bytes, not values.
      const seen = JSON.stringify(values);
      for (const markup of Object.values(HOSTILE_MARKUP)) expect(seen).toContain(JSON.stringify(markup).slice(1, -1));
      const list = JSON.parse(fs.readFileSync(path.join(dist, "v0.1/servers.json"), "utf8")) as { servers: { server: { description: string } }[] };
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
