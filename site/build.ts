// Builds the browse site into the same tree as the static API. The core build calls buildSite() and writes the
// returned files under dist/. It never writes under v0/ or v0.1/: those belong to the API.
//
// Deterministic: the output depends only on the model and the files in site/ (no clock, no randomness, sorted
// paths), so that two builds of one commit are byte-identical.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildSync as esbuild } from "esbuild";
import { compareCodeUnits, serverOf, type RegistryModel, type VersionRecord } from "../scripts/lib/model.ts";
import { stringifyJson } from "../scripts/lib/safe-json.ts";
import type { FeedHistory } from "../scripts/lib/mirror/feed.ts";
import { changesOf, serverTimes, type Change } from "./changes.ts";
import { buildFeeds, type FeedServer, type FeedText } from "./feeds.ts";
import {
  PAGE_SIZE,
  PREVIEW_IMAGE,
  render404,
  renderHome,
  renderServerPages,
  renderStatsPage,
  type Assets,
  type PageAssets,
  type PageGroup,
  type PageRecord,
  type PageVersion,
  type RecentLists,
  type ServerPagesInput,
} from "./render.ts";
import { buildSearchIndex } from "./search-index.ts";
import { serverPageDir } from "./src/paths.ts";
import { prepareIndex, publishedHour, search, sortHits, type PreparedIndex } from "./src/search.ts";
import { groupServers, type ServerGroup } from "./servers.ts";
import { computeStats, renderStatsMain } from "./stats.ts";
import type { RemoteHealth } from "../scripts/lib/verify/remote-health.ts";
import type { WorkerPool } from "../scripts/lib/parallel/pool.ts";

export type SiteFiles = Map<string, string | Uint8Array>;

/** Top-level names the site writes; everything else at the root (v0/, v0.1/, …) belongs to the API. */
export const SITE_ROOT_NAMES: readonly string[] = ["404.html", "assets", "feeds", "index.html", "s", "stats"];

const APP_ENTRY = fileURLToPath(new URL("./src/app.ts", import.meta.url));
const CSS_FILE = new URL("./static/site.css", import.meta.url);
const PREVIEW_FILE = new URL("./static/preview.png", import.meta.url);
/** "New this week" looks back this far from the build's time (the data's time, not the clock). */
const WEEK_SECONDS = 7 * 86_400;
const RECENT_COUNT = 6;

/**
 * Server pages per worker task: enough that a message's fixed cost is small beside the rendering, few enough
 * that the two threads finish together.
 */
const PAGES_PER_TASK = 64;

/**
 * Bundles site/src/app.ts for browsers (ES2020 modules, minified). On this thread (esbuild's build() gives the
 * same bytes): the server pages are handed to the workers before buildSite first waits.
 */
