// The MCP tools through the SDK's own client (in memory), over a sample registry read the way a deployment is
// read: from its files on disk, from a static host on loopback (Pages-like, under a sub-path), and from a
// mirror's tree without the bundle. Every successful call is also checked by the client against the tool's
// output schema.

import fs from "node:fs";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSearchIndex } from "../../../site/search-index.ts";
import { prepareIndex, search } from "../../../site/src/search.ts";
import { serveStatic, type StaticServer } from "../../../site/test/static-server.ts";
import { call, connectInMemory, textOf, writeSampleRegistry, type SampleRegistry } from "../../test/mcp-registry.ts";
import { GONE_SERVER, MANY_SERVER, MANY_VERSIONS, PLUS_SERVER, PLUS_VERSION } from "../../test/static-hosts/fixture.ts";
import { createHttpClient } from "../verify/http.ts";
import { createRegistryCache, loadRegistryData, TREE_PATHS } from "./data.ts";
import { dirSource, urlSource, type RegistrySource } from "./source.ts";

let sample: SampleRegistry;
let host: StaticServer;
let client: Client;

const http = () => createHttpClient({ retries: 0, timeoutMs: 5_000 });

beforeAll(async () => {
  sample = await writeSampleRegistry();
  host = await serveStatic(sample.dist, "/repo/");
  client = await connectInMemory(createRegistryCache(urlSource(host.url, http())));
}, 60_000);

afterAll(async () => {
  await client?.close();
  await host?.close();
  sample?.cleanup();
});

interface Hit {
  name: string;
  status: string;
  remote: boolean;
  packageTypes: string[];
}
const names = (r: { structuredContent?: Record<string, unknown> }) =>
  ((r.structuredContent?.servers ?? []) as Hit[]).map((s) => s.name);

describe("tools/list", () => {
  it("offers the four tools, each with an input and an output schema", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "get_server",
      "install_config",
      "list_versions",
      "search_servers",
    ]);
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.outputSchema?.type).toBe("object");
    }
  });
});

describe("search_servers", () => {
  it("ranks as the site does, typos included", async () => {
    const site = prepareIndex(buildSearchIndex(sample.fixture.model));
    for (const query of ["wether", "gthub", "filesystem", "io.github.user", ""]) {
      const expected = search(site, query).map((h) => site.fullName[h.index]);
      const result = await call(client, "search_servers", { query, limit: 100 });
      expect(result.isError, query).toBeFalsy();
      expect(names(result), query).toEqual(expected);
    }
    expect(names(await call(client, "search_servers", { query: "wether" }))).toContain("io.github.user/weather");
  });

  it("filters by package type, transport and status; deleted servers only when asked for", async () => {
    const pypi = (await call(client, "search_servers", { packageType: "pypi" })).structuredContent?.servers as Hit[];
    expect(pypi.length).toBeGreaterThan(0);
    for (const hit of pypi) expect(hit.packageTypes).toContain("pypi");
    const remote = (await call(client, "search_servers", { transport: "remote" })).structuredContent?.servers as Hit[];
    expect(remote.map((h) => h.name)).toContain("io.github.user/remote-weather");
    for (const hit of remote) expect(hit.remote).toBe(true);
    for (const transport of ["stdio", "streamable-http", "sse"]) {
      const hits = (await call(client, "search_servers", { transport, limit: 100 })).structuredContent
        ?.servers as (Hit & { transports: string[] })[];
      expect(hits.length, transport).toBeGreaterThan(0);
      for (const hit of hits) expect(hit.transports, hit.name).toContain(transport);
    }
    const http = names(await call(client, "search_servers", { transport: "streamable-http", limit: 100 }));
    expect(http).toContain("io.github.user/remote-weather");
    expect(http).not.toContain("io.modelcontextprotocol.anonymous/brave-search");
    expect(names(await call(client, "search_servers", { query: "gone" }))).not.toContain(GONE_SERVER);
    expect(names(await call(client, "search_servers", { query: "gone", status: "deleted" }))).toEqual([GONE_SERVER]);
    expect(names(await call(client, "search_servers", { packageType: "no-such-type" }))).toEqual([]);
  });

  it("honours limit and reports the total", async () => {
    const result = await call(client, "search_servers", { limit: 2 });
    expect(names(result)).toHaveLength(2);
    expect(result.structuredContent?.total).toBeGreaterThan(2);
  });
});

