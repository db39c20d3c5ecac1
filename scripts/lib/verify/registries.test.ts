// npm, PyPI, NuGet and crates.io back-references against loopback fakes serving recorded responses.
import { afterEach, describe, expect, it } from "vitest";
import { startFakeServer, type CannedResponse, type FakeServer, type Handler } from "../../test/fakes/http-server.ts";
import type { Package } from "../model.ts";
import { verifyCargoPackage } from "./cargo.ts";
import { createHttpClient } from "./http.ts";
import { findMcpNameToken } from "./mcp-name.ts";
import { verifyNpmPackage } from "./npm.ts";
import { verifyNugetPackage } from "./nuget.ts";
import { verifyPypiPackage } from "./pypi.ts";

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve(routes: Record<string, CannedResponse | Handler>) {
  const s = await startFakeServer(routes);
  servers.push(s);
  return s;
}
const http = createHttpClient({ retries: 1, backoffMs: 1, timeoutMs: 2000 });
const input = (serverName: string, pkg: Partial<Package> & { registryType: string; identifier: string }) => ({
  file: "servers/x/y/1.0.0/server.json",
  serverName,
  pointer: "/packages/0",
  pkg: { transport: { type: "stdio" }, ...pkg } as Package,
});

describe("mcp-name token (official boundary rule)", () => {
  it.each([
    ["mcp-name: a.b/c", "found"],
    ["x mcp-name: a.b/c\n", "found"],
    ["<!-- mcp-name: a.b/c -->", "found"],
    ["<!-- mcp-name: a.b/c-->", "found"],
    ["<p>mcp-name: a.b/c</p>", "found"],
    ["mcp-name: a.b/c-pro", "glued"],
    ["mcp-name: a.b/c.", "glued"],
    ["mcp-name: a.b/c-pro and later mcp-name: a.b/c here", "found"],
    ["mcp-name:a.b/c", "missing"],
    ["nothing", "missing"],
  ])("%j → %s", (text, kind) => {
    expect(findMcpNameToken(text, "a.b/c").kind).toBe(kind);
  });
});

describe("npm", () => {
  const name = "io.github.modelcontextprotocol/server-filesystem";
  const id = "@modelcontextprotocol/server-filesystem";
  it("passes when that version's mcpName matches (recorded response), escaping the scope", async () => {
    const s = await serve({
      "/@modelcontextprotocol%2Fserver-filesystem/2026.8.31": { fixture: "npm/server-filesystem-2026.8.31.json" },
    });
    const r = await verifyNpmPackage(input(name, { registryType: "npm", identifier: id, version: "2026.8.31" }), {
      http,
      baseUrl: s.url,
    });
    expect([r.status, r.code]).toEqual(["pass", "npm/ok"]);
    expect(r.evidence.mcpName).toBe(name);
    expect(s.requests[0]?.headers.accept).toBe("application/json");
  });
  it("fails on a different mcpName", async () => {
    const s = await serve({
      "/@modelcontextprotocol%2Fserver-filesystem/2026.8.31": { fixture: "npm/server-filesystem-2026.8.31.json" },
    });
    const r = await verifyNpmPackage(
      input("io.github.someone/else", { registryType: "npm", identifier: id, version: "2026.8.31" }),
      { http, baseUrl: s.url },
    );
    expect([r.status, r.code]).toEqual(["fail", "npm/mcpname-mismatch"]);
    expect(r.message).toContain(`got '${name}'`);
  });
  it("fails when mcpName is missing, with the official hint", async () => {
    const s = await serve({ "/left-pad/1.3.0": { fixture: "npm/left-pad-1.3.0.json" } });
    const r = await verifyNpmPackage(
      input("io.github.a/b", { registryType: "npm", identifier: "left-pad", version: "1.3.0" }),
      { http, baseUrl: s.url },
    );
    expect(r.code).toBe("npm/mcpname-missing");
    expect(r.message).toContain(`"mcpName": "io.github.a/b"`);
  });
  it("tells a missing version from a missing package", async () => {
    const s = await serve({ "HEAD /left-pad": { status: 200 } });
    const r1 = await verifyNpmPackage(
      input("io.github.a/b", { registryType: "npm", identifier: "left-pad", version: "99.0.0" }),
      { http, baseUrl: s.url },
    );
    expect(r1.code).toBe("npm/version-not-found");
    const r2 = await verifyNpmPackage(
      input("io.github.a/b", { registryType: "npm", identifier: "nope", version: "1.0.0" }),
      { http, baseUrl: s.url },
    );
    expect(r2.code).toBe("npm/not-found");
  });
  it("reports 429 as error (retry later), not fail", async () => {
    const s = await serve({ "/left-pad/1.3.0": { status: 429 } });
    const r = await verifyNpmPackage(
      input("io.github.a/b", { registryType: "npm", identifier: "left-pad", version: "1.3.0" }),
      { http, baseUrl: s.url },
    );
    expect([r.status, r.code]).toEqual(["error", "npm/rate-limited"]);
  });
  it("refuses a non-official registryBaseUrl before asking anything", async () => {
    const r = await verifyNpmPackage(
      input("io.github.a/b", {
        registryType: "npm",
        identifier: "x",
        version: "1.0.0",
        registryBaseUrl: "https://evil.example",
      }),
      {
        http,
        baseUrl: "http://127.0.0.1:9",
      },
    );
    expect([r.status, r.code]).toEqual(["fail", "npm/precondition"]);
  });
});

