// The only code that writes the built tree to disk. It writes into a fresh sibling folder and swaps it in,
// so a failed or interrupted build never leaves a half-written dist/ behind: the old one stays until the
// new one is complete.

import fs from "node:fs";
import path from "node:path";

export type OutputTree = ReadonlyMap<string, string | Uint8Array>;

/** Where the build puts each file as it makes it. */
export interface TreeSink {
  put(rel: string, body: string | Uint8Array): void;
}

export interface TreeWriter extends TreeSink {
  /** Swap the finished tree in for `outDir`; only then is the old one gone. */
  commit(): void;
  /** Remove the half-written tree; `outDir` is left as it was. */
  abort(): void;
  readonly files: number;
  readonly bytes: number;
}

/**
 * Write files into a fresh sibling of `outDir` as they come, so the build never holds the whole output in
 * memory, and swap it in at the end. A build that fails before commit() leaves `outDir` untouched.
 */
export function createTreeWriter(outDir: string): TreeWriter {
  const abs = path.resolve(outDir);
  const parent = path.dirname(abs);
  const tmp = path.join(parent, `.${path.basename(abs)}-new-${process.pid}`);
  const old = path.join(parent, `.${path.basename(abs)}-old-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const made = new Set<string>(["."]);
  const mkdirs = (d: string): void => {
    if (made.has(d)) return;
    mkdirs(path.posix.dirname(d));
    fs.mkdirSync(path.join(tmp, d));
    made.add(d);
  };
  let files = 0;
  let bytes = 0;
  return {
    put(rel, body) {
      mkdirs(path.posix.dirname(rel));
      fs.writeFileSync(path.join(tmp, rel), body);
      files++;
      bytes += typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
    },
    commit() {
      const hadOld = fs.existsSync(abs);
      if (hadOld) fs.renameSync(abs, old);
      fs.renameSync(tmp, abs);
      if (hadOld) fs.rmSync(old, { recursive: true, force: true });
    },
    abort() {
      fs.rmSync(tmp, { recursive: true, force: true });
    },
    get files() {
      return files;
    },
    get bytes() {
      return bytes;
    },
  };
}

/** Write `tree` as `outDir`, replacing what was there only once every file is written. */
export function writeTree(tree: OutputTree, outDir: string): void {
  const writer = createTreeWriter(outDir);
  try {
    for (const [rel, body] of tree) writer.put(rel, body);
  } catch (e) {
    writer.abort();
    throw e;
  }
  writer.commit();
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