function bundleApp(): string {
  const result = esbuild({
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

/** The home page's recency lists, from the index's time columns. */
function recentLists(prepared: PreparedIndex, generatedAt: string): RecentLists {
  const all = search(prepared, "");
  const since = (Date.parse(generatedAt) / 1000 - WEEK_SECONDS) / 3600;
  return {
    newThisWeek: sortHits(prepared, all, "published")
      .filter((h) => publishedHour(prepared.file, h.index) >= since)
      .slice(0, RECENT_COUNT)
      .map((h) => h.index),
    recentlyUpdated: sortHits(prepared, all, "updated")
      .slice(0, RECENT_COUNT)
      .map((h) => h.index),
  };
}

/** Atom feeds and the statistics page: everything built from the changes. */
function changePages(
  model: RegistryModel,
  groups: readonly ServerGroup[],
  changes: readonly Change[],
  assets: Assets,
): [string, string][] {
  const texts = (r: VersionRecord): FeedText => {
    const server = serverOf(r);
    return {
      title: typeof server.title === "string" ? server.title : "",
      description: typeof server.description === "string" ? server.description : "",
    };
  };
  const servers = new Map<string, FeedServer>(
    groups.map((g) => [
      g.name,
      { ...texts(g.latest), versions: new Map(g.versions.map((v) => [v.version, texts(v)])) },
    ]),
  );
  const stats = renderStatsPage(renderStatsMain(computeStats(groups, changes), model), assets, model.info);
  return [...buildFeeds(changes, servers, model.info), ["stats/index.html", stats]];
}

/** The latest version without what a page never shows (its bytes, its file), so that less crosses to a worker. */
function pageRecord(r: VersionRecord): PageRecord {
  const { name, version, json, official, receipt } = r;
  return receipt === undefined ? { name, version, json, official } : { name, version, json, official, receipt };
}

/** A server as its page reads it: the latest version's document, every version's row only. */
function pageGroup(g: ServerGroup): PageGroup {
  const latest = pageRecord(g.latest);
  const versions = g.versions.map((v): PageVersion =>
    v === g.latest ? latest : { version: v.version, official: v.official },
  );
  return { name: g.name, latest, versions };
}

/**
 * Every server's page, in the order of `groups`: rendered on the pool's threads when there is one (handed out
 * now, ahead, so they render while this thread goes on with the API), else here when asked for.
 */
function serverPages(
  groups: readonly ServerGroup[],
  assets: PageAssets,
  model: RegistryModel,
  remotes: ReadonlyMap<string, readonly RemoteHealth[]> | undefined,
  pool: WorkerPool | undefined,
): () => Promise<string[]> {
  const batch = (from: number): ServerPagesInput => ({
    assets,
    info: model.info,
    servers: groups.slice(from, from + PAGES_PER_TASK).map((g) => {
      const group = pageGroup(g);
      const health = remotes?.get(g.name);
      return health === undefined ? { group } : { group, remotes: health };
    }),
  });
  if (pool === undefined)
    return async () =>
      renderServerPages({
        assets,
        info: model.info,
        servers: groups.map((group) => ({ group, remotes: remotes?.get(group.name) })),
      });
  const tasks: Promise<string[]>[] = [];
  for (let from = 0; from < groups.length; from += PAGES_PER_TASK) tasks.push(pool.run("pages", batch(from), true));
  // Every task is awaited together: one failing rejects the site, and none is left unhandled.
  const all = Promise.all(tasks).then((pages) => pages.flat());
  all.catch(() => {});
  return () => all;
}

/**
 * The whole site. `history` is the build's git history: with it the feeds and charts come from the change feed
 * (scripts/lib/mirror/feed.ts); without it (tests, benchmarks) from the model's times. `remotes`: the nightly
 * health report's remote states by server name, shown as badges on the server pages.
 */
export async function buildSite(
  model: RegistryModel,
  history?: FeedHistory,
  remotes?: ReadonlyMap<string, readonly RemoteHealth[]>,
  pool?: WorkerPool,
): Promise<SiteFiles> {
  const groups = groupServers(model);
  const js = bundleApp();
  const css = readFileSync(CSS_FILE, "utf8");
  // Static hosts ignore query strings, browsers key their caches on them: a changed file gets a new URL.
  const pageAssets: PageAssets = { css: `assets/site.css?v=${shortHash(css)}`, js: `assets/app.js?v=${shortHash(js)}` };
  const pages = serverPages(groups, pageAssets, model, remotes, pool);
  const changes = changesOf(model, history);
  const index = buildSearchIndex(model, groups, serverTimes(changes));
  const indexJson = stringifyJson(index);
  const preview = readFileSync(PREVIEW_FILE);
  const assets: Assets = { ...pageAssets, index: `assets/search-index.json?v=${shortHash(indexJson)}` };

  // The home page ships with the first results of the empty search, so it paints before the index arrives.
  const prepared = prepareIndex(index);
  const hits = search(prepared, "");
  const firstPage = hits.slice(0, PAGE_SIZE).map((h) => h.index);
  const recent = recentLists(prepared, model.info.generatedAt);

  const files: [string, string | Uint8Array][] = [
    ["index.html", renderHome(index, firstPage, hits.length, model.versions.length, assets, model.info, recent)],
    ["404.html", render404()],
    ["assets/app.js", js],
    ["assets/site.css", css],
    ["assets/search-index.json", indexJson],
    [PREVIEW_IMAGE, new Uint8Array(preview)],
    ...changePages(model, groups, changes, assets),
  ];
  const rendered = await pages();
  groups.forEach((group, i) => files.push([`${serverPageDir(group.name)}index.html`, rendered[i]!]));
  files.sort((a, b) => compareCodeUnits(a[0], b[0]));
  const out: SiteFiles = new Map();
  for (const [path, content] of files) {
    if (out.has(path))
      throw new Error(`site/build.ts: two servers map to the same page ${path}; this is a bug in the site build`);
    out.set(path, content);
  }
  return out;
}