describe("PyPI", () => {
  const name = "io.github.example/weather-mcp";
  const pkg = (version: string) => input(name, { registryType: "pypi", identifier: "weather-mcp", version });
  it("passes when that release's description carries the token", async () => {
    const s = await serve({ "/pypi/weather-mcp/1.2.0/json": { fixture: "pypi/weather-mcp-1.2.0.json" } });
    const r = await verifyPypiPackage(pkg("1.2.0"), { http, baseUrl: s.url });
    expect([r.status, r.code]).toEqual(["pass", "pypi/ok"]);
    expect(r.evidence.matchedLine).toBe(`<!-- mcp-name: ${name} -->`);
    expect(r.evidence.readmeSha256).toMatch(/^[a-f0-9]{64}$/);
  });
  it("fails with the glued message when the token runs into a '.'", async () => {
    const s = await serve({ "/pypi/weather-mcp/1.2.1/json": { fixture: "pypi/weather-mcp-1.2.1-glued.json" } });
    const r = await verifyPypiPackage(pkg("1.2.1"), { http, baseUrl: s.url });
    expect(r.code).toBe("pypi/mcp-name-glued");
    expect(r.message).toContain(`immediately followed by "." rather than a boundary`);
  });
  it("does not accept a longer name as a prefix match", async () => {
    const s = await serve({ "/pypi/weather-mcp/1.2.2/json": { fixture: "pypi/weather-mcp-1.2.2-prefix.json" } });
    const r = await verifyPypiPackage(pkg("1.2.2"), { http, baseUrl: s.url });
    expect(r.status).toBe("fail");
  });
  it("tells a missing release from a missing project", async () => {
    const s = await serve({ "HEAD /pypi/weather-mcp/json": { status: 200 } });
    expect((await verifyPypiPackage(pkg("9.9.9"), { http, baseUrl: s.url })).code).toBe("pypi/version-not-found");
    const r = await verifyPypiPackage(input(name, { registryType: "pypi", identifier: "nope", version: "1" }), {
      http,
      baseUrl: s.url,
    });
    expect(r.code).toBe("pypi/not-found");
  });
});

