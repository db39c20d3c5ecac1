// The site as a catalog: the change list, the Atom feeds, the statistics, the sort orders, the package links and
// the honest server pages, through buildSite (and, for the change feed, through the real build of a git
// repository).

import { parseAtomFeed } from "feedsmith";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { emitApiTree } from "../scripts/lib/build.ts";
import { serverOf, type Package, type RegistryModel, type ServerJson } from "../scripts/lib/model.ts";
import { buildRegistry } from "../scripts/lib/pipeline.ts";
import { A, applyStep, B, registryRepo } from "../scripts/test/registry-history.ts";
import type { TempRepo } from "../scripts/test/temp-git.ts";
import { buildSite, emitSite, type SiteFiles } from "./build.ts";
import { changesOf, serverTimes, type Change } from "./changes.ts";
import { FEED_LIMIT, serverFeedPath, SERVERS_FEED, VERSIONS_FEED, xmlText } from "./feeds.ts";
import { packagePageLink } from "./package-links.ts";
import { PREVIEW_IMAGE } from "./render.ts";
import { serverPageDir } from "./src/paths.ts";
import { prepareIndex, search, sortHits, type SearchIndexFile } from "./src/search.ts";
import { groupServers } from "./servers.ts";
import { computeStats } from "./stats.ts";
import { makeRecord, sampleModel } from "./test/sample-model.ts";

const DELETED = "io.github.example/quay-sample-mcp";

let files: SiteFiles;
let api: Map<string, string>;

function text(path: string, from: SiteFiles | Map<string, string | Uint8Array> = files): string {
  const content = from.get(path);
  if (typeof content !== "string") throw new Error(`no text file ${path}`);
  return content;
}

beforeAll(async () => {
  files = await buildSite(sampleModel());
  api = new Map();
  emitApiTree(sampleModel(), (p, body) => api.set(p, body));
});

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.remove();
  repo = undefined;
});

async function buildRepo(r: TempRepo): Promise<Map<string, string | Uint8Array>> {
  const outcome = await buildRegistry({
    serversDir: "servers",
    cwd: r.dir,
    extra: (model, history, _pool, put) => emitSite(model, put, history),
  });
  if (outcome.kind !== "built") throw new Error(JSON.stringify(outcome.diagnostics));
  return outcome.tree;
}

const at = (step: number) => new Date((1_750_000_000 + step * 3600) * 1000).toISOString().replace(".000Z", "Z");

function server(name: string, version: string, extra: Partial<ServerJson> = {}): ServerJson {
  return { name, version, description: `The ${name} server.`, ...extra } as ServerJson;
}

describe("the change list", () => {
  it("reads publishes and status changes off the model when there is no history, oldest first", () => {
    const model: RegistryModel = {
      versions: [
        makeRecord(server("io.github.a/one", "1.0.0"), { publishedAt: "2025-01-02T00:00:00Z", isLatest: false }),
        makeRecord(server("io.github.a/one", "2.0.0"), { publishedAt: "2025-01-01T00:00:00Z", status: "deleted" }),
      ],
      info: { gitCommit: null, generatedAt: "2025-02-01T00:00:00Z", serial: 1 },
    };
    // makeRecord's statusChangedAt is 2025-10-02, after both publishes
    expect(changesOf(model).map((c) => [c.time.slice(0, 10), c.version, c.op, c.status])).toEqual([
      ["2025-01-01", "2.0.0", "publish", "active"],
      ["2025-01-02", "1.0.0", "publish", "active"],
      ["2025-10-02", "2.0.0", "status", "deleted"],
    ]);
    expect(serverTimes(changesOf(model)).get("io.github.a/one")).toEqual({
      created: Date.parse("2025-01-01T00:00:00Z") / 1000,
      updated: Date.parse("2025-10-02T00:00:00Z") / 1000,
    });
  });
});

