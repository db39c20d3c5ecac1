// Remote health against real loopback servers: MCP servers built with the SDK (streamable HTTP and SSE),
// an HTML page, a 404, a slow endpoint, 401 with and without a challenge, an endless body and an internal
// address refused by the guard.
import { afterEach, describe, expect, it } from "vitest";
import { startFakeMcpServer } from "../../test/fakes/mcp-server.ts";
import { neverAnswer, startFakeServer } from "../../test/fakes/http-server.ts";
import { internalAddressProblem } from "./http-proof.ts";
import { createRemoteProber } from "./remote-health.ts";

const closers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
});
const track = <T extends { close(): Promise<void> }>(x: T) => (closers.push(x), x);

const prober = (o: Parameters<typeof createRemoteProber>[0] = {}) => createRemoteProber({ timeoutMs: 3000, ...o });

describe("remote health", () => {
  it("a streamable HTTP MCP server is healthy: protocol version, server name, tool count", async () => {
    const mcp = track(
      await startFakeMcpServer({ transport: "streamable-http", name: "weather", version: "1.2.3", tools: ["a", "b"] }),
    );
    const health = await prober()({ type: "streamable-http", url: mcp.url });
    expect(health).toMatchObject({
      state: "healthy",
      transport: "streamable-http",
      serverName: "weather",
      serverVersion: "1.2.3",
      toolCount: 2,
    });
    expect(health.protocolVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(health.reason).toBeUndefined();
  });

  it("an SSE MCP server is healthy", async () => {
    const mcp = track(await startFakeMcpServer({ transport: "sse", name: "tides", version: "0.1.0", tools: ["x"] }));
    const health = await prober()({ type: "sse", url: mcp.url });
    expect(health).toMatchObject({ state: "healthy", serverName: "tides", toolCount: 1 });
    expect(health.protocolVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("an HTML page is told apart from an MCP endpoint", async () => {
    const html = track(
      await startFakeServer({
        "/mcp": { status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: "<html>hi</html>" },
      }),
    );
    for (const type of ["streamable-http", "sse"]) {
      const health = await prober()({ type, url: `${html.url}/mcp` });
      expect(health, type).toMatchObject({ state: "broken", reason: "html", httpStatus: 200 });
    }
  });

  it("a 404 is broken (not-found)", async () => {
    const none = track(await startFakeServer({}));
    const health = await prober()({ type: "streamable-http", url: `${none.url}/mcp` });
    expect(health).toMatchObject({ state: "broken", reason: "not-found", httpStatus: 404 });
  });

  it("401 with a WWW-Authenticate challenge is healthy-but-private; without one it is broken", async () => {
    const auth = track(
      await startFakeServer({
        "/challenge": {
          status: 401,
          headers: { "www-authenticate": 'Bearer resource_metadata="https://auth.example/.well-known/x"' },
          body: "",
        },
        "/bare": { status: 401, body: "" },
      }),
    );
    const p = prober();
    expect(await p({ type: "streamable-http", url: `${auth.url}/challenge` })).toMatchObject({
      state: "private",
      reason: "auth-required",
      httpStatus: 401,
    });
    expect(await p({ type: "streamable-http", url: `${auth.url}/bare` })).toMatchObject({
      state: "broken",
      reason: "unauthorized-without-challenge",
    });
  });

  it("a slow endpoint times out within the per-endpoint bound", async () => {
    const slow = track(await startFakeServer(neverAnswer));
    const started = Date.now();
    const health = await prober({ timeoutMs: 300 })({ type: "streamable-http", url: `${slow.url}/mcp` });
    expect(health).toMatchObject({ state: "broken", reason: "timeout" });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("the total time bounds the run: endpoints after the deadline are unchecked, not tried", async () => {
    const slow = track(await startFakeServer(neverAnswer));
    let clock = 0;
    const p = createRemoteProber({ timeoutMs: 200, totalMs: 1000, concurrency: 1, now: () => clock });
    expect(await p({ type: "streamable-http", url: `${slow.url}/a` })).toMatchObject({ reason: "timeout" });
    clock = 1000;
    expect(await p({ type: "streamable-http", url: `${slow.url}/b` })).toMatchObject({
      state: "unchecked",
      reason: "deadline",
    });
    expect(slow.requests.map((r) => r.url)).not.toContain("/b");
  });

  it("concurrency: at most N endpoints are connected at once", async () => {
    let active = 0;
    let peak = 0;
    const slow = track(
      await startFakeServer(async (_req, res) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 100));
        active--;
        res.writeHead(404).end();
      }),
    );
    const p = prober({ concurrency: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((i) => p({ type: "streamable-http", url: `${slow.url}/${i}` })));
    expect(peak).toBe(2);
  });

  it("an endless body is cut at the byte cap", async () => {
    const big = track(
      await startFakeServer((_req, res) => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        const chunk = `data: ${"x".repeat(16 * 1024)}\n\n`;
        const timer = setInterval(() => res.write(chunk), 1);
        res.on("close", () => clearInterval(timer));
      }),
    );
    const health = await prober({ maxBodyBytes: 64 * 1024 })({ type: "streamable-http", url: `${big.url}/mcp` });
    expect(health).toMatchObject({ state: "broken", reason: "too-large" });
  });

  it("an internal address is refused before any request; a host mapped by the operator is allowed", async () => {
    const mcp = track(await startFakeMcpServer({ transport: "streamable-http", name: "n", version: "1", tools: [] }));
    const guard = async (host: string) => internalAddressProblem(host);
    const refused = await prober({ guard })({ type: "streamable-http", url: mcp.url });
    expect(refused).toMatchObject({ state: "broken", reason: "internal-address" });
    const mapped = await prober({ guard, endpoints: { "mcp.example.com": new URL(mcp.url).origin } })({
      type: "streamable-http",
      url: "https://mcp.example.com/mcp",
    });
    expect(mapped).toMatchObject({ state: "healthy", serverName: "n" });
    expect(mapped.toolCount).toBeUndefined();
  });

  it("a URL with {variables} is not checked", async () => {
    const health = await prober()({ type: "streamable-http", url: "https://{tenant}.example.com/mcp" });
    expect(health).toMatchObject({ state: "unchecked", reason: "templated-url" });
  });

  it("a refused connection is a network failure", async () => {
    const gone = await startFakeServer({});
    await gone.close();
    const health = await prober()({ type: "streamable-http", url: `${gone.url}/mcp` });
    expect(health).toMatchObject({ state: "broken", reason: "network" });
  });
});
