import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  caseFoldKey,
  checkServerSemantics,
  goJsonLength,
  parseOciReference,
  substituteTemplateVariables,
  templateVariables,
} from "./rules.ts";

const REFERENCE = new URL("../test/fixtures/reference/", import.meta.url);
const readJson = (rel: string): unknown => JSON.parse(readFileSync(new URL(rel, REFERENCE), "utf8"));
const jsonFiles = (dir: string): string[] =>
  readdirSync(new URL(dir, REFERENCE))
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => `${dir}${f}`);

type Doc = Record<string, unknown>;
const base = (): Doc => ({ name: "io.github.alice/weather", description: "d", version: "1.0.0" });
const withFields = (fields: Doc): Doc => ({ ...base(), ...fields });
const npm = (fields: Doc = {}): Doc => ({
  registryType: "npm",
  identifier: "@alice/weather-mcp",
  version: "1.0.0",
  transport: { type: "stdio" },
  ...fields,
});
const withPackage = (fields: Doc): Doc => withFields({ packages: [npm(fields)] });
const remote = (fields: Doc): Doc =>
  withFields({ remotes: [{ type: "streamable-http", url: "https://mcp.example.com/mcp", ...fields }] });
const errors = (doc: unknown) => checkServerSemantics(doc).filter((f) => f.severity === "error");
const codesAt = (doc: unknown) => errors(doc).map((f) => `${f.code} ${f.pointer}`);

const SHA = "fe333e598595000ae021bd27117db32ec69af6987f507ba7a63c90638ff633ce";
const mcpb = (identifier: string, extra: Doc = {}): Doc =>
  withFields({
    packages: [{ registryType: "mcpb", identifier, fileSha256: SHA, transport: { type: "stdio" }, ...extra }],
  });
const oci = (identifier: string, extra: Doc = {}): Doc =>
  withFields({ packages: [{ registryType: "oci", identifier, transport: { type: "stdio" }, ...extra }] });
const bigMeta = (bytes: number): Doc => {
  // {"k":"…"} is 8 bytes of overhead
  const value = { k: "x".repeat(bytes - 8) };
  return withFields({ _meta: { "io.modelcontextprotocol.registry/publisher-provided": value } });
};

