// The deploy's upload logic over an in-memory ObjectStore (the same interface the local workerd bucket and
// the Cloudflare REST API implement): an interrupted deletion is finished by the next deploy, and an object
// deleted half-way is uploaded again when a build brings it back, never skipped as "unchanged".

import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { deployObjects, type ObjectStore } from "./deploy-plan.ts";

const obj = (text: string) => {
  const bytes = new TextEncoder().encode(text);
  return { bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
};

function memoryStore(failDeletes = false): ObjectStore & { data: Map<string, Uint8Array>; log: string[] } {
  const data = new Map<string, Uint8Array>();
  const log: string[] = [];
  return {
    data,
    log,
    get: async (key) => data.get(key) ?? null,
    put: async (key, bytes) => {
      log.push(`put ${key}`);
      data.set(key, bytes);
    },
    delete: async (keys) => {
      if (failDeletes) throw new Error("connection lost");
      for (const k of keys) data.delete(k);
    },
  };
}

describe("deployObjects", () => {
  it("finishes an interrupted deletion on the next deploy", async () => {
    const a = new Map([
      ["site/a.html", obj("a")],
      ["site/b.html", obj("b")],
    ]);
    const store = memoryStore();
    expect(await deployObjects(store, a)).toMatchObject({ uploaded: 2, deleted: 0 });
    const failing = { ...store, delete: memoryStore(true).delete };
    const b = new Map([["site/a.html", obj("a")]]);
    await expect(deployObjects(failing, b)).rejects.toThrow("connection lost");
    expect(store.data.has("site/b.html")).toBe(true);
    expect(await deployObjects(store, b)).toMatchObject({ uploaded: 0, deleted: 1 });
    expect(store.data.has("site/b.html")).toBe(false);
  });

  it("uploads again an object whose deletion was interrupted when the build brings it back", async () => {
    const store = memoryStore();
    const a = new Map([
      ["site/a.html", obj("a")],
      ["site/b.html", obj("b")],
    ]);
    await deployObjects(store, a);
    const failing = { ...store, delete: memoryStore(true).delete };
    await expect(deployObjects(failing, new Map([["site/a.html", obj("a")]]))).rejects.toThrow();
    store.data.delete("site/b.html"); // the deletion went through before the connection was lost
    store.log.length = 0;
    expect(await deployObjects(store, a)).toMatchObject({ uploaded: 1 });
    expect(store.log).toEqual(["put site/b.html", "put _edge/manifest.json"]);
    expect(store.data.has("site/b.html")).toBe(true);
  });

  it("uploads in phases: content, the edge index, the feed index, the signed index, then the manifest", async () => {
    const ns = "v0.1/x/io.github.mcp-static-registry";
    const store = memoryStore();
    const objects = new Map([
      [`${ns}/index.json`, obj("signed")],
      [`${ns}/feed/index.json`, obj("feed")],
      ["_edge/index.json", obj("index")],
      ["_edge/packs/p.json", obj("pack")],
      ["index.html", obj("site")],
    ]);
    await deployObjects(store, objects);
    expect(store.log).toEqual([
      "put _edge/packs/p.json",
      "put index.html",
      "put _edge/index.json",
      `put ${ns}/feed/index.json`,
      `put ${ns}/index.json`,
      "put _edge/manifest.json",
    ]);
  });
});
