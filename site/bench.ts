// Benchmark hooks for `npm run bench`: search index size (raw and gzipped), time to prepare the index, time per
// keystroke of the search function in node, and the time buildSite adds to a build. The clock comes in as a
// parameter (performance.now by default).

import { gzipSync } from "node:zlib";
import type { RegistryModel } from "../scripts/lib/model.ts";
import { buildSite } from "./build.ts";
import { buildSearchIndex } from "./search-index.ts";
import { prepareIndex, search } from "./src/search.ts";
import { syntheticModel } from "./synthetic.ts";

export interface SearchIndexSize {
  readonly servers: number;
  readonly rawBytes: number;
  readonly gzipBytes: number;
}

export function measureSearchIndex(model: RegistryModel): SearchIndexSize {
  const json = JSON.stringify(buildSearchIndex(model));
  return {
    servers: JSON.parse(json).name.length as number,
    rawBytes: Buffer.byteLength(json),
    gzipBytes: gzipSync(json, { level: 9 }).length,
  };
}

/** Queries typed one character at a time, like a person would, typos included. */
export const KEYSTROKE_QUERIES: readonly string[] = [
  "gthub",
  "weather",
  "postgres mcp",
  "brave search",
  "kubernets",
  "slack",
];

export interface KeystrokeTiming {
  readonly keystrokes: number;
  readonly meanMs: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

export interface SearchBench extends SearchIndexSize {
  readonly prepareMs: number;
  /** Slowest keystroke of the first pass (cold JIT). */
  readonly coldMaxMs: number;
  /** Second pass (warm). */
  readonly keystroke: KeystrokeTiming;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

export function benchSearch(model: RegistryModel, now: () => number = () => performance.now()): SearchBench {
  const size = measureSearchIndex(model);
  const file = JSON.parse(JSON.stringify(buildSearchIndex(model)));
  const t0 = now();
  const index = prepareIndex(file);
  const prepareMs = now() - t0;
  const typeAll = (): number[] => {
    const times: number[] = [];
    for (const query of KEYSTROKE_QUERIES) {
      for (let n = 1; n <= query.length; n++) {
        const start = now();
        search(index, query.slice(0, n));
        times.push(now() - start);
      }
    }
    index.cache.clear();
    return times;
  };
  // The first pass includes the JIT warming up (what a visitor's first keystrokes feel); the second is steady.
  const cold = typeAll();
  const times = typeAll();
  const sorted = times.slice().sort((a, b) => a - b);
  const meanMs = times.reduce((a, b) => a + b, 0) / times.length;
  return {
    ...size,
    prepareMs,
    coldMaxMs: Math.max(...cold),
    keystroke: {
      keystrokes: times.length,
      meanMs,
      p95Ms: percentile(sorted, 0.95),
      maxMs: sorted[sorted.length - 1] ?? 0,
    },
  };
}

/** What the home page downloads before search works: the page, its stylesheet, its script, the index. */
export const HOME_FILES: readonly string[] = [
  "index.html",
  "assets/site.css",
  "assets/app.js",
  "assets/search-index.json",
];

/**
 * The home page's transfer budget at 20,000 synthetic servers, gzipped: 543 kB before the catalog sections
 * (measured on the commit before them), plus 52 kB for the index's two time columns (sorting, recency) and 1 kB
 * for the page's new sections, rounded up.
 */
export const HOME_TRANSFER_BUDGET = 600_000;

export interface PageWeight {
  readonly files: readonly { readonly path: string; readonly rawBytes: number; readonly gzipBytes: number }[];
  readonly rawBytes: number;
  readonly gzipBytes: number;
}

/** The home page's weight, raw and as a static host sends it gzipped (level 9, like the index figure). */
export function homePageWeight(files: ReadonlyMap<string, string | Uint8Array>): PageWeight {
  const sizes = HOME_FILES.map((path) => {
    const content = files.get(path);
    if (content === undefined) throw new Error(`site/bench.ts: the build has no ${path}`);
    const bytes = typeof content === "string" ? Buffer.from(content) : content;
    return { path, rawBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  });
  return {
    files: sizes,
    rawBytes: sizes.reduce((a, s) => a + s.rawBytes, 0),
    gzipBytes: sizes.reduce((a, s) => a + s.gzipBytes, 0),
  };
}

export interface SiteBench {
  readonly search: SearchBench;
  readonly buildSite: {
    readonly versions: number;
    readonly files: number;
    readonly bytes: number;
    readonly ms: number;
  };
}

/**
 * The whole site benchmark on a synthetic registry (default: 20,000 servers for the index and the keystrokes;
 * 10,000 servers × 2 versions = 20,000 versions for buildSite).
 */
export async function benchSite(options: { servers?: number; now?: () => number } = {}): Promise<SiteBench> {
  const now = options.now ?? (() => performance.now());
  const servers = options.servers ?? 20_000;
  const searchResult = benchSearch(syntheticModel({ servers }), now);
  const model = syntheticModel({ servers: Math.ceil(servers / 2), versionsPerServer: 2 });
  const start = now();
  const files = await buildSite(model);
  const ms = now() - start;
  let bytes = 0;
  for (const content of files.values())
    bytes += typeof content === "string" ? Buffer.byteLength(content) : content.length;
  return { search: searchResult, buildSite: { versions: model.versions.length, files: files.size, bytes, ms } };
}

export function formatSiteBench(result: SiteBench): string {
  const s = result.search;
  const b = result.buildSite;
  return [
    `site search index (${s.servers} servers): ${(s.rawBytes / 1024).toFixed(0)} KiB raw, ${(s.gzipBytes / 1024).toFixed(0)} KiB gzipped (limit 1024 KiB)`,
    `site search: prepare ${s.prepareMs.toFixed(1)} ms; per keystroke mean ${s.keystroke.meanMs.toFixed(2)} ms, p95 ${s.keystroke.p95Ms.toFixed(2)} ms, max ${s.keystroke.maxMs.toFixed(2)} ms over ${s.keystroke.keystrokes} keystrokes (warm; slowest cold ${s.coldMaxMs.toFixed(1)} ms)`,
    `site build (${b.versions} versions): ${b.ms.toFixed(0)} ms, ${b.files} files, ${(b.bytes / 1048576).toFixed(1)} MiB`,
  ].join("\n");
}