describe("Atom feeds", () => {
  it("come from the change feed of the real build: commit times, every status change, newest first", async () => {
    repo = registryRepo();
    const tree = await buildRepo(repo);
    const versions = parseAtomFeed(text(VERSIONS_FEED, tree));
    expect(versions.entries?.map((e) => [e.title?.value, e.updated])).toEqual([
      [`${B} 0.1.0 published`, at(2)],
      [`${A} 1.1.0 published`, at(2)],
      [`${A} 1.0.0 published`, at(1)],
    ]);
    const servers = parseAtomFeed(text(SERVERS_FEED, tree));
    expect(servers.entries?.map((e) => e.title?.value)).toEqual([`${B} (0.1.0)`, `${A} (1.0.0)`]);
    const alpha = parseAtomFeed(text(serverFeedPath(A), tree));
    expect(alpha.entries?.map((e) => [e.title?.value, e.updated])).toEqual([
      [`${A} 1.1.0 is now active`, at(5)],
      [`${A} 1.1.0 is now deleted`, at(4)],
      [`${A} 1.1.0 is now deprecated`, at(3)],
      [`${A} 1.1.0 published`, at(2)],
      [`${A} 1.0.0 published`, at(1)],
    ]);
    // the entry links to the server's page, relative to the feed's own URL
    const link = alpha.entries?.[0]?.links?.find((l) => l.rel === "alternate")?.href ?? "";
    const target = new URL(link, `https://x.test/${serverFeedPath(A)}`).pathname.slice(1);
    expect(tree.has(`${target}index.html`), target).toBe(true);
  });

  it("keep every entry's id and time when the history grows (a reader sees only the new entries)", async () => {
    repo = registryRepo(3);
    const before = parseAtomFeed(text(serverFeedPath(A), await buildRepo(repo)));
    applyStep(repo, 3);
    const after = parseAtomFeed(text(serverFeedPath(A), await buildRepo(repo)));
    const ids = (f: typeof before) => (f.entries ?? []).map((e) => `${e.id} ${e.updated}`);
    expect(ids(after).slice(1)).toEqual(ids(before));
    expect(ids(after)).toHaveLength(ids(before).length + 1);
    expect(new Set(ids(after)).size).toBe(ids(after).length);
  });

  it("hold at most FEED_LIMIT entries, the newest ones", async () => {
    const versions = Array.from({ length: FEED_LIMIT + 10 }, (_, i) =>
      makeRecord(server(`io.github.many/s${String(i).padStart(3, "0")}`, "1.0.0"), {
        publishedAt: new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString().replace(".000Z", "Z"),
      }),
    );
    const site = await buildSite({
      versions,
      info: { gitCommit: null, generatedAt: "2025-06-01T00:00:00Z", serial: 1 },
    });
    for (const path of [SERVERS_FEED, VERSIONS_FEED]) {
      const entries = parseAtomFeed(text(path, site)).entries ?? [];
      expect(entries, path).toHaveLength(FEED_LIMIT);
      expect(entries[0]?.title?.value, path).toContain("s059");
      expect(entries[FEED_LIMIT - 1]?.title?.value, path).toContain("s010");
    }
  });

  it("are valid Atom: feed and entries have id, title, updated and an author; ids are unique", () => {
    const feeds = [...files.keys()].filter((p) => p.endsWith(".xml"));
    expect(feeds.length).toBe(groupServers(sampleModel()).length + 2);
    for (const path of feeds) {
      const xml = text(path);
      expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">')).toBe(
        true,
      );
      const feed = parseAtomFeed(xml);
      expect(feed.id, path).toMatch(/^tag:mcp-static-registry,2025:/);
      expect(feed.title?.value, path).toBeTruthy();
      expect(feed.updated, path).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(feed.authors?.[0]?.name).toBe("MCP server registry");
      expect(feed.links?.find((l) => l.rel === "self")?.href).toBe(path.split("/").pop());
      const ids = (feed.entries ?? []).map((e) => e.id);
      expect(new Set(ids).size, path).toBe(ids.length);
      for (const e of feed.entries ?? []) {
        expect(e.id).toMatch(/^tag:mcp-static-registry,2025:[^\s]+$/);
        expect(e.title?.value).toBeTruthy();
        expect(e.updated).toMatch(/^\d{4}-\d{2}-\d{2}T/);
        expect(e.authors?.[0]?.name).toBeTruthy();
      }
    }
  });

  it("drop what XML cannot hold and escape the rest: a hostile description cannot break the document", async () => {
    const description = "a\u0001b\u0008c\uD800d\uFFFEe ]]> </summary><entry><script>x</script> & done";
    const site = await buildSite({
      versions: [makeRecord(server("io.github.evil/feed", "1.0.0", { description, title: "<b>T</b>" }))],
      info: { gitCommit: null, generatedAt: "2025-10-10T00:00:00Z", serial: 1 },
    });
    const xml = text(VERSIONS_FEED, site);
    for (const bad of ["\u0001", "\u0008", "\uD800", "\uFFFE"]) expect(xml).not.toContain(bad);
    expect(xml).not.toContain("<script>");
    expect(xml.match(/<entry>/g)).toHaveLength(1);
    const entry = parseAtomFeed(xml).entries?.[0];
    expect(entry?.summary?.value).toBe("<b>T</b>: abcde ]]> </summary><entry><script>x</script> & done");
    expect(xmlText("ok\t\n")).toBe("ok\t\n");
  });

  it("describe each version with its own title and description", async () => {
    const site = await buildSite({
      versions: [
        makeRecord(server("io.github.a/s", "1.0.0", { description: "Old words." }), {
          isLatest: false,
          publishedAt: "2025-01-01T00:00:00Z",
        }),
        makeRecord(server("io.github.a/s", "2.0.0", { description: "New words." }), {
          publishedAt: "2025-02-01T00:00:00Z",
        }),
      ],
      info: { gitCommit: null, generatedAt: "2025-10-10T00:00:00Z", serial: 1 },
    });
    const entries = parseAtomFeed(text(VERSIONS_FEED, site)).entries ?? [];
    expect(entries.map((e) => [e.title?.value, e.summary?.value])).toEqual([
      ["io.github.a/s 2.0.0 published", "New words."],
      ["io.github.a/s 1.0.0 published", "Old words."],
    ]);
  });

  it("are linked from the server page with rel=alternate, and from every page's head", () => {
    const page = text(`${serverPageDir(DELETED)}index.html`);
    expect(page).toContain('<link rel="alternate" type="application/atom+xml"');
    expect(page).toMatch(/rel="alternate" type="application\/atom\+xml" title="[^"]+" href="versions.xml"/);
    const pages = [...files].filter(([path]) => path.endsWith(".html") && path !== "404.html");
    expect(pages.length).toBeGreaterThan(10);
    for (const [path, content] of pages) expect(String(content), path).toContain(`${SERVERS_FEED}"`);
  });
});

