// package.json tells the truth: the Node versions `engines` promises are ones every locked package supports (so
// `npm ci` never warns EBADENGINE on a promised Node), and what production runs (`npm start`, the Pages build,
// the CLIs, the bundled site) is in `dependencies`, not only installed for development.

import fs from "node:fs";
import path from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  engines: { node: string };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string; engines?: { node?: string } }>;
};

/** Locked packages whose `engines.node` leaves out some Node version that `promised` allows. */
function unsupportedBy(promised: string, packages: typeof lock.packages): string[] {
  return Object.entries(packages)
    .filter(([where, p]) => where !== "" && p.engines?.node !== undefined && !semver.subset(promised, p.engines.node))
    .map(([where, p]) => `${where.replace(/^.*node_modules\//, "")}@${p.version}: engines.node ${p.engines!.node}`);
}

/** The npm packages imported (statically) by one source text. */
function importedPackages(text: string): string[] {
  return [...text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)";/gm)]
    .map((m) => m[1]!)
    .filter((s) => !s.startsWith(".") && !s.startsWith("node:"))
    .map((s) => (s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]!));
}

function productionSources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "test" && e.name !== "node_modules") out.push(...productionSources(abs));
    } else if (/\.(?:ts|mjs)$/.test(e.name) && !e.name.endsWith(".test.ts")) out.push(abs);
  }
  return out;
}

describe("engines", () => {
  it("flags a locked package that needs a newer Node than promised, and accepts one that covers the range", () => {
    const packages = {
      "node_modules/a": { version: "3.1.1", engines: { node: ">=22" } },
      "node_modules/b": { version: "1.0.0", engines: { node: ">=18" } },
    };
    expect(unsupportedBy(">=20.19", packages)).toEqual(["a@3.1.1: engines.node >=22"]);
    expect(unsupportedBy("^22.13.0 || >=24", packages)).toEqual([]);
  });

  it("promises only Node versions every locked package supports", () => {
    expect(unsupportedBy(pkg.engines.node, lock.packages)).toEqual([]);
  });

  it("includes the Node this runs on", () => {
    expect(semver.satisfies(process.versions.node, pkg.engines.node)).toBe(true);
  });
});

describe("dependencies", () => {
  it("finds the packages a source file imports", () => {
    const text =
      'import fs from "node:fs";\nimport { a,\n  b } from "@octokit/rest";\nimport { x } from "./x.ts";\nexport { y } from "yaml/util";\nconst s = `from "github"`;\n';
    expect(importedPackages(text)).toEqual(["@octokit/rest", "yaml"]);
  });

  it("lists every package production code imports, and the runner of npm start and npm run build", () => {
    const files = [...productionSources(path.join(ROOT, "scripts")), ...productionSources(path.join(ROOT, "site"))];
    const used = new Set(files.flatMap((f) => importedPackages(fs.readFileSync(f, "utf8"))));
    expect(used).toContain("esbuild");
    for (const script of ["start", "build"]) used.add(pkg.scripts[script]!.split(" ")[0]!);
    expect([...used].filter((name) => !(name in pkg.dependencies)).sort()).toEqual([]);
  });
});
