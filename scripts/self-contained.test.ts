// The repository is all a fork gets: no source, config, workflow or document may read (or send a reader to) a
// file outside it, such as a folder beside the checkout or an absolute path on the machine it was written on.
// The reference files the tests use live in scripts/test/fixtures/reference/ (README.md there says where from).

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
// The names this test hunts for, spelled in pieces so that this file holds none of them itself (it is scanned too).
const SIBLING = ["sha", "red"].join("");
const MACHINE = ["", "work", ""].join("/");
/** Not scanned: installed, built or generated output; the verbatim reference notes (they cite their old home);
 *  and this file, whose examples below are the relative imports it flags. */
const SKIP_DIRS = new Set([".git", "node_modules", "dist", "coverage", "test-artifacts"]);
const SKIP_PATHS = new Set([
  "scripts/self-contained.test.ts",
  "scripts/test/fixtures/reference/UPSTREAM.md",
  "scripts/test/fixtures/reference/STATIC-HOSTING.md",
]);
const TEXT = /\.(?:[cm]?[jt]s|json|ya?ml|md|html|css|sh|toml)$|^\.ci\/|^\.gitignore$/;

/** Literal paths that point outside any checkout. */
const FORBIDDEN: readonly { readonly re: RegExp; readonly what: string }[] = [
  { re: new RegExp(`(?:^|[^\\w.-])\\.\\./(?:\\.\\./)*${SIBLING}(?:/|\\b)`), what: `a sibling ${SIBLING}/ folder` },
  { re: new RegExp(`(?:^|[^\\w.-])${SIBLING}/reference\\b`), what: `the ${SIBLING}/reference folder` },
  { re: new RegExp(`(?:^|[\\s"'\`(=:,[])${MACHINE}`), what: `an absolute ${MACHINE} path` },
];

/** Relative specifiers resolved against the file's own folder: imports and new URL(…, import.meta.url). */
const FROM_FILE = [
  /\bfrom\s+["'](\.{1,2}\/[^"']*)["']/g,
  /\bimport\(\s*["'](\.{1,2}\/[^"']*)["']\s*\)/g,
  /new URL\(\s*["'`](\.{1,2}\/[^"'`]*)["'`]\s*,\s*import\.meta\.url\s*\)/g,
  /path\.(?:resolve|join)\(\s*(?:import\.meta\.dirname|__dirname|path\.dirname\((?:new URL\(import\.meta\.url\)\.pathname|fileURLToPath\(import\.meta\.url\))\))\s*,\s*["'`]([^"'`]*)["'`]/g,
];
/** Paths joined onto a variable that names the repository root: any leading ".." leaves it. */
const FROM_ROOT = /path\.(?:resolve|join)\(\s*(?:REPO|REPO_ROOT|ROOT)\s*,\s*["'`](\.\.(?:\/[^"'`]*)?)["'`]/g;

/** Every reference in `text` (the file at repo-relative `rel`) to a path outside the repository. */
function outsideReferences(rel: string, text: string): string[] {
  const found: string[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    for (const { re, what } of FORBIDDEN) if (re.test(line)) found.push(`${rel}:${i + 1}: ${what}`);
  });
  const lineOf = (index: number) => text.slice(0, index).split("\n").length;
  const dir = path.posix.dirname(rel);
  for (const re of FROM_FILE) {
    for (const m of text.matchAll(re)) {
      const target = path.posix.normalize(path.posix.join(dir, m[1]!));
      if (target === ".." || target.startsWith("../"))
        found.push(`${rel}:${lineOf(m.index)}: "${m[1]}" leaves the repository`);
    }
  }
  for (const m of text.matchAll(FROM_ROOT)) found.push(`${rel}:${lineOf(m.index)}: "${m[1]}" leaves the repository`);
  return found;
}

function repoFiles(dir = ROOT): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory() && (SKIP_DIRS.has(e.name) || e.name.startsWith(".dist-"))) continue;
    const abs = path.join(dir, e.name);
    const rel = path.relative(ROOT, abs).split(path.sep).join("/");
    if (e.isDirectory()) out.push(...repoFiles(abs));
    else if (e.isFile() && TEXT.test(rel) && !SKIP_PATHS.has(rel)) out.push(rel);
  }
  return out;
}

describe("outsideReferences", () => {
  it.each([
    [`const R = new URL("../../../${SIBLING}/reference/", import.meta.url);`, "scripts/lib/x.test.ts"],
    [`const SEEDS = "${MACHINE}${SIBLING}/reference/seeds/";`, "scripts/lib/x.test.ts"],
    [`// following ../${SIBLING}/reference/STATIC-HOSTING.md`, "scripts/test/x.ts"],
    [`export const R = path.resolve(REPO_ROOT, "../${SIBLING}/reference");`, "scripts/test/x.ts"],
    ['export const R = path.resolve(REPO_ROOT, "../elsewhere");', "scripts/test/x.ts"],
    ['import x from "../../../outside/x.ts";', "scripts/lib/x.ts"],
    ['const m = await import("../../other/m.ts");', "site/x.ts"],
    ['const d = path.resolve(import.meta.dirname, "../../../sibling");', "scripts/lib/x.ts"],
    ['const d = path.join(path.dirname(new URL(import.meta.url).pathname), "../..");', "scripts/x.ts"],
    [`run: cp -r ${MACHINE}other/x .`, ".github/workflows/x.yml"],
  ])("flags %s", (line, rel) => {
    expect(outsideReferences(rel, line).length).toBeGreaterThan(0);
  });

  it.each([
    ['const R = new URL("../test/fixtures/reference/", import.meta.url);', "scripts/lib/x.test.ts"],
    ['import s from "../../schemas/server/2025-12-11.json" with { type: "json" };', "scripts/lib/schema.ts"],
    ['const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");', "scripts/lib/x.test.ts"],
    ['const root = "../../../"; // the site root, relative to a page', "site/render.ts"],
    ["// names that differ only in case, remote URLs shared by two servers", "scripts/lib/validate.ts"],
    [`const url = "https://example.com${MACHINE}x";`, "scripts/lib/x.ts"],
  ])("accepts %s", (line, rel) => {
    expect(outsideReferences(rel, line)).toEqual([]);
  });
});

describe("the repository", () => {
  it("reads nothing outside itself", () => {
    const files = repoFiles();
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain("scripts/lib/rules.test.ts");
    expect(files.flatMap((rel) => outsideReferences(rel, fs.readFileSync(path.join(ROOT, rel), "utf8")))).toEqual([]);
  });

  it("holds every reference file the tests read", () => {
    const reference = path.join(ROOT, "scripts/test/fixtures/reference");
    for (const rel of [
      "README.md",
      "examples/valid",
      "examples/invalid",
      "examples/generic-server-json",
      "seeds/seed.json",
      "seeds/seed-2025-09-29.json",
    ]) {
      expect(fs.existsSync(path.join(reference, rel)), rel).toBe(true);
    }
    expect(fs.readdirSync(path.join(reference, "examples/generic-server-json"))).toHaveLength(17);
  });
});
