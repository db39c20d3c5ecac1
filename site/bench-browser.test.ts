// The home page at 20,000 servers in Chromium: its weight (gzipped, as a static host sends it) against the budget,
// and its time to interactive (navigation start to the first results from the loaded index, the mark app.ts sets),
// unthrottled and with the CPU slowed 4× (a mid-range phone). The figures are printed; the README quotes them.

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserSuiteTitle, launchChromium, SHOULD_RUN_BROWSER_TESTS } from "../scripts/test/chromium.ts";
import { HOME_FILES, HOME_TRANSFER_BUDGET, homePageWeight, type PageWeight } from "./bench.ts";
import { buildSite } from "./build.ts";
import { syntheticModel } from "./synthetic.ts";
import { serveStatic, type StaticServer } from "./test/static-server.ts";

const SERVERS = 20_000;
const SUITE = browserSuiteTitle("site/bench-browser.test.ts", `home page at ${SERVERS} servers in Chromium`);

interface Load {
  readonly firstPaintMs: number;
  readonly interactiveMs: number;
}

describe.skipIf(!SHOULD_RUN_BROWSER_TESTS)(SUITE, () => {
  let dir: string;
  let server: StaticServer;
  let browser: Browser;
  let weight: PageWeight;

  beforeAll(async () => {
    const files = await buildSite(syntheticModel({ servers: SERVERS }));
    weight = homePageWeight(files);
    dir = await mkdtemp(join(tmpdir(), "site-bench-"));
    for (const path of [...HOME_FILES, "404.html"]) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), files.get(path) ?? "");
    }
    server = await serveStatic(dir, "/repo/");
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** One cold load (a fresh context: empty cache), optionally with the CPU slowed down. */
  async function load(cpuSlowdown: number): Promise<Load> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    if (cpuSlowdown > 1) {
      const cdp = await context.newCDPSession(page);
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: cpuSlowdown });
    }
    await page.goto(server.url);
    await page.waitForSelector("form#search[data-ready='true']", { timeout: 60_000 });
    const times = await page.evaluate(() => ({
      firstPaintMs: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1,
      interactiveMs: performance.getEntriesByName("search-ready")[0]?.startTime ?? -1,
    }));
    await context.close();
    return times;
  }

  const median = (xs: readonly number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

  it("weighs less than the budget, gzipped", () => {
    for (const f of weight.files)
      console.log(
        `site bench: ${f.path} ${(f.rawBytes / 1000).toFixed(0)} kB raw, ${(f.gzipBytes / 1000).toFixed(1)} kB gzipped`,
      );
    console.log(
      `site bench: home page at ${SERVERS} servers ${(weight.gzipBytes / 1000).toFixed(0)} kB gzipped (budget ${HOME_TRANSFER_BUDGET / 1000} kB), ${(weight.rawBytes / 1e6).toFixed(2)} MB raw`,
    );
    expect(weight.files.map((f) => f.path)).toEqual(HOME_FILES);
    expect(weight.gzipBytes).toBeLessThanOrEqual(HOME_TRANSFER_BUDGET);
    // the index is nearly all of it: the page itself stays small
    expect(weight.files.find((f) => f.path === "index.html")?.gzipBytes).toBeLessThan(10_000);
  });

  it("becomes interactive (index loaded, first results shown) within seconds, also on a slow CPU", async () => {
    for (const slowdown of [1, 4]) {
      const runs: Load[] = [];
      for (let i = 0; i < 3; i++) runs.push(await load(slowdown));
      const paint = median(runs.map((r) => r.firstPaintMs));
      const interactive = median(runs.map((r) => r.interactiveMs));
      console.log(
        `site bench: ${SERVERS} servers, CPU ${slowdown}×: first contentful paint ${paint.toFixed(0)} ms, time to interactive ${interactive.toFixed(0)} ms (median of 3 cold loads over loopback)`,
      );
      expect(paint).toBeGreaterThan(0);
      expect(interactive).toBeGreaterThan(paint);
      expect(interactive).toBeLessThan(slowdown * 5_000);
    }
  }, 300_000);
});
