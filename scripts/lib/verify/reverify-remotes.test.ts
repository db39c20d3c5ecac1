// The nightly health report's remote part: every remote of every latest version is connected to with the
// SDK client, through the real reverify entry point, against loopback MCP servers (SDK-built), an HTML page
// and a 401 one; an internal address in a server.json is refused.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeServer } from "../../test/fakes/http-server.ts";
import { startFakeMcpServer } from "../../test/fakes/mcp-server.ts";
import { makeTree, serverJson } from "../../test/temp-tree.ts";
import { renderHealthMarkdown, type HealthReport } from "./reverify.ts";

const closers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
});
const track = <T extends { close(): Promise<void> }>(x: T) => (closers.push(x), x);
const json = (v: unknown) => JSON.stringify(v, null, 2) + "\n";
const remotes = (...urls: [string, string][]) => ({ remotes: urls.map(([type, url]) => ({ type, url })) });

function tree() {
  return makeTree({
    "servers/io.github.alice/live/1.0.0/server.json": json(
      serverJson(
        "io.github.alice/live",
        "1.0.0",
        remotes(["streamable-http", "https://mcp.alice.test/mcp"], ["sse", "https://sse.alice.test/sse"]),
      ),
    ),
    "servers/io.github.bob/page/1.0.0/server.json": json(
      serverJson("io.github.bob/page", "1.0.0", remotes(["streamable-http", "https://www.bob.test/mcp"])),
    ),
    "servers/io.github.carol/private/1.0.0/server.json": json(
      serverJson("io.github.carol/private", "1.0.0", remotes(["streamable-http", "https://auth.carol.test/mcp"])),
    ),
    "servers/io.github.mallory/inside/1.0.0/server.json": json(
      serverJson("io.github.mallory/inside", "1.0.0", remotes(["streamable-http", "https://10.0.0.1/mcp"])),
    ),
    "scripts/policy/blocklist.yaml": "namespaces: []\n",
  });
}

describe("npm run reverify: remote health", () => {
  const run = promisify(execFile);
  it("tells MCP endpoints from an HTML page, a login wall and an internal address", async () => {
    const dir = tree();
    const live = track(
      await startFakeMcpServer({ transport: "streamable-http", name: "alice-live", version: "1.0.0", tools: ["t"] }),
    );
    const sse = track(await startFakeMcpServer({ transport: "sse", name: "alice-sse", version: "2.0.0", tools: [] }));
    const page = track(
      await startFakeServer({
        "/mcp": { headers: { "content-type": "text/html" }, body: "<!doctype html><p>Docs</p>" },
      }),
    );
    const wall = track(
      await startFakeServer({ "/mcp": { status: 401, headers: { "www-authenticate": 'Bearer realm="x"' } } }),
    );
    const env = {
      PATH: process.env.PATH,
      REGISTRY_GITHUB_API_URL: "http://127.0.0.1:9",
      REGISTRY_REMOTE_ENDPOINTS: [
        `mcp.alice.test=${new URL(live.url).origin}`,
        `sse.alice.test=${new URL(sse.url).origin}`,
        `www.bob.test=${page.url}`,
        `auth.carol.test=${wall.url}`,
      ].join(","),
    };
    const script = path.resolve(import.meta.dirname, "../../reverify.ts");
    const result = await run(
      process.execPath,
      ["--import", import.meta.resolve("tsx/esm"), script, "--out", "out", "--remote-timeout", "5"],
      { cwd: dir, env },
    );
    const health = JSON.parse(fs.readFileSync(path.join(dir, "out/health.json"), "utf8")) as HealthReport;
    const byName = Object.fromEntries(health.servers.map((s) => [s.name, s.remotes]));
    expect(byName["io.github.alice/live"]).toMatchObject([
      { state: "healthy", serverName: "alice-live", toolCount: 1, transport: "streamable-http" },
      { state: "healthy", serverName: "alice-sse", transport: "sse" },
    ]);
    expect(byName["io.github.bob/page"]).toMatchObject([{ state: "broken", reason: "html" }]);
    expect(byName["io.github.carol/private"]).toMatchObject([{ state: "private", reason: "auth-required" }]);
    expect(byName["io.github.mallory/inside"]).toMatchObject([{ state: "broken", reason: "internal-address" }]);
    expect(health.remoteCounts).toEqual({ healthy: 2, private: 1, broken: 2, unchecked: 0 });
    expect(result.stdout).toContain(
      "remote broken https://www.bob.test/mcp (streamable-http): answered with an HTML page",
    );
    const md = fs.readFileSync(path.join(dir, "out/health.md"), "utf8");
    expect(md).toContain("Remotes: 2 answer MCP, 1 require a login (401 with a challenge), 2 do not answer MCP");
    expect(md).toContain("`io.github.bob/page`");
  }, 60_000);

  it("--skip-remotes contacts no remote", async () => {
    const dir = tree();
    const page = track(await startFakeServer({}));
    const env = {
      PATH: process.env.PATH,
      REGISTRY_GITHUB_API_URL: "http://127.0.0.1:9",
      REGISTRY_REMOTE_ENDPOINTS: `www.bob.test=${page.url}`,
    };
    const script = path.resolve(import.meta.dirname, "../../reverify.ts");
    await run(
      process.execPath,
      ["--import", import.meta.resolve("tsx/esm"), script, "--out", "out", "--skip-remotes"],
      {
        cwd: dir,
        env,
      },
    );
    const health = JSON.parse(fs.readFileSync(path.join(dir, "out/health.json"), "utf8")) as HealthReport;
    expect(page.requests).toEqual([]);
    expect(health.remoteCounts).toBeUndefined();
    expect(health.servers.every((s) => s.remotes === undefined)).toBe(true);
  }, 60_000);

  it("a bad --remote-timeout is a usage error", async () => {
    const script = path.resolve(import.meta.dirname, "../../reverify.ts");
    const failed = await run(
      process.execPath,
      ["--import", import.meta.resolve("tsx/esm"), script, "--remote-timeout", "0"],
      {
        env: { PATH: process.env.PATH },
      },
    ).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr.trim().split("\n")).toHaveLength(1);
  }, 30_000);

  it("the issue text escapes what a remote said", () => {
    const report: HealthReport = {
      version: 1,
      checkedAt: "2026-01-01T00:00:00Z",
      counts: { ok: 1, broken: 0, error: 0 },
      remoteCounts: { healthy: 0, private: 0, broken: 1, unchecked: 0 },
      servers: [
        {
          name: "io.github.x/y",
          version: "1.0.0",
          file: "servers/io.github.x/y/1.0.0/server.json",
          status: "ok",
          checks: [],
          remotes: [
            {
              url: "https://x.test/`a`",
              transport: "sse",
              state: "broken",
              reason: "not-mcp",
              message: "<img src=x onerror=alert(1)> | @admin",
            },
          ],
        },
      ],
    };
    const md = renderHealthMarkdown(report);
    expect(md).toContain("&lt;img src=x onerror=alert(1)&gt; &#124; &#64;admin");
    expect(md).not.toContain("<img");
    expect(md).toContain("https://x.test/%60a%60");
  });
});
