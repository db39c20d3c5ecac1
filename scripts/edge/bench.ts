// The edge section of `npm run bench` (run in its own child process per case, so its memory is its own):
// the compact index at this scale (bytes, parse time, heap), the bytes one VS Code search downloads from the
// static tree and from the edge, the local workerd's requests/s and latency for a list page, a search and a
// version detail, and the objects a deploy uploads after one added version, beside the Pages artifact.

import fs from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { registryBuildInputs } from "../wiring/build-inputs.ts";
import { deployObjects } from "../lib/edge/deploy-plan.ts";
import {
  decodeEdgeIndex,
  derivedApiSelection,
  EDGE_INDEX_KEY,
  PACK_PREFIX,
  type EdgeIndexJson,
} from "../lib/edge/index-format.ts";
import { edgeIndexObjects, edgeObjects } from "../lib/edge/objects.ts";
import type { RegistryModel } from "../lib/model.ts";
import { buildRegistry } from "../lib/pipeline.ts";
import {
  bodyLength,
  bodyText,
  createQueryIndex,
  indexEntries,
  listServers,
  renderFromMemory,
} from "../lib/serve/query.ts";
import { measureServeThroughput } from "../lib/serve/server.ts";
import { startLocalEdge } from "./local.ts";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

/** What VS Code's gallery sends for `@mcp <word>`. */
const vscodeSearch = (word: string) => ({ limit: 50, version: "latest", search: word, includeDeleted: false });

async function build(servers: string) {
  const outcome = await buildRegistry(await registryBuildInputs(servers));
  if (outcome.kind !== "built") throw new Error("the synthetic tree did not build");
  return outcome;
}

const bytesOf = (b: string | Uint8Array) => (typeof b === "string" ? Buffer.byteLength(b) : b.byteLength);

/** The index at this scale: bytes, and the parse a cold isolate does (time and retained heap). */
function measureIndex(model: RegistryModel) {
  const index = edgeIndexObjects(model).get(EDGE_INDEX_KEY)!.bytes;
  const text = new TextDecoder().decode(index);
  gc();
  const before = v8.getHeapStatistics().used_heap_size;
  const t0 = performance.now();
  const edge = decodeEdgeIndex(JSON.parse(text) as EdgeIndexJson);
  const query = indexEntries(edge.facts);
  const parseMs = performance.now() - t0;
  gc();
  const heapBytes = v8.getHeapStatistics().used_heap_size - before;
  return { bytes: index.length, parseMs, heapBytes, versions: edge.facts.length, names: query.byName.size };
}

/** One VS Code search's download: the whole static list (a static host ignores the query) vs the edge's page. */
function searchBytes(model: RegistryModel, servers: number, word: string) {
  const names = [...new Set(model.versions.map((r) => r.name))].slice(0, servers);
  const keep = new Set(names);
  const sub = { ...model, versions: model.versions.filter((r) => keep.has(r.name)) };
  const index = createQueryIndex(sub);
  const staticList = derivedApiSelection(index, "v0.1/servers.html")!; // what a static host sends for any query
  const staticBytes = bodyLength(renderFromMemory(index, staticList));
  const edge = listServers(index, vscodeSearch(word));
  const matches = (JSON.parse(bodyText(edge)) as { servers: unknown[] }).servers.length;
  return { servers: names.length, word, staticBytes, edgeBytes: bodyLength(edge), matches };
}

