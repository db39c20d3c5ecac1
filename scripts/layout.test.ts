// The README's layout section is the map a newcomer reads first: every path it names exists, every code folder
// is on it, and every group folder has a README saying what it owns and what it may import.

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");

/** The first column of the README's layout block: one path (or pattern) per line. */
function layoutPaths(readme: string): string[] {
  const section = readme.split("\n## Layout\n")[1]?.split("```\n")[1]?.split("\n```")[0];
  if (section === undefined) throw new Error("README.md has no ## Layout code block");
  return section
    .split("\n")
    .filter((line) => /^\S/.test(line))
    .map((line) => line.split(/\s+/)[0]!);
}

/** A layout entry as a path that must exist: `<…>` segments and `*.ts` stand for any matching entry. */
function exists(entry: string): boolean {
  const parts = entry.replace(/\/$/, "").split("/");
  const walk = (dir: string, rest: readonly string[]): boolean => {
    if (rest.length === 0) return true;
    const [head, ...tail] = rest as [string, ...string[]];
    const names = fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? fs.readdirSync(dir) : [];
    const pattern = head.startsWith("<") ? /^[^.]/ : head.includes("*") ? globToRegExp(head) : undefined;
    const matches = pattern ? names.filter((n) => pattern.test(n)) : names.filter((n) => n === head);
    return matches.some((n) => walk(path.join(dir, n), tail));
  };
  return walk(ROOT, parts);
}

const globToRegExp = (glob: string) => new RegExp(`^${glob.replace(/[.]/g, "\\.").replace(/\*/g, "[^/]*")}$`);

/** The folders that hold code: every folder under scripts/lib, plus scripts/wiring, scripts/test and site. */
const GROUP_FOLDERS = [
  ...fs
    .readdirSync(path.join(ROOT, "scripts/lib"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `scripts/lib/${d.name}/`),
  "scripts/wiring/",
  "scripts/test/",
  "site/",
];

describe("README layout", () => {
  const entries = layoutPaths(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"));

  it("names only paths that exist", () => {
    expect(entries.length).toBeGreaterThan(10);
    // The files a version folder may hold are optional (the sample tree has no signatures): their folder must exist.
    const required = entries.map((e) => (e.startsWith("servers/") ? path.posix.dirname(e) : e));
    expect(required.filter((e) => !exists(e))).toEqual([]);
  });

  it("names every group folder, and each has a README", () => {
    expect(GROUP_FOLDERS.filter((f) => !entries.includes(f))).toEqual([]);
    expect(GROUP_FOLDERS.filter((f) => !fs.existsSync(path.join(ROOT, f, "README.md")))).toEqual([]);
  });

  it("catches a path that is not there and a group folder it does not name", () => {
    expect(exists("scripts/lib/no-such-group/")).toBe(false);
    expect(exists("servers/<namespace>/<server>/<version>/server.json")).toBe(true);
    expect(layoutPaths("x\n## Layout\n\n```\na/ one\n  continued\nb.ts two\n```\n")).toEqual(["a/", "b.ts"]);
  });
});
