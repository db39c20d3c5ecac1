import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeApi, type FakeApi, type FakeApiItem } from "../test/fakes/official-api.ts";
import { entriesFromFile, fsServersStore, Importer, importFromApi, listUrl, fetchWithRetry, type Fetcher, type ImportState } from "./import.ts";
import { CURRENT_SCHEMA_URL } from "./model.ts";
import { checkTree } from "./pipeline.ts";
import { parseImportYaml } from "./provenance.ts";

const SEEDS = path.join(import.meta.dirname, "../test/fixtures/reference/seeds/");
const httpGet: Fetcher = async (url) => {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
};
const noSleep = { sleep: async () => {}, fetcher: httpGet };
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
    expect(entries).toHaveLength(358);
    expect(importer.counts.written + importer.counts.rejected).toBe(358);
    expect(importer.counts.written).toBeGreaterThanOrEqual(200);
    for (const r of importer.rejected) expect(r.reason.length).toBeGreaterThan(0);
    expect(new Set(importer.rejected.map((r) => r.code))).toEqual(new Set(["schema/max-length", "schema/min-length", "package/oci-invalid-reference"]));
    const { diagnostics } = checkTree(servers, tmp!);
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const iotdb = JSON.parse(fs.readFileSync(path.join(servers, "io.github.apache/iotdb/0.0.1-seed/server.json"), "utf8"));
    expect(iotdb.$schema).toBe(CURRENT_SCHEMA_URL);
    expect(iotdb.packages[0]).toMatchObject({ registryType: "oci", identifier: "apache/iotdb:2.0.5" });
    expect(iotdb.packages[0]).not.toHaveProperty("registryBaseUrl");
    expect(fs.readFileSync(path.join(servers, "io.github.apache/iotdb/0.0.1-seed/server.json"), "utf8")).toMatch(/^\{\n {2}"\$schema"[\s\S]*\}\n$/);
  });

  it("with --repair imports all but the 8 entries whose OCI identifier is not an image", () => {
    const servers = tempServers();
    const importer = new Importer(fsServersStore(servers), { source: "seed-2025-09-29.json", repair: true });
    for (const e of seed("seed-2025-09-29.json")) importer.apply(e);
    expect(importer.counts).toMatchObject({ written: 350, rejected: 8 });
    expect(importer.rejected.every((r) => r.code === "package/oci-invalid-reference")).toBe(true);
    expect(checkTree(servers, tmp!).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("imports the current seed.json unchanged, and a second run changes nothing", () => {
    const servers = tempServers();
    const first = new Importer(fsServersStore(servers), { source: "seed.json" });
    for (const e of seed("seed.json")) first.apply(e);
    expect(first.counts).toMatchObject({ written: 4, rejected: 0 });
    const second = new Importer(fsServersStore(servers), { source: "seed.json" });
    for (const e of seed("seed.json")) second.apply(e);
    expect(second.counts).toMatchObject({ written: 0, unchanged: 4, rejected: 0 });
  });

  it("filters by namespace", () => {
    const servers = tempServers();
    const importer = new Importer(fsServersStore(servers), { source: "seed", namespaces: ["io.github.apache"] });
    for (const e of seed("seed-2025-09-29.json")) importer.apply(e);
    expect(importer.counts.written).toBeGreaterThan(0);
    expect(fs.readdirSync(servers)).toEqual(["io.github.apache"]);
  });

  it("reports a file that is not a list", () => {
    expect(entriesFromFile(Buffer.from('{"a":1}'), "x.json")).toMatchObject({ kind: "invalid" });
    expect(entriesFromFile(Buffer.from("[1,"), "x.json")).toMatchObject({ kind: "invalid" });
  });
});

const item = (i: number, extra: Partial<FakeApiItem> = {}): FakeApiItem => ({
  server: { $schema: CURRENT_SCHEMA_URL, name: `io.github.test/server-${String(i).padStart(3, "0")}`, description: "A server.", version: "1.0.0" },
  publishedAt: `2025-10-${String((i % 28) + 1).padStart(2, "0")}T10:00:00.123456Z`,
  ...extra,
});

describe("import from an official API", () => {
  it("pages with nextCursor, includes deleted versions, retries 5xx, and writes status and upstream times", async () => {
    const items = Array.from({ length: 23 }, (_, i) => item(i, i === 5 ? { status: "deleted", statusMessage: "spam" } : i === 6 ? { status: "deprecated" } : {}));
    api = await startFakeApi(items, (n) => n === 2); // the second request fails once
    const servers = tempServers();
    const importer = new Importer(fsServersStore(servers), { source: listUrl(api.url) });
    const retries: string[] = [];
    const { pages } = await importFromApi(api.url, importer, { ...noSleep, limit: 10, onRetry: (_u, _a, why) => retries.push(why) });
    expect(pages).toBe(3);
    expect(retries).toEqual(["HTTP 503"]);
    expect(importer.counts).toMatchObject({ written: 23, rejected: 0 });
    expect(api.requests[0]).toBe("/v0.1/servers?limit=10&include_deleted=true");
    expect(api.requests.at(-1)).toContain("cursor=io.github.test%2Fserver-019%3A1.0.0");
    const dir = path.join(servers, "io.github.test/server-005/1.0.0");
    expect(fs.readFileSync(path.join(dir, "status.yaml"), "utf8")).toBe('status: deleted\nstatusMessage: "spam"\n');
    const imported = parseImportYaml(fs.readFileSync(path.join(dir, "import.yaml"), "utf8"), "import.yaml");
    expect(imported).toMatchObject({ kind: "ok", info: { publishedAt: "2025-10-06T10:00:00.123456Z", source: `${api.url}/v0.1/servers` } });
    expect(fs.existsSync(path.join(servers, "io.github.test/server-007/1.0.0/status.yaml"))).toBe(false);
    expect(checkTree(servers, tmp!).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("resumes after an interruption from the saved cursor, and syncs a changed status on re-import", async () => {
    const items = Array.from({ length: 25 }, (_, i) => item(i));
    let broken = true;
    api = await startFakeApi(items, (_n, url) => broken && url.includes("server-019"));
    const servers = tempServers();
    let saved: ImportState | undefined;
    const first = new Importer(fsServersStore(servers), { source: "x" });
    await expect(importFromApi(api.url, first, { ...noSleep, limit: 10, retries: 2, saveState: (s) => (saved = s) })).rejects.toThrow(/503/);
    expect(first.counts.written).toBe(20);
    expect(saved).toMatchObject({ cursor: "io.github.test/server-019:1.0.0", pages: 2 });

    broken = false;
    api.requests.length = 0;
    const second = new Importer(fsServersStore(servers), { source: "x" });
    const { pages } = await importFromApi(api.url, second, { ...noSleep, limit: 10, state: saved! });
    expect(pages).toBe(3);
    expect(api.requests).toEqual(["/v0.1/servers?limit=10&include_deleted=true&cursor=io.github.test%2Fserver-019%3A1.0.0"]);
    expect(second.counts).toMatchObject({ written: 5, rejected: 0 });
    expect(fs.readdirSync(path.join(servers, "io.github.test"))).toHaveLength(25);

    await api.close();
    api = await startFakeApi(items.map((it, i) => (i === 3 ? { ...it, status: "deprecated" as const, statusMessage: "use 2" } : it)));
    const third = new Importer(fsServersStore(servers), { source: "x" });
    await importFromApi(api.url, third, { ...noSleep, limit: 10 });
    expect(third.counts).toMatchObject({ written: 0, updated: 1, unchanged: 24 });
    expect(fs.readFileSync(path.join(servers, "io.github.test/server-003/1.0.0/status.yaml"), "utf8")).toContain("deprecated");
  });

  it("never overwrites a different server.json and never touches a version published here", async () => {
    const servers = tempServers();
    fs.mkdirSync(path.join(servers, "io.github.test/server-000/1.0.0"), { recursive: true });
    fs.writeFileSync(path.join(servers, "io.github.test/server-000/1.0.0/server.json"), JSON.stringify({ $schema: CURRENT_SCHEMA_URL, name: "io.github.test/server-000", description: "Local.", version: "1.0.0" }, null, 2) + "\n");
    api = await startFakeApi([item(0), item(1, { server: { ...item(1).server, remotes: [{ type: "streamable-http", url: "https://a.example/mcp" }] } }), item(2, { server: { ...item(2).server, remotes: [{ type: "streamable-http", url: "https://a.example/mcp" }] } })]);
    const importer = new Importer(fsServersStore(servers), { source: "x" });
    await importFromApi(api.url, importer, noSleep);
    expect(importer.rejected.map((r) => r.code)).toEqual(["import/exists-locally", "tree/remote-url-duplicate"]);
    expect(fs.readFileSync(path.join(servers, "io.github.test/server-000/1.0.0/server.json"), "utf8")).toContain("Local.");
  });

  it("gives up after the retries with the reason, and refuses a cursor loop", async () => {
    await expect(fetchWithRetry(async () => ({ status: 500, text: "" }), "http://x/", { ...noSleep, retries: 1 })).rejects.toThrow(/HTTP 500.*2 attempts/);
    let n = 0;
    await expect(fetchWithRetry(async () => (n++ === 0 ? Promise.reject(new Error("ECONNRESET")) : { status: 200, text: "ok" }), "http://x/", noSleep)).resolves.toMatchObject({ status: 200 });
    api = await startFakeApi([]);
    const loop = await import("node:http").then(({ createServer }) => createServer((_q, s) => s.writeHead(200).end('{"servers":[{"name":"io.github.aa/bb","description":"d","version":"1"}],"metadata":{"nextCursor":"same"}}')));
    await new Promise<void>((r) => loop.listen(0, "127.0.0.1", r));
    const port = (loop.address() as { port: number }).port;
    const importer = new Importer(fsServersStore(tempServers()), { source: "x" });
    await expect(importFromApi(`http://127.0.0.1:${port}`, importer, noSleep)).rejects.toThrow(/cursor "same" again/);
    await new Promise<void>((r) => loop.close(() => r()));
  });

  it("accepts the base URL or the list URL", () => {
    expect(listUrl("https://r.example")).toBe("https://r.example/v0.1/servers");
    expect(listUrl("https://r.example/v0/servers?limit=3")).toBe("https://r.example/v0/servers");
  });
});