describe("get_server", () => {
  it("returns the latest version by default, with its status, times and the registry's verification facts", async () => {
    const result = await call(client, "get_server", { name: "io.github.user/remote-weather" });
    expect(result.isError).toBeFalsy();
    const s = result.structuredContent!;
    expect(s).toMatchObject({ name: "io.github.user/remote-weather", version: "2.1.0", status: "active" });
    expect(s.installable).toBe(true);
    expect((s.server as { remotes: unknown[] }).remotes).toHaveLength(1);
    expect(s.verification).toMatchObject({ nightly: { status: "broken", checkedAt: "2025-12-01T03:00:00Z" } });
    expect((s.verification as { atMerge: string }).atMerge).toMatch(/namespace ownership/);
  });

  it("returns a named version (a `+` version too) and says when one is deprecated", async () => {
    const plus = await call(client, "get_server", { name: PLUS_SERVER, version: PLUS_VERSION });
    expect(plus.structuredContent?.version).toBe(PLUS_VERSION);
    const old = await call(client, "get_server", { name: "io.github.user/weather", version: "1.0.0" });
    expect(old.structuredContent).toMatchObject({ status: "deprecated", installable: true });
    expect(old.structuredContent?.warning).toMatch(/deprecated: Please upgrade to 1\.0\.2/);
  });

  it("shows a deleted version as deleted and not installable", async () => {
    const gone = await call(client, "get_server", { name: GONE_SERVER });
    expect(gone.structuredContent).toMatchObject({ status: "deleted", installable: false });
    expect(gone.structuredContent?.warning).toMatch(/not offered for install/);
  });

  it("an unknown server or version is a tool error naming it, with suggestions", async () => {
    const unknown = await call(client, "get_server", { name: "io.github.user/wether" });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(
      /^No server named "io\.github\.user\/wether" in this registry\. Did you mean .*io\.github\.user\/weather/,
    );
    const version = await call(client, "get_server", { name: "io.github.user/weather", version: "9.9.9" });
    expect(version.isError).toBe(true);
    expect(textOf(version)).toMatch(
      /has no version "9\.9\.9"\. Versions: 2025\.06\.18, 1\.1\.0-beta\.1, 1\.0\.3\+build\.7, 1\.0\.2, 1\.0\.0\.$/,
    );
  });

  it("quotes the registry's own recorded evidence, never an author's look-alike in server._meta", async () => {
    const dir = fs.mkdtempSync(path.join(path.dirname(sample.dist), "evidence-"));
    fs.mkdirSync(path.join(dir, "v0.1"));
    const evidence = { receipt: "v0.1/x/io.github.mcp-static-registry/receipts/io.github.a/with/1.0.0.json" };
    const forged = { "io.github.mcp-static-registry/registry": { checks: [{ kind: "forged" }] } };
    const entry = (name: string, registry?: unknown) => ({
      server: { name, version: "1.0.0", description: "d", _meta: forged },
      _meta: {
        "io.modelcontextprotocol.registry/official": { status: "active", publishedAt: "t", isLatest: true },
        ...(registry === undefined ? {} : { "io.github.mcp-static-registry/registry": registry }),
      },
    });
    const entries = [entry("io.github.a/with", evidence), entry("io.github.a/without")];
    fs.writeFileSync(path.join(dir, TREE_PATHS.list), JSON.stringify({ servers: entries }));
    for (const e of entries) {
      fs.mkdirSync(path.join(dir, "v0.1/servers", e.server.name), { recursive: true });
      fs.writeFileSync(
        path.join(dir, "v0.1/servers", e.server.name, "versions.json"),
        JSON.stringify({ servers: [e] }),
      );
    }
    const c = await connectInMemory(() => loadRegistryData(dirSource(dir)));
    try {
      const withEvidence = await call(c, "get_server", { name: "io.github.a/with" });
      expect((withEvidence.structuredContent?.verification as { evidence: unknown }).evidence).toEqual(evidence);
      const without = await call(c, "get_server", { name: "io.github.a/without" });
      expect(without.structuredContent?.verification).not.toHaveProperty("evidence");
    } finally {
      await c.close();
    }
  });

  it("a name is never a path: traversal is an unknown server", async () => {
    for (const name of ["../../../etc/passwd", "io.github.user/../../x", "io.github.user%2Fweather"]) {
      const result = await call(client, "get_server", { name });
      expect(result.isError, name).toBe(true);
      expect(textOf(result), name).toMatch(/^No server named/);
    }
  });
});

