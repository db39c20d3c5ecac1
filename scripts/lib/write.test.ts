// The writer's swap, measured: a reader polling dist/ while builds replace it never finds it missing, and
// the Pages artifact step (actions/upload-pages-artifact's tar command) packs the symlinked dist/ as plain files.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { tempDir } from "../test/temp-tree.ts";
import { createPinRecorder, INDEX_PATH, pinGroupOf } from "./mirror/pins.ts";
import { writeOne } from "./write-thread.ts";
import { createTreeWriter, writeTree, writerLaneOf } from "./write.ts";

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

/** Every file under `dir` (relative path → content), to compare a tree before and after. */
const snapshot = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const rel of fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()) {
    const abs = path.join(dir, rel);
    if (fs.statSync(abs).isFile()) out[rel] = fs.readFileSync(abs, "utf8");
  }
  return out;
};

describe("the tree writer's thread", () => {
  it("writes many files, each body once per run of puts, within the bound on files and bytes in flight", () => {
    const dir = tempDir();
    const dist = path.join(dir, "dist");
    const seen: [number, number][] = [];
    const maxFiles = 40;
    const maxBytes = 64 * 1024;
    const writer = createTreeWriter(dist, {
      maxFilesInFlight: maxFiles,
      maxBytesInFlight: maxBytes,
      onHandOver: (files, bytes) => seen.push([files, bytes]),
    });
    const want = new Map<string, string | Uint8Array>();
    for (let i = 0; i < 2000; i++) {
      const body = `{"i":${i},"é":"${"x".repeat(i % 700)}"}`;
      for (const prefix of ["v0", "v0.1"]) {
        const rel = `${prefix}/servers/s${i % 37}/versions/${i}`;
        writer.put(rel, body); // the same string twice in a row, as the API does
        want.set(rel, body);
      }
    }
    const bytes = new Uint8Array([0, 1, 2, 255]);
    writer.put("assets/blob.bin", bytes);
    want.set("assets/blob.bin", bytes);
    writer.commit();
    expect(writer.files).toBe(want.size);
    expect(writer.bytes).toBe([...want.values()].reduce((n, b) => n + Buffer.byteLength(b), 0));
    expect(seen.length).toBeGreaterThan(4000 / maxFiles); // many batches went through the thread
    expect(Math.max(...seen.map(([f]) => f))).toBeLessThanOrEqual(maxFiles);
    expect(Math.max(...seen.map(([, b]) => b))).toBeLessThanOrEqual(maxBytes);
    for (const [rel, body] of want) expect(fs.readFileSync(path.join(dist, rel)).equals(Buffer.from(body))).toBe(true);
  });

  it("lets a file larger than the byte bound through alone, and nothing with it", () => {
    const dist = path.join(tempDir(), "dist");
    const seen: [number, number][] = [];
    const writer = createTreeWriter(dist, { maxBytesInFlight: 1024, onHandOver: (f, b) => seen.push([f, b]) });
    writer.put("small", "s");
    writer.put("big", "b".repeat(5000));
    writer.put("after", "a");
    writer.commit();
    expect(seen.some(([f, b]) => f === 1 && b >= 5000)).toBe(true);
    expect(seen.every(([f, b]) => b <= 1024 || f === 1)).toBe(true);
    expect(fs.readFileSync(path.join(dist, "big"), "utf8")).toHaveLength(5000);
  });

  it("a write error (a path component that is a file) fails commit() with the path, and dist/ is left as it was", () => {
    const dir = tempDir();
    const dist = path.join(dir, "dist");
    writeTree(tree(1), dist);
    const before = snapshot(dist);
    const builds = fs.readdirSync(path.join(dir, ".dist-builds"));
    // One thread: with two, the file and the folder of the same name are in different folders, so on different
    // threads, and either may be written first (the error names the other one then).
    const writer = createTreeWriter(dist, { maxFilesInFlight: 8, writerThreads: 1 });
    writer.put("v0.1/servers.json", "new");
    writer.put("v0.1/servers.json/inside", "x"); // its folder is a file
    let thrown: unknown;
    for (let i = 0; i < 100 && thrown === undefined; i++) {
      try {
        writer.put(`later/${i}`, "y"); // once the error is known, put() throws it too
      } catch (e) {
        thrown = e;
      }
    }
    expect(thrown === undefined || /could not write v0\.1\/servers\.json\/inside: /.test(String(thrown))).toBe(true);
    expect(() => writer.commit()).toThrow(/could not write v0\.1\/servers\.json\/inside: .*(EEXIST|ENOTDIR)/);
    expect(snapshot(dist)).toEqual(before);
    expect(fs.readdirSync(path.join(dir, ".dist-builds"))).toEqual(builds); // the failed build's folder is gone
  });

  it("a tree too small to start the thread is written at commit, and its write error names the path too", () => {
    const dir = tempDir();
    const dist = path.join(dir, "dist");
    const writer = createTreeWriter(dist);
    writer.put("a", "file");
    writer.put("a/b", "under a file");
    expect(() => writer.commit()).toThrow(/could not write a\/b: .*(EEXIST|ENOTDIR)/);
    expect(fs.existsSync(dist)).toBe(false);
    expect(fs.readdirSync(path.join(dir, ".dist-builds"))).toEqual([]);
  });

  it("abort() in the middle of a stream stops the writer and removes only its own folder", async () => {
    const dir = tempDir();
    const dist = path.join(dir, "dist");
    writeTree(tree(1), dist);
    const before = snapshot(dist);
    const builds = fs.readdirSync(path.join(dir, ".dist-builds"));
    const writer = createTreeWriter(dist, { maxFilesInFlight: 64 });
    for (let i = 0; i < 1000; i++) writer.put(`v0/servers/s${i % 50}/versions/${i}`, `{"i":${i}}`);
    writer.abort();
    await new Promise((r) => setTimeout(r, 100)); // a writer still running would recreate files meanwhile
    expect(fs.readdirSync(path.join(dir, ".dist-builds"))).toEqual(builds);
    expect(snapshot(dist)).toEqual(before);
    expect(() => writer.put("late", "x")).toThrow(/after the tree was committed or aborted/);
  });

  it("pins what it writes on its thread, the pins the recorder makes of the same files, and writes what comes after", () => {
    const dist = path.join(tempDir(), "dist");
    const writer = createTreeWriter(dist, { maxFilesInFlight: 64 });
    const here = createPinRecorder();
    const put = (rel: string, body: string | Uint8Array) => {
      here.record(rel, body);
      writer.put(rel, body);
    };
    const bytes = new Uint8Array([0, 1, 2, 255]);
    for (let i = 0; i < 600; i++) {
      const body = `{"i":${i},"é":"${"x".repeat(i % 300)}","😀":""}`;
      for (const prefix of ["v0", "v0.1"]) put(`${prefix}/servers/io.github.s${i >> 3}/x/versions/${i}`, body);
      put(`v0.1/servers/io.github.s${i >> 3}/x/versions/${i}.json`, `{"i":${i}}`);
      put(`v0.1/servers/io.github.s${i >> 3}/x/versions/${i}.bin`, bytes);
      put(`v0.1/servers/io.github.s${i >> 3}/x/versions/${i}.empty`, "");
    }
    put("v0.1/servers.json", "list");
    put("index.html", "");
    expect(writer.pins()).toEqual(here.pins());
    expect(() => writer.pins()).toThrow(/taken already/);
    writer.put(INDEX_PATH, "the index");
    writer.commit();
    expect(fs.readFileSync(path.join(dist, INDEX_PATH), "utf8")).toBe("the index");
    expect(Object.keys(snapshot(dist))).toHaveLength(600 * 5 + 3);
  });

  it("pins a tree too small to start the thread here, and a failed write makes pins() throw", () => {
    const dist = path.join(tempDir(), "dist");
    const writer = createTreeWriter(dist);
    const here = createPinRecorder();
    for (const [rel, body] of tree(3)) {
      here.record(rel, body);
      writer.put(rel, body);
    }
    expect(writer.pins()).toEqual(here.pins());
    writer.commit();
    // One thread, as above: with two, "a/b" may be on a thread not started yet when pins() is asked.
    const failing = createTreeWriter(path.join(tempDir(), "dist"), { maxFilesInFlight: 8, writerThreads: 1 });
    failing.put("a", "file");
    failing.put("a/b", "under a file");
    let thrown: unknown;
    try {
      for (let i = 0; i < 20; i++) failing.put(`c/${i}`, "y"); // throws once the error is known
    } catch (e) {
      thrown = e;
    }
    expect(thrown === undefined || /could not write a\/b/.test(String(thrown))).toBe(true);
    expect(() => failing.pins()).toThrow(/could not write a\/b/);
    failing.abort();
  });

  it("commit() returns once every file is written, and the writer takes no more", () => {
    const dist = path.join(tempDir(), "dist");
    const writer = createTreeWriter(dist);
    for (let i = 0; i < 500; i++) writer.put(`f/${i % 7}/${i}.json`, String(i));
    writer.commit();
    expect(Object.keys(snapshot(dist))).toHaveLength(500);
    expect(() => writer.put("late", "x")).toThrow(/after the tree was committed or aborted/);
    expect(() => writer.commit()).toThrow(/committed or aborted already/);
  });
});

