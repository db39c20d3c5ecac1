// The browse site in a real browser: Debian's Chromium driven by playwright-core, against the built tree served
// on 127.0.0.1 under a sub-path (/repo/, like project Pages). Skipped with a clear message when Chromium is
// missing, except in CI (CI=true), where a missing Chromium fails.

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserSuiteTitle, launchChromium, SHOULD_RUN_BROWSER_TESTS } from "../scripts/test/chromium.ts";
import { buildInstallOptions } from "./snippets.ts";
import { buildSite } from "./build.ts";
import { sampleModel } from "./test/sample-model.ts";
import { serverOf } from "../scripts/lib/model.ts";
import { serveStatic, type StaticServer } from "./test/static-server.ts";

const ARTIFACTS = fileURLToPath(new URL("../test-artifacts/site/", import.meta.url));

const SUITE = browserSuiteTitle("site/browser.test.ts", "browse site in Chromium");

describe.skipIf(!SHOULD_RUN_BROWSER_TESTS)(SUITE, () => {
  let dir: string;
  let server: StaticServer;
  let browser: Browser;
  let context: BrowserContext;
  let origin: string;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  async function newPage(viewport = { width: 1100, height: 900 }): Promise<Page> {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    page.on("dialog", (dialog) => {
      pageErrors.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    return page;
  }

  async function openHome(page: Page, query = ""): Promise<void> {
    await page.goto(`${server.url}${query}`);
    await page.waitForSelector("form#search[data-ready='true']");
  }

  async function resultNames(page: Page): Promise<string[]> {
    return page.locator("#results .result-name a").allTextContents();
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "site-browser-"));
    for (const [path, content] of await buildSite(sampleModel())) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    await mkdir(ARTIFACTS, { recursive: true });
    server = await serveStatic(dir, "/repo/");
    origin = new URL(server.url).origin;
    // playwright gives every launch a fresh, empty profile (its own user-data-dir)
    browser = await launchChromium();
    context = await browser.newContext();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
    context.on("request", (request) => requests.push(request.url()));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("home paints the prerendered list, then loads the index (first paint printed)", async () => {
    const page = await newPage();
    await page.goto(server.url);
    const firstPaint = await page.evaluate(() => {
      const entry = performance.getEntriesByType("paint").find((e) => e.name === "first-contentful-paint");
      return entry?.startTime ?? null;
    });
    console.log(
      `site: first contentful paint of the home page: ${firstPaint == null ? "n/a" : `${firstPaint.toFixed(0)} ms`}`,
    );
    expect(await page.locator("#results .result").count()).toBeGreaterThan(5);
    await page.waitForSelector("form#search[data-ready='true']");
    await expect.poll(() => page.locator("#result-count").textContent()).toBe("16 servers");
    await page.screenshot({ path: join(ARTIFACTS, "home.png"), fullPage: true });
    await page.close();
  });

  it("search with a typo finds the server", async () => {
    const page = await newPage();
    await openHome(page);
    await page.locator("#q").click();
    await page.keyboard.type("brvae serch");
    await expect.poll(() => resultNames(page)).toEqual(["io.modelcontextprotocol.anonymous/brave-search"]);
    await page.locator("#q").fill("");
    await page.keyboard.type("gthub");
    // the URL is written in the frame that shows the results, so once it says the whole query the list is its list
    await expect.poll(() => new URL(page.url()).search).toBe("?q=gthub");
    const names = await resultNames(page);
    expect(names.length).toBeGreaterThan(3);
    for (const name of names) expect(name).toContain("github");
    await page.screenshot({ path: join(ARTIFACTS, "search-typo.png") });
    await page.close();
  });

  it("filters by package type, transport and status", async () => {
    const page = await newPage();
    await openHome(page);
    await page.selectOption("#f-type", "pypi");
    await expect.poll(() => resultNames(page)).toEqual(["io.github.example/weather-mcp"]);
    await page.selectOption("#f-type", "");
    await page.selectOption("#f-transport", "remote");
    await expect
      .poll(() => resultNames(page))
      .toEqual([
        "io.modelcontextprotocol.anonymous/events-server",
        "io.modelcontextprotocol.anonymous/hybrid-mcp",
        "io.modelcontextprotocol.anonymous/mcp-fs",
        "io.modelcontextprotocol.anonymous/multi-tenant-server",
      ]);
    await page.selectOption("#f-transport", "");
    await page.selectOption("#f-status", "deleted");
    await expect.poll(() => resultNames(page)).toEqual(["io.github.example/quay-sample-mcp"]);
    await page.close();
  });

  it("shows a deprecated server's badge in the results and on its page", async () => {
    const page = await newPage();
    await openHome(page, "?q=weather");
    const item = page.locator(".result", { has: page.locator("a", { hasText: "io.github.example/weather-mcp" }) });
    await expect.poll(() => item.locator(".badge-deprecated").textContent()).toBe("deprecated");
    await item.locator("a").click();
    await page.waitForURL(`${server.url}s/io.github.example/weather-mcp/`);
    const notice = page.locator(".notice-deprecated");
    expect(await notice.isVisible()).toBe(true);
    expect(await notice.textContent()).toContain("Moved to io.github.example/weather-v2");
    await page.screenshot({ path: join(ARTIFACTS, "deprecated.png") });
    await page.close();
  });

  it("opens a server and copies a snippet to the clipboard", async () => {
    const page = await newPage();
    await openHome(page, "?q=brave");
    await page.locator("#results a", { hasText: "brave-search" }).click();
    await page.waitForURL(`${server.url}s/io.modelcontextprotocol.anonymous/brave-search/`);
    expect(await page.locator("h1").textContent()).toBe("io.modelcontextprotocol.anonymous/brave-search");
    expect(await page.locator(".versions .badge-deleted").textContent()).toBe("deleted");
    const record = sampleModel().versions.find(
      (v) => v.name === "io.modelcontextprotocol.anonymous/brave-search" && v.official.isLatest,
    );
    const expected = buildInstallOptions(serverOf(record!))[0]!.snippets.find((s) => s.id === "npx")!.text;
    await page
      .locator("details", { has: page.locator("#snippet-package-1-npx") })
      .locator("summary")
      .click();
    await page.locator('button[data-copy="snippet-package-1-npx"]').click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(expected);
    expect(expected).toContain("<YOUR_BRAVE_API_KEY>");
    expect(await page.locator("#copy-status").textContent()).toBe("Copied to the clipboard.");
    await page.screenshot({ path: join(ARTIFACTS, "server.png"), fullPage: true });
    await page.close();
  });

  it("shows the one-click install links beside the snippets, each carrying the snippet's configuration", async () => {
    const page = await newPage();
    await page.goto(`${server.url}s/io.modelcontextprotocol.anonymous/brave-search/`);
    const record = sampleModel().versions.find(
      (v) => v.name === "io.modelcontextprotocol.anonymous/brave-search" && v.official.isLatest,
    );
    const [option] = buildInstallOptions(serverOf(record!));
    const links = page.locator("#option-package-1").locator("xpath=..").locator("a.install-link");
    expect(await links.allTextContents()).toEqual([
      "Install in VS Code",
      "Install in VS Code Insiders",
      "Install in Cursor",
    ]);
    for (const link of await links.all()) expect(await link.isVisible()).toBe(true);
    // the href the browser parsed is the one the snippets module made, and decodes to the VS Code snippet
    const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    expect(hrefs).toEqual(option!.links.map((l) => l.href));
    const vscode = JSON.parse(option!.snippets.find((s) => s.id === "vscode")!.text) as {
      servers: Record<string, object>;
      inputs: object[];
    };
    const { name, inputs, ...config } = JSON.parse(
      decodeURIComponent(hrefs[0]!.slice("vscode:mcp/install?".length)),
    ) as Record<string, unknown>;
    expect({ name, inputs, config }).toEqual({
      name: "brave-search",
      inputs: vscode.inputs,
      config: vscode.servers["brave-search"],
    });
    expect(await page.locator("#snippet-package-1-claude-code").textContent()).toBe(
      option!.snippets.find((s) => s.id === "claude-code")!.text,
    );
    await page.close();
  });

  it("works with the keyboard only", async () => {
    const page = await newPage();
    await openHome(page);
    await page.locator("body").press("/");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("q");
    await page.keyboard.type("filesystm");
    await expect.poll(async () => (await resultNames(page))[0]).toBe("io.github.modelcontextprotocol/filesystem");
    // Tab through the filters to the first result
    let focused = "";
    for (let i = 0; i < 10 && !focused.includes("/filesystem"); i++) {
      await page.keyboard.press("Tab");
      focused = await page.evaluate(() => document.activeElement?.textContent ?? "");
    }
    expect(focused).toBe("io.github.modelcontextprotocol/filesystem");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe("none"); // visible focus
    await page.keyboard.press("Enter");
    await page.waitForURL(`${server.url}s/io.github.modelcontextprotocol/filesystem/`);
    // skip link first, then into the content, to the first copy button
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await page.keyboard.press("Enter");
    let isCopy = false;
    for (let i = 0; i < 20 && !isCopy; i++) {
      await page.keyboard.press("Tab");
      isCopy = await page.evaluate(
        () => document.activeElement?.getAttribute("data-copy") === "snippet-package-1-vscode",
      );
    }
    expect(isCopy).toBe(true);
    await page.keyboard.press("Enter");
    const text = await page.locator("#snippet-package-1-vscode").textContent();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(text);
    await page.screenshot({ path: join(ARTIFACTS, "keyboard.png") });
    await page.close();
  });

  it("keeps injected HTML inert", async () => {
    const page = await newPage();
    await openHome(page, "?q=xss");
    await expect.poll(() => resultNames(page)).toEqual(["io.github.evil/xss-test"]);
    await page.locator("#results a").first().click();
    await page.waitForURL(/xss-test\/$/);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await page.locator(".server-title").textContent()).toBe(`<img src=x onerror="window.__pwned=1">`);
    expect(await page.locator("main img").count()).toBe(0);
    await page.close();
  });

  it("answers a missing page with the 404 page, which links back to the site root under the sub-path", async () => {
    const page = await newPage();
    const response = await page.goto(`${server.url}s/io.example/missing-server/`);
    expect(response?.status()).toBe(404);
    expect(await page.locator("#home").getAttribute("href")).toBe("/repo/?q=missing-server");
    await page.locator("#home").click();
    await page.waitForSelector("form#search[data-ready='true']");
    expect(await page.locator("#q").inputValue()).toBe("missing-server");
    await page.close();
  });

  it("fits a phone screen without sideways scrolling", async () => {
    const page = await newPage({ width: 360, height: 740 });
    for (const path of ["", "s/io.github.example/database-manager/"]) {
      await page.goto(`${server.url}${path}`);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await page.screenshot({ path: join(ARTIFACTS, "phone-server.png") });
    await page.close();
  });

  it("has labels for every control and the landmarks", async () => {
    const page = await newPage();
    await openHome(page);
    const unlabelled = await page.evaluate(
      () =>
        Array.from(document.querySelectorAll("input, select")).filter(
          (el) => (el as HTMLInputElement).labels?.length === 0,
        ).length,
    );
    expect(unlabelled).toBe(0);
    for (const selector of ["header nav", "main", "footer", "form[role=search]"])
      expect(await page.locator(selector).count(), selector).toBe(1);
    await page.close();
  });

  it("made no request outside its own origin and sub-path, and raised no script error", () => {
    expect(requests.length).toBeGreaterThan(10);
    for (const url of requests) expect(url.startsWith(`${origin}/repo/`), url).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
