// `npm start`'s server over real HTTP on 127.0.0.1: the official query semantics (UPSTREAM.md §2.2), the
// single-server endpoints, errors, CORS and transport rules (§2.4, §2.5, §2.10), and the static files.
// Every 200 body of the API is checked against the official OpenAPI response schemas.

import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import type http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareCodeUnits, OFFICIAL_META_KEY, type ServerResponse, type VersionRecord } from "../model.ts";
import { DETAIL } from "./query.ts";
import { API_CSP, createRegistryServer, measureServeThroughput, SITE_CSP, siteCspFor } from "./server.ts";
import {
  buildFixtureRegistry,
  GONE_SERVER,
  MANY_SERVER,
  officialValidators,
  PLUS_SERVER,
  PLUS_VERSION,
  type FixtureRegistry,
} from "../../test/static-hosts/fixture.ts";

interface ServerList {
  servers: ServerResponse[];
  metadata: { nextCursor?: string; count: number };
}

const SITE = new Map([
  ["index.html", "<!doctype html><title>home</title>"],
  ["404.html", "<!doctype html><title>not found</title><style>p{}</style><script>document.title='x'</script>"],
  ["docs/index.html", "<!doctype html><title>docs</title>"],
  ["app.js", "console.log(1)"],
]);

let fixture: FixtureRegistry;
let server: http.Server;
let base: string;
const validators = officialValidators();

beforeAll(async () => {
  fixture = await buildFixtureRegistry({ site: SITE });
  server = createRegistryServer({ model: fixture.model, tree: fixture.tree });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  fixture.cleanup();
});

async function get(path: string, init: RequestInit = {}) {
  const res = await fetch(base + path, { redirect: "manual", ...init });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

/** A list response: 200, application/json, valid against the official ServerList. */
async function list(query: string): Promise<ServerList> {
  const r = await get(`/v0.1/servers${query}`);
  expect(r.status, r.text).toBe(200);
  expect(r.headers.get("content-type")).toBe("application/json");
  const body = r.json();
  validators.serverList(body);
  return body as ServerList;
}

async function expectProblem(path: string, status: number, detail?: string | RegExp) {
  const r = await get(path);
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get("content-type")).toBe("application/problem+json");
  const body = r.json() as { title: string; status: number; detail: string; errors?: { location: string }[] };
  expect(body.status).toBe(status);
  expect(typeof body.title).toBe("string");
  if (typeof detail === "string") expect(body.detail).toBe(detail);
  else if (detail) expect(body.detail).toMatch(detail);
  return body;
}

const key = (s: ServerResponse) => `${s.server.name}:${s.server.version}`;
const recordKey = (r: VersionRecord) => `${r.name}:${r.version}`;
const ordered = (records: readonly VersionRecord[]) =>
  [...records].sort((a, b) => compareCodeUnits(a.name, b.name) || compareCodeUnits(a.version, b.version));
const live = () => ordered(fixture.model.versions.filter((r) => r.official.status !== "deleted"));
const everything = () => ordered(fixture.model.versions);

/** Follow nextCursor to the end; fail on a loop. */
async function pageThrough(query: string): Promise<{ items: ServerResponse[]; pages: ServerList[] }> {
  const items: ServerResponse[] = [];
  const pages: ServerList[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 200; i++) {
    const page = await list(`?${query}${cursor === undefined ? "" : `&cursor=${encodeURIComponent(cursor)}`}`);
    pages.push(page);
    items.push(...page.servers);
    if (page.metadata.nextCursor === undefined) return { items, pages };
    cursor = page.metadata.nextCursor;
  }
  throw new Error("paging did not end");
}