/** Every file under `dir` as bytes (relative path → bytes), to compare two trees byte for byte. */
const bytesOf = (dir: string): Map<string, Buffer> => {
  const out = new Map<string, Buffer>();
  for (const rel of fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()) {
    const abs = path.join(dir, rel);
    if (fs.statSync(abs).isFile()) out.set(rel, fs.readFileSync(abs));
  }
  return out;
};

/** A tree like the API's: servers' groups under v0/ and v0.1/, the same body in a row, lists, bytes, a site. */
function* apiLikeTree(): Generator<[string, string | Uint8Array]> {
  const bytes = new Uint8Array([0, 1, 2, 255]);
  for (let s = 0; s < 120; s++) {
    const server = `io.github.o${s % 40}/s${s}`;
    for (let v = 0; v < 4; v++) {
      const body = `{"s":${s},"v":${v},"é":"${"x".repeat((s * 7 + v) % 500)}","😀":""}`;
      for (const prefix of ["v0", "v0.1"]) yield [`${prefix}/servers/${server}/versions/1.${v}.0`, body];
      yield [`v0.1/servers/${server}/versions/1.${v}.0.json`, body];
      yield [`v0.1/servers/${server}/versions/1.${v}.0.bin`, bytes];
    }
    yield [`v0.1/servers/${server}/versions/latest`, `{"latest":${s}}`];
    yield [`v0.1/servers/${server}.json`, `{"meta":${s}}`]; // in v0.1/servers/io.github.o…/, no group
    yield [`s/${s % 13}/${s}.html`, `<p>${s}</p>`];
  }
  for (let page = 0; page < 20; page++) yield [`v0.1/servers/page-${page}`, `{"page":${page}}`];
  yield ["index.html", "<!doctype html>"];
}

