import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { buildSite, SITE_ROOT_NAMES, type SiteFiles } from "./build.ts";
import { escapeHtml, safeHref } from "./html.ts";
import { pathSegment, serverPageDir } from "./src/paths.ts";
import type { SearchIndexFile } from "./src/search.ts";
import { makeRecord, sampleModel, XSS } from "./test/sample-model.ts";

let files: SiteFiles;

function text(path: string): string {
  const content = files.get(path);
  if (typeof content !== "string") throw new Error(`no text file ${path}`);
  return content;
}

beforeAll(async () => {
  files = await buildSite(sampleModel());
});

describe("buildSite", () => {
  it("writes only its own top-level names, never under v0/ or v0.1/", () => {
    const tops = new Set([...files.keys()].map((p) => p.split("/")[0]));
    expect([...tops].sort()).toEqual([...SITE_ROOT_NAMES]);
    for (const path of files.keys()) {
      expect(path).not.toMatch(/^(v0|v0\.1)(\/|$)/);
      expect(path).not.toMatch(/^\/|\\|(^|\/)\.\.?(\/|$)/);
    }
  });

  it("is deterministic: same model, byte-identical files in sorted order", async () => {
    const again = await buildSite(sampleModel());
    expect([...again.keys()]).toEqual([...files.keys()]);
    expect([...files.keys()]).toEqual([...files.keys()].sort());
    for (const [path, content] of files) expect(again.get(path), path).toEqual(content);
  });

  it("writes one page per server, deleted ones included", () => {
    const names = new Set(sampleModel().versions.map((v) => v.name));
    const pages = [...files.keys()].filter((p) => p.startsWith("s/") && p.endsWith(".html"));
    expect(pages.sort()).toEqual([...names].map((n) => `${serverPageDir(n)}index.html`).sort());
  });

  it("uses only relative URLs for its own assets and links, so it works under a sub-path", () => {
    for (const [path, content] of files) {
      if (!path.endsWith(".html")) continue;
      const matches = [...String(content).matchAll(/\s(?:src|href)="([^"]*)"/g)];
      const isExternal = (match: RegExpExecArray) => /^https?:/.test(match[1] ?? "");
      // External URLs may only be plain links (<a>), never loaded resources.
      for (const match of matches.filter(isExternal)) {
        expect(String(content).slice(Math.max(0, (match.index ?? 0) - 200), match.index)).toMatch(/<a(\s[^>]*)?$/);
      }
      for (const match of matches.filter((m) => !isExternal(m))) {
        const url = match[1] ?? "";
        expect(url, `${path}: ${url}`).not.toMatch(/^\/|^\/\//);
      }
      expect(String(content)).not.toMatch(/<img\b/);
    }
  });

  it("every relative link in a server page points at a file of the site or the API", () => {
    const page = text("s/io.modelcontextprotocol.anonymous/brave-search/index.html");
    const base = new URL("https://x.test/repo/s/io.modelcontextprotocol.anonymous/brave-search/index.html");
    for (const match of page.matchAll(/\s(?:src|href)="([^"]*)"/g)) {
      const raw = (match[1] ?? "").replace(/&amp;/g, "&");
      if (/^(https?:|data:|vscode:|vscode-insiders:|cursor:)/.test(raw)) continue;
      const url = new URL(raw, base);
      expect(url.pathname.startsWith("/repo/"), raw).toBe(true);
      const path = decodeURIComponent(url.pathname.slice("/repo/".length));
      if (path.startsWith("v0.1/")) continue; // the API is the core build's
      expect(files.has(path === "" ? "index.html" : path.endsWith("/") ? `${path}index.html` : path), raw).toBe(true);
    }
  });

  it("escapes what authors wrote: injected HTML stays text", () => {
    const page = text(`${serverPageDir(XSS.name)}index.html`);
    expect(page).toContain(escapeHtml(XSS.title));
    expect(page).toContain(escapeHtml(XSS.description));
    expect(page).not.toContain("<script>window.__pwned");
    expect(page).not.toContain("<img src=x");
    // a javascript: repository URL is shown, never linked
    expect(page).not.toMatch(/href="javascript:/i);
    expect(page).toContain(escapeHtml("javascript:window.__pwned=4"));
    // the website link keeps its query but escaped
    expect(page).not.toContain(`"><script>`);
    const home = text("index.html");
    expect(home).not.toContain("<script>window.__pwned");
    expect(home).toContain(escapeHtml(XSS.title));
    // scripts: only our own module and, on the 404 page, our inline script
    for (const [path, content] of files) {
      if (!path.endsWith(".html")) continue;
      const scripts = [...String(content).matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      for (const s of scripts)
        expect(s, path).toMatch(/^<script type="module" src="(\.\.\/)*assets\/app\.js\?v=[0-9a-f]{12}">$|^<script>$/);
    }
  });

  it("shows deprecated and deleted versions with their messages", () => {
    const brave = text("s/io.modelcontextprotocol.anonymous/brave-search/index.html");
    expect(brave).toMatch(
      /<tr class="version-deprecated"><th scope="row">1\.0\.0<\/th><td><span class="badge badge-deprecated">deprecated<\/span> <span class="status-message">Security fix in 1\.0\.2<\/span>/,
    );
    expect(brave).toMatch(
      /<tr class="version-deleted"><th scope="row">1\.0\.1<\/th><td><span class="badge badge-deleted">deleted<\/span> <span class="status-message">Published by mistake/,
    );
    const weather = text("s/io.github.example/weather-mcp/index.html");
    expect(weather).toContain('class="notice notice-deprecated"');
    expect(weather).toContain("Moved to io.github.example/weather-v2");
    const deleted = text("s/io.github.example/quay-sample-mcp/index.html");
    expect(deleted).toContain('class="notice notice-deleted"');
    expect(deleted).not.toContain('id="install"');
  });

  it("shows verification evidence only when the registry recorded it", () => {
    expect(text("s/io.modelcontextprotocol.anonymous/brave-search/index.html")).toContain('id="verification"');
    expect(text("s/io.modelcontextprotocol.anonymous/mcp-fs/index.html")).not.toContain('id="verification"');
  });

  it("sums the receipt up in one line, one click from the receipt, every check escaped", () => {
    const page = text("s/io.modelcontextprotocol.anonymous/brave-search/index.html");
    expect(page).toContain(
      "<strong>Verified 2025-10-05</strong>: namespace by GitHub login alice, npm @modelcontextprotocol/server-brave-search mcpName matched (pull request #7).",
    );
    expect(page).toContain(
      '<a href="../../../v0.1/x/io.github.mcp-static-registry/receipts/io.modelcontextprotocol.anonymous/brave-search/1.0.2.json">Receipt (JSON)</a>',
    );
    expect(page).not.toContain("<script>window.__pwned=3");
    expect(page).toContain("&lt;/pre&gt;&lt;script&gt;");
  });

  it("never takes verification evidence from the author's own _meta", async () => {
    const model = sampleModel();
    const forged = makeRecord({
      name: "io.github.forger/claims",
      description: "d",
      version: "1.0.0",
      _meta: { "io.github.mcp-static-registry/registry": { checks: [{ kind: "npm", status: "pass" }] } },
    });
    const site = await buildSite({ ...model, versions: [...model.versions, forged] });
    expect(String(site.get("s/io.github.forger/claims/index.html"))).not.toContain('id="verification"');
  });

  it("renders install snippets with placeholders and copy buttons", () => {
    const brave = text("s/io.modelcontextprotocol.anonymous/brave-search/index.html");
    expect(brave).toContain(escapeHtml('"BRAVE_API_KEY": "${input:brave_api_key}"'));
    expect(brave).toContain(escapeHtml('"BRAVE_API_KEY": "<YOUR_BRAVE_API_KEY>"'));
    expect(brave).toContain('data-copy="snippet-package-1-npx"');
  });

  it("prerenders the first results on the home page and hides deleted servers by default", () => {
    const home = text("index.html");
    expect(home).toContain('href="s/io.modelcontextprotocol.anonymous/brave-search/"');
    expect(home).not.toContain("quay-sample-mcp");
    expect(home).toMatch(/<option value="npm">npm<\/option>/);
  });

  it("writes a compact index with one entry per server", () => {
    const index = JSON.parse(text("assets/search-index.json")) as SearchIndexFile;
    const names = new Set(sampleModel().versions.map((v) => v.name));
    expect(index.format).toBe(1);
    expect(index.name).toHaveLength(names.size);
    for (const column of [
      index.ns,
      index.title,
      index.description,
      index.version,
      index.versions,
      index.status,
      index.transport,
      index.packages,
    ]) {
      expect(column).toHaveLength(names.size);
    }
    const brave = index.name.indexOf("brave-search");
    expect(index.versions[brave]).toBe(3);
    expect(index.version[brave]).toBe("1.0.2");
    expect(index.status[index.name.indexOf("weather-mcp")]).toBe(1);
    expect(gzipSync(text("assets/search-index.json")).length).toBeLessThan(2_000);
  });

  it("404.html is self-contained: no external or relative resources", () => {
    const page = text("404.html");
    expect(page).not.toMatch(/<link rel="stylesheet"|<script [^>]*src=/);
  });
});

describe("paths and URLs", () => {
  it("keeps valid names and encodes anything that could climb out", () => {
    expect(pathSegment("io.github.a")).toBe("io.github.a");
    expect(pathSegment("..")).toBe("~2e2e");
    expect(pathSegment(".hidden")).toBe("~2e68696464656e");
    expect(pathSegment("a/b")).toBe("~612f62");
    expect(serverPageDir("../..")).toBe("s/~2e2e/~2e2e/");
  });

  it("links only http(s) URLs", () => {
    expect(safeHref("javascript:alert(1)")).toBeUndefined();
    expect(safeHref("data:text/html,x")).toBeUndefined();
    expect(safeHref("not a url")).toBeUndefined();
    expect(safeHref("https://example.com/a b")).toBe("https://example.com/a%20b");
  });
});