describe("every rule passes a good document and fails a bad one", () => {
  // [code, passing document, failing document, pointer of the failure]
  const cases: [string, Doc, Doc, string][] = [
    [
      "name/missing-slash",
      withFields({ name: "com.example/server" }),
      withFields({ name: "com.example.server" }),
      "/name",
    ],
    [
      "name/multiple-slashes",
      withFields({ name: "com.example/my-server" }),
      withFields({ name: "com.example/a/b" }),
      "/name",
    ],
    [
      "name/multiple-slashes",
      withFields({ name: "com.example/my-server" }),
      withFields({ name: "com.example//server" }),
      "/name",
    ],
    ["name/empty-part", withFields({ name: "ab/cd" }), withFields({ name: "/server" }), "/name"],
    ["name/empty-part", withFields({ name: "ab/cd" }), withFields({ name: "com.example/" }), "/name"],
    [
      "name/invalid-namespace",
      withFields({ name: "com.microsoft.azure.service/webapp-server" }),
      withFields({ name: "-com.example/server" }),
      "/name",
    ],
    ["name/invalid-namespace", withFields({ name: "a1/server" }), withFields({ name: "a/server" }), "/name"],
    ["name/invalid-namespace", withFields({ name: "a-b.c/server" }), withFields({ name: "a_b/server" }), "/name"],
    [
      "name/invalid-name",
      withFields({ name: "com.example/my_server.v2" }),
      withFields({ name: "com.example/server-" }),
      "/name",
    ],
    ["name/invalid-name", withFields({ name: "com.example/s1" }), withFields({ name: "com.example/s" }), "/name"],
    ["version/reserved", withFields({ version: "1.0.0" }), withFields({ version: "latest" }), "/version"],
    ["version/range", withFields({ version: "2025-06-18" }), withFields({ version: "^1.2.3" }), "/version"],
    ["version/reserved", withPackage({ version: "2.0.0" }), withPackage({ version: "latest" }), "/packages/0/version"],
    ["version/range", withPackage({ version: "2.0.0" }), withPackage({ version: ">=2.0.0" }), "/packages/0/version"],
    [
      "repository/invalid-url",
      withFields({ repository: { url: "https://github.com/alice/weather.git", source: "github" } }),
      withFields({ repository: { url: "https://github.com/alice", source: "github" } }),
      "/repository/url",
    ],
    [
      "repository/invalid-url",
      withFields({ repository: { url: "https://gitlab.com/group/sub/project", source: "gitlab" } }),
      withFields({ repository: { url: "https://github.com/alice/weather", source: "gitlab" } }),
      "/repository/url",
    ],
    [
      "repository/invalid-url",
      withFields({ repository: { url: "http://www.github.com/alice/weather/", source: "github" } }),
      withFields({ repository: { url: "https://bitbucket.org/alice/weather", source: "bitbucket" } }),
      "/repository/source",
    ],
    [
      "repository/invalid-subfolder",
      withFields({ repository: { url: "https://github.com/a/b", source: "github", subfolder: "src/everything" } }),
      withFields({ repository: { url: "https://github.com/a/b", source: "github", subfolder: "src/../x" } }),
      "/repository/subfolder",
    ],
    [
      "repository/invalid-subfolder",
      withFields({ repository: { url: "https://github.com/a/b", source: "github", subfolder: "a.b/c_d-e" } }),
      withFields({ repository: { url: "https://github.com/a/b", source: "github", subfolder: "/abs" } }),
      "/repository/subfolder",
    ],
    [
      "website-url/invalid",
      withFields({ websiteUrl: "https://example.com/docs" }),
      withFields({ websiteUrl: "ht tp://example.com/docs" }),
      "/websiteUrl",
    ],
    [
      "website-url/not-absolute",
      withFields({ websiteUrl: "https://example.com" }),
      withFields({ websiteUrl: "example.com/docs" }),
      "/websiteUrl",
    ],
    [
      "website-url/not-https",
      withFields({ websiteUrl: "https://example.com" }),
      withFields({ websiteUrl: "http://example.com/docs" }),
      "/websiteUrl",
    ],
    [
      "website-url/invalid-character",
      withFields({ websiteUrl: "https://example.com/?q=hello%20world" }),
      withFields({ websiteUrl: "https://example.com/a<b>" }),
      "/websiteUrl",
    ],
    [
      "website-url/invalid-character",
      withFields({ websiteUrl: "https://example.com/x" }),
      withFields({ websiteUrl: 'https://example.com/"x"' }),
      "/websiteUrl",
    ],
    ["title/whitespace-only", withFields({ title: " Weather " }), withFields({ title: " \t " }), "/title"],
    [
      "icon/not-https",
      withFields({ icons: [{ src: "https://example.com/i.png" }] }),
      withFields({ icons: [{ src: "http://example.com/i.png" }] }),
      "/icons/0/src",
    ],
    [
      "icon/not-absolute",
      withFields({ icons: [{ src: "https://example.com/i.png" }] }),
      withFields({ icons: [{ src: "/i.png" }] }),
      "/icons/0/src",
    ],
    [
      "icon/invalid-src",
      withFields({ icons: [{ src: "https://example.com/i.png" }] }),
      withFields({ icons: [{ src: "https://exa mple.com/i.png" }] }),
      "/icons/0/src",
    ],
    [
      "package/identifier-spaces",
      withPackage({ identifier: "weather-mcp" }),
      withPackage({ identifier: "weather mcp" }),
      "/packages/0/identifier",
    ],
    [
      "package/unsupported-registry-type",
      withPackage({ registryType: "pypi" }),
      withPackage({ registryType: "maven" }),
      "/packages/0/registryType",
    ],
    [
      "package/unsupported-registry-type",
      withPackage({ registryType: "npm" }),
      withPackage({ registryType: "NPM" }),
      "/packages/0/registryType",
    ],
    [
      "package/registry-base-url-mismatch",
      withPackage({ registryBaseUrl: "https://registry.npmjs.org" }),
      withPackage({ registryBaseUrl: "https://registry.npmjs.org/" }),
      "/packages/0/registryBaseUrl",
    ],
    [
      "package/registry-base-url-mismatch",
      withPackage({ registryType: "nuget", registryBaseUrl: "https://api.nuget.org/v3/index.json" }),
      withPackage({ registryType: "nuget", registryBaseUrl: "https://api.nuget.org" }),
      "/packages/0/registryBaseUrl",
    ],
    [
      "package/registry-base-url-mismatch",
      withPackage({ registryType: "cargo", registryBaseUrl: "https://crates.io" }),
      withPackage({ registryType: "pypi", registryBaseUrl: "https://test.pypi.org" }),
      "/packages/0/registryBaseUrl",
    ],
    [
      "package/registry-base-url-forbidden",
      oci("ghcr.io/a/b:1"),
      oci("ghcr.io/a/b:1", { registryBaseUrl: "https://ghcr.io" }),
      "/packages/0/registryBaseUrl",
    ],
    [
      "package/registry-base-url-forbidden",
      mcpb("https://github.com/a/b-mcp/releases/download/v1/x.mcpb"),
      mcpb("https://github.com/a/b-mcp/releases/download/v1/x.mcpb", { registryBaseUrl: "https://github.com" }),
      "/packages/0/registryBaseUrl",
    ],
    ["package/version-required", withPackage({ version: "1.0.0" }), withPackage({ version: undefined }), "/packages/0"],
    [
      "package/version-required",
      withPackage({ registryType: "cargo" }),
      withPackage({ registryType: "cargo", version: "" }),
      "/packages/0",
    ],
    [
      "package/version-forbidden",
      oci("ghcr.io/a/b:1.0.0"),
      oci("ghcr.io/a/b", { version: "1.0.0" }),
      "/packages/0/version",
    ],
    [
      "package/file-sha256-required",
      mcpb("https://github.com/a/b-mcp/releases/download/v1/x.mcpb", { version: "1.0.0" }),
      mcpb("https://github.com/a/b-mcp/releases/download/v1/x.mcpb", { fileSha256: undefined }),
      "/packages/0",
    ],
    ["package/file-sha256-forbidden", withPackage({}), withPackage({ fileSha256: SHA }), "/packages/0/fileSha256"],
    [
      "package/file-sha256-forbidden",
      oci("docker.io/a/b:1"),
      oci("docker.io/a/b:1", { fileSha256: SHA }),
      "/packages/0/fileSha256",
    ],
    [
      "package/oci-invalid-reference",
      oci("a/b:1.0@sha256:" + "0".repeat(64)),
      oci("Owner/Image:1.0"),
      "/packages/0/identifier",
    ],
    ["package/oci-invalid-reference", oci("ubuntu"), oci("a/b@sha256:abc"), "/packages/0/identifier"],
    ["package/oci-invalid-reference", oci("a/b:v1.2.3_x"), oci("a/b:bad!"), "/packages/0/identifier"],
    ["package/oci-invalid-reference", oci("ghcr.io/acme/-img:1"), oci("ghcr.io/a:1"), "/packages/0/identifier"],
    [
      "package/oci-unsupported-registry",
      oci("us-docker.pkg.dev/p/r/i:1"),
      oci("registry.example.com/a/b:1"),
      "/packages/0/identifier",
    ],
    [
      "package/oci-unsupported-registry",
      oci("contoso.azurecr.io/ab:1"),
      oci("localhost:5000/a/b:1"),
      "/packages/0/identifier",
    ],
    ["package/oci-unsupported-registry", oci("mcr.microsoft.com/a/b:1"), oci("gcr.io/a/b:1"), "/packages/0/identifier"],
    [
      "package/mcpb-unsupported-host",
      mcpb("https://www.github.com/a/b-mcp/releases/download/v1/x.mcpb"),
      mcpb("https://example.com/a/b-mcp/releases/download/v1/x.mcpb"),
      "/packages/0/identifier",
    ],
    [
      "package/mcpb-not-release-asset",
      mcpb("https://gitlab.com/g/sub/mcp-proj/-/releases/v1/downloads/x.mcpb"),
      mcpb("https://github.com/a/b-mcp/raw/main/x.mcpb"),
      "/packages/0/identifier",
    ],
    [
      "package/mcpb-not-release-asset",
      mcpb("https://gitlab.com/g/mcp/-/package_files/123/download"),
      mcpb("https://gitlab.com/g/mcp/-/package_files/abc/download"),
      "/packages/0/identifier",
    ],
    [
      "package/mcpb-not-https",
      mcpb("https://github.com/a/b-mcp/releases/download/v1/x.mcpb"),
      mcpb("http://github.com/a/b-mcp/releases/download/v1/x.mcpb"),
      "/packages/0/identifier",
    ],
    [
      "package/mcpb-missing-mcp",
      mcpb("https://github.com/a/b/releases/download/v1/MCP-server.bin"),
      mcpb("https://github.com/a/b/releases/download/v1/x.bundle"),
      "/packages/0/identifier",
    ],
    [
      "argument/name-required",
      withPackage({ packageArguments: [{ type: "named", name: "--port" }] }),
      withPackage({ packageArguments: [{ type: "named", value: "8080" }] }),
      "/packages/0/packageArguments/0",
    ],
    [
      "argument/invalid-name",
      withPackage({ runtimeArguments: [{ type: "named", name: "-e" }] }),
      withPackage({ runtimeArguments: [{ type: "named", name: "--port <n>" }] }),
      "/packages/0/runtimeArguments/0/name",
    ],
    [
      "argument/invalid-name",
      withPackage({ packageArguments: [{ type: "positional", valueHint: "$x" }] }),
      withPackage({
        packageArguments: [
          { type: "positional", value: "a" },
          { type: "named", name: "$TOKEN" },
        ],
      }),
      "/packages/0/packageArguments/1/name",
    ],
    [
      "argument/value-starts-with-name",
      withPackage({ packageArguments: [{ type: "named", name: "--port", value: "8080" }] }),
      withPackage({ packageArguments: [{ type: "named", name: "--port", value: "--port=8080" }] }),
      "/packages/0/packageArguments/0/value",
    ],
    [
      "argument/default-starts-with-name",
      withPackage({ packageArguments: [{ type: "named", name: "--host", default: "localhost" }] }),
      withPackage({ packageArguments: [{ type: "named", name: "--host", default: "--host localhost" }] }),
      "/packages/0/packageArguments/0/default",
    ],
    [
      "transport/stdio-url",
      withPackage({ transport: { type: "stdio", url: "" } }),
      withPackage({ transport: { type: "stdio", url: "http://x" } }),
      "/packages/0/transport/url",
    ],
    [
      "transport/url-required",
      withPackage({ transport: { type: "sse", url: "http://localhost:3000/sse" } }),
      withPackage({ transport: { type: "sse" } }),
      "/packages/0/transport",
    ],
    [
      "transport/invalid-url",
      withPackage({ transport: { type: "streamable-http", url: "http://127.0.0.1:8080/mcp" } }),
      withPackage({ transport: { type: "streamable-http", url: "ftp://localhost/mcp" } }),
      "/packages/0/transport/url",
    ],
    [
      "transport/invalid-url",
      withPackage({
        transport: { type: "streamable-http", url: "{scheme}://{host}:{port}/{path}" },
        environmentVariables: ["scheme", "host", "port", "path"].map((name) => ({ name })),
      }),
      withPackage({ transport: { type: "streamable-http", url: "localhost:3000/mcp" } }),
      "/packages/0/transport/url",
    ],
    [
      "transport/undefined-variable",
      withPackage({
        transport: { type: "streamable-http", url: "http://{HOST_NAME}:{--port}/{base_path}" },
        runtimeArguments: [{ type: "named", name: "--port" }],
        packageArguments: [{ type: "positional", valueHint: "base_path" }],
        environmentVariables: [{ name: "HOST_NAME" }],
      }),
      withPackage({ transport: { type: "streamable-http", url: "http://localhost:{--port}/mcp" } }),
      "/packages/0/transport/url",
    ],
    [
      "transport/unsupported-type",
      withPackage({ transport: { type: "sse", url: "http://localhost/sse" } }),
      withPackage({ transport: { type: "websocket" } }),
      "/packages/0/transport/type",
    ],
    ["remote/unsupported-type", remote({ type: "sse" }), remote({ type: "stdio" }), "/remotes/0/type"],
    ["remote/url-required", remote({}), remote({ url: "" }), "/remotes/0"],
    [
      "remote/invalid-url",
      remote({ url: "https://api.example.com:8443/mcp" }),
      remote({ url: "http://api.example.com/mcp" }),
      "/remotes/0/url",
    ],
    [
      "remote/invalid-url",
      remote({ url: "https://mcp.example.com/mcp" }),
      remote({ url: "https://localhost:3000/mcp" }),
      "/remotes/0/url",
    ],
    [
      "remote/invalid-url",
      remote({ url: "https://localhost.example.com/mcp" }),
      remote({ url: "https://app.localhost/mcp" }),
      "/remotes/0/url",
    ],
    [
      "remote/invalid-url",
      remote({ url: "https://example.com/mcp" }),
      remote({ url: "https://127.0.0.1/mcp" }),
      "/remotes/0/url",
    ],
    [
      "remote/invalid-url",
      remote({ url: "https://example.com/mcp" }),
      remote({ url: "not-a-valid-url" }),
      "/remotes/0/url",
    ],
    [
      "remote/invalid-url",
      remote({ url: "https://{host}/mcp", variables: { host: {} } }),
      remote({ url: "{baseUrl}/mcp", variables: { baseUrl: {} } }),
      "/remotes/0/url",
    ],
    [
      "remote/undefined-variable",
      remote({ url: "https://{tenant}.example.com/mcp/{region}", variables: { tenant: {}, region: {} } }),
      remote({ url: "https://{tenant}.example.com/mcp", variables: { region: {} } }),
      "/remotes/0/url",
    ],
    [
      "meta/unknown-key",
      withFields({ _meta: { "io.modelcontextprotocol.registry/publisher-provided": { tool: "x" } } }),
      withFields({ _meta: { "com.example/extra": {} } }),
      "/_meta/com.example~1extra",
    ],
    [
      "meta/unknown-key",
      withFields({ _meta: {} }),
      withFields({ _meta: { "io.modelcontextprotocol.registry/official": { isLatest: true } } }),
      "/_meta/io.modelcontextprotocol.registry~1official",
    ],
    [
      "meta/publisher-provided-too-large",
      bigMeta(4096),
      bigMeta(4097),
      "/_meta/io.modelcontextprotocol.registry~1publisher-provided",
    ],
    // {host} is replaced before the port variables (upstream order): the port becomes "example.com".
    [
      "remote/invalid-url",
      remote({ url: "https://api.example.com:{port}/mcp", variables: { port: {} } }),
      remote({ url: "https://api.example.com:{host}/mcp", variables: { host: {} } }),
      "/remotes/0/url",
    ],
    ["package/identifier-required", withPackage({}), withPackage({ identifier: "" }), "/packages/0/identifier"],
    [
      "package/identifier-required",
      withPackage({ registryType: "pypi", registryBaseUrl: "https://pypi.org", identifier: "weather-mcp" }),
      withPackage({ registryType: "pypi", identifier: undefined }),
      "/packages/0",
    ],
    [
      "package/identifier-required",
      withPackage({ registryType: "nuget", identifier: "Alice.Weather" }),
      withPackage({ registryType: "nuget", identifier: "" }),
      "/packages/0/identifier",
    ],
    [
      "package/identifier-required",
      withPackage({ registryType: "cargo", identifier: "weather-mcp" }),
      withPackage({ registryType: "cargo", identifier: "" }),
      "/packages/0/identifier",
    ],
    ["package/identifier-required", oci("ghcr.io/a/b:1"), oci(""), "/packages/0/identifier"],
    [
      "package/identifier-required",
      mcpb("https://github.com/a/b-mcp/releases/download/v1/x.mcpb"),
      mcpb(""),
      "/packages/0/identifier",
    ],
    [
      "env-var/invalid-name",
      withPackage({ environmentVariables: [{ name: "API_KEY" }, { name: "_x9" }] }),
      withPackage({ environmentVariables: [{ name: "OK" }, { name: "X=$(touch${IFS}pwned)" }] }),
      "/packages/0/environmentVariables/1/name",
    ],
    [
      "env-var/invalid-name",
      withPackage({ environmentVariables: [{ name: "__proto__" }] }),
      withPackage({ environmentVariables: [{ name: "A\nB" }] }),
      "/packages/0/environmentVariables/0/name",
    ],
    [
      "env-var/invalid-name",
      withPackage({ environmentVariables: [{ name: "ABC1" }] }),
      withPackage({ environmentVariables: [{ name: "1ABC" }] }),
      "/packages/0/environmentVariables/0/name",
    ],
    [
      "env-var/invalid-name",
      withPackage({ environmentVariables: [{ name: "A_B" }] }),
      withPackage({ environmentVariables: [{ name: "A-B" }] }),
      "/packages/0/environmentVariables/0/name",
    ],
    [
      "env-var/invalid-name",
      withPackage({ environmentVariables: [{ name: "X" }] }),
      withPackage({ environmentVariables: [{ name: "" }] }),
      "/packages/0/environmentVariables/0/name",
    ],
    [
      "name/invisible-character",
      withFields({ name: "io.github.alice/weather" }),
      withFields({ name: "io.github.alice/wea\u200bther" }),
      "/name",
    ],
    [
      "name/invisible-character",
      withFields({ name: "io.github.alice/weather" }),
      withFields({ name: "io.github.alice/\u202eweather" }),
      "/name",
    ],
    [
      "name/not-nfc",
      withFields({ name: "io.github.alice/weather" }),
      withFields({ name: "io.github.alice/cafe\u0301" }),
      "/name",
    ],
    [
      "version/invisible-character",
      withFields({ version: "1.0.0" }),
      withFields({ version: "1.0.0\u200d" }),
      "/version",
    ],
    [
      "version/invisible-character",
      withFields({ version: "1.0.0" }),
      withFields({ version: "\u202e1.0.0" }),
      "/version",
    ],
    [
      "version/invisible-character",
      withFields({ version: "1.0.0" }),
      withFields({ version: "1.0.0\u00ad1" }),
      "/version",
    ],
    [
      "version/invisible-character",
      withPackage({ version: "2.0.0" }),
      withPackage({ version: "2.0.0\ufeff" }),
      "/packages/0/version",
    ],
    [
      "version/not-nfc",
      withFields({ version: "1.0.0-caf\u00e9" }),
      withFields({ version: "1.0.0-cafe\u0301" }),
      "/version",
    ],
    [
      "version/not-nfc",
      withPackage({ version: "2.0.0-\u00e9" }),
      withPackage({ version: "2.0.0-e\u0301" }),
      "/packages/0/version",
    ],
  ];

  it.each(cases)("%s: passing document has no finding of that code", (code, good) => {
    expect(errors(good).filter((f) => f.code === code)).toEqual([]);
  });

  it.each(cases)("%s: failing document is reported at the expected pointer", (code, _good, bad, pointer) => {
    expect(codesAt(bad)).toContain(`${code} ${pointer}`);
  });

  it.each(cases)("%s: passing documents are entirely clean", (_code, good) => {
    expect(errors(good)).toEqual([]);
  });

  it("every failing finding carries a message and a hint", () => {
    for (const [, , bad] of cases) {
      for (const f of errors(bad)) {
        expect(f.message).not.toBe("");
        expect(f.hint).toBeTruthy();
      }
    }
  });
});