describe("GET /v0.1/servers", () => {
  it("lists every non-deleted version ordered by name then version (code units), 30 per page by default", async () => {
    const page = await list("");
    const expected = live().slice(0, 30);
    expect(page.servers.map(key)).toEqual(expected.map(recordKey));
    expect(page.metadata).toEqual({ nextCursor: recordKey(expected[29]!), count: 30 });
    // Code-unit order, not semver: 0.10.0 sorts before 0.2.0.
    const many = page.servers.filter((s) => s.server.name === MANY_SERVER).map((s) => s.server.version);
    expect(many.indexOf("0.10.0")).toBeLessThan(many.indexOf("0.2.0"));
  });

  it("pages through the whole list with the cursor, without loss or duplicates", async () => {
    for (const [query, expected] of [
      ["limit=7", live()],
      ["limit=1&include_deleted=true", everything()],
      ["limit=100", live()],
    ] as const) {
      const { items, pages } = await pageThrough(query);
      expect(items.map(key), query).toEqual(expected.map(recordKey));
      for (const p of pages.slice(0, -1)) expect(p.metadata.nextCursor).toBe(key(p.servers.at(-1)!));
      const last = pages.at(-1)!;
      expect(last.metadata.nextCursor).toBeUndefined();
      expect(last.metadata.count).toBe(last.servers.length);
    }
  });

  it("gives nextCursor only on a full page: an exact multiple ends with an empty page", async () => {
    const n = live().length;
    const first = await list(`?limit=${n - 1}`);
    expect(first.metadata.nextCursor).toBeDefined();
    const second = await list(`?limit=${n - 1}&cursor=${encodeURIComponent(first.metadata.nextCursor!)}`);
    expect(second.metadata).toEqual({ count: 1 });
    const full = await list(`?limit=${n}`);
    expect(full.metadata.nextCursor).toBe(recordKey(live().at(-1)!));
    expect(await list(`?limit=${n}&cursor=${encodeURIComponent(full.metadata.nextCursor!)}`)).toEqual({
      servers: [],
      metadata: { count: 0 },
    });
  });

  it("reads a cursor as (name, version) > cursor, and one without ':' as name > cursor", async () => {
    const afterVersion = await list(`?limit=2&cursor=${encodeURIComponent(`${PLUS_SERVER}:1.0.2`)}`);
    expect(afterVersion.servers.map(key)).toEqual([`${PLUS_SERVER}:${PLUS_VERSION}`, `${PLUS_SERVER}:1.1.0-beta.1`]);
    const afterName = await list(`?limit=100&cursor=${encodeURIComponent(PLUS_SERVER)}`);
    expect(afterName.servers.map(key)).toEqual(
      live()
        .filter((r) => r.name > PLUS_SERVER)
        .map(recordKey),
    );
    expect((await list("?cursor=zzz")).servers).toEqual([]);
    expect((await list("?cursor=")).servers.length).toBe(30); // empty means absent
  });

  it("reads a space in a cursor as `+`: VS Code's unescaped `cursor=name:1.0.3+build.7` does not repeat the row", async () => {
    const cursor = `${PLUS_SERVER}:${PLUS_VERSION}`;
    const escaped = await get(`/v0.1/servers?limit=3&cursor=${encodeURIComponent(cursor)}`);
    const raw = await get(`/v0.1/servers?limit=3&cursor=${cursor}`); // `+` unescaped: a space once decoded
    expect(raw.status).toBe(200);
    expect(raw.text).toBe(escaped.text);
    const rows = (JSON.parse(raw.text) as ServerList).servers.map((s) => `${s.server.name}:${s.server.version}`);
    expect(rows).toHaveLength(3);
    expect(rows).not.toContain(cursor);
    expect(rows.every((r) => r > cursor)).toBe(true);
  });

  it("accepts limit 1..100 and answers 422 with Huma's error details outside or when not an integer", async () => {
    expect((await list("?limit=1")).servers).toHaveLength(1);
    expect((await list("?limit=100")).servers).toHaveLength(live().length);
    expect((await list("?limit=%2B5")).servers).toHaveLength(5);
    for (const [value, message] of [
      ["0", "expected number >= 1"],
      ["-1", "expected number >= 1"],
      ["101", "expected number <= 100"],
      ["abc", "invalid integer"],
      ["1.5", "invalid integer"],
      ["%205", "invalid integer"],
      ["+5", "invalid integer"], // a query's + is a space
    ] as const) {
      const body = await expectProblem(`/v0.1/servers?limit=${value}`, 422, DETAIL.validationFailed);
      expect(body.errors).toEqual([expect.objectContaining({ location: "query.limit", message })]);
    }
  });

  it("searches case-insensitively in names only", async () => {
    const hits = await list("?search=WeAtHeR&limit=100");
    expect(hits.servers.map(key)).toEqual(
      live()
        .filter((r) => r.name.toLowerCase().includes("weather"))
        .map(recordKey),
    );
    expect(hits.servers.length).toBeGreaterThan(3);
    expect((await list("?search=forecasts")).servers).toEqual([]); // a description word
    expect((await list("?search=%25")).servers).toEqual([]); // % is literal, not a wildcard
    expect((await list("?search=_")).servers).toEqual([]);
  });

  it("filters version=latest to isLatest, and any other version exactly", async () => {
    const latest = await list("?version=latest&limit=100");
    expect(latest.servers.map(key)).toEqual(
      live()
        .filter((r) => r.official.isLatest)
        .map(recordKey),
    );
    expect(latest.servers.every((s) => s._meta[OFFICIAL_META_KEY].isLatest)).toBe(true);
    expect(new Set(latest.servers.map((s) => s.server.name)).size).toBe(latest.servers.length);
    const withDeleted = await list("?version=latest&include_deleted=true&limit=100");
    expect(withDeleted.servers.map((s) => s.server.name)).toContain(GONE_SERVER);

    const exact = await list("?version=1.0.0&limit=100");
    expect(exact.servers.map(key)).toEqual(
      live()
        .filter((r) => r.version === "1.0.0")
        .map(recordKey),
    );
    expect((await list(`?version=${encodeURIComponent(PLUS_VERSION)}`)).servers.map(key)).toEqual([
      `${PLUS_SERVER}:${PLUS_VERSION}`,
    ]);
    expect((await list("?version=9.9.9")).servers).toEqual([]);
  });

  it("hides deleted versions unless include_deleted is true", async () => {
    expect((await list("?limit=100&include_deleted=false")).servers.map(key)).toEqual(live().map(recordKey));
    expect((await list("?limit=100&include_deleted=")).servers.map(key)).toEqual(live().map(recordKey));
    const all = await list("?limit=100&include_deleted=true");
    expect(all.servers.map(key)).toEqual(everything().map(recordKey));
    expect(all.servers.some((s) => s._meta[OFFICIAL_META_KEY].status === "deleted")).toBe(true);
    expect((await list("?limit=100&include_deleted=1")).servers).toHaveLength(everything().length);
    const body = await expectProblem("/v0.1/servers?include_deleted=yes", 422, DETAIL.validationFailed);
    expect(body.errors).toEqual([
      expect.objectContaining({ location: "query.include_deleted", message: "invalid boolean" }),
    ]);
  });

  it("filters updated_since strictly (>), includes deleted versions, and rejects bad timestamps with the official text", async () => {
    const times = [...new Set(fixture.model.versions.map((r) => r.official.updatedAt))].sort();
    const pivot = times[Math.floor(times.length / 2)]!;
    const after = (t: string) => everything().filter((r) => Date.parse(r.official.updatedAt) > Date.parse(t));
    const page = await list(`?limit=100&updated_since=${pivot}`);
    expect(page.servers.map(key)).toEqual(after(pivot).map(recordKey));
    expect(
      page.servers.some((s) => s.server.version === "1.0.0" && s.server.name === GONE_SERVER) ||
        !after(pivot).some((r) => r.name === GONE_SERVER),
    ).toBe(true);
    expect(page.servers.every((s) => s._meta[OFFICIAL_META_KEY].updatedAt !== pivot)).toBe(true);
    // The same instant in another zone and with a fraction just below.
    const shifted = new Date(Date.parse(pivot) + 2 * 3_600_000)
      .toISOString()
      .replace(/\.000Z$/, "+02:00")
      .replace("Z", "");
    expect((await list(`?limit=100&updated_since=${encodeURIComponent(shifted)}`)).servers.map(key)).toEqual(
      after(pivot).map(recordKey),
    );
    const justBefore = new Date(Date.parse(pivot) - 1000).toISOString().replace(/\.000Z$/, ".999999999Z");
    expect((await list(`?limit=100&updated_since=${justBefore}`)).servers.length).toBe(
      after(pivot).length + everything().filter((r) => r.official.updatedAt === pivot).length,
    );
    // Deleted versions are part of an incremental sync.
    const all = await list("?limit=100&updated_since=2000-01-01T00:00:00Z");
    expect(all.servers.map(key)).toEqual(everything().map(recordKey));
    expect((await list("?limit=100&updated_since=2000-01-01T00:00:00Z&include_deleted=true")).servers).toHaveLength(
      everything().length,
    );
    expect((await list("?updated_since=2999-01-01T00:00:00Z")).servers).toEqual([]);

    for (const bad of [
      "yesterday",
      "2025-01-01",
      "2025-01-01T00:00:00",
      "2025-01-01t00:00:00Z",
      "2025-13-01T00:00:00Z",
      "2025-02-29T00:00:00Z",
      "2025-01-01T24:00:00Z",
      "2025-01-01 00:00:00Z",
    ]) {
      await expectProblem(`/v0.1/servers?updated_since=${encodeURIComponent(bad)}`, 400, DETAIL.invalidUpdatedSince);
    }
    await expectProblem(
      "/v0.1/servers?updated_since=2025-01-01T00:00:00Z&include_deleted=false",
      400,
      DETAIL.includeDeletedConflict,
    );
  });

  it("combines filters with AND and with the cursor", async () => {
    const page = await list(
      `?search=weather&version=latest&limit=1&cursor=${encodeURIComponent("io.github.example/weather-mcp")}`,
    );
    const expected = live().filter(
      (r) => r.official.isLatest && r.name.includes("weather") && r.name > "io.github.example/weather-mcp",
    );
    expect(page.servers.map(key)).toEqual(expected.slice(0, 1).map(recordKey));
  });

  it("answers /v0 exactly like /v0.1", async () => {
    const a = await get("/v0/servers?limit=5&search=io");
    const b = await get("/v0.1/servers?limit=5&search=io");
    expect(a.status).toBe(200);
    expect(a.text).toBe(b.text);
  });
});

