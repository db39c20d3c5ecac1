// Opt-in: REGISTRY_LIVE_NPM=1 npx vitest run scripts/lib/verify/live-npm.test.ts
// Checks a real package against the real npm registry (the only live network test).
import { describe, expect, it } from "vitest";
import type { Package } from "../model.ts";
import { createHttpClient } from "./http.ts";
import { verifyNpmPackage } from "./npm.ts";

describe.skipIf(process.env.REGISTRY_LIVE_NPM !== "1")("live npm registry", () => {
  it("@modelcontextprotocol/server-filesystem declares its mcpName", async () => {
    const http = createHttpClient({ timeoutMs: 15_000 });
    const latest = await http.request("https://registry.npmjs.org/@modelcontextprotocol%2Fserver-filesystem/latest", {
      headers: { Accept: "application/json" },
    });
    const version =
      latest.kind === "response"
        ? (JSON.parse(Buffer.from(latest.body).toString("utf8")) as { version: string }).version
        : "";
    const r = await verifyNpmPackage(
      {
        file: "live",
        serverName: "io.github.modelcontextprotocol/server-filesystem",
        pointer: "/packages/0",
        pkg: {
          registryType: "npm",
          identifier: "@modelcontextprotocol/server-filesystem",
          version,
          transport: { type: "stdio" },
        } as Package,
      },
      { http, baseUrl: "https://registry.npmjs.org" },
    );
    expect([r.status, r.code, r.evidence.mcpName]).toEqual([
      "pass",
      "npm/ok",
      "io.github.modelcontextprotocol/server-filesystem",
    ]);
  });
});
