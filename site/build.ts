// Builds the browse site into the same tree as the static API. The core build calls emitSite(), which hands each
// file to the build's sink as it is made (buildSite() gathers them, for tests). It never writes under v0/ or v0.1/: those belong to the API.
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
 * Batches of pages handed to each thread ahead of its answers: enough that a thread has work queued while this
 * thread, busy with the API, has not yet taken its answers, few enough that the pages held stay a few MB.
 */
const BATCHES_AHEAD_PER_THREAD = 4;

/**
 * Bundles site/src/app.ts for browsers (ES2020 modules, minified). On this thread (esbuild's build() gives the
 * same bytes): the server pages are handed to the workers before emitSite first waits.
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
 * Every server's page, each batch handed to `put` as soon as it is rendered, in the order of `groups`. On the
 * pool's threads when there is one: a window of batches is handed out now, ahead (they render while this thread
 * goes on with the API), and each batch that comes back makes room for the next; so the pages held, rendered
 * or waiting to be, are at most the window's, however many servers there are. Without a pool, rendered here,
 * one batch at a time.
 */
async function putServerPages(
  groups: readonly ServerGroup[],
  assets: PageAssets,
  model: RegistryModel,
  remotes: ReadonlyMap<string, readonly RemoteHealth[]> | undefined,
  pool: WorkerPool | undefined,
  put: SitePut,
): Promise<void> {
  const batch = (from: number): ServerPagesInput => ({
    assets,
    info: model.info,
    servers: groups.slice(from, from + PAGES_PER_TASK).map((g) => {
      const group = pool === undefined ? g : pageGroup(g);
      const health = remotes?.get(g.name);
      return health === undefined ? { group } : { group, remotes: health };
    }),
  });
  const putBatch = (from: number, rendered: readonly string[]) =>
    rendered.forEach((page, i) => put(`${serverPageDir(groups[from + i]!.name)}index.html`, page));
  if (pool === undefined) {
    for (let from = 0; from < groups.length; from += PAGES_PER_TASK) putBatch(from, renderServerPages(batch(from)));
    return;
  }
  // Shifted off as each is awaited: a settled promise holds its pages for as long as it is referenced.
  const window: Promise<string[]>[] = [];
  let next = 0;
  const handOut = () => {
    if (next >= groups.length) return;
    const task = pool.run("pages", batch(next), true);
    task.catch(() => {}); // awaited in turn below; one failing first must not leave the later ones unhandled
    window.push(task);
    next += PAGES_PER_TASK;
  };
  for (let i = 0; i < pool.size * BATCHES_AHEAD_PER_THREAD; i++) handOut();
  for (let from = 0; from < groups.length; from += PAGES_PER_TASK) {
    putBatch(from, await window.shift()!);
    handOut(); // after the put: the threads still have the rest of the window queued
  }
}

/** The site's files but the server pages, each handed to `put` as it is made. */
function putOtherFiles(
  model: RegistryModel,
  groups: readonly ServerGroup[],
  history: FeedHistory | undefined,
  js: string,
  css: string,
  pageAssets: PageAssets,
  put: SitePut,
): void {
  put("assets/app.js", js);
  put("assets/site.css", css);
  put(PREVIEW_IMAGE, new Uint8Array(readFileSync(PREVIEW_FILE)));
  put("404.html", render404());
  const changes = changesOf(model, history);
  const index = buildSearchIndex(model, groups, serverTimes(changes));
  const indexJson = stringifyJson(index);
  put("assets/search-index.json", indexJson);
  const assets: Assets = { ...pageAssets, index: `assets/search-index.json?v=${shortHash(indexJson)}` };

  // The home page ships with the first results of the empty search, so it paints before the index arrives.
  const prepared = prepareIndex(index);
  const hits = search(prepared, "");
  const firstPage = hits.slice(0, PAGE_SIZE).map((h) => h.index);
  const recent = recentLists(prepared, model.info.generatedAt);
  put("index.html", renderHome(index, firstPage, hits.length, model.versions.length, assets, model.info, recent));
  for (const [p, body] of changePages(model, groups, changes, assets)) put(p, body);
}

/** Where the site's files go, one at a time, as they are made (the order is no part of the output). */
export type SitePut = (path: string, body: string | Uint8Array) => void;

/**
 * The whole site, each file handed to `put` as it is made, so that the build holds a bounded working set of it
 * rather than all of it (at 100,000 versions the pages are ~180 MB). `history` is the build's git history: with
 * it the feeds and charts come from the change feed (scripts/lib/mirror/feed.ts); without it (tests,
 * benchmarks) from the model's times. `remotes`: the nightly health report's remote states by server name, shown
 * as badges on the server pages. With a pool, the pages are handed to it before this returns its promise.
 */
export async function emitSite(
  model: RegistryModel,
  put: SitePut,
  history?: FeedHistory,
  remotes?: ReadonlyMap<string, readonly RemoteHealth[]>,
  pool?: WorkerPool,
): Promise<void> {
  // A path made twice would be one file overwriting another in the sink: only two servers' pages (and feeds)
  // can, when their names map to one folder. One path per file the site makes: it grows with servers.
  const made = new Set<string>();
  const putOnce: SitePut = (path, body) => {
    if (made.has(path))
      throw new Error(`site/build.ts: two servers map to the same page ${path}; this is a bug in the site build`);
    made.add(path);
    put(path, body);
  };
  const groups = groupServers(model);
  const js = bundleApp();
  const css = readFileSync(CSS_FILE, "utf8");
  // Static hosts ignore query strings, browsers key their caches on them: a changed file gets a new URL.
  const pageAssets: PageAssets = { css: `assets/site.css?v=${shortHash(css)}`, js: `assets/app.js?v=${shortHash(js)}` };
  const pages = putServerPages(groups, pageAssets, model, remotes, pool, putOnce);
  pages.catch(() => {}); // awaited below; the other files failing first must not leave it unhandled
  putOtherFiles(model, groups, history, js, css, pageAssets, putOnce);
  await pages;
}

/** The whole site in memory, sorted by path (tests, benchmarks); what emitSite hands over, gathered. */
export async function buildSite(
  model: RegistryModel,
  history?: FeedHistory,
  remotes?: ReadonlyMap<string, readonly RemoteHealth[]>,
  pool?: WorkerPool,
): Promise<SiteFiles> {
  const files: [string, string | Uint8Array][] = [];
  await emitSite(model, (path, body) => files.push([path, body]), history, remotes, pool);
  files.sort((a, b) => compareCodeUnits(a[0], b[0]));
  return new Map(files);
}