describe("the tree writer's two threads", () => {
  it("give a file's folder and a server's pin group one thread each, and use both", () => {
    const rels = [...apiLikeTree()].map(([rel]) => rel);
    const laneOf = new Map<string, number>();
    const same = (key: string, lane: number) => {
      expect(laneOf.get(key) ?? lane).toBe(lane);
      laneOf.set(key, lane);
    };
    for (const rel of rels) {
      const lane = writerLaneOf(rel, 2);
      same(`dir:${path.posix.dirname(rel)}`, lane);
      const group = pinGroupOf(rel);
      if (group !== undefined) same(`group:${group}`, lane);
    }
    const share = rels.filter((rel) => writerLaneOf(rel, 2) === 1).length / rels.length;
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.7);
    expect(rels.every((rel) => writerLaneOf(rel, 1) === 0)).toBe(true);
  });

  it("write a tree of many batches byte for byte as one thread does, with the same pins, within the bound", () => {
    const write = (writerThreads: number) => {
      const dist = path.join(tempDir(), "dist");
      const seen: number[] = [];
      const writer = createTreeWriter(dist, {
        writerThreads,
        maxFilesInFlight: 64,
        maxBytesInFlight: 32 * 1024,
        onHandOver: (files) => seen.push(files),
      });
      const here = createPinRecorder();
      for (const [rel, body] of apiLikeTree()) {
        here.record(rel, body);
        writer.put(rel, body);
      }
      const pins = writer.pins();
      writer.put(INDEX_PATH, JSON.stringify(pins));
      writer.commit();
      expect(JSON.stringify(pins)).toBe(JSON.stringify(here.pins())); // the same keys in the same order
      expect(seen.length).toBeGreaterThan(20); // many batches went through the threads
      expect(Math.max(...seen)).toBeLessThanOrEqual(64);
      return { tree: bytesOf(dist), pins: JSON.stringify(pins), files: writer.files, bytes: writer.bytes };
    };
    const one = write(1);
    const two = write(2);
    expect([...two.tree.keys()]).toEqual([...one.tree.keys()]);
    for (const [rel, bytes] of one.tree) expect(two.tree.get(rel)!.equals(bytes), rel).toBe(true);
    expect(two.pins).toBe(one.pins);
    expect([two.files, two.bytes]).toEqual([one.files, one.bytes]);
    expect(one.tree.size).toBe([...apiLikeTree()].length + 1);
  });

  it("a write failure on a file the second thread writes fails commit() with its path", () => {
    const dir = [...Array(50).keys()].map((i) => `d${i}`).find((d) => writerLaneOf(`${d}/f`, 2) === 1)!;
    const bad = `${dir}/${"n".repeat(300)}`; // a name too long for any file system: fails whichever runs first
    for (const small of [false, true]) {
      const dist = path.join(tempDir(), "dist");
      const writer = createTreeWriter(dist, { writerThreads: 2, maxFilesInFlight: small ? 4096 : 16 });
      let thrown: unknown;
      try {
        for (let i = 0; i < (small ? 10 : 400); i++) writer.put(`${i % 2 === 0 ? dir : "other"}/${i}`, String(i));
        writer.put(bad, "x");
        for (let i = 0; i < (small ? 10 : 400); i++) writer.put(`later/${i % 9}/${i}`, "y");
      } catch (e) {
        thrown = e; // once the error is known, put() throws it
      }
      expect(thrown === undefined || String(thrown).includes(`could not write ${bad}: `)).toBe(true);
      expect(() => writer.commit()).toThrow(`could not write ${bad}: `);
      expect(fs.existsSync(dist)).toBe(false);
    }
  });

  it("make the shared parents of sibling folders from both threads at once", () => {
    for (let round = 0; round < 3; round++) {
      const dist = path.join(tempDir(), "dist");
      const writer = createTreeWriter(dist, { writerThreads: 2, maxFilesInFlight: 64 });
      const want = new Map<string, string>();
      for (let i = 0; i < 2000; i++) {
        const rel = `shared/p${i % 3}/q${i % 60}/r${i % 400}/${i}.json`; // new parents on both threads at once
        writer.put(rel, `{"i":${i}}`);
        want.set(rel, `{"i":${i}}`);
      }
      writer.commit();
      expect(snapshot(dist)).toEqual(Object.fromEntries([...want].sort(([a], [b]) => (a < b ? -1 : 1))));
    }
  });

  it("a folder made by the other thread between the check and the mkdir is fine; a file in its place is not", () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, "a/b"), { recursive: true }); // the other thread was first
    writeOne(root, new Set(["."]), "a/b/c/file", new Uint8Array([1]));
    expect(fs.readFileSync(path.join(root, "a/b/c/file"))).toEqual(Buffer.from([1]));
    fs.writeFileSync(path.join(root, "x"), "a file");
    expect(() => writeOne(root, new Set(["."]), "x/file", new Uint8Array([1]))).toThrow(/EEXIST/);
  });

  it("files of a server that come back after another server's make pins() throw, as with one thread", () => {
    for (const writerThreads of [1, 2]) {
      const writer = createTreeWriter(path.join(tempDir(), "dist"), { writerThreads, maxFilesInFlight: 8 });
      for (let i = 0; i < 20; i++) writer.put(`v0/servers/io.github.a/x/versions/${i}`, String(i));
      for (let i = 0; i < 20; i++) writer.put(`v0/servers/io.github.b/y/versions/${i}`, String(i));
      writer.put("v0.1/servers/io.github.a/x/versions/latest", "back");
      expect(() => writer.pins()).toThrow(
        "internal: the files of io.github.a/x were not emitted together (v0.1/servers/io.github.a/x/versions/latest came after another server's)",
      );
      writer.abort();
    }
  });
});
