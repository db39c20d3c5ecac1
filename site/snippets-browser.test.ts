// The copy buttons of hostile servers' pages in a real browser: what lands on the clipboard is exactly the safe
// snippet, and each command line from the clipboard, pasted into sh, bash and zsh (where installed) with stub
// programs on PATH, runs only its stub. Skipped with a clear message when Chromium is missing, except in CI
// (CI=true).

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type Browser, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserSuiteTitle, launchChromium, SHOULD_RUN_BROWSER_TESTS } from "../scripts/test/chromium.ts";
import { compareCodeUnits } from "../scripts/lib/model.ts";
import { buildInstallOptions } from "./snippets.ts";
import { HOSTILE_RUNTIME_HINTS, hostileServers, validHostileServer } from "../scripts/test/hostile-servers.ts";
import { isStubbable, makeStubShell, TEST_SHELLS } from "../scripts/test/shell-stubs.ts";
import { buildSite } from "./build.ts";
import { serverPageDir } from "./src/paths.ts";
import { makeRecord } from "./test/sample-model.ts";
import { serveStatic, type StaticServer } from "./test/static-server.ts";

const SUITE = browserSuiteTitle("site/snippets-browser.test.ts", "copy buttons of hostile servers in Chromium");
const SERVERS = [...hostileServers(), validHostileServer()].sort((a, b) => compareCodeUnits(a.name, b.name));

describe.skipIf(!SHOULD_RUN_BROWSER_TESTS)(SUITE, () => {
  let dir: string;
  let server: StaticServer;
  let browser: Browser;
  let context: BrowserContext;
  const stubs = makeStubShell(HOSTILE_RUNTIME_HINTS);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "site-snippets-"));
    const versions = SERVERS.map((s) => makeRecord(s));
    for (const [path, content] of await buildSite({
      versions,
      info: { gitCommit: null, generatedAt: "2025-10-01T00:00:00Z", serial: 1 },
    })) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    server = await serveStatic(dir, "/repo/");
    browser = await launchChromium();
    context = await browser.newContext();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(server.url).origin });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    stubs.cleanup();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it.each(SERVERS.map((s) => ({ name: s.name, doc: s })))(
    "$name: every copy button copies the safe text",
    async ({ doc }) => {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("dialog", (d) => {
        errors.push(`dialog: ${d.message()}`);
        void d.dismiss();
      });
      await page.goto(`${server.url}${serverPageDir(doc.name)}`);
      await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
      const snippets = buildInstallOptions(doc).flatMap((o) =>
        o.snippets.map((s) => ({ ...s, button: `snippet-${o.id}-${s.id}` })),
      );
      expect(snippets.length).toBeGreaterThan(0);
      for (const snippet of snippets) {
        await page.evaluate(() => navigator.clipboard.writeText("(not copied)"));
        await page.locator(`button[data-copy="${snippet.button}"]`).click();
        await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(snippet.text);
        if (snippet.language !== "shell") continue;
        const copied = await page.evaluate(() => navigator.clipboard.readText());
        const runs = snippet.runs!;
        for (const shell of TEST_SHELLS) {
          const outcome = stubs.paste(shell, copied);
          expect(outcome.leftovers, copied).toEqual([]);
          expect(
            outcome.runs.map((r) => r.argv),
            copied,
          ).toEqual(isStubbable(runs.program) ? [[runs.program, ...runs.args]] : []);
        }
      }
      // the install links: the href the browser parsed is exactly the one the snippets module made
      const links = buildInstallOptions(doc).flatMap((o) => o.links.map((l) => l.href));
      const hrefs = await page.locator("a.install-link").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
      expect(hrefs).toEqual(links);
      expect(errors).toEqual([]);
      await page.close();
    },
    60_000,
  );
});
