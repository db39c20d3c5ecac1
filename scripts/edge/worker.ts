// The edge deployment's Worker (Cloudflare Workers, or workerd locally through `npm run edge`): the same
// answers as `npm start` (respond.ts over the same query core), with the build in the R2 bucket TREE.
// Queries are answered from the compact index (`_edge/index.json`, parsed once per isolate and build) and
// the document packs; the site and the mirror files are the build's files, as on Pages. Every answer of a
// build carries `ETag` and `Cache-Control` derived from the build's serial.

import { decodeEdgeIndex, derivedApiSelection, EDGE_INDEX_KEY, renderFromPacks } from "../lib/edge/index-format.ts";
import type { EdgeIndex, EdgeIndexJson } from "../lib/edge/index-format.ts";
import { bodyBytes, indexEntries, problem, type QueryIndex } from "../lib/serve/query.ts";
import { contentTypeFor, respond, type RegistryHost } from "../lib/serve/respond.ts";

/** The part of the R2 binding the Worker uses (workers-types' R2Bucket). */
interface R2ObjectLike {
  readonly etag: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}
interface R2BucketLike {
  head(key: string): Promise<{ readonly etag: string } | null>;
  get(key: string, options?: { range?: { offset: number; length: number } }): Promise<R2ObjectLike | null>;
}
interface Env {
  readonly TREE: R2BucketLike;
}

interface Loaded {
  readonly etag: string;
  readonly host: RegistryHost;
  readonly serial: number;
}

/** How long a browser or CDN may reuse an answer before it revalidates (by ETag). */
const CACHE_CONTROL = "public, max-age=60, must-revalidate";

let loaded: Loaded | undefined;

async function sha256Base64(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let s = "";
  for (const b of digest) s += String.fromCharCode(b);
  return btoa(s);
}

function edgeHost(bucket: R2BucketLike, edge: EdgeIndex, index: QueryIndex): RegistryHost {
  const read = async (key: string, offset: number, length: number) => {
    const o = await bucket.get(key, { range: { offset, length } });
    if (!o) throw new Error(`edge: pack ${key} is missing`);
    return new Uint8Array(await o.arrayBuffer());
  };
  return {
    index,
    render: (selection) => renderFromPacks(edge, selection, read),
    file: async (path) => {
      const derived = derivedApiSelection(index, path);
      if (derived && derived.kind !== "problem")
        return { body: bodyBytes(await renderFromPacks(edge, derived, read)), type: contentTypeFor(path) };
      if (derived || path.startsWith("_edge/")) return undefined;
      const o = await bucket.get(path);
      return o ? { body: new Uint8Array(await o.arrayBuffer()), type: contentTypeFor(path) } : undefined;
    },
    has: async (path) => !path.startsWith("_edge/") && (await bucket.head(path)) != null,
    info: edge.info,
    sha256Base64,
  };
}

/** The current build's host: the index is parsed again only when its etag changed (a deploy), once per isolate. */
async function current(bucket: R2BucketLike): Promise<Loaded | undefined> {
  const head = await bucket.head(EDGE_INDEX_KEY);
  if (!head) return undefined;
  if (loaded?.etag === head.etag) return loaded;
  if (loading?.etag !== head.etag) {
    const promise = load(bucket).catch((e: unknown) => {
      loading = undefined; // the next request tries again
      throw e;
    });
    loading = { etag: head.etag, promise };
  }
  return loading.promise;
}

/** Concurrent first requests share one parse of the index (a cold isolate holds one copy, not one per request). */
let loading: { readonly etag: string; readonly promise: Promise<Loaded | undefined> } | undefined;

async function load(bucket: R2BucketLike): Promise<Loaded | undefined> {
  const o = await bucket.get(EDGE_INDEX_KEY);
  if (!o) return undefined;
  const edge = decodeEdgeIndex(JSON.parse(new TextDecoder().decode(await o.arrayBuffer())) as EdgeIndexJson);
  loaded = { etag: o.etag, host: edgeHost(bucket, edge, indexEntries(edge.facts)), serial: edge.info.serial };
  return loaded;
}

function toResponse(method: string, status: number, headers: Record<string, string>, body: readonly Uint8Array[]) {
  const bytes = body.length === 0 ? null : bodyBytes({ status, contentType: "", body });
  const payload =
    method === "HEAD" || status === 204 || status === 304 ? null : (bytes as Uint8Array<ArrayBuffer> | null);
  return new Response(payload, { status, headers });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const facts = {
      method: request.method,
      url: url.pathname + url.search,
      header: (name: string) => request.headers.get(name) ?? undefined,
    };
    const build = await current(env.TREE);
    if (!build) {
      const p = problem(503, "This registry has not been deployed yet: run npm run deploy:edge.");
      return toResponse(request.method, p.status, { "Content-Type": p.contentType }, p.body);
    }
    const reply = await respond(facts, build.host);
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.status === 200) {
      const etag = `"${build.serial}-${build.etag.replaceAll('"', "")}"`;
      headers["ETag"] = etag;
      headers["Cache-Control"] = CACHE_CONTROL;
      const since = request.headers.get("if-none-match");
      if (since && since.split(",").some((t) => t.trim().replace(/^W\//, "") === etag))
        return toResponse(request.method, 304, headers, []);
    }
    return toResponse(request.method, reply.status, headers, reply.body);
  },
};
