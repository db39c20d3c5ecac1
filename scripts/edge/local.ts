// The edge deployment in the real runtime on this machine: workerd through Miniflare (from npm, no account,
// no network), the Worker bundled by esbuild as wrangler would bundle it, and the build's objects in a
// locally simulated R2 bucket, loaded through the deploy's own upload logic (deploy-plan.ts) and a local-only
// loader Worker (loader.ts). Used by `npm run edge`, the tests and the bench.

import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import type { ObjectStore } from "../lib/edge/deploy-plan.ts";

/** workerd's compatibility date for the Worker; the same one goes into the generated wrangler config. */
export const COMPATIBILITY_DATE = "2025-09-01";
export const WORKER_ENTRY = fileURLToPath(new URL("./worker.ts", import.meta.url));
const LOADER_ENTRY = fileURLToPath(new URL("./loader.ts", import.meta.url));

/**
 * A Worker source bundled into one ES module for workerd. `platform: "neutral"` resolves no Node built-in:
 * a `node:` import anywhere in the Worker's graph (the query core included) fails the bundle.
 */
async function bundleWorker(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

export interface LocalEdge {
  /** Base URL of the Worker, e.g. http://127.0.0.1:8787 (no trailing slash). */
  readonly url: string;
  /** The simulated bucket, as the deploy writes it. */
  readonly store: ObjectStore;
  dispose(): Promise<void>;
}

export interface LocalEdgeOptions {
  readonly port?: number;
  readonly host?: string;
}

function frame(objects: readonly (readonly [string, Uint8Array])[]): Uint8Array {
  const encoder = new TextEncoder();
  const keys = objects.map(([k]) => encoder.encode(k));
  const out = new Uint8Array(objects.reduce((n, [, b], i) => n + 8 + keys[i]!.length + b.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  objects.forEach(([, bytes], i) => {
    view.setUint32(at, keys[i]!.length);
    out.set(keys[i]!, at + 4);
    at += 4 + keys[i]!.length;
    view.setUint32(at, bytes.length);
    out.set(bytes, at + 4);
    at += 4 + bytes.length;
  });
  return out;
}

/** Every loader operation is idempotent: a connection Miniflare's proxy reset under load is tried again. */
async function retried<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= attempts) throw e;
      await new Promise((resolve) => setTimeout(resolve, 200 * i));
    }
  }
}

/** Start workerd with the edge Worker and an empty simulated bucket. */
export async function startLocalEdge(options: LocalEdgeOptions = {}): Promise<LocalEdge> {
  const [worker, loader] = await Promise.all([bundleWorker(WORKER_ENTRY), bundleWorker(LOADER_ENTRY)]);
  const common = { compatibilityDate: COMPATIBILITY_DATE, modules: true, r2Buckets: { TREE: "tree" } } as const;
  const mf = new Miniflare({
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    workers: [
      { ...common, name: "edge", script: worker },
      { ...common, name: "loader", script: loader },
    ],
  });
  const url = (await mf.ready).href.replace(/\/$/, "");
  // Miniflare's Fetcher type is its own undici's; the loader needs only a POST and the answer's bytes.
  const loaderWorker = (await mf.getWorker("loader")) as unknown as {
    fetch(url: string, init: { method: "POST"; body: Uint8Array }): Promise<Response>;
  };
  const call = async (op: string, body: Uint8Array) => {
    const res = await retried(() => loaderWorker.fetch(`http://loader${op}`, { method: "POST", body }));
    if (res.status !== 200 && res.status !== 204 && res.status !== 404)
      throw new Error(`local bucket: ${op} answered ${res.status}`);
    return res;
  };
  const store: ObjectStore = {
    get: async (key) => {
      const res = await call("/get", new TextEncoder().encode(key));
      return res.status === 404 ? null : new Uint8Array(await res.arrayBuffer());
    },
    put: async (key, bytes) => void (await call("/put", frame([[key, bytes]]))),
    putMany: async (objects) => void (await call("/put", frame(objects))),
    delete: async (keys) => void (await call("/delete", new TextEncoder().encode(JSON.stringify(keys)))),
  };
  return { url, store, dispose: () => mf.dispose() };
}
