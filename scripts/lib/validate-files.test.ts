import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { makeTree, serverJson, versionFile } from "../test/temp-tree.ts";
import { checkTree } from "./pipeline.ts";
import { checkFiles, shownFor } from "./validate-files.ts";

const remote = (url: string) => ({ remotes: [{ type: "streamable-http", url }] });

/** A tree with every rule that reaches beyond one version folder, and some local problems. */
function tree(): string {
  const dir = makeTree({
    ...versionFile("io.github.a/srv", "1.0.0", remote("https://one.example.com/mcp")),
    ...versionFile("io.github.a/srv", "1.0.1", remote("https://one.example.com/mcp")),
    ...versionFile("io.github.b/other", "1.0.0", remote("https://one.example.com/mcp")),
    // The same URL as the named document, written with JSON escapes: only a parse can see it.
    "servers/io.github.c/esc/1.0.0/server.json": JSON.stringify(serverJson("io.github.c/esc", "1.0.0", remote("https://two.example.com/mcp")), null, 2).replaceAll("https://two.example.com/mcp", "https:\\/\\/two.example.com\\/m\\u0063p"),
    ...versionFile("io.github.c/new", "1.0.0", remote("https://two.example.com/mcp")),
    // A deleted version does not own its remote URL.
    ...versionFile("io.github.d/gone", "1.0.0", remote("https://three.example.com/mcp")),
    "servers/io.github.d/gone/1.0.0/status.yaml": "status: deleted\nstatusMessage: withdrawn\n",
    ...versionFile("io.github.d/taker", "2.0.0", remote("https://three.example.com/mcp")),
    // Names and versions that differ only in case.
    ...versionFile("io.github.A/srv", "3.0.0"),
    ...versionFile("io.github.a/Srv", "4.0.0"),
    ...versionFile("io.github.e/xx", "1.0.0-beta"),
    ...versionFile("io.github.e/xx", "1.0.0-Beta"),
    // Local problems.
    ...versionFile("io.github.f/bad", "1.0.0", { description: 5 }),
    "servers/io.github.f/bad/1.0.0/notes.txt": "stray",
    "servers/io.github.f/bad/1.0.1/server.json": '{"name": "io.github.f/bad", "name": "x"}',
    "servers/io.github.f/bad/1.0.2/status.yaml": "status: deprecated\n",
    "servers/io.github.f/bad/1.0.3/server.json": "x".repeat(70_000),
    "servers/README.md": "not here",
  });
  fs.chmodSync(path.join(dir, "servers/io.github.a/srv/1.0.1/server.json"), 0o755);
  return dir;
}

function allPaths(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const d of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const p = rel === "" ? d.name : `${rel}/${d.name}`;
      out.push(p);
      if (d.isDirectory()) walk(p);
    }
  };
  walk("");
  return out;
}

describe("validate FILE... (cost follows the change)", () => {
  it("reports for every named file or folder exactly what the whole-tree run reports for it", () => {
    const dir = tree();
    const root = path.join(dir, "servers");
    const full = checkTree(root, dir).diagnostics;
    const codes = new Set(full.map((d) => d.code));
    for (const c of ["tree/remote-url-duplicate", "tree/namespace-case-conflict", "tree/name-case-conflict", "layout/version-case-conflict", "layout/unexpected-file", "file/executable", "json/duplicate-key", "layout/missing-server-json", "file/too-large", "schema/type"]) expect(codes).toContain(c);
    const singles = allPaths(root).map((p) => [p]);
    const combos = [["io.github.a/srv/1.0.0/server.json", "io.github.c"], ["io.github.e/xx/1.0.0-Beta", "io.github.d/taker/2.0.0/server.json"], ["io.github.nope/x/1.0.0/server.json"]];
    for (const rels of [...singles, ...combos]) {
      const named = new Set(rels.map((r) => `servers/${r}`));
      const want = full.filter(shownFor(named));
      expect({ rels, got: checkFiles(root, "servers", rels, named).diagnostics }).toEqual({ rels, got: want });
    }
  });

  it("finds a remote URL written with escapes, and ignores the deleted owner", () => {
    const dir = tree();
    const root = path.join(dir, "servers");
    const esc = checkFiles(root, "servers", ["io.github.c/new/1.0.0/server.json"], new Set(["servers/io.github.c/new/1.0.0/server.json"]));
    expect(esc.diagnostics.map((d) => [d.code, d.message])).toEqual([["tree/remote-url-duplicate", "remote URL https://two.example.com/mcp is already used by server io.github.c/esc (servers/io.github.c/esc/1.0.0/server.json)"]]);
    const taker = checkFiles(root, "servers", ["io.github.d/taker/2.0.0/server.json"], new Set(["servers/io.github.d/taker/2.0.0/server.json"]));
    expect(taker.diagnostics).toEqual([]);
  });

  it("reads nothing beyond the named version when it has no remotes", () => {
    const dir = tree();
    const root = path.join(dir, "servers");
    const r = checkFiles(root, "servers", ["io.github.e/xx/1.0.0-beta/server.json"], new Set(["servers/io.github.e/xx/1.0.0-beta/server.json"]));
    expect(r.scanned).toBe(0);
    expect(r.loadedFolders).toBe(2); // the version and its case variant
  });
});