describe("official wording", () => {
  const message = (doc: Doc, code: string) => errors(doc).find((f) => f.code === code)?.message;
  it.each([
    [
      withFields({ name: "no-namespace-separator" }),
      "name/missing-slash",
      "server name must be in format 'dns-namespace/name' (e.g., 'com.example.api/server')",
    ],
    [withFields({ version: "1.x" }), "version/range", 'version must be a specific version, not a range: "1.x"'],
    [
      withFields({ repository: { url: "https://x.org/a/b", source: "github" } }),
      "repository/invalid-url",
      "invalid repository URL: https://x.org/a/b",
    ],
    [
      withFields({ websiteUrl: "ftp://example.com/docs" }),
      "website-url/not-https",
      "websiteUrl must use https scheme: ftp://example.com/docs",
    ],
    [
      withFields({ websiteUrl: "example.com/docs" }),
      "website-url/not-absolute",
      "websiteUrl must be absolute (include scheme): example.com/docs",
    ],
    [
      withFields({ icons: [{ src: "http://e.com/i.png" }] }),
      "icon/not-https",
      "icon src must use https scheme (got http): http://e.com/i.png",
    ],
    [withPackage({ registryType: "conda" }), "package/unsupported-registry-type", "unsupported registry type: conda"],
    [
      withPackage({ fileSha256: SHA }),
      "package/file-sha256-forbidden",
      "NPM packages must not have 'fileSha256' field",
    ],
    [
      oci("quay.io/a/b", { version: "1" }),
      "package/version-forbidden",
      "OCI packages must not have 'version' field - include version in 'identifier' instead (e.g., 'docker.io/owner/image:1.0.0')",
    ],
    [
      oci("registry.gitlab.com/a/b:1"),
      "package/oci-unsupported-registry",
      "unsupported OCI registry: registry.gitlab.com",
    ],
    [withPackage({ identifier: "" }), "package/identifier-required", "package identifier is required for NPM packages"],
    [
      withPackage({ registryType: "pypi", identifier: "" }),
      "package/identifier-required",
      "package identifier is required for PyPI packages",
    ],
    [
      withPackage({ registryType: "nuget", identifier: "" }),
      "package/identifier-required",
      "package identifier is required for NuGet packages",
    ],
    [
      withPackage({ registryType: "cargo", identifier: "" }),
      "package/identifier-required",
      "package identifier is required for Cargo packages",
    ],
    [oci(""), "package/identifier-required", "package identifier is required for OCI packages"],
    [mcpb(""), "package/identifier-required", "package identifier is required for MCPB packages"],
    [remote({ url: "http://localhost" }), "remote/invalid-url", "invalid remote URL: http://localhost"],
    [
      remote({ type: "stdio" }),
      "remote/unsupported-type",
      "unsupported transport type for remotes: stdio (only streamable-http and sse are supported)",
    ],
    [
      withPackage({ transport: { type: "websocket" } }),
      "transport/unsupported-type",
      "unsupported transport type: websocket",
    ],
    [
      withPackage({ transport: { type: "stdio", url: "http://x" } }),
      "transport/stdio-url",
      "url must be empty for stdio transport type, got: http://x",
    ],
    [
      withPackage({
        transport: { type: "sse", url: "http://localhost:{port}/{x}" },
        environmentVariables: [{ name: "A" }],
        packageArguments: [{ type: "named", name: "--p" }],
      }),
      "transport/undefined-variable",
      "invalid package transport URL: template variables in URL http://localhost:{port}/{x} reference undefined variables. Available variables: [A --p]",
    ],
    [
      bigMeta(5000),
      "meta/publisher-provided-too-large",
      "_meta.io.modelcontextprotocol.registry/publisher-provided extension exceeds 4KB limit (5000 bytes)",
    ],
    [
      withFields({ websiteUrl: "https://é.example/a b" }),
      "website-url/invalid-character",
      'websiteUrl contains an invalid character " " at position 20: https://é.example/a b',
    ],
  ])("%#: %s", (doc, code, expected) => {
    expect(message(doc, code)).toBe(expected);
  });
});

