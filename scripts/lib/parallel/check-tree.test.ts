// The worker pool's load + validate gives exactly what loadTree + validateLoaded give on one thread: the same
// versions (documents, bytes as Buffers, statuses) and the same findings, for a tree full of problems (a
// duplicate key, a schema error, a case clash across servers, a folder without server.json, a bad
// status.yaml) as for a clean one; and a task that fails in a worker fails the run instead of hanging it.

import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fsTreeReader, loadPlanned, planTree, type LoadedVersion } from "../load.ts";
import { documentJson } from "../model.ts";
import { remoteUrlsOf, validateLoaded } from "../validate.ts";
import { checkTreeInParallel, namespaceFolders, prepareForLoad, walkInParallel } from "./check-tree.ts";
import { createWorkerPool } from "./pool.ts";
import { makeTree, serverJson } from "../../test/temp-tree.ts";

const pool = createWorkerPool(2);
afterAll(() => pool.close());

function sequential(root: string) {
  const reader = fsTreeReader(root, "servers");
  const loaded = loadPlanned(reader, planTree(reader));
  return { versions: loaded.versions, diagnostics: validateLoaded(loaded) };
}

async function parallel(root: string) {
  const reader = fsTreeReader(root, "servers");
  const { loaded, diagnostics } = await checkTreeInParallel(root, "servers", planTree(reader), pool);
  return { versions: loaded.versions, diagnostics };
}

/**
 * A version as compared across the two builds: its document and bytes (read on demand when it came from a
 * worker) as plain values, and without the canonical text and remote URLs the workers add (the one-thread
 * build takes them from the document), which must be exactly documentJson and remoteUrlsOf of the document.
 */
const comparable = (v: LoadedVersion) => {
  const { json, remoteUrls, ...rest } = v;
  if (json !== undefined) expect(json).toBe(documentJson(v.doc));
  // the remote URLs a worker sends for the tree rules are exactly the document's
  if (remoteUrls !== undefined) expect(remoteUrls).toEqual(remoteUrlsOf(v.doc));
  return { ...rest, doc: v.doc, bytes: Buffer.from(v.bytes).toString("base64") };
};

function manyVersions(n: number): Record<string, object> {
  const files: Record<string, object> = {};
  for (let i = 0; i < n; i++) {
    const name = `io.github.user${i % 7}/server-${i}`;
    files[`${name}/1.${i}.0/server.json`] = serverJson(name, `1.${i}.0`, {
      remotes: [{ type: "streamable-http", url: `https://example.com/${i}/mcp` }],
    });
  }
  return files;
}

describe("load and validate on worker threads", () => {
  it("gives a clean tree's versions and findings exactly as one thread does", async () => {
    const root = makeTree(manyVersions(300));
    const one = sequential(root);
    const many = await parallel(root);
    expect(many.versions.length).toBe(300);
    expect(many.versions.map(comparable)).toEqual(one.versions.map(comparable));
    expect(many.versions.every((v) => Buffer.isBuffer(v.bytes))).toBe(true);
    expect(many.diagnostics).toEqual(one.diagnostics);
  });

  it("gives every finding of a tree full of problems exactly as one thread does", async () => {
    const root = makeTree({
      ...manyVersions(40),
      "io.github.user1/dup/1.0.0/server.json":
        '{"$schema":"https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json","name":"io.github.user1/dup","name":"x","description":"d","version":"1.0.0"}',
      "io.github.user2/bad-schema/1.0.0/server.json": serverJson("io.github.user2/bad-schema", "1.0.0", {
        description: 42,
      }),
      "io.github.User3/Clash/1.0.0/server.json": serverJson("io.github.User3/Clash", "1.0.0"),
      "io.github.user3/clash/1.0.0/server.json": serverJson("io.github.user3/clash", "1.0.0"),
      "io.github.user4/shared-remote/1.0.0/server.json": serverJson("io.github.user4/shared-remote", "1.0.0", {
        remotes: [{ type: "streamable-http", url: "https://example.com/0/mcp" }],
      }),
      "io.github.user5/no-server/1.0.0/status.yaml": "status: deprecated\n",
      "io.github.user5/bad-status/1.0.0/server.json": serverJson("io.github.user5/bad-status", "1.0.0"),
      "io.github.user5/bad-status/1.0.0/status.yaml": "status: retired\n",
    });
    const one = sequential(root);
    const many = await parallel(root);
    const codes = new Set(many.diagnostics.map((d) => d.code));
    for (const code of ["json/duplicate-key", "layout/missing-server-json", "tree/remote-url-duplicate"])
      expect(codes).toContain(code);
    expect([...codes].some((c) => c.startsWith("tree/"))).toBe(true);
    expect([...codes].some((c) => c.startsWith("schema/"))).toBe(true);
    expect(many.diagnostics).toEqual(one.diagnostics);
    expect(many.versions.map(comparable)).toEqual(one.versions.map(comparable));
  });

  it("fails the run when a task fails in a worker (a folder removed under it)", async () => {
    const root = makeTree(manyVersions(3));
    const plan = planTree(fsTreeReader(root, "servers"));
    fs.rmSync(path.join(root, "io.github.user1"), { recursive: true });
    await expect(checkTreeInParallel(root, "servers", plan, pool)).rejects.toThrow(/a build worker failed: .*ENOENT/s);
  });

  it("readies threads before the walk: load tasks queued behind the preparation give the same results", async () => {
    const root = makeTree(manyVersions(50));
    const fresh = createWorkerPool(2);
    try {
      prepareForLoad(fresh);
      const { loaded, diagnostics } = await checkTreeInParallel(
        root,
        "servers",
        planTree(fsTreeReader(root, "servers")),
        fresh,
      );
      const one = sequential(root);
      expect(diagnostics).toEqual(one.diagnostics);
      expect(loaded.versions.map(comparable)).toEqual(one.versions.map(comparable));
    } finally {
      await fresh.close();
    }
  });

  it("counts the namespace folders before the walk (files are not folders; a missing root holds none)", () => {
    const root = makeTree({ ...manyVersions(20), "README.md": "not a namespace" });
    expect(namespaceFolders(root)).toBe(7);
    expect(namespaceFolders(path.join(root, "nope"))).toBe(0);
  });

  it("walks the namespace folders on the threads to the same items as fsTreeReader (root files, links, modes, deep folders)", async () => {
    const root = makeTree({
      ...manyVersions(30),
      "README.md": "stray",
      "io.github.user1/server-1/1.1.0/extra/deeper/x.txt": "deep",
    });
    fs.chmodSync(path.join(root, "io.github.user1/server-1/1.1.0/server.json"), 0o755);
    fs.symlinkSync("/etc/passwd", path.join(root, "io.github.user2/link.json"));
    fs.symlinkSync("io.github.user3", path.join(root, "io.github.linked"));
    const sorted = <T extends { path: string }>(items: T[]): T[] =>
      [...items].sort((a, b) => (a.path < b.path ? -1 : 1));
    const want = sorted(fsTreeReader(root, "servers").items());
    expect(want.some((i) => i.type === "symlink" && i.path === "io.github.linked")).toBe(true);
    expect(want.some((i) => i.executable)).toBe(true);
    expect(sorted(await walkInParallel(root, pool))).toEqual(want);
    expect(await walkInParallel(path.join(root, "nope"), pool)).toEqual([]);
  });
});
