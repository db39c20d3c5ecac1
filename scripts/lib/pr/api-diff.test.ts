import { describe, expect, it } from "vitest";
import { makeTree, versionFile } from "../../test/temp-tree.ts";
import { diffApiTrees, routeOf, routeUrl, summarizeApiDiff, type Tree } from "./api-diff.ts";
import { buildRegistry } from "../pipeline.ts";

async function built(files: Record<string, string | object>): Promise<Tree> {
  const dir = makeTree(files);
  const outcome = await buildRegistry({ serversDir: "servers", cwd: dir, sourceDateEpoch: "1700000000" });
  if (outcome.kind !== "built") throw new Error(JSON.stringify(outcome.diagnostics));
  return outcome.tree;
}

const A = "io.github.alice/weather";
const B = "io.github.bob/tides";

describe("routes", () => {
  it("folds file twins into one route", () => {
    expect(["servers.json", "servers.html", "servers/index.html", "servers"].map(routeOf)).toEqual([
      "servers",
      "servers",
      "servers",
      "servers",
    ]);
    expect(routeOf("servers/a.b/c/versions/1.0.0.json")).toBe("servers/a.b/c/versions/1.0.0");
    expect(routeOf("x/ns/meta.json")).toBe("x/ns/meta.json");
  });
  it("names a route by the URL a client requests, the server name with %2F", () => {
    expect(routeUrl("v0.1", "servers/io.github.a/b-c/versions/1.0.0")).toBe(
      "/v0.1/servers/io.github.a%2Fb-c/versions/1.0.0",
    );
    expect(routeUrl("v0.1", "servers")).toBe("/v0.1/servers");
  });
});

describe("diffApiTrees", () => {
  it("is empty for the same tree (build facts such as /version ignored)", async () => {
    const files = { ...versionFile(A, "1.0.0") };
    expect(diffApiTrees(await built(files), await built(files))).toEqual([]);
  });

  it("a new version: its routes appear; latest, the lists and the old version's isLatest change", async () => {
    const base = await built({ ...versionFile(A, "1.0.0"), ...versionFile(B, "0.1.0") });
    const head = await built({ ...versionFile(A, "1.0.0"), ...versionFile(A, "1.1.0"), ...versionFile(B, "0.1.0") });
    const diff = diffApiTrees(base, head);
    expect(diff.map((c) => `${c.kind} ${c.route}`)).toEqual([
      "changed /v0.1/servers",
      "changed /v0.1/servers/io.github.alice%2Fweather/versions",
      "changed /v0.1/servers/io.github.alice%2Fweather/versions/1.0.0",
      "added /v0.1/servers/io.github.alice%2Fweather/versions/1.1.0",
      "changed /v0.1/servers/io.github.alice%2Fweather/versions/latest",
    ]);
    const byRoute = new Map(diff.map((c) => [c.route, c]));
    // The list is matched by name@version: one item out, one item in, the other server untouched.
    expect(byRoute.get("/v0.1/servers")?.changes?.map((c) => [c.op, c.at])).toEqual([
      ["remove", "servers[io.github.alice/weather@1.0.0]"],
      ["add", "servers[io.github.alice/weather@1.1.0]"],
    ]);
    // Whole server responses are too long to quote: their size stands in.
    expect(byRoute.get("/v0.1/servers")?.changes?.[1]).toEqual({
      at: "servers[io.github.alice/weather@1.1.0]",
      op: "add",
      bytes: expect.any(Number),
    });
    expect(byRoute.get("/v0.1/servers/io.github.alice%2Fweather/versions/1.0.0")?.changes).toEqual([
      { at: '_meta["io.modelcontextprotocol.registry/official"].isLatest', op: "replace", before: true, after: false },
    ]);
    expect(byRoute.get("/v0.1/servers/io.github.alice%2Fweather/versions/latest")?.changes).toContainEqual({
      at: "server.version",
      op: "replace",
      before: "1.0.0",
      after: "1.1.0",
    });
    expect(summarizeApiDiff(diff)).toEqual({ added: 1, changed: 4, removed: 0 });
  });

  it("deleting the only version of a server removes its versions list and latest", async () => {
    const base = await built({ ...versionFile(A, "1.0.0"), ...versionFile(B, "0.1.0") });
    const head = await built({
      ...versionFile(A, "1.0.0"),
      ...versionFile(B, "0.1.0"),
      [`servers/${B}/0.1.0/status.yaml`]: "status: deleted\nstatusMessage: malware\n",
    });
    const diff = diffApiTrees(base, head);
    expect(diff.filter((c) => c.kind === "removed").map((c) => c.route)).toEqual([
      "/v0.1/servers/io.github.bob%2Ftides/versions",
      "/v0.1/servers/io.github.bob%2Ftides/versions/latest",
    ]);
    const version = diff.find((c) => c.route.endsWith("tides/versions/0.1.0"));
    expect(version?.changes).toContainEqual({
      at: '_meta["io.modelcontextprotocol.registry/official"].status',
      op: "replace",
      before: "active",
      after: "deleted",
    });
    expect(version?.changes).toContainEqual({
      at: '_meta["io.modelcontextprotocol.registry/official"].statusMessage',
      op: "add",
      after: "malware",
    });
  });

  it("compares another prefix when asked, and caps long change lists", async () => {
    const base = new Map([
      ["v0/servers/a.b/c/versions/1", JSON.stringify({ list: Array.from({ length: 30 }, (_, i) => i) })],
    ]);
    const head = new Map([
      ["v0/servers/a.b/c/versions/1", JSON.stringify({ list: Array.from({ length: 30 }, (_, i) => i + 1) })],
    ]);
    const [change] = diffApiTrees(base, head, { prefix: "v0", maxChanges: 5 });
    expect(change?.changes).toHaveLength(5);
    expect(change?.truncated).toBe(25);
    expect(diffApiTrees(base, head)).toEqual([]); // nothing under v0.1
  });

  it("shortens long values and survives bodies that are not JSON", () => {
    const long = "x".repeat(500);
    const [c] = diffApiTrees(
      new Map([["v0.1/servers", JSON.stringify({ d: "a" })]]),
      new Map([["v0.1/servers", JSON.stringify({ d: long })]]),
      { maxStringLength: 10 },
    );
    expect(c?.changes).toEqual([{ at: "d", op: "replace", before: "a", after: "xxxxxxxxx…" }]);
    const [raw] = diffApiTrees(
      new Map([["v0.1/servers", "not json"]]),
      new Map([["v0.1/servers", new TextEncoder().encode("{}")]]),
    );
    expect(raw?.changes?.[0]?.at).toBe("(body)");
  });
});
