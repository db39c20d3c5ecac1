// The edge deployment against `npm start`, both on loopback: workerd (Miniflare) running the Worker over a
// simulated R2 bucket loaded by the deploy's own upload logic, and npm start's node:http handler over the
// same build. One workerd start for the whole file.

import type { AddressInfo } from "node:net";
import type http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareCodeUnits, documentJson, serverOf, type RegistryModel, type VersionRecord } from "../lib/model.ts";
import { createRegistryServer } from "../lib/serve/server.ts";
import { deployObjects } from "../lib/edge/deploy-plan.ts";
import { edgeObjects } from "../lib/edge/objects.ts";
import {
  decodeEdgeIndex,
  derivedApiSelection,
  EDGE_INDEX_KEY,
  isDerivedApiFile,
  PACK_PREFIX,
  renderFromPacks,
  type EdgeIndexJson,
} from "../lib/edge/index-format.ts";
import { bodyText, indexEntries } from "../lib/serve/query.ts";
import { startLocalEdge, type LocalEdge } from "./local.ts";
import {
  buildFixtureRegistry,
  GONE_SERVER,
  MANY_SERVER,
  PLUS_SERVER,
  PLUS_VERSION,
  type FixtureRegistry,
} from "../test/static-hosts/fixture.ts";

const SITE = new Map([
  ["index.html", "<!doctype html><title>home</title>"],
  ["404.html", "<!doctype html><title>not found</title><style>p{}</style><script>document.title='x'</script>"],
  ["docs/index.html", "<!doctype html><title>docs</title>"],
  ["app.js", "console.log(1)"],
]);

let fixture: FixtureRegistry;
let server: http.Server;
let local: string;
let edge: LocalEdge;

beforeAll(async () => {
  fixture = await buildFixtureRegistry({ site: SITE });
  server = createRegistryServer({ model: fixture.model, tree: fixture.tree });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  edge = await startLocalEdge();
  await deployObjects(edge.store, edgeObjects(fixture.model, fixture.tree));
}, 120_000);

afterAll(async () => {
  await edge?.dispose();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  fixture.cleanup();
});

interface Answer {
  readonly status: number;
  readonly type: string | null;
  readonly location: string | null;
  readonly body: string;
}

async function ask(base: string, path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(base + path, { redirect: "manual", ...init });
  const body = await res.text();
  return { status: res.status, type: res.headers.get("content-type"), location: res.headers.get("location"), body };
}

let compared = 0;

/** The same request to both: identical status, content type, Location and body. */
async function same(path: string, init: RequestInit = {}): Promise<Answer> {
  compared++;
  const [a, b] = await Promise.all([ask(local, path, init), ask(edge.url, path, init)]);
  expect({ path, ...b }).toEqual({ path, ...a });
  return b;
}

const live = () => fixture.model.versions.filter((r) => r.official.status !== "deleted");
const names = () => [...new Set(fixture.model.versions.map((r) => r.name))];

