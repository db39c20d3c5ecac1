// The catalog parts of the site in Chromium: the statistics page, the Atom feeds (checked by the browser's XML
// parser and parsed by feedsmith), the sort orders kept in the URL, a deleted server's page, every same-origin
// link of every page answering 200, and every page at 360 px without sideways scrolling. The sample registry is
// served with its API files, under a sub-path (/repo/, like project Pages). Screenshots of home, search, a
// server page, a deleted server's page and the statistics page, desktop and phone, go to test-artifacts/site/.

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAtomFeed } from "feedsmith";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emitApiTree } from "../scripts/lib/build.ts";
import { browserSuiteTitle, launchChromium, SHOULD_RUN_BROWSER_TESTS } from "../scripts/test/chromium.ts";
import { buildSite, type SiteFiles } from "./build.ts";
import { SERVERS_FEED, VERSIONS_FEED } from "./feeds.ts";
import { serverPageDir } from "./src/paths.ts";
import { prepareIndex, search, sortHits, SORT_ORDERS, type SearchIndexFile } from "./src/search.ts";
import { sampleModel } from "./test/sample-model.ts";
import { serveStatic, type StaticServer } from "./test/static-server.ts";

const ARTIFACTS = fileURLToPath(new URL("../test-artifacts/site/", import.meta.url));
const SUITE = browserSuiteTitle("site/catalog-browser.test.ts", "catalog pages in Chromium");
const DESKTOP = { width: 1100, height: 900 };
const PHONE = { width: 360, height: 740 };
const DELETED = "io.github.example/quay-sample-mcp";
const SERVER = "io.modelcontextprotocol.anonymous/brave-search";

