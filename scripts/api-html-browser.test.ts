// Every `.html` API route of a hostile tree, opened in Chromium (playwright-core, as site/browser.test.ts
// drives it) on a GitHub Pages stand-in and on `npm start`: no script of the hostile publisher runs (each
// would set globalThis.__pwned and request /pwned/…). A control page holding the same documents written with
// plain JSON.stringify proves the detector sees a script that runs. On `npm start` the browse site still works
// under its Content-Security-Policy. The tree is built and served by the real CLIs.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserSuiteTitle, launchChromium, SHOULD_RUN_BROWSER_TESTS } from "./test/chromium.ts";
import { startPagesEmulator, type PagesEmulator } from "./test/static-hosts/pages-emulator.ts";
import { HOSTILE_MARKUP, HOSTILE_SERVER, writeHostileTree } from "./test/hostile-tree.ts";
import { createTempRepo, type TempRepo } from "./test/temp-git.ts";

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const TSX = path.join(REPO, "node_modules/.bin/tsx");

/** Every `.html` file the build wrote under the API folders, relative to dist/. */
function htmlApiFiles(dist: string): string[] {
  return ["v0", "v0.1"]
    .flatMap((p) => fs.readdirSync(path.join(dist, p), { recursive: true }).map((f) => `${p}/${String(f)}`))
    .filter((f) => f.endsWith(".html"))
    .sort();
}

/** The URLs a client opens for a file: the file itself, and its pretty URL (`servers`, `…/versions/`). */
function routesOf(rel: string): string[] {
  if (rel.endsWith("/index.html")) return [rel, rel.slice(0, -"index.html".length)];
  return [rel, rel.slice(0, -".html".length)];
}

const SUITE = browserSuiteTitle(
  "scripts/api-html-browser.test.ts",
  "the .html API routes of a hostile tree in Chromium",
);

describe.skipIf(!SHOULD_RUN_BROWSER_TESTS)(SUITE, () => {
  let repo: TempRepo;
  let dist: string;
  let pages: PagesEmulator;
  let control: PagesEmulator;
  let serve: ChildProcess;
  let serveUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    repo = createTempRepo("api-html-browser-");
    writeHostileTree(repo.dir);
    repo.commit("hostile publisher", 1_750_000_000);
    const built = spawnSync(TSX, [path.join(REPO, "scripts/build.ts")], { cwd: repo.dir, encoding: "utf8" });
    if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);
    dist = fs.realpathSync(path.join(repo.dir, "dist"));
    pages = await startPagesEmulator({ root: dist, basePath: "/repo" });

    // The control: the same list written raw, as the build did before stringifyJson.
    const raw = path.join(repo.dir, "control");
    const list = JSON.parse(fs.readFileSync(path.join(dist, "v0.1/servers.json"), "utf8")) as unknown;
    fs.mkdirSync(path.join(raw, "v0.1"), { recursive: true });
    fs.writeFileSync(path.join(raw, "v0.1/servers.html"), JSON.stringify(list));
    control = await startPagesEmulator({ root: raw, basePath: "/repo" });

    serve = spawn(TSX, [path.join(REPO, "scripts/serve.ts"), "--port", "0", "--host", "127.0.0.1", "--out", "served"], {
      cwd: repo.dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    serveUrl = await new Promise<string>((resolve, reject) => {
      let out = "";
      serve.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /serving (http:\/\/[^/\s]+)\//.exec(out);
        if (m) resolve(m[1]!);
      });
      serve.stderr!.on("data", (d: Buffer) => (out += d.toString()));
      serve.once("exit", (code) => reject(new Error(`npm start exited ${code}: ${out}`)));
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await control?.close();
    serve?.kill("SIGTERM");
    repo?.remove();
  });

  /** Open each URL in one tab; report whether any hostile script ran or any /pwned/ request left it, and its text. */
  async function openAll(
    urls: readonly string[],
  ): Promise<{ url: string; pwned: unknown; requests: string[]; text: string }[]> {
    const page: Page = await browser.newPage();
    let requests: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/pwned")) requests.push(r.url());
    });
    page.on("dialog", (d) => void d.dismiss());
    const out = [];
    for (const url of urls) {
      requests = [];
      await page.goto(url, { waitUntil: "load" });
      await page.waitForTimeout(20); // let an onerror/onload handler or a fetch fire
      const pwned = await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned);
      out.push({ url, pwned, requests, text: (await page.textContent("body")) ?? "" });
    }
    await page.close();
    return out;
  }

  it("the detector works: the same list written with plain JSON.stringify runs the publisher's script", async () => {
    const [r] = await openAll([`${control.url}v0.1/servers.html`]);
    expect(r!.pwned).toBeDefined();
    expect(r!.requests.length).toBeGreaterThan(0);
  });

  it("on a Pages-like host, no .html API route runs anything (file and pretty URL)", async () => {
    const files = htmlApiFiles(dist);
    expect(files).toEqual(
      expect.arrayContaining([
        "v0/servers.html",
        "v0.1/servers.html",
        "v0.1/servers/index.html",
        `v0.1/servers/${HOSTILE_SERVER}/versions/index.html`,
      ]),
    );
    for (const r of await openAll(files.flatMap(routesOf).map((u) => `${pages.url}${u}`))) {
      expect({ url: r.url, pwned: r.pwned, requests: r.requests }).toEqual({
        url: r.url,
        pwned: undefined,
        requests: [],
      });
      expect(r.text, r.url).toContain("\\u003cscript\\u003e"); // the JSON is there, as text
    }
  }, 120_000);

  it("on npm start, no .html API route runs anything", async () => {
    for (const r of await openAll(
      htmlApiFiles(dist)
        .flatMap(routesOf)
        .map((u) => `${serveUrl}/${u}`),
    )) {
      expect({ url: r.url, pwned: r.pwned, requests: r.requests }).toEqual({
        url: r.url,
        pwned: undefined,
        requests: [],
      });
      expect(r.text, r.url).toContain("\\u003cscript\\u003e");
    }
  }, 120_000);

  it("on npm start the browse site works under its CSP: search, a server page, the 404 page's inline script", async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${serveUrl}/`);
    await page.waitForSelector("form#search[data-ready='true']"); // app.js ran and fetched the search index
    await page.locator("#q").fill("inject");
    await expect.poll(() => page.locator("#results .result-name a").allTextContents()).toEqual([HOSTILE_SERVER]);
    await page.locator("#results .result-name a").first().click();
    await page.waitForURL(/\/s\/io\.github\.mallory\/inject\/$/);
    expect(await page.textContent("main")).toContain(HOSTILE_MARKUP.script); // shown as text
    expect(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await page.evaluate(() => getComputedStyle(document.body).margin)).not.toBe(""); // site.css applies
    await page.goto(`${serveUrl}/no/such/weather`);
    await expect.poll(() => page.locator("#home").getAttribute("href")).toContain("?q=weather"); // the inline script ran
    await page.close();
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);
});