describe("GET /v0.1/servers/{name}/versions[/{version}]", () => {
  const enc = (name: string) => encodeURIComponent(name);

  it("lists a server's versions newest publishedAt first, equal to the static versions file", async () => {
    for (const name of new Set(fixture.model.versions.map((r) => r.name))) {
      const r = await get(`/v0.1/servers/${enc(name)}/versions`);
      const liveVersions = fixture.model.versions.filter((v) => v.name === name && v.official.status !== "deleted");
      expect(r.status).toBe(liveVersions.length === 0 ? 404 : 200);
      if (liveVersions.length === 0) continue;
      const body = r.json() as ServerList;
      validators.serverList(body);
      expect(body.metadata).toEqual({ count: liveVersions.length });
      const published = body.servers.map((s) => s._meta[OFFICIAL_META_KEY].publishedAt);
      expect(published).toEqual([...published].sort().reverse());
      expect(r.text).toBe(String(fixture.tree.get(`v0.1/servers/${name}/versions.json`)));
    }
  });

  it("answers 404 Server not found for an unknown server or one whose versions are all deleted, unless include_deleted", async () => {
    await expectProblem(`/v0.1/servers/${enc("io.github.nobody/nothing")}/versions`, 404, DETAIL.serverNotFound);
    await expectProblem(`/v0.1/servers/${enc(GONE_SERVER)}/versions`, 404, DETAIL.serverNotFound);
    const r = await get(`/v0.1/servers/${enc(GONE_SERVER)}/versions?include_deleted=true`);
    expect(r.status).toBe(200);
    expect((r.json() as ServerList).servers.map(key)).toEqual([`${GONE_SERVER}:1.0.0`]);
    const withWeather = await get(
      `/v0.1/servers/${enc("io.github.example/weather-mcp")}/versions?include_deleted=true`,
    );
    expect((withWeather.json() as ServerList).metadata.count).toBe(
      fixture.model.versions.filter((v) => v.name === "io.github.example/weather-mcp").length,
    );
    await expectProblem(
      `/v0.1/servers/${enc(GONE_SERVER)}/versions?include_deleted=maybe`,
      422,
      DETAIL.validationFailed,
    );
  });

  it("serves every version by URL-encoded name and version, equal to the static file", async () => {
    for (const rec of fixture.model.versions) {
      const r = await get(
        `/v0.1/servers/${enc(rec.name)}/versions/${enc(rec.version)}${rec.official.status === "deleted" ? "?include_deleted=true" : ""}`,
      );
      expect(r.status, `${rec.name} ${rec.version}`).toBe(200);
      validators.serverResponse(r.json());
      expect(r.text).toBe(String(fixture.tree.get(`v0.1/servers/${rec.name}/versions/${rec.version}`)));
    }
  });

  it("decodes names and versions: %2F and %2B, the unencoded form, and upstream's second PathUnescape", async () => {
    const want = `${PLUS_SERVER}:${PLUS_VERSION}`;
    for (const path of [
      `/v0.1/servers/io.github.user%2Fweather/versions/1.0.3%2Bbuild.7`,
      `/v0.1/servers/io.github.user%2fweather/versions/1.0.3+build.7`,
      `/v0.1/servers/io.github.user/weather/versions/1.0.3%2Bbuild.7`,
      `/v0.1/servers/io.github.user%252Fweather/versions/1.0.3%252Bbuild.7`,
    ]) {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      expect(key(r.json() as ServerResponse)).toBe(want);
    }
    await expectProblem("/v0.1/servers/io.github.user%25zz/versions", 400, DETAIL.invalidNameEncoding);
    await expectProblem("/v0.1/servers/io.github.user%2Fweather/versions/1.0%25zz", 400, DETAIL.invalidVersionEncoding);
  });

  it("answers latest with the isLatest version, and 404 Server not found for misses", async () => {
    const r = await get(`/v0.1/servers/${enc(PLUS_SERVER)}/versions/latest`);
    const expected = fixture.model.versions.find((v) => v.name === PLUS_SERVER && v.official.isLatest)!;
    expect(key(r.json() as ServerResponse)).toBe(recordKey(expected));
    await expectProblem(`/v0.1/servers/${enc(PLUS_SERVER)}/versions/9.9.9`, 404, DETAIL.serverNotFound);
    await expectProblem(`/v0.1/servers/${enc("io.github.nobody/nothing")}/versions/latest`, 404, DETAIL.serverNotFound);
    await expectProblem(`/v0.1/servers/${enc(GONE_SERVER)}/versions/latest`, 404, DETAIL.serverNotFound);
    await expectProblem(`/v0.1/servers/${enc(GONE_SERVER)}/versions/1.0.0`, 404, DETAIL.serverNotFound);
    const deleted = await get(`/v0.1/servers/${enc(GONE_SERVER)}/versions/latest?include_deleted=true`);
    expect(deleted.status).toBe(200);
    expect((deleted.json() as ServerResponse)._meta[OFFICIAL_META_KEY].status).toBe("deleted");
  });
});

