// The only code that writes the built tree to disk. It writes into a fresh sibling folder and swaps it in,
// so a failed or interrupted build never leaves a half-written dist/ behind: the old one stays until the
// new one is complete.

import fs from "node:fs";
import path from "node:path";

export type OutputTree = ReadonlyMap<string, string | Uint8Array>;

function writeFiles(tree: OutputTree, dir: string): void {
  const dirs = new Set<string>();
  for (const rel of tree.keys()) {
    for (let d = path.posix.dirname(rel); d !== "."; d = path.posix.dirname(d)) {
      if (dirs.has(d)) break;
      dirs.add(d);
    }
  }
  fs.mkdirSync(dir, { recursive: true });
  for (const d of [...dirs].sort()) fs.mkdirSync(path.join(dir, d));
  for (const [rel, body] of tree) fs.writeFileSync(path.join(dir, rel), body);
}

/** Write `tree` as `outDir`, replacing what was there only once every file is written. */
export function writeTree(tree: OutputTree, outDir: string): void {
  const abs = path.resolve(outDir);
  const parent = path.dirname(abs);
  const tmp = path.join(parent, `.${path.basename(abs)}-new-${process.pid}`);
  const old = path.join(parent, `.${path.basename(abs)}-old-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    writeFiles(tree, tmp);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const hadOld = fs.existsSync(abs);
  if (hadOld) fs.renameSync(abs, old);
  fs.renameSync(tmp, abs);
  if (hadOld) fs.rmSync(old, { recursive: true, force: true });
}

export interface TreeDifference {
  readonly path: string;
  readonly kind: "missing" | "extra" | "changed";
}

/** What differs between `tree` and the files under `dir` (for `build --check`). */
export function diffTree(tree: OutputTree, dir: string): TreeDifference[] {
  const out: TreeDifference[] = [];
  const onDisk = new Set<string>();
  const walk = (rel: string) => {
    const abs = rel === "" ? dir : path.join(dir, rel);
    if (!fs.existsSync(abs)) return;
    for (const d of fs.readdirSync(abs, { withFileTypes: true })) {
      const p = rel === "" ? d.name : `${rel}/${d.name}`;
      if (d.isDirectory()) walk(p);
      else onDisk.add(p);
    }
  };
  walk("");
  for (const [rel, body] of tree) {
    if (!onDisk.has(rel)) {
      out.push({ path: rel, kind: "missing" });
      continue;
    }
    const want = typeof body === "string" ? Buffer.from(body) : body;
    if (!fs.readFileSync(path.join(dir, rel)).equals(want)) out.push({ path: rel, kind: "changed" });
  }
  for (const rel of onDisk) if (!tree.has(rel)) out.push({ path: rel, kind: "extra" });
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}
