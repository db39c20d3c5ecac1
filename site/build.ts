// Builds the browse site into the same tree as the static API. The core build calls buildSite() and writes the
// returned files under dist/. It never writes under v0/ or v0.1/: those belong to the API.
//
// Deterministic: the output depends only on the model and the files in site/ (no clock, no randomness, sorted
// paths), so that two builds of one commit are byte-identical.

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build as esbuild } from "esbuild";
import { compareCodeUnits, type RegistryModel } from "../scripts/lib/model.ts";
import { stringifyJson } from "../scripts/lib/safe-json.ts";
import { PAGE_SIZE, render404, renderHome, renderServerPage, type Assets } from "./render.ts";
import { buildSearchIndex } from "./search-index.ts";
import { serverPageDir } from "./src/paths.ts";
import { prepareIndex, search } from "./src/search.ts";
import { groupServers } from "./servers.ts";
import type { RemoteHealth } from "../scripts/lib/verify/remote-health.ts";

export type SiteFiles = Map<string, string | Uint8Array>;

/** Top-level names the site writes; everything else at the root (v0/, v0.1/, …) belongs to the API. */
export const SITE_ROOT_NAMES: readonly string[] = ["404.html", "assets", "index.html", "s"];

const APP_ENTRY = fileURLToPath(new URL("./src/app.ts", import.meta.url));
const CSS_FILE = new URL("./static/site.css", import.meta.url);

/** Bundles site/src/app.ts for browsers (ES2020 modules, minified). */
export async function bundleApp(): Promise<string> {
  const result = await esbuild({
    entryPoints: [APP_ENTRY],
    bundle: true,
    format: "esm",
    target: "es2020",
    minify: true,
    legalComments: "none",
    charset: "utf8",
    write: false,
    logLevel: "silent",
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error("site/build.ts: esbuild produced no output for site/src/app.ts");
  return output.text;
}

function shortHash(content: string): string {
  return createHash("sha256").update(content).digest("hex").slice(0, 12);
}

/** `remotes`: the nightly health report's remote states by server name, shown as badges on the server pages. */
export async function buildSite(
  model: RegistryModel,
  remotes?: ReadonlyMap<string, readonly RemoteHealth[]>,
): Promise<SiteFiles> {
  const groups = groupServers(model);
  const index = buildSearchIndex(model, groups);
  const indexJson = stringifyJson(index);
  const [js, css] = await Promise.all([bundleApp(), readFile(CSS_FILE, "utf8")]);
  // Static hosts ignore query strings, browsers key their caches on them: a changed file gets a new URL.
  const assets: Assets = {
    css: `assets/site.css?v=${shortHash(css)}`,
    js: `assets/app.js?v=${shortHash(js)}`,
    index: `assets/search-index.json?v=${shortHash(indexJson)}`,
  };

  // The home page ships with the first results of the empty search, so it paints before the index arrives.
  const hits = search(prepareIndex(index), "");
  const firstPage = hits.slice(0, PAGE_SIZE).map((h) => h.index);

  const files: [string, string][] = [
    ["index.html", renderHome(index, firstPage, hits.length, model.versions.length, assets, model.info)],
    ["404.html", render404()],
    ["assets/app.js", js],
    ["assets/site.css", css],
    ["assets/search-index.json", indexJson],
  ];
  for (const group of groups) {
    files.push([
      `${serverPageDir(group.name)}index.html`,
      renderServerPage(group, assets, model.info, remotes?.get(group.name)),
    ]);
  }
  files.sort((a, b) => compareCodeUnits(a[0], b[0]));
  const out: SiteFiles = new Map();
  for (const [path, content] of files) {
    if (out.has(path))
      throw new Error(`site/build.ts: two servers map to the same page ${path}; this is a bug in the site build`);
    out.set(path, content);
  }
  return out;
}
