import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeApi, type FakeApi, type FakeApiItem } from "../../test/fakes/official-api.ts";
import { createHttpClient } from "../verify/http.ts";
import { entriesFromFile, fsServersStore, Importer, importFromApi, listUrl } from "./import.ts";
import { CURRENT_SCHEMA_URL } from "../model.ts";
import { checkTree } from "../pipeline.ts";
import { parseImportYaml } from "../import-record.ts";

const SEEDS = path.join(import.meta.dirname, "../../test/fixtures/reference/seeds/");
const retries: string[] = [];
const http = createHttpClient({ backoffMs: 1, sleep: async (ms) => void retries.push(String(ms)) });
const noSleep = { http };
let tmp: string | undefined;
let api: FakeApi | undefined;
afterEach(async () => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
  await api?.close();
  api = undefined;
});
const tempServers = () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "import-"));
  return path.join(tmp, "servers");
};
const seed = (file: string) => {
  const r = entriesFromFile(fs.readFileSync(SEEDS + file), file);
  if (r.kind !== "ok") throw new Error(r.reason);
  return r.entries;
};

describe("import from the seed files", () => {
  it("imports every valid 2025-09-29 entry and reports each other one with a reason; the tree validates", () => {
    const servers = tempServers();
    const importer = new Importer(fsServersStore(servers), { source: "seed-2025-09-29.json" });
    const entries = seed("seed-2025-09-29.json");
    for (const e of entries) importer.apply(e);
    importer.commit();
    expect(entries).toHaveLength(358);
    expect(importer.counts.written + importer.counts.rejected).toBe(358);
    expect(importer.counts.written).toBeGreaterThanOrEqual(200);
    for (const r of importer.rejected) expect(r.reason.length).toBeGreaterThan(0);
    expect(new Set(importer.rejected.map((r) => r.code))).toEqual(
      new Set(["schema/max-length", "schema/min-length", "package/oci-invalid-reference"]),
    );
    const { diagnostics } = checkTree(servers, tmp!);
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const iotdb = JSON.parse(
      fs.readFileSync(path.join(servers, "io.github.apache/iotdb/0.0.1-seed/server.json"), "utf8"),
    );
    expect(iotdb.$schema).toBe(CURRENT_SCHEMA_URL);
    expect(iotdb.packages[0]).toMatchObject({ registryType: "oci", identifier: "apache/iotdb:2.0.5" });
    expect(iotdb.packages[0]).not.toHaveProperty("registryBaseUrl");
    expect(fs.readFileSync(path.join(servers, "io.github.apache/iotdb/0.0.1-seed/server.json"), "utf8")).toMatch(
      /^\{\n {2}"\$schema"[\s\S]*\}\n$/,
    );
  });

  it("with --repair imports all but the 8 entries whose OCI identifier is not an image", () => {
    const servers = tempServers();
    const importer = new Importer(fsServersStore(servers), { source: "seed-2025-09-29.json", repair: true });
    for (const e of seed("seed-2025-09-29.json")) importer.apply(e);
    importer.commit();
    expect(importer.counts).toMatchObject({ written: 350, rejected: 8 });
    expect(importer.rejected.every((r) => r.code === "package/oci-invalid-reference")).toBe(true);
    expect(checkTree(servers, tmp!).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("imports the current seed.json unchanged, and a second run changes nothing", () => {
    const servers = tempServers();
    const first = new Importer(fsServersStore(servers), { source: "seed.json" });
    for (const e of seed("seed.json")) first.apply(e);
    first.commit();
    expect(first.counts).toMatchObject({ written: 4, rejected: 0 });
    const second = new Importer(fsServersStore(servers), { source: "seed.json" });
    for (const e of seed("seed.json")) second.apply(e);
    second.commit();
    expect(second.counts).toMatchObject({ written: 0, unchanged: 4, rejected: 0 });
  });

  it("filters by namespace", () => {
    const servers = tempServers();
    const importer = new Importer(fsServersStore(servers), { source: "seed", namespaces: ["io.github.apache"] });
    for (const e of seed("seed-2025-09-29.json")) importer.apply(e);
    importer.commit();
    expect(importer.counts.written).toBeGreaterThan(0);
    expect(fs.readdirSync(servers)).toEqual(["io.github.apache"]);
  });

  it("reports a file that is not a list", () => {
    expect(entriesFromFile(Buffer.from('{"a":1}'), "x.json")).toMatchObject({ kind: "invalid" });
    expect(entriesFromFile(Buffer.from("[1,"), "x.json")).toMatchObject({ kind: "invalid" });
  });
});

const item = (i: number, extra: Partial<FakeApiItem> = {}): FakeApiItem => ({
  server: {
    $schema: CURRENT_SCHEMA_URL,
    name: `io.github.test/server-${String(i).padStart(3, "0")}`,
    description: "A server.",
    version: "1.0.0",
  },
  publishedAt: `2025-10-${String((i % 28) + 1).padStart(2, "0")}T10:00:00.123456Z`,
  ...extra,
});

describe("import from an official API", () => {
  it("pages with nextCursor, includes deleted versions, retries 5xx, and writes status and upstream times", async () => {
    const items = Array.from({ length: 23 }, (_, i) =>
      item(i, i === 5 ? { status: "deleted", statusMessage: "spam" } : i === 6 ? { status: "deprecated" } : {}),
    );
    api = await startFakeApi(items, (n) => n === 2); // the second request fails once
    const servers = tempServers();
    const importer = new Importer(fsServersStore(servers), { source: listUrl(api.url) });
    retries.length = 0;
    const result = await importFromApi(api.url, importer, { ...noSleep, limit: 10 });
    expect(result).toMatchObject({ kind: "ok", pages: 3 });
    expect(retries).toHaveLength(1);
    importer.commit();
    expect(importer.counts).toMatchObject({ written: 23, rejected: 0 });
    expect(api.requests[0]).toBe("/v0.1/servers?limit=10&include_deleted=true");
    expect(api.requests.at(-1)).toContain("cursor=io.github.test%2Fserver-019%3A1.0.0");
    const dir = path.join(servers, "io.github.test/server-005/1.0.0");
    expect(fs.readFileSync(path.join(dir, "status.yaml"), "utf8")).toBe('status: deleted\nstatusMessage: "spam"\n');
    const imported = parseImportYaml(fs.readFileSync(path.join(dir, "import.yaml"), "utf8"), "import.yaml");
    expect(imported).toMatchObject({
      kind: "ok",
      info: { publishedAt: "2025-10-06T10:00:00.123456Z", source: `${api.url}/v0.1/servers` },
    });
    expect(fs.existsSync(path.join(servers, "io.github.test/server-007/1.0.0/status.yaml"))).toBe(false);
    expect(checkTree(servers, tmp!).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(fs.readdirSync(tmp!)).toEqual(["servers"]); // the staging folder is gone
  });

  it("writes nothing when a page fails, and a re-run imports everything and syncs a changed status", async () => {
    const items = Array.from({ length: 25 }, (_, i) => item(i));
    let broken = true;
    api = await startFakeApi(items, (_n, url) => broken && url.includes("server-019"));
    const servers = tempServers();
    const first = new Importer(fsServersStore(servers), { source: "x" });
    const failed = await importFromApi(api.url, first, {
      http: createHttpClient({ retries: 1, sleep: async () => {} }),
      limit: 10,
    });
    expect(failed).toMatchObject({ kind: "failed", pages: 2 });
    expect(failed.kind === "failed" && failed.reason).toMatch(/HTTP 503/);
    first.discard();
    expect(fs.readdirSync(tmp!)).toEqual([]);

    broken = false;
    const second = new Importer(fsServersStore(servers), { source: "x" });
    expect(await importFromApi(api.url, second, { ...noSleep, limit: 10 })).toMatchObject({ kind: "ok", pages: 3 });
    second.commit();
    expect(second.counts).toMatchObject({ written: 25, rejected: 0 });
    expect(fs.readdirSync(path.join(servers, "io.github.test"))).toHaveLength(25);

    await api.close();
    api = await startFakeApi(
      items.map((it, i) => (i === 3 ? { ...it, status: "deprecated" as const, statusMessage: "use 2" } : it)),
    );
    const third = new Importer(fsServersStore(servers), { source: "x" });
    await importFromApi(api.url, third, { ...noSleep, limit: 10 });
    expect(fs.existsSync(path.join(servers, "io.github.test/server-003/1.0.0/status.yaml"))).toBe(false); // staged only
    third.commit();
    expect(third.counts).toMatchObject({ written: 0, updated: 1, unchanged: 24 });
    expect(fs.readFileSync(path.join(servers, "io.github.test/server-003/1.0.0/status.yaml"), "utf8")).toContain(
      "deprecated",
    );
    expect(fs.readdirSync(tmp!)).toEqual(["servers"]);
  });

  it("never overwrites a different server.json and never touches a version published here", async () => {
    const servers = tempServers();
    fs.mkdirSync(path.join(servers, "io.github.test/server-000/1.0.0"), { recursive: true });
    fs.writeFileSync(
      path.join(servers, "io.github.test/server-000/1.0.0/server.json"),
      JSON.stringify(
        { $schema: CURRENT_SCHEMA_URL, name: "io.github.test/server-000", description: "Local.", version: "1.0.0" },
        null,
        2,
      ) + "\n",
    );
    api = await startFakeApi([
      item(0),
      item(1, { server: { ...item(1).server, remotes: [{ type: "streamable-http", url: "https://a.example/mcp" }] } }),
      item(2, { server: { ...item(2).server, remotes: [{ type: "streamable-http", url: "https://a.example/mcp" }] } }),
    ]);
    const importer = new Importer(fsServersStore(servers), { source: "x" });
    await importFromApi(api.url, importer, noSleep);
    importer.commit();
    expect(importer.rejected.map((r) => r.code)).toEqual(["import/exists-locally", "tree/remote-url-duplicate"]);
    expect(fs.readFileSync(path.join(servers, "io.github.test/server-000/1.0.0/server.json"), "utf8")).toContain(
      "Local.",
    );
  });

  it("refuses a cursor loop, stops at a page that is not full, and checks metadata.count", async () => {
    const page = (next: string, n = 1, count?: number) =>
      JSON.stringify({
        servers: Array.from({ length: n }, (_, i) => ({
          name: `io.github.aa/b${next}${i}`,
          description: "d",
          version: "1",
        })),
        metadata: { nextCursor: next, ...(count === undefined ? {} : { count }) },
      });
    const servers = tempServers();
    const run = async (handler: (cursor: string) => string, limit = 1) => {
      const s = await import("node:http").then(({ createServer }) =>
        createServer((q, r) =>
          r
            .writeHead(200, { "content-type": "application/json" })
            .end(handler(new URL(q.url ?? "/", "http://x").searchParams.get("cursor") ?? "")),
        ),
      );
      await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
      const importer = new Importer(fsServersStore(servers), { source: "x" });
      try {
        return await importFromApi(`http://127.0.0.1:${(s.address() as { port: number }).port}`, importer, {
          ...noSleep,
          limit,
        });
      } finally {
        importer.discard();
        await new Promise<void>((r) => s.close(() => r()));
      }
    };
    expect(await run(() => page("same"))).toMatchObject({
      kind: "failed",
      reason: expect.stringMatching(/cursor "same" again/),
    });
    // A cursor on a page shorter than the limit: upstream only sends one on a full page, so this is the end.
    expect(await run(() => page("more", 2), 10)).toMatchObject({ kind: "ok", pages: 1 });
    expect(await run(() => page("x", 2, 5), 2)).toMatchObject({
      kind: "failed",
      reason: expect.stringMatching(/metadata.count says 5 but the page has 2/),
    });
    // Always a new cursor but the same versions: a loop too.
    let n = 0;
    expect(
      await run(() =>
        JSON.stringify({
          servers: [{ name: "io.github.aa/same", description: "d", version: "1" }],
          metadata: { nextCursor: `c${n++}` },
        }),
      ),
    ).toMatchObject({ kind: "failed", reason: expect.stringMatching(/repeats versions/) });
  });

  it("never commits through a symlink in servers/: the staged version is dropped and reported", async () => {
    const servers = tempServers();
    const outside = path.join(tmp!, "outside");
    fs.mkdirSync(outside);
    fs.mkdirSync(servers);
    fs.symlinkSync(outside, path.join(servers, "io.github.test"));
    api = await startFakeApi([item(0), item(1, { server: { ...item(1).server, name: "io.github.other/server-001" } })]);
    const importer = new Importer(fsServersStore(servers), { source: "x" });
    expect(await importFromApi(api.url, importer, noSleep)).toMatchObject({ kind: "ok" });
    expect(importer.commit()).toEqual({ skipped: ["io.github.test/server-000/1.0.0"] });
    expect(importer.counts.written).toBe(1);
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(fs.existsSync(path.join(servers, "io.github.other/server-001/1.0.0/server.json"))).toBe(true);
    expect(fs.readdirSync(tmp!).sort()).toEqual(["outside", "servers"]);
  });

  it("accepts the base URL or the list URL", () => {
    expect(listUrl("https://r.example")).toBe("https://r.example/v0.1/servers");
    expect(listUrl("https://r.example/v0/servers?limit=3")).toBe("https://r.example/v0/servers");
  });
});