describe("reference documents", () => {
  it.each([...jsonFiles("examples/valid/"), ...jsonFiles("examples/generic-server-json/")])(
    "%s has no semantic errors",
    (file) => {
      expect(errors(readJson(file))).toEqual([]);
    },
  );

  const seeds = readJson("seeds/seed.json") as Doc[];
  it.each(seeds.map((s, i) => [`${String(s["name"])}@${String(s["version"])}`, i] as const))(
    "seed %s has no semantic errors",
    (_label, i) => {
      expect(errors(seeds[i])).toEqual([]);
    },
  );

  it("invalid/package-version-latest.json fails the version rule", () => {
    expect(codesAt(readJson("examples/invalid/package-version-latest.json"))).toContain(
      "version/reserved /packages/0/version",
    );
  });
  it("invalid/bad-name-pattern.json fails the name rule", () => {
    expect(codesAt(readJson("examples/invalid/bad-name-pattern.json"))).toContain("name/missing-slash /name");
  });
});

describe("robustness on schema-invalid input", () => {
  it.each([
    null,
    42,
    "server",
    [],
    {},
    {
      name: 7,
      version: ["1"],
      title: {},
      websiteUrl: 3,
      repository: "github",
      icons: "x",
      packages: {},
      remotes: 5,
      _meta: [],
    },
    {
      packages: [
        null,
        1,
        "x",
        {
          transport: "stdio",
          registryType: 3,
          identifier: {},
          packageArguments: [null, { type: "named", name: 3, value: 4 }],
        },
      ],
    },
    { remotes: [null, { type: 1 }, { type: "sse", url: 4, variables: [] }], icons: [null, { src: 1 }] },
    {
      repository: { url: 1, source: null, subfolder: 2 },
      _meta: { "io.modelcontextprotocol.registry/publisher-provided": null },
    },
  ])("does not throw on %j", (doc) => {
    expect(() => checkServerSemantics(doc)).not.toThrow();
  });

  it("reports nothing for absent optional fields", () => {
    expect(checkServerSemantics(base())).toEqual([]);
  });

  it("stays fast on pathological strings", () => {
    const n = 50_000;
    const start = performance.now();
    checkServerSemantics({
      name: "a".repeat(n) + "/" + "b/".repeat(n),
      version: "1" + ".1".repeat(n),
      websiteUrl: "https://" + "{".repeat(n),
      packages: [
        {
          registryType: "oci",
          identifier: "a/".repeat(n) + "A",
          transport: { type: "sse", url: "http://" + ":{a".repeat(n) },
        },
      ],
      remotes: [{ type: "sse", url: "https://x/" + "{a".repeat(n) }],
    });
    expect(performance.now() - start).toBeLessThan(1000);
  });
});

