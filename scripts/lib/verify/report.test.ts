import { describe, expect, it } from "vitest";
import { check } from "./check.ts";
import { EndpointConfigError, endpointsFromEnv, rewriteForEndpoint } from "./endpoints.ts";
import { escapeProperty } from "../escape.ts";
import { formatReport, toAnnotations, toJsonReport, toSummaryMarkdown } from "./report.ts";
import type { VerifyReport } from "./verify-pr.ts";

const report: VerifyReport = {
  ok: false,
  verdict: "fail",
  base: "a".repeat(40),
  head: "b".repeat(40),
  author: "<img src=x>",
  checks: [
    check("change", "servers/a.b/c,d/1.0.0/server.json", "fail", "change/immutable", "never modified\nreally 100%"),
    check("npm", "servers/a.b/cd/1.0.0/server.json", "pass", "npm/ok", "ok", { mcpName: "a.b/cd" }),
    check("oci", "servers/a.b/cd/1.0.0/server.json", "error", "oci/rate-limited", "retry <later>", {}, { line: 7 }),
    check("npm", "servers/a.b/cd/1.0.0/server.json", "skip", "npm/skipped", "offline"),
  ],
};

describe("report rendering", () => {
  it("writes toolkit-escaped annotations, byte for byte", () => {
    expect(toAnnotations(report.checks)).toEqual([
      "::error file=servers/a.b/c%2Cd/1.0.0/server.json,title=change/immutable::never modified%0Areally 100%25",
      "::notice file=servers/a.b/cd/1.0.0/server.json,title=npm/skipped::offline",
      "::warning file=servers/a.b/cd/1.0.0/server.json,line=7,title=oci/rate-limited::could not finish, try again later: retry <later>",
    ]);
    expect(escapeProperty("a:b,c%\r\n")).toBe("a%3Ab%2Cc%25%0D%0A");
  });
  it("escapes HTML and pipes in the summary", () => {
    const md = toSummaryMarkdown(report);
    expect(md).toContain("Author `&lt;img src=x&gt;`");
    expect(md).toContain("retry &lt;later&gt;");
    expect(md).not.toContain("<img");
    expect(md).toContain("| `servers/a.b/cd/1.0.0/server.json` | npm `npm/ok` | ✔ pass | ok | mcpName: a.b/cd |");
  });
  it("writes the --json receipt with the required fields", () => {
    const json = JSON.parse(toJsonReport(report)) as { ok: boolean; checks: Record<string, unknown>[] };
    expect(json.ok).toBe(false);
    expect(Object.keys(json.checks[0] ?? {})).toEqual(
      expect.arrayContaining(["file", "kind", "status", "message", "evidence"]),
    );
  });
  it("prints a readable report with the verdict", () => {
    expect(formatReport(report)).toMatch(/1 passed, 1 failed, 1 could not finish, 1 skipped: some checks failed/);
  });
});

describe("endpoints from the environment", () => {
  it("defaults to the real services", () => {
    const e = endpointsFromEnv({});
    expect([e.npm, e.pypi, e.nuget, e.crates, e.githubApi]).toEqual([
      "https://registry.npmjs.org",
      "https://pypi.org",
      "https://api.nuget.org/v3/index.json",
      "https://crates.io",
      "https://api.github.com",
    ]);
  });
  it("reads every override", () => {
    const e = endpointsFromEnv({
      REGISTRY_NPM_URL: "http://127.0.0.1:1/",
      REGISTRY_OCI_ENDPOINTS: "docker.io=http://127.0.0.1:5000, ghcr.io=http://127.0.0.1:5001",
      REGISTRY_DNS_SERVER: "127.0.0.1:5353",
      REGISTRY_HTTP_PROOF_URL: "http://127.0.0.1:9000/{domain}/.well-known/mcp-registry-auth",
      REGISTRY_DOWNLOAD_ENDPOINTS: "github.com=http://127.0.0.1:7000",
    });
    expect(e.npm).toBe("http://127.0.0.1:1");
    expect(e.oci).toEqual({ "docker.io": "http://127.0.0.1:5000", "ghcr.io": "http://127.0.0.1:5001" });
    expect(e.dnsServer).toBe("127.0.0.1:5353");
    expect(rewriteForEndpoint(new URL("https://github.com/a/b/releases/download/v1/x.mcpb"), e.downloads)).toBe(
      "http://127.0.0.1:7000/a/b/releases/download/v1/x.mcpb",
    );
  });
  it("rejects malformed values with the variable's name", () => {
    expect(() => endpointsFromEnv({ REGISTRY_OCI_ENDPOINTS: "nonsense" })).toThrow(EndpointConfigError);
    expect(() => endpointsFromEnv({ REGISTRY_HTTP_PROOF_URL: "http://x/proof" })).toThrow(/REGISTRY_HTTP_PROOF_URL/);
    expect(() => endpointsFromEnv({ REGISTRY_PYPI_URL: "file:///etc" })).toThrow(/REGISTRY_PYPI_URL/);
  });
});
