import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { makeTree, serverJson, versionFile } from "../test/temp-tree.ts";
import { attributeFindings } from "./pr/blame.ts";
import { fsTreeReader } from "./load.ts";
import { checkTree } from "./pipeline.ts";
import { checkFiles } from "./validate-files.ts";

const remote = (url: string) => ({ remotes: [{ type: "streamable-http", url }] });

/** A tree with every rule that reaches beyond one version folder, and some local problems. */
function tree(): string {
  const dir = makeTree({
    ...versionFile("io.github.a/srv", "1.0.0", remote("https://one.example.com/mcp")),
    ...versionFile("io.github.a/srv", "1.0.1", remote("https://one.example.com/mcp")),
    ...versionFile("io.github.b/other", "1.0.0", remote("https://one.example.com/mcp")),
    // The same URL as the named document, written with JSON escapes: only a parse can see it.
    "servers/io.github.c/esc/1.0.0/server.json": JSON.stringify(
      serverJson("io.github.c/esc", "1.0.0", remote("https://two.example.com/mcp")),
      null,
      2,
    ).replaceAll("https://two.example.com/mcp", "https:\\/\\/two.example.com\\/m\\u0063p"),
    ...versionFile("io.github.c/new", "1.0.0", remote("https://two.example.com/mcp")),
    // The same URL with its first letter as a \u escape and escaped slashes (no literal "https://" in the bytes),
    // beside URLs that differ from it only in letter case or a trailing slash: other URLs for the rule.
    ...versionFile("io.github.h/plain", "1.0.0", remote("https://four.example.com/mcp")),
    "servers/io.github.h/uesc/1.0.0/server.json": JSON.stringify(
      serverJson("io.github.h/uesc", "1.0.0", remote("https://four.example.com/mcp")),
    ).replace("https://four.example.com/mcp", "\\u0068ttps:\\/\\/four.example.com\\/mcp"),
    ...versionFile("io.github.h/upper", "1.0.0", remote("https://FOUR.example.com/mcp")),
    ...versionFile("io.github.h/slash", "1.0.0", remote("https://four.example.com/mcp/")),
    // A deleted version does not own its remote URL.
    ...versionFile("io.github.d/gone", "1.0.0", remote("https://three.example.com/mcp")),
    "servers/io.github.d/gone/1.0.0/status.yaml": "status: deleted\nstatusMessage: withdrawn\n",
    ...versionFile("io.github.d/taker", "2.0.0", remote("https://three.example.com/mcp")),
    // Names and versions that differ only in case.
    ...versionFile("io.github.A/srv", "3.0.0"),
    ...versionFile("io.github.a/Srv", "4.0.0"),
    ...versionFile("io.github.e/xx", "1.0.0-beta"),
    ...versionFile("io.github.e/xx", "1.0.0-Beta"),
    // Namespaces that differ only in case (one folder on a case-insensitive checkout).
    ...versionFile("io.github.HP/a", "1.0.0"),
    ...versionFile("io.github.hp/b", "1.0.0"),
    // A version folder named latest; a document whose name and version disagree with its path.
    ...versionFile("io.github.g/srv", "latest"),
    "servers/io.github.g/srv/2.0.0/server.json": JSON.stringify(serverJson("io.github.g/other", "2.0.1")),
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
  it("reports for every named file or folder exactly what the whole-tree run reports for it", async () => {
    const dir = tree();
    const root = path.join(dir, "servers");
    const full = checkTree(root, dir).diagnostics;
    const codes = new Set(full.map((d) => d.code));
    for (const c of [
      "tree/remote-url-duplicate",
      "tree/namespace-case-conflict",
      "tree/name-case-conflict",
      "layout/version-case-conflict",
      "layout/bad-version-folder",
      "layout/name-mismatch",
      "layout/version-mismatch",
      "layout/unexpected-file",
      "file/executable",
      "json/duplicate-key",
      "layout/missing-server-json",
      "file/too-large",
      "schema/type",
    ])
      expect(codes).toContain(c);
    const whole = fsTreeReader(root, "servers");
    const singles = allPaths(root).map((p) => [p]);
    const combos = [
      ["io.github.a/srv/1.0.0/server.json", "io.github.c"],
      ["io.github.e/xx/1.0.0-Beta", "io.github.d/taker/2.0.0/server.json"],
      ["io.github.A/srv/3.0.0/server.json", "io.github.hp/b"],
    ];
    for (const rels of [...singles, ...combos]) {
      const named = new Set(rels.map((r) => `servers/${r}`));
      const want = attributeFindings({ reader: whole, diagnostics: full, subjects: [...named] }).findings;
      expect({ rels, got: (await checkFiles(root, "servers", rels, named)).diagnostics }).toEqual({ rels, got: want });
    }
  });

  it("a file in a version folder named latest, a path/content disagreement and a case variant are errors of the named file", async () => {
    const dir = tree();
    const root = path.join(dir, "servers");
    const errorsOf = async (rel: string) =>
      (await checkFiles(root, "servers", [rel], new Set([`servers/${rel}`]))).diagnostics
        .filter((d) => d.severity === "error")
        .map((d) => [d.file, d.code]);
    expect(await errorsOf("io.github.g/srv/latest/server.json")).toEqual([
      ["servers/io.github.g/srv/latest", "layout/bad-version-folder"],
    ]);
    expect(await errorsOf("io.github.g/srv/2.0.0/server.json")).toEqual([
      ["servers/io.github.g/srv/2.0.0/server.json", "layout/name-mismatch"],
      ["servers/io.github.g/srv/2.0.0/server.json", "layout/version-mismatch"],
    ]);
    // io.github.A and io.github.a are one folder on a case-insensitive checkout: the rule reports every
    // member, so the named file's own finding names the other namespace's files (nothing moved, nothing of theirs).
    const variant = (
      await checkFiles(
        root,
        "servers",
        ["io.github.A/srv/3.0.0/server.json"],
        new Set(["servers/io.github.A/srv/3.0.0/server.json"]),
      )
    ).diagnostics;
    expect(variant.map((d) => [d.file, d.code])).toEqual([
      ["servers/io.github.A/srv/3.0.0/server.json", "tree/namespace-case-conflict"],
    ]);
    expect(variant[0]!.message).toContain(
      'from namespace "io.github.a" (servers/io.github.a/Srv/4.0.0/server.json, servers/io.github.a/srv/1.0.0/server.json and 1 more)',
    );
  });

  it("a path that does not exist is an error of its own, beside the findings of the others", async () => {
    const dir = tree();
    const root = path.join(dir, "servers");
    const rels = ["io.github.nope/x/1.0.0/server.json", "io.github.f/bad/1.0.0/server.json"];
    const r = await checkFiles(root, "servers", rels, new Set(rels.map((x) => `servers/${x}`)));
    expect(
      r.diagnostics.filter((d) => d.file === "servers/io.github.nope/x/1.0.0/server.json").map((d) => d.code),
    ).toEqual(["file/not-found"]);
    expect(
      r.diagnostics.some((d) => d.file === "servers/io.github.f/bad/1.0.0/server.json" && d.code === "schema/type"),
    ).toBe(true);
  });

  it("finds a remote URL written with escapes, and ignores the deleted owner", async () => {
    const dir = tree();
    const root = path.join(dir, "servers");
    const esc = await checkFiles(
      root,
      "servers",
      ["io.github.c/new/1.0.0/server.json"],
      new Set(["servers/io.github.c/new/1.0.0/server.json"]),
    );
    expect(esc.diagnostics.map((d) => [d.code, d.message])).toEqual([
      [
        "tree/remote-url-duplicate",
        "remote URL https://two.example.com/mcp is already used by server io.github.c/esc (servers/io.github.c/esc/1.0.0/server.json)",
      ],
    ]);
    const taker = await checkFiles(
      root,
      "servers",
      ["io.github.d/taker/2.0.0/server.json"],
      new Set(["servers/io.github.d/taker/2.0.0/server.json"]),
    );
    expect(taker.diagnostics).toEqual([]);
  });

  it("finds a remote URL hidden by \\u escapes, and takes case and trailing-slash variants as other URLs, as the whole tree does", async () => {
    const dir = tree();
    const root = path.join(dir, "servers");
    const bytes = fs.readFileSync(path.join(root, "io.github.h/uesc/1.0.0/server.json"), "utf8");
    expect(bytes).toContain("\\u0068ttps:\\/\\/four.example.com\\/mcp");
    expect(bytes).not.toContain("four.example.com/mcp");
    const full = checkTree(root, dir).diagnostics;
    const whole = fsTreeReader(root, "servers");
    const codesOf = (ds: readonly { file: string; code: string }[]) => ds.map((d) => [d.file, d.code]);
    for (const server of ["plain", "uesc", "upper", "slash"]) {
      const rel = `io.github.h/${server}/1.0.0/server.json`;
      const named = new Set([`servers/${rel}`]);
      const want = attributeFindings({ reader: whole, diagnostics: full, subjects: [...named] }).findings;
      const got = (await checkFiles(root, "servers", [rel], named)).diagnostics;
      expect(got).toEqual(want);
      expect(codesOf(got)).toEqual(
        server === "plain" || server === "uesc" ? [[`servers/${rel}`, "tree/remote-url-duplicate"]] : [],
      );
    }
  });

  it("reads nothing beyond the named version when it has no remotes", async () => {
    const dir = tree();
    const root = path.join(dir, "servers");
    const r = await checkFiles(
      root,
      "servers",
      ["io.github.e/xx/1.0.0-beta/server.json"],
      new Set(["servers/io.github.e/xx/1.0.0-beta/server.json"]),
    );
    expect(r.scanned).toBe(0);
    expect(r.loadedFolders).toBe(2); // the version and its case variant
  });

  it("searches for remote URLs on worker threads with the same findings, folders and count as in one pass", async () => {
    const dir = tree();
    const root = path.join(dir, "servers");
    for (const rel of ["io.github.c/new/1.0.0/server.json", "io.github.a/srv/1.0.0/server.json"]) {
      const named = new Set([`servers/${rel}`]);
      const one = await checkFiles(root, "servers", [rel], named);
      const shared = await checkFiles(root, "servers", [rel], named, { threads: 3, parallelFrom: 0 });
      expect(one.scanned).toBeGreaterThan(0);
      expect(one.diagnostics.some((d) => d.code === "tree/remote-url-duplicate")).toBe(true);
      expect(shared).toEqual(one);
    }
  });
});

describe("npm run validate -- FILE (the command publishers run)", () => {
  const REPO = path.resolve(import.meta.dirname, "../..");
  const validate = (cwd: string, args: string[]) =>
    spawnSync(path.join(REPO, "node_modules/.bin/tsx"), [path.join(REPO, "scripts/validate.ts"), ...args], {
      cwd,
      encoding: "utf8",
    });

  it("refuses the new file of a case-variant server, a file in a folder named latest and a missing path, as the whole-tree run does", () => {
    const dir = makeTree({
      ...versionFile("io.github.someone/weather-mcp", "1.0.0"),
      ...versionFile("io.github.someone/Weather-MCP", "1.0.0"),
      ...versionFile("io.github.someone/other", "latest"),
    });
    const caseVariant = validate(dir, ["servers/io.github.someone/Weather-MCP/1.0.0/server.json"]);
    expect(caseVariant.status).toBe(1);
    // The named file's own finding, naming the other server's file as the other party (and nothing of that file).
    expect(caseVariant.stderr).toContain(
      'servers/io.github.someone/Weather-MCP/1.0.0/server.json:3:11: error [tree/name-case-conflict] server name "io.github.someone/Weather-MCP" differs only in letter case from the server "io.github.someone/weather-mcp" (servers/io.github.someone/weather-mcp/1.0.0/server.json)',
    );
    expect(caseVariant.stderr).toContain('hint: use "io.github.someone/weather-mcp"');
    expect(caseVariant.stderr).not.toMatch(/^servers\/io\.github\.someone\/weather-mcp\//m);
    const latest = validate(dir, ["servers/io.github.someone/other/latest/server.json"]);
    expect(latest.status).toBe(1);
    expect(latest.stderr).toContain("servers/io.github.someone/other/latest: error [layout/bad-version-folder]");
    const missing = validate(dir, ["servers/io.github.someone/nope/1.0.0/server.json"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(
      "servers/io.github.someone/nope/1.0.0/server.json: error [file/not-found] no such file or folder",
    );
    const outside = validate(dir, ["README.md"]);
    expect([outside.status, outside.stderr.trim().split("\n").length]).toEqual([2, 1]);
  }, 60_000);
});