describe("URL template substitution matches Go's regexes", () => {
  // The straightforward regex versions (what upstream runs under RE2); fine on short strings.
  const naiveSubstitute = (raw: string): string => {
    let out = raw;
    for (const [k, v] of [
      ["{host}", "example.com"],
      ["{port}", "8080"],
      ["{path}", "api"],
      ["{protocol}", "http"],
      ["{scheme}", "http"],
    ] as const) {
      out = out.split(k).join(v);
    }
    return out.replace(/:(\{[^}]+\})(\/|$)/g, ":8080$2").replace(/\{[^}]+\}/g, "placeholder");
  };
  const naiveVariables = (raw: string): string[] => [...raw.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? "");

  it("agrees on a deterministic sample of short strings", () => {
    const alphabet = [":", "{", "}", "/", "a", "{host}", "{port}"];
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let i = 0; i < 5000; i++) {
      let s = "";
      const len = rand() % 12;
      for (let j = 0; j < len; j++) s += alphabet[rand() % alphabet.length];
      expect([s, substituteTemplateVariables(s)]).toEqual([s, naiveSubstitute(s)]);
      expect([s, templateVariables(s)]).toEqual([s, naiveVariables(s)]);
    }
  });

  it("substitutes the documented examples", () => {
    expect(substituteTemplateVariables("http://localhost:{--port}/mcp")).toBe("http://localhost:8080/mcp");
    expect(substituteTemplateVariables("https://{tenant_id}.api.example.com/mcp")).toBe(
      "https://placeholder.api.example.com/mcp",
    );
    expect(templateVariables("http://{a}:{b}/{c}")).toEqual(["a", "b", "c"]);
  });
});