describe("statistics", () => {
  it("counts servers by status, package type, transport and versions, and prints each number in chart and table", () => {
    const groups = groupServers(sampleModel());
    const stats = computeStats(groups, changesOf(sampleModel()));
    const count = (status: string) => groups.filter((g) => g.latest.official.status === status).length;
    expect(stats.status).toEqual([
      { label: "active", value: count("active") },
      { label: "deprecated", value: 1 },
      { label: "deleted", value: 1 },
    ]);
    expect(stats.status.reduce((a, b) => a + b.value, 0)).toBe(groups.length);
    const npm = groups.filter(
      (g) =>
        g.latest.official.status !== "deleted" &&
        (serverOf(g.latest).packages ?? []).some((p) => p.registryType === "npm"),
    ).length;
    expect(stats.packageTypes.find((b) => b.label === "npm")?.value).toBe(npm);
    expect(stats.versionsPerServer.reduce((a, b) => a + b.value, 0)).toBe(groups.length);
    expect(stats.versionsPerServer.find((b) => b.label === "3")?.value).toBe(1); // brave-search
    expect(stats.transports.map((b) => b.label)).toContain("streamable-http (remote)");

    const page = text("stats/index.html");
    const sections = [...page.matchAll(/<section class="stat"[^]*?<\/section>/g)].map((m) => m[0]);
    expect(sections).toHaveLength(6);
    for (const section of sections) {
      expect(section).toMatch(/<svg class="chart"[^>]*aria-hidden="true"/);
      expect(section).toMatch(/<table class="chart-table"><caption>/);
    }
    const bars = sections.find((s) => s.includes('id="package-types"')) ?? "";
    const svgValues = [...bars.matchAll(/<text class="chart-value"[^>]*>(\d+)<\/text>/g)].map((m) => Number(m[1]));
    const tableValues = [...bars.matchAll(/<td>(\d+)<\/td>/g)].map((m) => Number(m[1]));
    expect(svgValues).toEqual(stats.packageTypes.map((b) => b.value));
    expect(tableValues).toEqual(svgValues);
  });

  it("charts growth and retirements over time: day buckets up to 90 days, months beyond, running totals carried", () => {
    const change = (time: string, name: string, op: Change["op"], status: Change["status"] = "active"): Change => ({
      time,
      name,
      version: "1",
      op,
      status,
    });
    const days = computeStats(
      [],
      [
        change("2025-01-01T10:00:00Z", "a", "publish"),
        change("2025-01-03T10:00:00Z", "b", "publish"),
        change("2025-01-03T11:00:00Z", "a", "status", "deprecated"),
      ],
    ).timeline;
    expect(days).toEqual({
      buckets: ["2025-01-01", "2025-01-02", "2025-01-03"],
      servers: [1, 1, 2],
      versions: [1, 1, 2],
      deprecated: [0, 0, 1],
      deleted: [0, 0, 0],
    });
    const months = computeStats(
      [],
      [
        change("2024-10-05T00:00:00Z", "a", "publish"),
        change("2025-02-01T00:00:00Z", "a", "status", "deleted"),
        change("2025-02-02T00:00:00Z", "a", "removed", null),
      ],
    ).timeline;
    expect(months.buckets).toEqual(["2024-10", "2024-11", "2024-12", "2025-01", "2025-02"]);
    expect(months.versions).toEqual([1, 1, 1, 1, 0]);
    expect(months.deleted).toEqual([0, 0, 0, 0, 1]);
    expect(computeStats([], []).timeline.buckets).toEqual([]);
  });

  it("is deterministic and self-contained: no script, no request, linked from every page", async () => {
    const again = await buildSite(sampleModel());
    expect(again.get("stats/index.html")).toBe(files.get("stats/index.html"));
    const page = text("stats/index.html");
    expect(page.replace(/<script type="module" src="[^"]*"><\/script>/, "")).not.toMatch(/<script|<img|url\(/);
    const pages = [...files].filter(([path]) => path.endsWith(".html"));
    for (const [path, content] of pages) expect(String(content), path).toMatch(/href="(\.\.\/)*stats\/"/);
  });
});

describe("sort orders", () => {
  it("orders by name, first publish and last change, ties by name; best match keeps the search's order", () => {
    const index = JSON.parse(text("assets/search-index.json")) as SearchIndexFile;
    const prepared = prepareIndex(index);
    const hits = search(prepared, "");
    const names = (order: string) => sortHits(prepared, hits, order).map((h) => prepared.fullName[h.index]);
    expect(names("name")).toEqual([...names("")].sort());
    const published = names("published");
    const created = (n: string | undefined) => index.published?.[prepared.fullName.indexOf(n ?? "")] ?? 0;
    for (let i = 1; i < published.length; i++) {
      const [a, b] = [published[i - 1], published[i]];
      expect(created(a) > created(b) || (created(a) === created(b) && (a ?? "") < (b ?? "")), `${a} ${b}`).toBe(true);
    }
    // brave-search's 1.0.2 (the 5th) is the sample's last change; every server first appeared on the 1st
    expect(names("updated")[0]).toBe("io.modelcontextprotocol.anonymous/brave-search");
    expect(names("updated")).toHaveLength(hits.length);
    expect(names("no-such-order")).toEqual(names(""));
  });
});

describe("package registry links", () => {
  const pkg = (registryType: string, identifier: string, extra: Partial<Package> = {}): Package =>
    ({ registryType, identifier, version: "1.0.0", transport: { type: "stdio" }, ...extra }) as Package;
  it.each([
    [
      pkg("npm", "@modelcontextprotocol/server-brave-search"),
      "https://www.npmjs.com/package/@modelcontextprotocol/server-brave-search",
    ],
    [pkg("pypi", "weather-mcp"), "https://pypi.org/project/weather-mcp/"],
    [pkg("nuget", "Knapcode.SampleMcpServer"), "https://www.nuget.org/packages/Knapcode.SampleMcpServer"],
    [pkg("cargo", "my-crate"), "https://crates.io/crates/my-crate"],
    [pkg("oci", "docker.io/mcp/filesystem:1.0.2"), "https://hub.docker.com/r/mcp/filesystem"],
    [pkg("oci", "postgres:16"), "https://hub.docker.com/_/postgres"],
    [pkg("oci", "quay.io/myorg/my-mcp-server:1.0.0"), "https://quay.io/repository/myorg/my-mcp-server"],
    [pkg("oci", "ghcr.io/acme/tools/server:1"), "https://ghcr.io/acme/tools/server"],
    [
      pkg("mcpb", "https://github.com/a/b/releases/download/v1/s.mcpb"),
      "https://github.com/a/b/releases/download/v1/s.mcpb",
    ],
    [pkg("npm", "x", { registryBaseUrl: "https://registry.npmjs.org/" }), "https://www.npmjs.com/package/x"],
  ])("%j links to its registry page", (p, url) => {
    expect(packagePageLink(p)?.url).toBe(url);
  });
  it.each([
    pkg("npm", "x", { registryBaseUrl: "https://npm.internal.example" }),
    pkg("npm", "../../evil"),
    pkg("pypi", ".."),
    pkg("oci", "registry.internal.example/team/image:1"),
    pkg("oci", "not a reference"),
    pkg("mcpb", "http://insecure.example/s.mcpb"),
    pkg("unknown", "thing"),
    pkg("npm", ""),
  ])("%j has no registry page link", (p) => {
    expect(packagePageLink(p)).toBeUndefined();
  });
  it("encodes an identifier into one path segment: it cannot leave the registry's package path", () => {
    expect(packagePageLink(pkg("pypi", "a/../../b?c#d"))?.url).toBe(
      "https://pypi.org/project/a%2F..%2F..%2Fb%3Fc%23d/",
    );
    expect(packagePageLink(pkg("npm", "@scope/na me?x"))?.url).toBe("https://www.npmjs.com/package/@scope/na%20me%3Fx");
  });
  it("shows the links on the server page, and the identifier alone where there is no page", () => {
    const page = text(`${serverPageDir("io.github.example/weather-mcp")}index.html`);
    expect(page).toContain('href="https://pypi.org/project/weather-mcp-server/" rel="noopener noreferrer nofollow"');
    const brave = text(`${serverPageDir("io.modelcontextprotocol.anonymous/brave-search")}index.html`);
    expect(brave).toContain("https://www.npmjs.com/package/@modelcontextprotocol/server-brave-search");
  });
});

describe("honest server pages", () => {
  it("a deleted server's page has no latest badge and links only files that exist", () => {
    const page = text(`${serverPageDir(DELETED)}index.html`);
    expect(page).not.toContain("badge-latest");
    expect(page).not.toContain("latest.json");
    expect(page).not.toContain("versions.json");
    expect(page).toContain("none: every version is deleted");
    expect(page).toContain("Every version of this server is deleted.");
    // a live server keeps both
    const live = text(`${serverPageDir("io.modelcontextprotocol.anonymous/brave-search")}index.html`);
    expect(live.match(/badge-latest/g)).toHaveLength(1);
    expect(live).toContain("versions/latest.json");
  });

  it("every relative link of every page points at a file of the site or the API", () => {
    const all = new Map<string, unknown>([...files, ...api]);
    let checked = 0;
    for (const [path, content] of files) {
      if (!path.endsWith(".html") || path === "404.html") continue;
      const base = new URL(`https://x.test/repo/${path}`);
      for (const match of String(content).matchAll(/\s(?:src|href|content)="([^"]*)"/g)) {
        const raw = (match[1] ?? "").replace(/&amp;/g, "&");
        if (/^(https?:|data:|vscode:|vscode-insiders:|cursor:)/.test(raw) || !/^[.a-z?]/.test(raw) || raw.includes(" "))
          continue;
        if (match[0].includes("content=") && !raw.includes("/")) continue; // a meta value, not a URL
        const url = new URL(raw, base);
        expect(url.pathname.startsWith("/repo/"), `${path}: ${raw}`).toBe(true);
        const rel = decodeURIComponent(url.pathname.slice("/repo/".length));
        const file = rel === "" ? "index.html" : rel.endsWith("/") ? `${rel}index.html` : rel;
        expect(all.has(file), `${path}: ${raw}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it("shows published and updated dates", () => {
    const page = text(`${serverPageDir("io.modelcontextprotocol.anonymous/brave-search")}index.html`);
    expect(page).toContain('<dt>Published</dt><dd><time datetime="2025-10-01T00:00:00Z">2025-10-01</time></dd>');
    expect(page).toContain('<dt>Updated</dt><dd><time datetime="2025-10-05T00:00:00Z">2025-10-05</time></dd>');
  });

  it("the home page's count agrees with the list it shows (deleted servers are counted apart)", () => {
    const home = text("index.html");
    const lead = /<p class="lead">(\d+) servers, \d+ versions \(and (\d+) deleted/.exec(home);
    const listed = /<p id="result-count"[^>]*>(\d+) servers<\/p>/.exec(home);
    expect(lead?.[1]).toBe(listed?.[1]);
    expect(Number(lead?.[1]) + Number(lead?.[2])).toBe(groupServers(sampleModel()).length);
  });

  it("carries OpenGraph and Twitter card metadata with the preview image", () => {
    expect(files.get(PREVIEW_IMAGE)).toBeInstanceOf(Uint8Array);
    const png = files.get(PREVIEW_IMAGE) as Uint8Array;
    expect([...png.slice(1, 4)].map((c) => String.fromCharCode(c)).join("")).toBe("PNG");
    const page = text(`${serverPageDir("io.github.example/weather-mcp")}index.html`);
    for (const property of ["og:title", "og:description", "og:image", "og:type", "og:site_name"])
      expect(page, property).toMatch(new RegExp(`<meta property="${property}" content="[^"]+">`));
    expect(page).toContain(`<meta property="og:image" content="../../../${PREVIEW_IMAGE}">`);
    expect(page).toContain('<meta name="twitter:card" content="summary_large_image">');
    const evil = text(`${serverPageDir("io.github.evil/xss-test")}index.html`);
    expect(evil).toContain('<meta property="og:title" content="&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;');
  });

  it("lists what is new while nobody searches: new this week (from the build's time) and recently updated", () => {
    const home = text("index.html");
    const recent = /<div id="recent" class="recent">([^]*?)<\/div>/.exec(home)?.[1] ?? "";
    const fresh = /id="new-this-week"[^]*?<\/section>/.exec(recent)?.[0] ?? "";
    // generatedAt is 2025-10-10: servers first published after 2025-10-03 are new; brave-search (10-01) is not
    expect(fresh).not.toContain("brave-search");
    const updated = /id="recently-updated"[^]*?<\/section>/.exec(recent)?.[0] ?? "";
    expect(updated.indexOf("brave-search")).toBeGreaterThan(-1);
    expect(updated).not.toContain("quay-sample-mcp"); // deleted servers stay out, as in the list
  });
});
