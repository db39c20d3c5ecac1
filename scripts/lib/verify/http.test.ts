import { afterEach, describe, expect, it } from "vitest";
import { neverAnswer, startFakeServer, streamBytes, type FakeServer } from "../../test/fakes/http-server.ts";
import { createHttpClient, createLimiter, parseRetryAfter } from "./http.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve(...args: Parameters<typeof startFakeServer>) {
  const s = await startFakeServer(...args);
  servers.push(s);
  return s;
}
const noSleep = async () => undefined;

describe("http helper", () => {
  it("sends a User-Agent and returns the body", async () => {
    const s = await serve({ "/x": { body: { ok: true } } });
    const http = createHttpClient({ userAgent: "test-agent/1" });
    const out = await http.request(`${s.url}/x`);
    expect(out.kind).toBe("response");
    expect(s.requests[0]?.headers["user-agent"]).toBe("test-agent/1");
  });

  it("retries 503 and 429 with backoff, then succeeds", async () => {
    let n = 0;
    const waits: number[] = [];
    const s = await serve((_req, res) => {
      n++;
      if (n === 1) res.writeHead(503).end();
      else if (n === 2) res.writeHead(429, { "retry-after": "1" }).end();
      else res.writeHead(200).end("ok");
    });
    const http = createHttpClient({ retries: 3, backoffMs: 10, sleep: async (ms) => void waits.push(ms) });
    const out = await http.request(`${s.url}/`);
    expect(out.kind === "response" && out.status).toBe(200);
    expect(waits).toEqual([10, 1000]);
  });

  it("gives up after the bounded number of retries and reports the last status", async () => {
    const s = await serve({ "/": { status: 500 } });
    const out = await createHttpClient({ retries: 2, sleep: noSleep }).request(`${s.url}/`);
    expect(out.kind === "response" && [out.status, out.attempts]).toEqual([500, 3]);
    expect(s.requests).toHaveLength(3);
  });

  it("does not wait for a Retry-After above the cap", async () => {
    const s = await serve({ "/": { status: 429, headers: { "retry-after": "3600" } } });
    const out = await createHttpClient({ retries: 5, sleep: noSleep, maxRetryAfterMs: 5000 }).request(`${s.url}/`);
    expect(out.kind === "response" && out.attempts).toBe(1);
  });

  it("does not retry a 404", async () => {
    const s = await serve({});
    await createHttpClient({ retries: 3, sleep: noSleep }).request(`${s.url}/missing`);
    expect(s.requests).toHaveLength(1);
  });

  it("times out a server that never answers, within bounded time", async () => {
    const s = await serve(neverAnswer);
    const started = Date.now();
    const out = await createHttpClient({ timeoutMs: 150, retries: 1, sleep: noSleep }).request(`${s.url}/`);
    expect(out.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("times out a body that trickles", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200);
      res.write("a");
    });
    const out = await createHttpClient({ timeoutMs: 150, retries: 0 }).request(`${s.url}/`);
    expect(out.kind).toBe("timeout");
  });

  it("reports a refused connection as a network error", async () => {
    const s = await serve({});
    const url = s.url;
    await s.close();
    servers.length = 0;
    const out = await createHttpClient({ retries: 1, sleep: noSleep }).request(`${url}/`);
    expect(out.kind).toBe("network");
  });

  it("aborts a body past the cap without reading the rest", async () => {
    const sent = { bytes: 0 };
    const s = await serve(streamBytes(100 * 1024 * 1024, sent));
    const out = await createHttpClient({ maxBodyBytes: 256 * 1024 }).request(`${s.url}/`);
    expect(out.kind).toBe("too-large");
    expect(sent.bytes).toBeLessThan(20 * 1024 * 1024);
  });

  it("refuses a declared Content-Length past the cap before reading", async () => {
    const s = await serve({ "/": { body: "x".repeat(2000) } });
    const out = await createHttpClient({ maxBodyBytes: 1000 }).request(`${s.url}/`);
    expect(out.kind).toBe("too-large");
  });

  it("limits concurrency", async () => {
    const limit = createLimiter(2);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        limit(async () => {
          peak = Math.max(peak, ++active);
          await new Promise((r) => setTimeout(r, 5));
          active--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });

  it("parses Retry-After as seconds or a date", () => {
    expect(parseRetryAfter("5")).toBe(5000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:10 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"))).toBe(10_000);
    expect(parseRetryAfter("soon")).toBeUndefined();
  });

  it("same-origin: follows a redirect within the origin, refuses one to another origin without asking it", async () => {
    const other = await serve({ "/x": { body: { other: true } } });
    const s = await serve({
      "/a": (_req, res) => void res.writeHead(301, { location: "/b" }).end(),
      "/b": { body: { ok: true } },
      "/away": (_req, res) => void res.writeHead(302, { location: `${other.url}/x` }).end(),
      "/loop": (_req, res) => void res.writeHead(302, { location: "/loop" }).end(),
    });
    const http = createHttpClient({ sleep: noSleep });
    const followed = await http.request(`${s.url}/a`, { redirect: "same-origin" });
    expect(followed.kind === "response" && followed.status).toBe(200);
    const away = await http.request(`${s.url}/away`, { redirect: "same-origin" });
    expect(away).toMatchObject({
      kind: "refused",
      reason: `redirected to another origin (${other.url}); only redirects within ${s.url} are followed`,
    });
    expect(other.requests).toEqual([]);
    expect(await http.request(`${s.url}/loop`, { redirect: "same-origin" })).toMatchObject({
      kind: "refused",
      reason: "more than 5 redirects",
    });
    // The default still follows everything.
    expect(await http.request(`${s.url}/away`)).toMatchObject({ kind: "response", status: 200 });
  });

  it("contentType: refuses a 2xx of another type before reading it; error statuses pass through", async () => {
    const s = await serve({
      "/html": { headers: { "content-type": "text/html" }, body: "<p>hi</p>" },
      "/json": { body: { a: 1 } },
      "/gone": { status: 404, headers: { "content-type": "text/html" }, body: "no" },
    });
    const http = createHttpClient({ sleep: noSleep });
    expect(await http.request(`${s.url}/html`, { contentType: /^application\/json/ })).toMatchObject({
      kind: "refused",
      reason: 'content type "text/html" is not the one asked for',
      attempts: 1,
    });
    expect(await http.request(`${s.url}/json`, { contentType: /^application\/json/ })).toMatchObject({
      kind: "response",
      status: 200,
    });
    expect(await http.request(`${s.url}/gone`, { contentType: /^application\/json/ })).toMatchObject({
      kind: "response",
      status: 404,
    });
  });

  it("deadline: no retry that cannot start in time, and an attempt ends at the deadline", async () => {
    const s = await serve(neverAnswer);
    const http = createHttpClient({ retries: 5, backoffMs: 10_000, sleep: noSleep });
    const started = Date.now();
    const out = await http.request(`${s.url}/`, { timeoutMs: 60_000, deadline: Date.now() + 200 });
    expect(out).toMatchObject({ kind: "timeout", attempts: 1 });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