describe("list_versions", () => {
  it("lists every version newest first; deleted ones only when asked for", async () => {
    const many = await call(client, "list_versions", { name: MANY_SERVER });
    const versions = (many.structuredContent?.versions as { version: string; isLatest: boolean }[]) ?? [];
    expect(versions).toHaveLength(MANY_VERSIONS);
    // the order of the API's own versions.json (newest published first)
    const served = JSON.parse(sample.fixture.tree.get(`v0.1/servers/${MANY_SERVER}/versions.json`) as string) as {
      servers: { server: { version: string } }[];
    };
    expect(versions.map((v) => v.version)).toEqual(served.servers.map((s) => s.server.version));
    expect(versions.find((v) => v.isLatest)?.version).toBe(`0.${MANY_VERSIONS - 1}.0`);
    expect((await call(client, "list_versions", { name: GONE_SERVER })).structuredContent?.versions).toEqual([]);
    const withDeleted = await call(client, "list_versions", { name: GONE_SERVER, includeDeleted: true });
    expect(withDeleted.structuredContent?.versions).toMatchObject([
      { version: "1.0.0", status: "deleted", statusMessage: "Withdrawn by its author." },
    ]);
  });
});

interface Option {
  id: string;
  configuration?: { text: string; file?: string; language: string };
  notes: string[];
}
const options = (r: { structuredContent?: Record<string, unknown> }) =>
  (r.structuredContent?.options ?? []) as Option[];

describe("install_config", () => {
  const brave = "io.modelcontextprotocol.anonymous/brave-search";

  it("gives each client its configuration from the snippets module, secrets as the client's placeholders", async () => {
    const vscode = options(await call(client, "install_config", { name: brave, client: "vscode" }))[0]!;
    expect(vscode.configuration?.file).toBe(".vscode/mcp.json");
    const doc = JSON.parse(vscode.configuration!.text) as {
      inputs: unknown[];
      servers: Record<string, { env: unknown }>;
    };
    expect(doc.inputs).toEqual([
      { type: "promptString", id: "brave_api_key", description: "Brave Search API Key", password: true },
    ]);
    expect(doc.servers["brave-search"]!.env).toEqual({ BRAVE_API_KEY: "${input:brave_api_key}" });

    const desktop = options(await call(client, "install_config", { name: brave, client: "claude-desktop" }))[0]!;
    expect(JSON.parse(desktop.configuration!.text)).toMatchObject({
      mcpServers: { "brave-search": { command: "npx", env: { BRAVE_API_KEY: "<YOUR_BRAVE_API_KEY>" } } },
    });
    const cursor = options(await call(client, "install_config", { name: brave, client: "cursor" }))[0]!;
    expect(cursor.configuration?.file).toBe(".cursor/mcp.json");

    const code = options(await call(client, "install_config", { name: brave, client: "claude-code" }))[0]!;
    expect(code.configuration?.text).toBe(
      "claude mcp add --transport stdio --env 'BRAVE_API_KEY=<YOUR_BRAVE_API_KEY>' -- brave-search npx -y @modelcontextprotocol/server-brave-search@1.0.2",
    );
    const line = options(await call(client, "install_config", { name: brave, client: "command-line" }))[0]!;
    expect(line.configuration?.text).toBe(
      "BRAVE_API_KEY='<YOUR_BRAVE_API_KEY>' npx -y @modelcontextprotocol/server-brave-search@1.0.2",
    );
  });

  it("remote servers: the URL and a secret header placeholder, never a value", async () => {
    const name = "io.github.user/remote-weather";
    const code = options(await call(client, "install_config", { name, client: "claude-code" }))[0]!;
    expect(code.configuration?.text).toBe(
      "claude mcp add --transport http --header 'Authorization: <YOUR_AUTHORIZATION>' -- remote-weather https://api.example.com/mcp",
    );
    const vscode = options(await call(client, "install_config", { name, client: "vscode" }))[0]!;
    expect(JSON.parse(vscode.configuration!.text).servers["remote-weather"].headers).toEqual({
      Authorization: "${input:authorization}",
    });
  });

  it("writes no raw < > & in its text: clients may render it", async () => {
    const result = await call(client, "install_config", { name: brave, client: "claude-desktop" });
    expect(textOf(result)).not.toMatch(/[<>&]/);
    expect(JSON.parse(textOf(result))).toEqual(result.structuredContent);
  });

  it("refuses deleted versions and warns about deprecated ones", async () => {
    const gone = await call(client, "install_config", { name: GONE_SERVER, client: "vscode" });
    expect(gone.isError).toBe(true);
    expect(textOf(gone)).toMatch(/is deleted: Withdrawn by its author\. It is not offered for install\./);
    const old = await call(client, "install_config", {
      name: "io.github.user/weather",
      version: "1.0.0",
      client: "vscode",
    });
    expect(old.isError).toBeFalsy();
    expect(old.structuredContent?.warning).toMatch(/deprecated/);
  });
});