describe("NuGet", () => {
  const name = "io.github.contoso/weather";
  const routes = {
    "/v3/index.json": { fixture: "nuget/index.json" },
    "/v3-flatcontainer/contoso.weather.mcp/1.0.0/readme": { fixture: "nuget/readme.md" },
    "/v3-flatcontainer/contoso.weather.mcp/index.json": { fixture: "nuget/versions.json" },
  };
  const pkg = (version: string, serverName = name, identifier = "Contoso.Weather.Mcp") =>
    input(serverName, { registryType: "nuget", identifier, version });
  it("finds the README through the service index (lower-cased id, build metadata stripped)", async () => {
    const s = await serve(routes);
    const r = await verifyNugetPackage(pkg("1.0.0+sha.abc"), { http, serviceIndexUrl: `${s.url}/v3/index.json` });
    expect([r.status, r.code]).toEqual(["pass", "nuget/ok"]);
    expect(r.evidence.readmeUrl).toBe(`${s.url}/v3-flatcontainer/contoso.weather.mcp/1.0.0/readme`);
  });
  it("fails when the README lacks the token", async () => {
    const s = await serve(routes);
    const r = await verifyNugetPackage(pkg("1.0.0", "io.github.contoso/other"), {
      http,
      serviceIndexUrl: `${s.url}/v3/index.json`,
    });
    expect(r.code).toBe("nuget/mcp-name-missing");
  });
  it("tells missing id, missing version and missing README apart", async () => {
    const s = await serve(routes);
    const deps = { http, serviceIndexUrl: `${s.url}/v3/index.json` };
    expect((await verifyNugetPackage(pkg("0.9.0"), deps)).code).toBe("nuget/no-readme");
    expect((await verifyNugetPackage(pkg("2.0.0"), deps)).code).toBe("nuget/version-not-found");
    expect((await verifyNugetPackage(pkg("1.0.0", name, "Nope"), deps)).code).toBe("nuget/not-found");
  });
});

describe("crates.io", () => {
  const name = "io.github.example/weather-mcp";
  const pkg = (version: string, serverName = name) =>
    input(serverName, { registryType: "cargo", identifier: "weather-mcp", version });
  it("follows the readme pointer and finds the token in the rendered HTML", async () => {
    const s = await serve({
      "/api/v1/crates/weather-mcp/0.3.0/readme": { fixture: "crates/readme-meta.json" },
      "/readmes/weather-mcp/weather-mcp-0.3.0.html": { fixture: "crates/readme.html" },
    });
    const r = await verifyCargoPackage(pkg("0.3.0"), { http, baseUrl: s.url });
    expect([r.status, r.code]).toEqual(["pass", "cargo/ok"]);
    expect(r.evidence.matchedLine).toBe(`<p>mcp-name: ${name}</p>`);
  });
  it("fails when the README names another server", async () => {
    const s = await serve({
      "/api/v1/crates/weather-mcp/0.3.0/readme": { fixture: "crates/readme-meta.json" },
      "/readmes/weather-mcp/weather-mcp-0.3.0.html": { fixture: "crates/readme.html" },
    });
    expect((await verifyCargoPackage(pkg("0.3.0", "io.github.example/weather"), { http, baseUrl: s.url })).code).toBe(
      "cargo/mcp-name-glued",
    );
  });
  it("refuses a README pointer to another host", async () => {
    const s = await serve({
      "/api/v1/crates/weather-mcp/0.3.0/readme": { body: { url: "http://169.254.169.254/latest/meta-data" } },
    });
    const r = await verifyCargoPackage(pkg("0.3.0"), { http, baseUrl: s.url });
    expect([r.status, r.code]).toEqual(["error", "cargo/bad-response"]);
    expect(s.requests).toHaveLength(1);
  });
  it("asks the version endpoint when the CDN answers 403", async () => {
    const s = await serve({
      "/api/v1/crates/weather-mcp/0.3.0/readme": { fixture: "crates/readme-meta.json" },
      "/readmes/weather-mcp/weather-mcp-0.3.0.html": { status: 403 },
      "/api/v1/crates/weather-mcp/0.3.0": { fixture: "crates/version.json" },
    });
    expect((await verifyCargoPackage(pkg("0.3.0"), { http, baseUrl: s.url })).code).toBe("cargo/no-readme");
  });
});
