// The server page's header badges: "built from <repo>" from the registry's verified provenance evidence
// (not from the author's server._meta), and the nightly remote states; hostile text is escaped.
import { describe, expect, it } from "vitest";
import type { ServerJson } from "../scripts/lib/model.ts";
import type { RemoteHealth } from "../scripts/lib/verify/remote-health.ts";
import { renderServerPage } from "./render.ts";
import { sampleReceipt } from "../scripts/test/receipts.ts";
import { makeRecord } from "./test/sample-model.ts";

const assets = { css: "assets/site.css", js: "assets/app.js", index: "assets/search-index.json" };
const info = { gitCommit: null, generatedAt: "2026-01-01T00:00:00Z", serial: 1 };
const server = (extra: Partial<ServerJson> = {}): ServerJson =>
  ({ name: "io.github.alice/weather", version: "1.0.0", description: "Weather.", ...extra }) as ServerJson;
const provenance = (outcome: "pass" | "fail", factStatus: string, sourceRepository: string) => ({
  id: `provenance/${factStatus}`,
  kind: "provenance",
  outcome,
  message: "m",
  evidence: { fact: { ecosystem: "npm", status: factStatus, sourceRepository } },
});
const receipt = (...checks: ReturnType<typeof provenance>[]) => ({
  ...sampleReceipt("io.github.alice/weather", "1.0.0"),
  checks,
});
const page = (record: ReturnType<typeof makeRecord>, remotes?: RemoteHealth[]) =>
  renderServerPage({ name: record.name, latest: record, versions: [record] }, assets, info, remotes);
const header = (html: string) => /<header class="server-header">[\s\S]*?<\/header>/.exec(html)?.[0] ?? "";

describe("trust badges on the server page", () => {
  it("verified provenance shows 'built from <repo>' in the header, linking to the repository", () => {
    const record = makeRecord(server(), {
      receipt: receipt(provenance("pass", "verified", "github.com/alice/weather")),
    });
    expect(header(page(record))).toContain(
      'built from <a href="https://github.com/alice/weather" rel="noopener noreferrer nofollow" class="url">github.com/alice/weather</a>',
    );
  });

  it("missing or failed provenance shows no badge, and the author's own _meta cannot fake one", () => {
    const missing = makeRecord(server(), {
      receipt: receipt(provenance("pass", "missing", "github.com/a/b")),
    });
    const failed = makeRecord(server(), {
      receipt: receipt(provenance("fail", "mismatch", "github.com/a/b")),
    });
    const forged = makeRecord(
      server({
        _meta: {
          "io.modelcontextprotocol.registry/publisher-provided": {
            checks: [provenance("pass", "verified", "github.com/a/b")],
          },
        },
      }),
    );
    for (const r of [missing, failed, forged]) expect(header(page(r))).not.toContain("built from");
  });

  it("escapes a hostile repository and remote text", () => {
    const record = makeRecord(server(), {
      receipt: receipt(provenance("pass", "verified", 'github.com/a/"><script>alert(1)</script>')),
    });
    const html = header(
      page(record, [
        {
          url: "https://x.test/mcp",
          transport: "streamable-http",
          state: "broken",
          reason: "html",
          message: '"><img src=x onerror=alert(2)>',
        },
      ]),
    );
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain("remote not answering MCP (html)");
  });

  it("shows each remote's state from the health report; unchecked remotes show nothing", () => {
    const record = makeRecord(server());
    const html = header(
      page(record, [
        {
          url: "https://a.test/mcp",
          transport: "streamable-http",
          state: "healthy",
          message: "ok",
          protocolVersion: "2025-11-25",
          toolCount: 3,
        },
        { url: "https://b.test/mcp", transport: "sse", state: "private", reason: "auth-required", message: "401" },
        { url: "https://{t}.test/mcp", transport: "sse", state: "unchecked", reason: "templated-url", message: "n/a" },
      ]),
    );
    expect(html).toContain("remote answers MCP 2025-11-25, 3 tools");
    expect(html).toContain("remote requires login");
    expect(html).not.toContain("{t}");
    expect(header(page(record))).not.toContain("trust-badges");
  });
});