describe("bad arguments", () => {
  it("are tool errors that say what is wrong, and the server keeps answering", async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["get_server", {}, /Input validation error.*name/s],
      ["install_config", { name: "io.github.user/weather", client: "emacs" }, /Input validation error.*client/s],
      ["search_servers", { limit: 0 }, /Input validation error.*limit/s],
      ["search_servers", { query: "x".repeat(201) }, /Input validation error.*query/s],
      ["list_versions", { name: 42 }, /Input validation error.*name/s],
    ];
    for (const [tool, args, message] of cases) {
      const result = await call(client, tool, args);
      expect(result.isError, tool).toBe(true);
      expect(textOf(result), tool).toMatch(message);
    }
    expect((await call(client, "search_servers", { query: "weather" })).isError).toBeFalsy();
  });
});

describe("resources", () => {
  it("lists the latest document of every listed server and reads any version", async () => {
    const { resources } = await client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toContain("registry://servers/io.github.user/weather/versions/1.1.0-beta.1");
    expect(uris.some((u) => u.includes("gone"))).toBe(false);
    const read = await client.readResource({ uri: "registry://servers/io.github.user/weather/versions/1.0.0" });
    const doc = JSON.parse((read.contents[0] as { text: string }).text);
    expect(doc._meta["io.modelcontextprotocol.registry/official"].status).toBe("deprecated");
  });
});

