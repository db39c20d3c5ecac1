// The I/O floor of a build, for `npm run bench`: the same reads and writes the build does, with no logic in
// between. Reading walks the servers tree the way the loader does (readdir with file types, depth first) and
// reads every regular file whole; writing creates the same folders (each once, parents first) and writes the
// same paths with the same bodies into a fresh folder. The build's time divided by this floor says how much
// the registry's own logic costs on top of what the disk and the kernel must do anyway. The build writes with
// the same calls (writeFileSync, each folder made once), one after another on its writer thread (write.ts):
// the fastest way measured, where fs.promises.writeFile with 4 or 16 in flight took 3 to 5 times as long.

import fs from "node:fs";
import path from "node:path";

export interface FloorResult {
  readonly ms: number;
  readonly files: number;
  readonly dirs: number;
  readonly bytes: number;
}

export type Clock = () => number;
const defaultClock: Clock = () => performance.now();

/** Walk `root` and read every regular file in it. */
export function measureReadFloor(root: string, now: Clock = defaultClock): FloorResult {
  const t0 = now();
  let files = 0;
  let dirs = 0;
  let bytes = 0;
  const walk = (abs: string) => {
    for (const d of fs.readdirSync(abs, { withFileTypes: true })) {
      const p = path.join(abs, d.name);
      if (d.isDirectory()) {
        dirs++;
        walk(p);
      } else if (d.isFile()) {
        files++;
        bytes += fs.readFileSync(p).length;
      }
    }
  };
  walk(root);
  return { ms: now() - t0, files, dirs, bytes };
}

/** Write `tree` (relative path → body) under `dir`, which must not exist yet. */
export function measureWriteFloor(
  tree: ReadonlyMap<string, string | Uint8Array>,
  dir: string,
  now: Clock = defaultClock,
): FloorResult {
  const t0 = now();
  const folders = new Set<string>();
  for (const rel of tree.keys()) {
    for (let d = path.posix.dirname(rel); d !== "." && !folders.has(d); d = path.posix.dirname(d)) folders.add(d);
  }
  fs.mkdirSync(dir);
  for (const d of [...folders].sort()) fs.mkdirSync(path.join(dir, d));
  for (const [rel, body] of tree) fs.writeFileSync(path.join(dir, rel), body);
  const ms = now() - t0;
  let bytes = 0;
  for (const body of tree.values()) bytes += typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  return { ms, files: tree.size, dirs: folders.size, bytes };
}
