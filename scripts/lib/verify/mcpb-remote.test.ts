import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeServer, streamBytes, type FakeServer } from "../../test/fakes/http-server.ts";
import type { Package } from "../model.ts";
import { createHttpClient } from "./http.ts";
import { verifyMcpbPackage } from "./mcpb.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const http = createHttpClient({ retries: 0, timeoutMs: 5000 });
const asset = "/example/weather-mcp/releases/download/v1.0.0/weather-mcp.mcpb";
const bundle = Buffer.from("PK\u0003\u0004 pretend this is a zip with manifest.json");
const bundleSha = createHash("sha256").update(bundle).digest("hex");
const input = (identifier: string, fileSha256?: string) => ({
  file: "servers/io.github.example/weather-mcp/1.0.0/server.json",
  serverName: "io.github.example/weather-mcp",
  pointer: "/packages/0",
  pkg: {
    registryType: "mcpb",
    identifier,
    transport: { type: "stdio" },
    ...(fileSha256 ? { fileSha256 } : {}),
  } as Package,
});

describe("MCPB", () => {
  // The URL rules themselves are the core's (rules.ts, rules.test.ts, one-rule-set.test.ts); the verifier
  // refuses to download what they refuse, with the core's message.
  it.each([
    [
      "https://example.com/mcp/w.mcpb",
      "MCPB packages must be hosted on allowlisted providers (GitHub or GitLab). Host 'example.com' is not allowed",
    ],
    [
      "https://github.com/example/weather-mcp/archive/main.zip",
      "GitHub MCPB packages must be release assets following the pattern '/owner/repo/releases/download/tag/filename'",
    ],
    [
      "http://github.com/example/weather-mcp/releases/download/v1/w.mcpb",
      "invalid MCPB package URL, must use HTTPS: http://github.com/example/weather-mcp/releases/download/v1/w.mcpb",
    ],
    [
      "https://github.com/example/weather/releases/download/v1/w.zip",
      "MCPB package URL must contain 'mcp': https://github.com/example/weather/releases/download/v1/w.zip",
    ],
    ["", "package identifier is required for MCPB packages"],
  ])("does not download %s", async (url, problem) => {
    const r = await verifyMcpbPackage(input(url, bundleSha), { http, endpoints: {} });
    expect([r.status, r.code, r.message]).toEqual(["fail", "mcpb/precondition", problem]);
  });

  it("downloads the file (through a redirect) and matches fileSha256", async () => {
    const s = await startFakeServer({
      [asset]: { status: 302, headers: { location: "/objects/abc" } },
      "/objects/abc": { body: bundle },
    });
    servers.push(s);
    const r = await verifyMcpbPackage(input(`https://github.com${asset}`, bundleSha), {
      http,
      endpoints: { "github.com": s.url },
    });
    expect([r.status, r.code]).toEqual(["pass", "mcpb/ok"]);
    expect(r.evidence).toMatchObject({ sha256: bundleSha, size: bundle.length });
  });

  it("fails when the sha256 differs (which the official registry never checks)", async () => {
    const s = await startFakeServer({ [asset]: { body: bundle } });
    servers.push(s);
    const r = await verifyMcpbPackage(input(`https://github.com${asset}`, "0".repeat(64)), {
      http,
      endpoints: { "github.com": s.url },
    });
    expect([r.status, r.code, r.evidence.sha256]).toEqual(["fail", "mcpb/sha256-mismatch", bundleSha]);
  });

  it("fails on a missing asset and requires fileSha256", async () => {
    const s = await startFakeServer({});
    servers.push(s);
    expect(
      (
        await verifyMcpbPackage(input(`https://github.com${asset}`, bundleSha), {
          http,
          endpoints: { "github.com": s.url },
        })
      ).code,
    ).toBe("mcpb/not-accessible");
    expect((await verifyMcpbPackage(input(`https://github.com${asset}`), { http, endpoints: {} })).code).toBe(
      "mcpb/precondition",
    );
  });

  it("stops a 100 MB download at the cap without buffering it", async () => {
    const sent = { bytes: 0 };
    const s = await startFakeServer({ [asset]: streamBytes(100 * 1024 * 1024, sent) });
    servers.push(s);
    const started = Date.now();
    const before = process.memoryUsage().arrayBuffers;
    const r = await verifyMcpbPackage(input(`https://github.com${asset}`, bundleSha), {
      http,
      endpoints: { "github.com": s.url },
      maxBytes: 8 * 1024 * 1024,
    });
    expect([r.status, r.code]).toEqual(["fail", "mcpb/too-large"]);
    expect(sent.bytes).toBeLessThan(40 * 1024 * 1024);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(50 * 1024 * 1024);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
