// The home page's weight for the Chromium bench (site/bench-browser.test.ts): what it downloads before search
// works, raw and gzipped, against its transfer budget. (Index size and keystroke timing: scripts/bench.ts.)

import { gzipSync } from "node:zlib";

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