describe("transport rules, errors, CORS", () => {
  it("redirects a trailing slash with 308 to the cleaned path, keeping the query and the encoding", async () => {
    let r = await get("/v0.1/servers/?limit=2");
    expect(r.status).toBe(308);
    expect(r.headers.get("location")).toBe("/v0.1/servers?limit=2");
    r = await get("/v0.1/servers/io.github.user%2Fweather/versions/");
    expect(r.status).toBe(308);
    expect(r.headers.get("location")).toBe("/v0.1/servers/io.github.user%2Fweather/versions");
    // An encoded slash at the end is not a trailing slash (no redirect loop): just an unknown server.
    await expectProblem("/v0.1/servers/io.github.user%2F/versions", 404, DETAIL.serverNotFound);
    const loop = await get("/v0.1/servers/io.github.user%2F");
    expect(loop.status).toBe(404);
  });

  it("rejects NUL in the path or the query with 400", async () => {
    for (const path of ["/v0.1/servers/%00", "/v0.1/servers/a%2500b/versions"]) {
      const r = await get(path);
      expect(r.status).toBe(400);
      expect((r.json() as { detail: string }).detail).toBe("Invalid request: URL path contains null bytes");
    }
    const r = await get("/v0.1/servers?search=%00");
    expect(r.status).toBe(400);
    expect((r.json() as { detail: string }).detail).toBe("Invalid request: query parameters contain null bytes");
    expect((await get("/v0.1/servers?search=00")).status).toBe(200);
  });

  it("answers unknown API paths and other methods with problem+json", async () => {
    await expectProblem(
      "/v0.1/serverz",
      404,
      /^Endpoint not found\. Did you mean '\/v0\.1\/serverz' or '\/v0\/serverz'\?/,
    );
    await expectProblem("/v0.1/servers/a/b/c/d/e", 404, /^Endpoint not found/);
    const post = await get("/v0.1/publish", { method: "POST", body: "{}" });
    expect(post.status).toBe(405);
    expect(post.headers.get("content-type")).toBe("application/problem+json");
  });

  it("answers CORS preflights like upstream (rs/cors) and marks every response Allow-Origin *", async () => {
    const pre = await fetch(`${base}/v0.1/servers`, {
      method: "OPTIONS",
      headers: {
        Origin: "https://example.com",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "x-custom, authorization",
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    expect(pre.headers.get("access-control-allow-methods")).toBe("GET");
    expect(pre.headers.get("access-control-allow-headers")).toBe("x-custom, authorization");
    expect(pre.headers.get("access-control-max-age")).toBe("86400");
    const patch = await fetch(`${base}/v0.1/servers`, {
      method: "OPTIONS",
      headers: { Origin: "https://example.com", "Access-Control-Request-Method": "PATCH" },
    });
    expect(patch.headers.get("access-control-allow-methods")).toBe("PATCH");
    const trace = await fetch(`${base}/v0.1/servers`, {
      method: "OPTIONS",
      headers: { Origin: "https://example.com", "Access-Control-Request-Method": "TRACE" },
    });
    expect(trace.headers.get("access-control-allow-origin")).toBeNull();
    const simple = await get("/v0.1/servers?limit=1", { headers: { Origin: "https://example.com" } });
    expect(simple.headers.get("access-control-allow-origin")).toBe("*");
    expect((await get("/v0.1/nothing")).headers.get("access-control-allow-origin")).toBe("*");
  });

  it("serves health, ping and version under both prefixes", async () => {
    for (const p of ["/v0", "/v0.1"]) {
      expect((await get(`${p}/health`)).json()).toEqual({ status: "ok" });
      expect((await get(`${p}/ping`)).json()).toEqual({ pong: true });
      expect((await get(`${p}/version`)).json()).toEqual({
        version: "static",
        git_commit: "0123456789abcdef0123456789abcdef01234567",
        build_time: "2025-12-01T00:00:00Z",
      });
    }
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    const head = await fetch(`${base}/v0.1/servers?limit=2`, { method: "HEAD" });
    const got = await get("/v0.1/servers?limit=2");
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(Buffer.byteLength(got.text)));
    expect(await head.text()).toBe("");
  });
});

describe("static files", () => {
  it("serves the .json twins and the extension as application/json, equal to the tree", async () => {
    for (const path of [
      "v0.1/servers.json",
      `v0.1/servers/${PLUS_SERVER}/versions.json`,
      `v0.1/servers/${PLUS_SERVER}/versions/latest.json`,
      `v0.1/servers/${PLUS_SERVER}/versions/${PLUS_VERSION}.json`,
      "v0.1/x/io.github.mcp-static-registry/meta.json",
    ]) {
      const r = await get(`/${path.replace("+", "%2B")}`);
      expect(r.status, path).toBe(200);
      expect(r.headers.get("content-type")).toBe("application/json");
      expect(r.text).toBe(String(fixture.tree.get(path)));
    }
  });

  it("serves the site: index, folders with a 301 to the slash, types by extension, 404.html", async () => {
    const home = await get("/");
    expect(home.status).toBe(200);
    expect(home.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(home.text).toBe(SITE.get("index.html"));
    const docs = await get("/docs?x=1");
    expect(docs.status).toBe(301);
    expect(docs.headers.get("location")).toBe("/docs/?x=1");
    expect((await get("/docs/")).text).toBe(SITE.get("docs/index.html"));
    expect((await get("/docs/index")).text).toBe(SITE.get("docs/index.html")); // pretty URL, as on Pages
    expect((await get("/app.js")).headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const missing = await get("/no/such/page");
    expect(missing.status).toBe(404);
    expect(missing.text).toBe(SITE.get("404.html"));
  });
});

describe("measureServeThroughput", () => {
  it("loads the server from a worker thread and reports requests/s and latency percentiles", async () => {
    const other = createRegistryServer({ model: fixture.model, tree: fixture.tree });
    const result = await measureServeThroughput({
      server: other,
      paths: ["/v0.1/servers?limit=100", "/v0.1/servers?limit=10&search=weather"],
      durationMs: 400,
      concurrency: 4,
      warmupMs: 100,
    });
    expect(other.listening).toBe(false); // it started and stopped the server itself
    expect(result.errors).toBe(0);
    expect(result.requests).toBeGreaterThan(10);
    expect(result.statuses).toEqual({ "200": result.requests });
    expect(result.requestsPerSecond).toBeGreaterThan(0);
    expect(result.p50Ms).toBeGreaterThan(0);
    expect(result.p50Ms).toBeLessThanOrEqual(result.p99Ms);
    expect(result.p99Ms).toBeLessThanOrEqual(result.maxMs);
    expect(result.bytes).toBeGreaterThan(result.requests * 100);
  });
});

describe("security headers", () => {
  const sha = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

  it.each([
    "/v0.1/servers",
    "/v0.1/servers.html",
    "/v0/servers/index.html",
    `/v0.1/servers/${encodeURIComponent(PLUS_SERVER)}/versions`,
    "/v0.1/servers.json",
    "/v0.1/nope",
    "/v0.1/servers/",
  ])("API %s: nothing runs, loads, frames or sniffs", async (p) => {
    const r = await get(p);
    expect(r.headers.get("content-security-policy")).toBe(API_CSP);
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    expect(r.headers.get("x-frame-options")).toBe("DENY");
    expect(r.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("the site: its own files only; the 404 page's inline script and style allowed by their hash", async () => {
    const home = await get("/");
    expect(home.headers.get("content-security-policy")).toBe(SITE_CSP);
    expect(home.headers.get("x-content-type-options")).toBe("nosniff");
    expect(home.headers.get("x-frame-options")).toBe("DENY");
    expect(home.headers.get("referrer-policy")).toBe("same-origin");
    const missing = await get("/no/such/page");
    expect(missing.status).toBe(404);
    const csp = missing.headers.get("content-security-policy")!;
    expect(csp).toContain(`script-src 'self' ${sha("document.title='x'")};`);
    expect(csp).toContain(`style-src 'self' ${sha("p{}")};`);
    expect(csp).toContain("default-src 'none'");
  });

  it("siteCspFor hashes inline blocks only, not scripts loaded by src", () => {
    expect(siteCspFor('<script type="module" src="app.js"></script>')).toBe(SITE_CSP);
    expect(siteCspFor("<script>a()</script><script>b()</script>")).toContain(
      `script-src 'self' ${sha("a()")} ${sha("b()")};`,
    );
  });
});