describe("the edge answers exactly like npm start", () => {
  it("lists with every parameter, edge values included", async () => {
    const since = [...fixture.model.versions].map((r) => r.official.updatedAt).sort()[5]!;
    const queries = [
      "",
      "?limit=1",
      "?limit=100",
      "?limit=0",
      "?limit=101",
      "?limit=-1",
      "?limit=1.5",
      "?limit=x&include_deleted=y",
      "?limit=",
      "?search=weather",
      "?search=WEATHER&version=latest",
      "?search=io.github.user%2F",
      "?search=no-such-server",
      "?search=%3Cscript%3E",
      "?version=latest",
      "?version=1.0.0",
      "?version=latest&include_deleted=true",
      `?version=${encodeURIComponent(PLUS_VERSION)}`,
      "?include_deleted=true&limit=100",
      "?include_deleted=false",
      "?include_deleted=maybe",
      `?updated_since=${encodeURIComponent(since)}`,
      `?updated_since=${encodeURIComponent(since)}&include_deleted=false`,
      "?updated_since=2025-13-01T00:00:00Z",
      "?updated_since=yesterday",
      "?cursor=zzz",
      "?cursor=",
      `?cursor=${encodeURIComponent(PLUS_SERVER)}`,
      `?cursor=${PLUS_SERVER}:${PLUS_VERSION}`, // the `+` unescaped, as VS Code sends it
      `?cursor=${encodeURIComponent(`${PLUS_SERVER}:${PLUS_VERSION}`)}&limit=3`,
      `?cursor=${encodeURIComponent(`${GONE_SERVER}:1.0.0`)}&include_deleted=true`,
      "?limit=5&limit=7",
      "?unknown=1",
    ];
    const before = compared;
    for (const prefix of ["/v0.1", "/v0"]) for (const q of queries) await same(`${prefix}/servers${q}`);
    expect(compared - before).toBe(queries.length * 2);
  });

  it("pages to the end with nextCursor, for every pool and filter", async () => {
    for (const q of ["limit=7", "limit=7&include_deleted=true", "limit=3&version=latest", "limit=4&search=example"]) {
      let cursor: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await same(`/v0.1/servers?${q}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        pages++;
        cursor = (JSON.parse(page.body) as { metadata: { nextCursor?: string } }).metadata.nextCursor;
        if (!cursor) break;
      }
      expect(pages).toBeGreaterThan(1);
    }
  });

  it("answers every server and version, by encoded and plain name, deleted ones included", async () => {
    const before = compared;
    for (const name of names()) {
      for (const form of [encodeURIComponent(name), name]) {
        await same(`/v0.1/servers/${form}/versions`);
        await same(`/v0.1/servers/${form}/versions?include_deleted=true`);
        await same(`/v0/servers/${form}/versions/latest`);
      }
    }
    for (const r of fixture.model.versions) {
      const path = `/v0.1/servers/${encodeURIComponent(r.name)}/versions/${encodeURIComponent(r.version)}`;
      await same(path);
      await same(`${path}?include_deleted=true`);
    }
    for (const path of [
      `/v0.1/servers/${encodeURIComponent(GONE_SERVER)}/versions`,
      `/v0.1/servers/${encodeURIComponent(PLUS_SERVER)}/versions/${PLUS_VERSION}`,
      `/v0.1/servers/${encodeURIComponent(PLUS_SERVER)}/versions/9.9.9`,
      "/v0.1/servers/io.github.nobody%2Fnothing/versions",
      "/v0.1/servers/bad%ZZname/versions",
      `/v0.1/servers/${encodeURIComponent(PLUS_SERVER)}/versions/bad%ZZ`,
      `/v0.1/servers/${encodeURIComponent(PLUS_SERVER)}/versions?include_deleted=nope`,
      `/v0.1/servers/${encodeURIComponent(encodeURIComponent(PLUS_SERVER))}/versions`,
    ])
      await same(path);
    expect(compared - before).toBe(names().length * 6 + fixture.model.versions.length * 2 + 8);
  });

  it("serves the static API files, the site, errors and transport rules the same way", async () => {
    const paths = [
      "/v0.1/servers.json",
      "/v0.1/servers.html",
      "/v0/servers.json",
      `/v0.1/servers/${PLUS_SERVER}/versions.json`,
      `/v0.1/servers/${PLUS_SERVER}/versions/latest.json`,
      `/v0/servers/${PLUS_SERVER}/versions/latest.json`,
      `/v0.1/servers/${PLUS_SERVER}/versions/${PLUS_VERSION}.json`,
      `/v0.1/servers/${GONE_SERVER}/versions/1.0.0.json`,
      `/v0.1/servers/${GONE_SERVER}/versions.json`,
      `/v0.1/x/io.github.mcp-static-registry/meta.json`,
      "/v0.1/health",
      "/v0.1/ping",
      "/v0/version",
      "/v0.1/health.json",
      "/v0.1/servers/",
      "/v0.1/servers?%00",
      "/v0.1/nothing",
      "/",
      "/docs",
      "/docs/",
      "/app.js",
      "/missing",
      "/_edge/index.json",
    ];
    for (const p of paths) await same(p);
    await same("/v0.1/servers", { method: "POST" });
    await same("/v0.1/servers", { method: "HEAD" });
    const preflight = {
      method: "OPTIONS",
      headers: {
        Origin: "https://example.com",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization,content-type",
      },
    };
    await same("/v0.1/servers", preflight);
    const res = await fetch(`${edge.url}/v0.1/servers`, preflight);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-headers")).toBe("authorization,content-type");
    expect(res.headers.get("access-control-allow-methods")).toBe("GET");
  });

  it("derives every static API file it does not store, byte for byte as the build wrote it", async () => {
    const objects = edgeObjects(fixture.model, fixture.tree);
    const packed = decodeEdgeIndex(
      JSON.parse(new TextDecoder().decode(objects.get(EDGE_INDEX_KEY)!.bytes)) as EdgeIndexJson,
    );
    const index = indexEntries(packed.facts);
    const read = async (key: string, offset: number, length: number) =>
      objects.get(key)!.bytes.subarray(offset, offset + length);
    const derived = [...fixture.tree.keys()].filter(isDerivedApiFile);
    expect(derived.length).toBeGreaterThan(100);
    for (const path of derived) {
      expect(objects.has(path)).toBe(false);
      const selection = derivedApiSelection(index, path);
      expect(selection, path).toBeDefined();
      if (!selection || selection.kind === "problem") continue;
      const want = fixture.tree.get(path)!;
      expect({ path, body: bodyText(await renderFromPacks(packed, selection, read)) }).toEqual({
        path,
        body: typeof want === "string" ? want : new TextDecoder().decode(want),
      });
    }
    for (const path of [
      "v0/servers.json",
      `v0/servers/${PLUS_SERVER}/versions.json`,
      `v0/servers/${PLUS_SERVER}/versions/latest.json`,
      `v0.1/servers/${PLUS_SERVER}/versions/9.9.9`,
      `v0.1/servers/${GONE_SERVER}/versions/latest`,
      `v0.1/servers/${GONE_SERVER}/versions.json`,
      "v0.1/servers/io.github.nobody/x/versions/index.html",
    ])
      expect({ path, selection: derivedApiSelection(index, path) }).toEqual({ path, selection: undefined });
  });
});

describe("caching headers", () => {
  it("sends an ETag and Cache-Control from the build's serial, and 304 for a matching If-None-Match", async () => {
    const res = await fetch(`${edge.url}/v0.1/servers?limit=1`);
    const etag = res.headers.get("etag")!;
    expect(etag).toMatch(new RegExp(`^"${fixture.model.info.serial}-`));
    expect(res.headers.get("cache-control")).toBe("public, max-age=60, must-revalidate");
    const again = await fetch(`${edge.url}/v0.1/servers?limit=1`, { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
    const other = await fetch(`${edge.url}/v0.1/servers?limit=1`, { headers: { "If-None-Match": '"0-other"' } });
    expect(other.status).toBe(200);
    const missing = await fetch(`${edge.url}/v0.1/servers/io.github.nobody%2Fx/versions`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("etag")).toBeNull();
  });
});

describe("real client flows against the edge", () => {
  it("VS Code's gallery: probe, list latest, search (only matches), page with nextCursor to the end, open by name", async () => {
    const probe = await fetch(`${edge.url}/v0.1/servers?limit=1`);
    expect(probe.status).toBe(200);
    const seen: string[] = [];
    let url = `${edge.url}/v0.1/servers?limit=5&version=latest`;
    for (;;) {
      const page = (await (await fetch(url)).json()) as {
        servers: { server: { name: string } }[];
        metadata: { nextCursor?: string };
      };
      seen.push(...page.servers.map((s) => s.server.name));
      if (!page.metadata.nextCursor) break;
      // VS Code appends the cursor without escaping it.
      url = `${edge.url}/v0.1/servers?limit=5&version=latest&cursor=${page.metadata.nextCursor}`;
    }
    const listed = new Set(
      live()
        .filter((r) => r.official.isLatest)
        .map((r) => r.name),
    );
    expect(seen).toEqual([...listed].sort(compareCodeUnits));
    const search = (await (await fetch(`${edge.url}/v0.1/servers?limit=50&version=latest&search=weather`)).json()) as {
      servers: { server: { name: string } }[];
    };
    expect(search.servers.length).toBeGreaterThan(0);
    expect(search.servers.every((s) => s.server.name.toLowerCase().includes("weather"))).toBe(true);
    expect(search.servers.length).toBeLessThan(listed.size);
    const opened = await fetch(`${edge.url}/v0.1/servers/${encodeURIComponent(PLUS_SERVER)}/versions/latest`);
    expect(opened.status).toBe(200);
    expect(((await opened.json()) as { server: { name: string } }).server.name).toBe(PLUS_SERVER);
  });

  it("ToolHive's probe: ?limit=1&version=latest answers application/json with a servers array", async () => {
    const res = await fetch(`${edge.url}/v0.1/servers?limit=1&version=latest`, {
      headers: { Accept: "application/json" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as { servers: unknown[] };
    expect(body.servers).toHaveLength(1);
  });
});

/** The model with one more version of MANY_SERVER, an older prerelease that does not move latest. */
function withOneMoreVersion(model: RegistryModel): RegistryModel {
  const base = model.versions.find((r) => r.name === MANY_SERVER)!;
  const added: VersionRecord = {
    ...base,
    version: "0.0.1-edge.1",
    json: documentJson({ ...serverOf(base), version: "0.0.1-edge.1" }),
    official: { ...base.official, isLatest: false },
  };
  const versions = [...model.versions, added].sort(
    (a, b) => compareCodeUnits(a.name, b.name) || compareCodeUnits(a.version, b.version),
  );
  return { ...model, versions };
}

describe("deploy:edge's upload logic against the local bucket", () => {
  it("uploads nothing the second time, one pack and the index for one added version, and deletes the stale pack", async () => {
    const objects = edgeObjects(fixture.model, fixture.tree);
    const again = await deployObjects(edge.store, objects);
    expect(again).toMatchObject({ uploaded: 0, uploadedBytes: 0, deleted: 0, unchanged: objects.size });

    const grown = edgeObjects(withOneMoreVersion(fixture.model), fixture.tree);
    const changed = [...grown].filter(([k, o]) => objects.get(k)?.sha256 !== o.sha256).map(([k]) => k);
    expect(changed.filter((k) => k.startsWith(PACK_PREFIX))).toHaveLength(1);
    expect(changed).toHaveLength(2); // the pack holding MANY_SERVER, and _edge/index.json
    const report = await deployObjects(edge.store, grown);
    expect(report).toMatchObject({ uploaded: 2, deleted: 1, unchanged: grown.size - 2 });
    const stale = [...objects.keys()].find((k) => k.startsWith(PACK_PREFIX) && !grown.has(k))!;
    expect(await edge.store.get(stale)).toBeNull();

    const res = await fetch(`${edge.url}/v0.1/servers/${encodeURIComponent(MANY_SERVER)}/versions/0.0.1-edge.1`);
    expect(res.status).toBe(200);
    // Back to the fixture's build, so the order of the tests does not matter.
    expect(await deployObjects(edge.store, objects)).toMatchObject({ uploaded: 2, deleted: 1 });
  });
});
