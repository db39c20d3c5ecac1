// The writer's swap, measured: a reader polling dist/ while builds replace it never finds it missing, and
// the Pages artifact step (actions/upload-pages-artifact's tar command) packs the symlinked dist/ as plain files.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { tempDir } from "../test/temp-tree.ts";
import { writeTree } from "./write.ts";

const tree = (n: number) =>
  new Map<string, string>([
    ["v0.1/servers.json", `{"n":${n}}`],
    ["index.html", "<!doctype html>"],
  ]);

/** Polls `file` in a tight loop on another thread until told to stop; reports reads and misses. */
const POLLER = `
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
let reads = 0, misses = 0, stop = false;
parentPort.on("message", () => { stop = true; });
(function loop() {
  for (let i = 0; i < 200; i++) {
    try { fs.readFileSync(workerData.file); reads++; } catch { misses++; }
  }
  if (stop) parentPort.postMessage({ reads, misses }); else setImmediate(loop);
})();
`;

describe("writeTree's swap", () => {
  it("a reader polling dist/ during 100 rebuilds never finds it missing", async () => {
    const dist = path.join(tempDir(), "dist");
    writeTree(tree(0), dist);
    const worker = new Worker(POLLER, { eval: true, workerData: { file: path.join(dist, "v0.1/servers.json") } });
    const result = new Promise<{ reads: number; misses: number }>((resolve) => worker.once("message", resolve));
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 1; i <= 100; i++) {
      writeTree(tree(i), dist);
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    worker.postMessage("stop");
    const { reads, misses } = await result;
    await worker.terminate();
    expect(reads).toBeGreaterThan(100);
    expect(misses).toBe(0);
    expect(fs.readFileSync(path.join(dist, "v0.1/servers.json"), "utf8")).toBe('{"n":100}');
    expect(fs.readdirSync(path.join(path.dirname(dist), ".dist-builds"))).toHaveLength(2); // the live tree and the one before
  }, 60_000);

  it("the Pages artifact (tar --dereference --directory dist) holds the files, no symlinks, no stamp", () => {
    const dir = tempDir();
    writeTree(tree(1), path.join(dir, "dist"));
    // The command of actions/upload-pages-artifact v3 (action.yml, Linux).
    execFileSync(
      "tar",
      [
        "--dereference",
        "--hard-dereference",
        "--directory",
        "dist",
        "-cf",
        "artifact.tar",
        "--exclude=.git",
        "--exclude=.github",
        ".",
      ],
      { cwd: dir },
    );
    const listing = execFileSync("tar", ["-tvf", "artifact.tar"], { cwd: dir, encoding: "utf8" }).trim().split("\n");
    expect(listing.filter((l) => !/^[-d]/.test(l))).toEqual([]); // only files and folders
    const names = listing.map((l) => l.split(/\s+/).pop());
    expect(names).toEqual(expect.arrayContaining(["./index.html", "./v0.1/servers.json"]));
    expect(names.filter((n) => n?.includes("build-stamp"))).toEqual([]);
  });
});