describe.skipIf(!SHOULD_RUN_BROWSER_TESTS)(SUITE, () => {
  let dir: string;
  let files: SiteFiles;
  let server: StaticServer;
  let browser: Browser;
  let context: BrowserContext;
  const pageErrors: string[] = [];

  async function newPage(viewport = DESKTOP): Promise<Page> {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    return page;
  }

  async function resultNames(page: Page): Promise<string[]> {
    return page.locator("#results .result-name a").allTextContents();
  }

  const htmlPages = (): string[] =>
    [...files.keys()]
      .filter((p) => p.endsWith("index.html"))
      .map((p) => p.slice(0, -"index.html".length))
      .sort();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "site-catalog-"));
    files = await buildSite(sampleModel());
    const all = new Map<string, string | Uint8Array>(files);
    emitApiTree(sampleModel(), (p, body) => all.set(p, body));
    for (const [path, content] of all) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    await mkdir(ARTIFACTS, { recursive: true });
    server = await serveStatic(dir, "/repo/");
    browser = await launchChromium();
    context = await browser.newContext();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("the statistics page shows its charts, each with a table of the same numbers, in light and dark", async () => {
    const page = await newPage();
    await page.goto(`${server.url}stats/`);
    const sections = page.locator("section.stat");
    expect(await sections.count()).toBe(6);
    for (let i = 0; i < 6; i++) {
      const section = sections.nth(i);
      expect(await section.locator("svg.chart").isVisible()).toBe(true);
      expect(await section.locator("table.chart-table caption").textContent()).not.toBe("");
      expect(await section.locator("table.chart-table tbody tr").count()).toBeGreaterThan(0);
    }
    const types = page.locator("#package-types").locator("..");
    const drawn = await types.locator("svg .chart-value").allTextContents();
    const listed = await types.locator("table td").allTextContents();
    expect(drawn.length).toBeGreaterThan(1);
    expect(listed).toEqual(drawn);
    // the charts are hidden from screen readers, which read the tables
    expect(await page.locator("svg.chart:not([aria-hidden='true'])").count()).toBe(0);
    const barFill = () =>
      page
        .locator("#package-types ~ figure .chart-bar")
        .first()
        .evaluate((e) => getComputedStyle(e).fill);
    const light = await barFill();
    await page.screenshot({ path: join(ARTIFACTS, "stats-desktop.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    const dark = await barFill();
    expect(dark).not.toBe(light);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe("rgb(13, 17, 23)");
    await page.screenshot({ path: join(ARTIFACTS, "stats-dark.png"), fullPage: true });
    await page.close();
  });

  it("the feeds are well-formed XML to the browser and valid Atom to feedsmith, linked from the pages", async () => {
    const page = await newPage();
    await page.goto(`${server.url}${serverPageDir(SERVER)}`);
    const own = await page.locator('head link[rel="alternate"][href="versions.xml"]').getAttribute("href");
    const feeds = [SERVERS_FEED, VERSIONS_FEED, `${serverPageDir(SERVER)}${own}`];
    await page.goto(server.url);
    const advertised = await page
      .locator('head link[rel="alternate"][type="application/atom+xml"]')
      .evaluateAll((links) => links.map((l) => (l as HTMLLinkElement).href));
    expect(advertised).toEqual([`${server.url}${SERVERS_FEED}`, `${server.url}${VERSIONS_FEED}`]);
    for (const path of feeds) {
      const url = `${server.url}${path}`;
      const checked = await page.evaluate(async (u) => {
        const response = await fetch(u);
        const xml = await response.text();
        const doc = new DOMParser().parseFromString(xml, "application/xml");
        return {
          status: response.status,
          xml,
          error: doc.querySelector("parsererror")?.textContent ?? null,
          root: doc.documentElement.namespaceURI,
        };
      }, url);
      expect(checked.status, path).toBe(200);
      expect(checked.error, path).toBeNull();
      expect(checked.root).toBe("http://www.w3.org/2005/Atom");
      const feed = parseAtomFeed(checked.xml);
      expect(feed.entries?.length, path).toBeGreaterThan(0);
      // every entry's link opens a page
      for (const entry of feed.entries ?? []) {
        const href = entry.links?.find((l) => l.rel === "alternate")?.href ?? "";
        const target = new URL(href, url).href;
        expect(target.startsWith(server.url), target).toBe(true);
        expect((await page.request.get(target)).status(), target).toBe(200);
      }
    }
    await page.close();
  });

  it("sorts by each order, keeps the order in the URL, and restores it on reload", async () => {
    const index = prepareIndex(JSON.parse(String(files.get("assets/search-index.json"))) as SearchIndexFile);
    const expected = (order: string, query = ""): string[] =>
      sortHits(index, search(index, query), order).map((h) => index.fullName[h.index] ?? "");
    const page = await newPage();
    await page.goto(server.url);
    await page.waitForSelector("form#search[data-ready='true']");
    expect(await page.locator("#recent").isVisible()).toBe(true);
    for (const order of SORT_ORDERS) {
      await page.selectOption("#f-sort", order);
      // the list and the URL change in the same frame; polling both waits for that frame even where two orders
      // list the sample alike (every sample server is published in the same hour, so "published" is "name")
      await expect
        .poll(async () => ({ names: await resultNames(page), sort: new URL(page.url()).searchParams.get("sort") }))
        .toEqual({ names: expected(order), sort: order === "" ? null : order });
      // the recency lists stand for the default view only
      expect(await page.locator("#recent").isVisible()).toBe(order === "");
    }
    await page.selectOption("#f-sort", "updated");
    await page.locator("#q").fill("search");
    await expect
      .poll(async () => ({ names: await resultNames(page), search: new URL(page.url()).search }))
      .toEqual({ names: expected("updated", "search"), search: "?q=search&sort=updated" });
    await page.reload();
    await page.waitForSelector("form#search[data-ready='true']");
    expect(await page.locator("#f-sort").inputValue()).toBe("updated");
    await expect.poll(() => resultNames(page)).toEqual(expected("updated", "search"));
    // best match with a query ranks by relevance
    await page.selectOption("#f-sort", "");
    await expect
      .poll(async () => ({ names: await resultNames(page), search: new URL(page.url()).search }))
      .toEqual({ names: expected("", "search"), search: "?q=search" });
    await page.close();
  });

  it("a deleted server's page has no latest badge and only links that answer 200", async () => {
    const page = await newPage();
    const response = await page.goto(`${server.url}${serverPageDir(DELETED)}`);
    expect(response?.status()).toBe(200);
    expect(await page.locator(".badge-latest").count()).toBe(0);
    expect(await page.locator(".notice-deleted").textContent()).toContain("Every version of this server is deleted.");
    expect(await page.locator(".versions .badge-deleted").count()).toBe(1);
    const links = await page
      .locator("a[href], link[href]")
      .evaluateAll((els) => els.map((e) => (e as HTMLAnchorElement).href));
    const own = links.filter((l) => l.startsWith(server.url));
    expect(own.length).toBeGreaterThan(5);
    for (const link of own) expect((await page.request.get(link)).status(), link).toBe(200);
    await page.close();
  });

  it("every same-origin link on every page answers 200", async () => {
    const page = await newPage();
    const origin = new URL(server.url).origin;
    const seen = new Map<string, number>();
    for (const path of htmlPages()) {
      await page.goto(`${server.url}${path}`);
      const links = await page
        .locator("a[href], link[href], script[src], meta[property='og:image']")
        .evaluateAll((els) =>
          els.map((e) =>
            e instanceof HTMLMetaElement
              ? new URL(e.content, document.baseURI).href
              : ((e as HTMLAnchorElement).href ?? (e as HTMLScriptElement).src),
          ),
        );
      for (const link of links) {
        const url = new URL(link);
        if (url.origin !== origin || url.protocol === "data:") continue;
        url.hash = "";
        if (!seen.has(url.href)) seen.set(url.href, (await page.request.get(url.href, { maxRedirects: 0 })).status());
      }
    }
    const bad = [...seen].filter(([, status]) => status !== 200);
    expect(bad).toEqual([]);
    expect(seen.size).toBeGreaterThan(80);
    console.log(`site: ${seen.size} distinct same-origin links on ${htmlPages().length} pages, all 200`);
    await page.close();
  });

  it("every page fits 360 px without sideways scrolling; code scrolls inside its own box", async () => {
    const page = await newPage(PHONE);
    const pages = [...htmlPages(), "s/io.example/missing/"];
    for (const path of pages) {
      await page.goto(`${server.url}${path}`);
      // open every snippet, so long code lines are laid out
      await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
      const overflow = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        widest: Math.max(
          0,
          ...Array.from(document.querySelectorAll(".table-wrap, pre:not(.table-wrap pre)")).map(
            (p) => p.getBoundingClientRect().right,
          ),
        ),
      }));
      expect(overflow.page, path).toBeLessThanOrEqual(0);
      expect(overflow.widest, path).toBeLessThanOrEqual(360);
    }
    expect(pages.length).toBeGreaterThan(18);
    await page.close();
  });

  it("screenshots: home, search, a server, a deleted server and the statistics, desktop and phone", async () => {
    const shots: [string, string, boolean][] = [
      ["home", "", false],
      ["search", "?q=github", true],
      ["server", serverPageDir(SERVER), false],
      ["deleted-server", serverPageDir(DELETED), false],
      ["stats", "stats/", false],
    ];
    for (const [viewport, size] of [
      ["desktop", DESKTOP],
      ["phone", PHONE],
    ] as const) {
      const page = await newPage(size);
      for (const [name, path, waitForSearch] of shots) {
        await page.goto(`${server.url}${path}`);
        if (waitForSearch) await page.waitForSelector("form#search[data-ready='true']");
        await page.screenshot({ path: join(ARTIFACTS, `${name}-${viewport}.png`), fullPage: true });
      }
      await page.close();
    }
    expect(pageErrors).toEqual([]);
  });
});