describe("helpers", () => {
  it("parseOciReference defaults to Docker Hub and keeps tag and digest", () => {
    const digest = "sha256:" + "a".repeat(64);
    expect(parseOciReference(`mcp/filesystem:1.0.2@${digest}`)).toEqual({
      ok: true,
      ref: { registry: "index.docker.io", repository: "mcp/filesystem", tag: "1.0.2", digest },
    });
    expect(parseOciReference("ghcr.io/o/i")).toEqual({ ok: true, ref: { registry: "ghcr.io", repository: "o/i" } });
    expect(parseOciReference("localhost:5000/img:1")).toMatchObject({
      ok: true,
      ref: { registry: "localhost:5000", repository: "img", tag: "1" },
    });
    expect(parseOciReference("").ok).toBe(false);
  });

  // go-containerregistry name.ParseReference (non-strict), which the official registry calls.
  it.each([
    ["weather", { registry: "index.docker.io", repository: "library/weather" }],
    ["docker.io/example/weather:1.0.0", { registry: "index.docker.io", repository: "example/weather", tag: "1.0.0" }],
    [
      "ghcr.io/example/weather@sha256:" + "b".repeat(64),
      { registry: "ghcr.io", repository: "example/weather", digest: "sha256:" + "b".repeat(64) },
    ],
    ["us-docker.pkg.dev/p/r/img:2", { registry: "us-docker.pkg.dev", repository: "p/r/img", tag: "2" }],
    ["ghcr.io/acme/-img:1", { registry: "ghcr.io", repository: "acme/-img", tag: "1" }],
    ["ghcr.io/acme/img:-1", { registry: "ghcr.io", repository: "acme/img", tag: "-1" }],
    ["localhost/img:1", { registry: "index.docker.io", repository: "localhost/img", tag: "1" }],
  ])("parseOciReference(%s)", (id, ref) => {
    expect(parseOciReference(id)).toEqual({ ok: true, ref });
  });

  it.each([
    "ghcr.io/Example/x",
    "ghcr.io/e/x@sha256:abc",
    "ghcr.io/a:1",
    "ghcr.io/a/b:t!",
    "ghcr.io/a/b@md5:" + "0".repeat(32),
    "a@b@sha256:" + "0".repeat(64),
  ])("parseOciReference refuses %s", (id) => {
    expect(parseOciReference(id).ok).toBe(false);
  });

  it("caseFoldKey folds like full case folding for Latin, and ı like NTFS", () => {
    expect(caseFoldKey("io.github.HP")).toBe(caseFoldKey("io.github.hp"));
    expect(caseFoldKey("straße")).toBe(caseFoldKey("STRASSE"));
    expect(caseFoldKey("\u212a")).toBe("k"); // Kelvin sign
    expect(caseFoldKey("\u017f")).toBe("s"); // long s
    expect(caseFoldKey("\u03c2")).toBe(caseFoldKey("\u03c3")); // final sigma
    expect(caseFoldKey("\u0131")).toBe("i"); // dotless ı: upper-cased to I by NTFS
    expect(caseFoldKey("\u0130")).not.toBe(caseFoldKey("i")); // dotted İ folds to i + U+0307
    expect(caseFoldKey("e\u0301")).toBe(caseFoldKey("\u00e9")); // NFD = NFC
    expect(caseFoldKey("1.0.0")).not.toBe(caseFoldKey("1.0.1"));
  });

  it("goJsonLength counts Go's HTML escaping and UTF-8 bytes", () => {
    expect(goJsonLength({ a: "<&>" })).toBe(JSON.stringify({ a: "<&>" }).length + 15);
    expect(goJsonLength({ a: "é" })).toBe(10);
    expect(goJsonLength({ a: "\u2028" })).toBe(14);
  });
});