describe("sources", () => {
  it("a built tree on disk and a mirror without the bundle answer as the deployment does", async () => {
    const dir = await connectInMemory(createRegistryCache(dirSource(sample.dist)));
    const mirror = await connectInMemory(createRegistryCache(dirSource(sample.mirror)));
    try {
      for (const query of ["weather", "gthub", ""]) {
        const expected = names(await call(client, "search_servers", { query, limit: 100 }));
        expect(names(await call(dir, "search_servers", { query, limit: 100 })), query).toEqual(expected);
        // a mirror publishes no deleted versions: the same servers but the deleted one
        expect(names(await call(mirror, "search_servers", { query, limit: 100 })), query).toEqual(expected);
      }
      const versions = await call(mirror, "list_versions", { name: "io.github.user/weather" });
      expect(versions.structuredContent?.versions).toEqual(
        (await call(client, "list_versions", { name: "io.github.user/weather" })).structuredContent?.versions,
      );
      const gone = await call(mirror, "get_server", { name: GONE_SERVER });
      expect(textOf(gone)).toMatch(/^No server named/);
      const missing = await call(mirror, "get_server", { name: "io.github.user/weather", version: "0.0.1" });
      expect(textOf(missing)).toMatch(/does not publish deleted versions/);
    } finally {
      await dir.close();
      await mirror.close();
    }
  });

  it("a registry that is down is a tool error naming it, not a crash", async () => {
    const down = await serveStatic(sample.dist, "/repo/");
    const url = down.url;
    await down.close();
    const c = await connectInMemory(createRegistryCache(urlSource(url, http())));
    try {
      const result = await call(c, "search_servers", { query: "weather" });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(
        /^The registry could not be read: http:\/\/127\.0\.0\.1:\d+\/repo\/v0\.1\/.*(connection refused|ECONNREFUSED)/,
      );
    } finally {
      await c.close();
    }
  });

  it("a host that is not a registry, or serves hostile documents, is refused with one line", async () => {
    const empty = fs.mkdtempSync(path.join(path.dirname(sample.dist), "empty-"));
    await expect(loadRegistryData(dirSource(empty))).rejects.toThrow(/no registry here/);
    const hostile = path.join(path.dirname(sample.dist), "hostile");
    fs.mkdirSync(path.join(hostile, "v0.1"), { recursive: true });
    const doc = (name: string) => ({
      server: { name, version: "1.0.0", description: "x" },
      _meta: { "io.modelcontextprotocol.registry/official": { status: "active", publishedAt: "t", isLatest: true } },
    });
    for (const name of ["../../etc/passwd", "io.github.a/..", "a/b\u0000"]) {
      fs.writeFileSync(path.join(hostile, TREE_PATHS.list), JSON.stringify({ servers: [doc(name)] }));
      await expect(loadRegistryData(dirSource(hostile)), name).rejects.toThrow(/is not a registry name/);
    }
    fs.writeFileSync(
      path.join(hostile, TREE_PATHS.list),
      JSON.stringify({ servers: [doc("io.github.a/b"), doc("io.github.a/b")] }),
    );
    await expect(loadRegistryData(dirSource(hostile))).rejects.toThrow(/appears twice/);
    fs.writeFileSync(path.join(hostile, TREE_PATHS.list), "<html>");
    await expect(loadRegistryData(dirSource(hostile))).rejects.toThrow(/not UTF-8 JSON/);
  });

  it("every read is bounded: a file over its cap is refused before it is read", async () => {
    const source = dirSource(sample.dist);
    await expect(source.read(TREE_PATHS.list, 10)).rejects.toThrow(/is larger than 10 bytes/);
    const web = urlSource(host.url, http());
    await expect(web.read(TREE_PATHS.list, 10)).rejects.toThrow(/larger than 10 bytes/);
    expect(await web.read("v0.1/no-such-file.json", 1000)).toBeUndefined();
  });
});

describe("the cache", () => {
  function counting(source: RegistrySource) {
    const reads: string[] = [];
    return {
      reads,
      source: { label: source.label, read: (p: string, max: number) => (reads.push(p), source.read(p, max)) },
    };
  }

  it("keeps the data for its TTL, then asks meta.json and reloads only when the serial changed", async () => {
    const { reads, source } = counting(dirSource(sample.dist));
    let now = 0;
    const get = createRegistryCache(source, { ttlMs: 1000, now: () => now });
    const first = await get();
    const loaded = reads.length;
    expect(reads).toContain(TREE_PATHS.bundle);
    now = 500;
    expect(await get()).toBe(first);
    expect(reads).toHaveLength(loaded);
    now = 1500;
    expect(await get()).toBe(first);
    expect(reads.slice(loaded)).toEqual([TREE_PATHS.meta]);

    const metaFile = path.join(sample.dist, ...TREE_PATHS.meta.split("/"));
    const meta = JSON.parse(fs.readFileSync(metaFile, "utf8")) as { serial: number };
    fs.writeFileSync(metaFile, JSON.stringify({ ...meta, serial: meta.serial + 1 }));
    try {
      now = 3000;
      const second = await get();
      expect(second).not.toBe(first);
      expect(second.serial).toBe(meta.serial + 1);
    } finally {
      fs.writeFileSync(metaFile, JSON.stringify(meta));
    }
  });

  it("serves the data it has when the host stops answering", async () => {
    const live = await serveStatic(sample.dist, "/repo/");
    let now = 0;
    const get = createRegistryCache(urlSource(live.url, http()), { ttlMs: 10, now: () => now });
    const first = await get();
    await live.close();
    now = 100;
    expect(await get()).toBe(first);
  });
});
