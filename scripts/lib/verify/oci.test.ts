import { afterEach, describe, expect, it } from "vitest";
import { neverAnswer, startFakeServer, type FakeServer } from "../../test/fakes/http-server.ts";
import { startFakeOciRegistry } from "../../test/fakes/oci-registry.ts";
import type { Package } from "../model.ts";
import { createHttpClient } from "./http.ts";
import { parseBearerChallenge, verifyOciPackage } from "./oci.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const http = createHttpClient({ retries: 0, timeoutMs: 2000 });
const name = "io.github.example/weather-mcp";
const label = { "io.modelcontextprotocol.server.name": name };
const input = (identifier: string, extra: Partial<Package> = {}) => ({
  file: "servers/io.github.example/weather-mcp/1.0.0/server.json",
  serverName: name,
  pointer: "/packages/0",
  pkg: { registryType: "oci", identifier, transport: { type: "stdio" }, ...extra } as Package,
});

async function registry(...images: Parameters<typeof startFakeOciRegistry>[0]) {
  const r = await startFakeOciRegistry(images);
  servers.push(r);
  return r;
}

describe("OCI references", () => {
  it("parses a bearer challenge", () => {
    expect(
      parseBearerChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull"',
      ),
    ).toEqual({
      realm: "https://auth.docker.io/token",
      service: "registry.docker.io",
      scope: "repository:a/b:pull",
    });
  });
});

describe("OCI label check", () => {
  it("resolves a multi-arch index to linux/amd64 through the anonymous token flow and reads the label", async () => {
    const r = await registry({ repository: "example/weather", tag: "1.0.0", labels: label, multiArch: true });
    const result = await verifyOciPackage(input("docker.io/example/weather:1.0.0"), {
      http,
      endpoints: { "docker.io": r.url },
    });
    expect([result.status, result.code]).toEqual(["pass", "oci/ok"]);
    expect(result.evidence).toMatchObject({
      label: name,
      platform: "linux/amd64",
      manifestDigest: r.manifestDigest("example/weather", "1.0.0"),
    });
    expect(result.evidence.indexDigest).toMatch(/^sha256:/);
    expect(r.tokensIssued[0]).toBe("fake-registry repository:example/weather:pull");
  });
  it("works for ghcr.io with a single manifest", async () => {
    const r = await registry({ repository: "example/weather", tag: "2", labels: label });
    const result = await verifyOciPackage(input("ghcr.io/example/weather:2"), {
      http,
      endpoints: { "ghcr.io": r.url },
    });
    expect(result.code).toBe("oci/ok");
  });
  it("fails on a missing label and on a different one", async () => {
    const r = await registry(
      { repository: "a/none", tag: "1" },
      { repository: "a/other", tag: "1", labels: { "io.modelcontextprotocol.server.name": "io.github.x/y" } },
    );
    const deps = { http, endpoints: { "ghcr.io": r.url } };
    expect((await verifyOciPackage(input("ghcr.io/a/none:1"), deps)).code).toBe("oci/label-missing");
    const other = await verifyOciPackage(input("ghcr.io/a/other:1"), deps);
    expect([other.code, other.evidence.label]).toEqual(["oci/label-mismatch", "io.github.x/y"]);
  });
  it("maps 404, 401 and 429 to the official outcomes", async () => {
    const r = await registry(
      { repository: "a/private", tag: "1", status: 401 },
      { repository: "a/limited", tag: "1", status: 429 },
    );
    const deps = { http, endpoints: { "ghcr.io": r.url } };
    expect((await verifyOciPackage(input("ghcr.io/a/missing:1"), deps)).code).toBe("oci/not-found");
    expect((await verifyOciPackage(input("ghcr.io/a/private:1"), deps)).code).toBe("oci/private");
    const limited = await verifyOciPackage(input("ghcr.io/a/limited:1"), deps);
    expect([limited.status, limited.code]).toEqual(["error", "oci/rate-limited"]);
  });
  it("refuses registries outside the allowlist and forbidden fields", async () => {
    const refused = await verifyOciPackage(input("registry.example.com/a/b:1"), { http, endpoints: {} });
    expect([refused.code, refused.message]).toEqual([
      "oci/precondition",
      "unsupported OCI registry: registry.example.com",
    ]);
    expect((await verifyOciPackage(input("ghcr.io/a/b:1", { version: "1" }), { http, endpoints: {} })).code).toBe(
      "oci/precondition",
    );
  });
  it("ends with error, not fail, when the registry never answers", async () => {
    const s = await startFakeServer(neverAnswer);
    servers.push(s);
    const started = Date.now();
    const result = await verifyOciPackage(input("ghcr.io/a/b:1"), {
      http: createHttpClient({ retries: 0, timeoutMs: 200 }),
      endpoints: { "ghcr.io": s.url },
    });
    expect(result.status).toBe("error");
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