/** requests/s, p50, p99 of the local workerd for three kinds of request. */
async function measureWorkerd(model: RegistryModel, tree: Map<string, string | Uint8Array>, seconds: number) {
  const objects = edgeObjects(model, tree);
  const edge = await startLocalEdge();
  try {
    const t0 = performance.now();
    await deployObjects(edge.store, objects, { concurrency: 1 });
    const loadMs = performance.now() - t0;
    const { hostname, port } = new URL(edge.url);
    const target = { host: hostname, port: Number(port) };
    const pick = (i: number) => model.versions[(i * 7919) % model.versions.length]!;
    const kinds = {
      list: Array.from({ length: 64 }, (_, i) => {
        const v = pick(i);
        return `/v0.1/servers?limit=100&cursor=${encodeURIComponent(`${v.name}:${v.version}`)}`;
      }),
      search: ["weather", "postgres", "slack", "notion", "github", "kubernetes"].map(
        (w) => `/v0.1/servers?limit=50&version=latest&search=${w}`,
      ),
      detail: Array.from({ length: 64 }, (_, i) => {
        const v = pick(i);
        return `/v0.1/servers/${encodeURIComponent(v.name)}/versions/${encodeURIComponent(v.version)}`;
      }),
    };
    const out: Record<string, unknown> = { objects: objects.size, localLoadMs: loadMs };
    for (const [kind, paths] of Object.entries(kinds)) {
      const r = await measureServeThroughput({ server: target, paths, durationMs: seconds * 1000, concurrency: 8 });
      out[kind] = { rps: r.requestsPerSecond, p50Ms: r.p50Ms, p99Ms: r.p99Ms, errors: r.errors };
    }
    return out;
  } finally {
    await edge.dispose();
  }
}

/** A version added to the first server of the tree (a copy of its newest file, another version string). */
function addOneVersion(servers: string): string {
  const ns = fs.readdirSync(servers).sort()[0]!;
  const name = fs.readdirSync(path.join(servers, ns)).sort()[0]!;
  const dir = path.join(servers, ns, name);
  const from = fs.readdirSync(dir).sort()[0]!;
  const doc = JSON.parse(fs.readFileSync(path.join(dir, from, "server.json"), "utf8")) as { version: string };
  const version = "999.0.0-bench.1";
  fs.mkdirSync(path.join(dir, version));
  fs.writeFileSync(path.join(dir, version, "server.json"), JSON.stringify({ ...doc, version }, null, 2) + "\n");
  return path.join(dir, version);
}

/** The deploy after one added version: what it uploads, next to the Pages artifact (the whole tree). */
async function measureDeploy(servers: string, before: Map<string, { sha256: string; size: number }>) {
  const added = addOneVersion(servers);
  try {
    const after = await build(servers);
    const objects = edgeObjects(after.model, after.tree);
    let bytes = 0;
    let count = 0;
    const kinds: Record<string, number> = {};
    for (const [key, o] of objects) {
      if (before.get(key)?.sha256 === o.sha256) continue;
      bytes += o.bytes.length;
      count++;
      const kind = key.startsWith(PACK_PREFIX)
        ? "pack"
        : key.startsWith("_edge/")
          ? key
          : key.replace(/\/[^/]*$/, "/…");
      kinds[kind] = (kinds[kind] ?? 0) + o.bytes.length;
    }
    const deletions = [...before.keys()].filter((k) => !objects.has(k)).length;
    return { uploadedObjects: count, uploadedBytes: bytes, byKind: kinds, deletions };
  } finally {
    fs.rmSync(added, { recursive: true });
  }
}

export async function measureEdge(opts: { servers: string; serveSeconds: number; workerd: boolean; deploy: boolean }) {
  const built = await build(opts.servers);
  const { model, tree } = built;
  let pagesBytes = 0;
  for (const body of tree.values()) pagesBytes += bytesOf(body);
  const objects = edgeObjects(model, tree);
  let bucketBytes = 0;
  for (const o of objects.values()) bucketBytes += o.bytes.length;
  const servers = new Set(model.versions.map((r) => r.name)).size;
  const result: Record<string, unknown> = {
    versions: model.versions.length,
    servers,
    pages: { files: tree.size, bytes: pagesBytes },
    bucket: { objects: objects.size, bytes: bucketBytes },
    index: measureIndex(model),
    vscodeSearch: [3000, servers]
      .filter((n, i, a) => n <= servers && a.indexOf(n) === i)
      .map((n) => searchBytes(model, n, "weather")),
  };
  if (opts.workerd) result["workerd"] = await measureWorkerd(model, tree, opts.serveSeconds);
  if (opts.deploy) {
    const before = new Map([...objects].map(([k, o]) => [k, { sha256: o.sha256, size: o.bytes.length }]));
    objects.clear();
    tree.clear();
    result["deployOneVersion"] = await measureDeploy(opts.servers, before);
  }
  return result;
}
