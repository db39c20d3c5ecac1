import { describe, expect, it } from "vitest";
import { CURRENT_SCHEMA_URL, OFFICIAL_META_KEY, PUBLISHER_META_KEY } from "../model.ts";
import { detectSchemaVersion, upgradeServerJson } from "./upgrade.ts";

const ok = (input: unknown, repair = false) => {
  const r = upgradeServerJson(input, { repair });
  if (r.kind !== "ok") throw new Error(r.reason);
  return r;
};
const pkg = (p: Record<string, unknown>) => ({
  name: "io.github.aa/bb",
  description: "d",
  version: "1.0.0",
  packages: [{ transport: { type: "stdio" }, ...p }],
});

describe("upgradeServerJson", () => {
  it("leaves a current document alone, $schema first", () => {
    const doc = { name: "io.github.aa/bb", description: "d", version: "1.0.0", $schema: CURRENT_SCHEMA_URL };
    const r = ok(doc);
    expect(Object.keys(r.doc)[0]).toBe("$schema");
    expect(r.doc).toEqual(doc);
    expect(r.changes).toEqual([]);
    expect(r.from).toBe("2025-12-11");
  });

  it("moves an OCI version into the identifier and drops registryBaseUrl (Docker Hub keeps the short name)", () => {
    const r = ok(
      pkg({ registryType: "oci", registryBaseUrl: "https://docker.io", identifier: "apache/iotdb", version: "2.0.5" }),
    );
    expect(r.doc["packages"]).toEqual([
      { transport: { type: "stdio" }, registryType: "oci", identifier: "apache/iotdb:2.0.5" },
    ]);
    expect(r.from).toBe("2025-09-29");
  });

  it("moves a non-Docker-Hub registry host into the OCI identifier", () => {
    const r = ok(
      pkg({ registryType: "oci", registryBaseUrl: "https://ghcr.io", identifier: "owner/img", version: "1.2.3" }),
    );
    expect((r.doc["packages"] as { identifier: string }[])[0]!.identifier).toBe("ghcr.io/owner/img:1.2.3");
  });

  it("keeps an OCI tag or digest already in the identifier and drops the version", () => {
    const r = ok(pkg({ registryType: "oci", identifier: "ghcr.io/owner/img:1.0.0", version: "2.0.0" }));
    expect((r.doc["packages"] as { identifier: string; version?: string }[])[0]).toMatchObject({
      identifier: "ghcr.io/owner/img:1.0.0",
    });
    expect((r.doc["packages"] as { version?: string }[])[0]!.version).toBeUndefined();
  });

  it("fixes the NuGet base URL and drops mcpb's base URL and fileSha256 on npm", () => {
    expect(
      ok(pkg({ registryType: "nuget", registryBaseUrl: "https://api.nuget.org", identifier: "X", version: "1.0.0" }))
        .doc["packages"],
    ).toMatchObject([{ registryBaseUrl: "https://api.nuget.org/v3/index.json" }]);
    expect(
      ok(
        pkg({
          registryType: "mcpb",
          registryBaseUrl: "https://github.com",
          identifier: "https://github.com/a/b/releases/download/v1/mcp.mcpb",
          fileSha256: "a".repeat(64),
        }),
      ).doc["packages"],
    ).toEqual([
      {
        transport: { type: "stdio" },
        registryType: "mcpb",
        identifier: "https://github.com/a/b/releases/download/v1/mcp.mcpb",
        fileSha256: "a".repeat(64),
      },
    ]);
    expect(
      (
        ok(pkg({ registryType: "npm", identifier: "x", version: "1.0.0", fileSha256: "a".repeat(64) })).doc[
          "packages"
        ] as object[]
      )[0],
    ).not.toHaveProperty("fileSha256");
  });

  it("renames 2025-07-09 snake_case keys", () => {
    const old = {
      name: "io.github.aa/bb",
      description: "d",
      version: "1.0.0",
      website_url: "https://x.example",
      packages: [
        {
          registry_type: "npm",
          identifier: "x",
          version: "1.0.0",
          transport: { type: "stdio" },
          environment_variables: [{ name: "K", is_secret: true }],
        },
      ],
    };
    expect(detectSchemaVersion(old)).toBe("2025-07-09");
    const r = ok(old);
    expect(r.doc).toMatchObject({
      websiteUrl: "https://x.example",
      packages: [{ registryType: "npm", environmentVariables: [{ name: "K", isSecret: true }] }],
    });
    expect(JSON.stringify(r.doc)).not.toMatch(/_[a-z]+"/);
  });

  it("moves the old status and official _meta out of the document, keeping publisher-provided", () => {
    const old = {
      name: "io.github.aa/bb",
      description: "d",
      version: "1.0.0",
      status: "deprecated",
      _meta: {
        [OFFICIAL_META_KEY]: { publishedAt: "2025-09-01T00:00:00Z", updatedAt: "2025-09-02T00:00:00Z" },
        [PUBLISHER_META_KEY]: { a: 1 },
        "com.other/x": {},
      },
    };
    const r = ok(old);
    expect(r.doc["_meta"]).toEqual({ [PUBLISHER_META_KEY]: { a: 1 } });
    expect(r.doc).not.toHaveProperty("status");
    expect(r.facts).toEqual({
      status: "deprecated",
      publishedAt: "2025-09-01T00:00:00Z",
      updatedAt: "2025-09-02T00:00:00Z",
    });
  });

  it("repairs descriptions only when asked", () => {
    const long = { name: "io.github.aa/bb", description: "word ".repeat(40), version: "1.0.0" };
    expect(ok(long).doc["description"]).toBe(long.description);
    const repaired = ok(long, true).doc["description"] as string;
    expect([...repaired].length).toBeLessThanOrEqual(100);
    expect(repaired.endsWith("…")).toBe(true);
    expect(ok({ ...long, description: "" }, true).doc["description"]).toBe("bb MCP server");
  });

  it("rejects what is not an object", () => {
    expect(upgradeServerJson([1])).toMatchObject({ kind: "invalid", code: "import/not-an-object" });
    expect(upgradeServerJson(null)).toMatchObject({ kind: "invalid", code: "import/not-an-object" });
  });
});
