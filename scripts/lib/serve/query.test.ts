// The pure parts of the query semantics: Go's RFC 3339 parsing, Huma's parameter parsing and the cursor.
// The HTTP behaviour is tested in serve.test.ts.

import { describe, expect, it } from "vitest";
import { bodyText, createQueryIndex, listServers, parseInstant, parseListQuery, type ListQuery } from "./query.ts";
import { compareCodeUnits, documentJson, serverOf, type RegistryModel, type VersionRecord } from "../model.ts";
import { gitBlobId } from "../git-blob.ts";

describe("parseInstant (Go time.Parse with time.RFC3339)", () => {
  it.each([
    ["2025-08-07T13:15:04Z", Date.UTC(2025, 7, 7, 13, 15, 4), 0],
    ["2025-08-07T13:15:04.280Z", Date.UTC(2025, 7, 7, 13, 15, 4, 280), 0],
    ["2025-08-07T13:15:04.123456789Z", Date.UTC(2025, 7, 7, 13, 15, 4, 123), 456789],
    ["2025-08-07T15:15:04+02:00", Date.UTC(2025, 7, 7, 13, 15, 4), 0],
    ["2025-08-07T03:15:04-10:00", Date.UTC(2025, 7, 7, 13, 15, 4), 0],
    ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29), 0],
    ["2025-08-07T3:15:04Z", Date.UTC(2025, 7, 7, 3, 15, 4), 0], // Go's hour field takes one digit
  ])("accepts %s", (s, ms, nanos) => {
    expect(parseInstant(s)).toEqual({ ms, nanos });
  });

  it.each([
    "",
    "2025-08-07",
    "2025-08-07T13:15:04",
    "2025-08-07t13:15:04Z",
    "2025-08-07T13:15:04z",
    "2025-08-07 13:15:04Z",
    "2025-02-29T00:00:00Z",
    "2025-04-31T00:00:00Z",
    "2025-00-10T00:00:00Z",
    "2025-08-07T24:00:00Z",
    "2025-08-07T13:60:00Z",
    "2025-08-07T13:15:60Z",
    "2025-08-07T13:15:04+2:00",
    "2025-08-07T13:15:04+24:00",
    "25-08-07T13:15:04Z",
    "2025-08-07T13:15:04.Z",
  ])("rejects %j", (s) => {
    expect(parseInstant(s)).toBeNull();
  });
});

describe("parseListQuery (Huma parameters)", () => {
  const parse = (q: string) => parseListQuery(new URLSearchParams(q));

  it("defaults: limit 30, deleted hidden, no filters; empty values count as absent", () => {
    expect(parse("")).toEqual({ kind: "ok", query: { limit: 30, includeDeleted: false } });
    expect(parse("limit=&cursor=&search=&version=&updated_since=&include_deleted=")).toEqual({
      kind: "ok",
      query: { limit: 30, includeDeleted: false },
    });
    expect(parse("limit=5&limit=7")).toMatchObject({ kind: "ok", query: { limit: 5 } }); // first value wins, like Go's Get
  });

  it("collects every parameter error into one 422, before the handler's 400s", () => {
    const r = parse("limit=x&include_deleted=y&updated_since=bad");
    expect(r.kind).toBe("problem");
    if (r.kind !== "problem") return;
    expect(r.response.status).toBe(422);
    expect(JSON.parse(bodyText(r.response))).toEqual({
      title: "Unprocessable Entity",
      status: 422,
      detail: "validation failed",
      errors: [
        { message: "invalid integer", location: "query.limit", value: "x" },
        { message: "invalid boolean", location: "query.include_deleted", value: "y" },
      ],
    });
  });

  it("forces include_deleted with updated_since, refuses an explicit false", () => {
    expect(parse("updated_since=2025-01-01T00:00:00Z")).toMatchObject({ kind: "ok", query: { includeDeleted: true } });
    expect(parse("updated_since=2025-01-01T00:00:00Z&include_deleted=True")).toMatchObject({
      kind: "ok",
      query: { includeDeleted: true },
    });
    const r = parse("updated_since=2025-01-01T00:00:00Z&include_deleted=0");
    expect(r.kind === "problem" && r.response.status).toBe(400);
  });
});

describe("listServers over a model", () => {
  const record = (name: string, version: string, extra: Partial<VersionRecord["official"]> = {}): VersionRecord => ({
    name,
    version,
    file: `servers/${name}/${version}/server.json`,
    json: documentJson({ name, version, description: "d" }),
    blob: gitBlobId(new Uint8Array()),
    official: {
      status: "active",
      statusChangedAt: "2025-01-01T00:00:00Z",
      publishedAt: "2025-01-01T00:00:00Z",
      updatedAt: "2025-01-01T00:00:00Z",
      isLatest: false,
      ...extra,
    },
  });
  const versions = [
    record("a.b/x", "1.0.0"),
    record("a.b/x", "1.0.0+b"),
    record("a.b/x", "10.0.0", { isLatest: true }),
    record("a.b/x", "9.0.0"),
    record("a.b/y", "1", { status: "deleted", isLatest: true }),
    record("a.b/z", "2", { isLatest: true }),
  ];
  const model: RegistryModel = {
    versions: [...versions].reverse(),
    info: { gitCommit: null, generatedAt: "2025-01-01T00:00:00Z", serial: 1 },
  };
  const index = createQueryIndex(model);
  const run = (q: Partial<ListQuery>) =>
    JSON.parse(bodyText(listServers(index, { limit: 30, includeDeleted: false, ...q }))) as {
      servers: { server: { name: string; version: string } }[];
      metadata: unknown;
    };
  const keys = (q: Partial<ListQuery>) => run(q).servers.map((s) => `${s.server.name}:${s.server.version}`);

  it("sorts by code units whatever the model order, and binary-searches the cursor", () => {
    expect(keys({})).toEqual(["a.b/x:1.0.0", "a.b/x:1.0.0+b", "a.b/x:10.0.0", "a.b/x:9.0.0", "a.b/z:2"]);
    expect([...keys({})].sort(compareCodeUnits)).toEqual(keys({}));
    expect(keys({ cursor: "a.b/x:1.0.0" })).toEqual(["a.b/x:1.0.0+b", "a.b/x:10.0.0", "a.b/x:9.0.0", "a.b/z:2"]);
    expect(keys({ cursor: "a.b/x:2" })).toEqual(["a.b/x:9.0.0", "a.b/z:2"]);
    expect(keys({ cursor: "a.b/x" })).toEqual(["a.b/z:2"]);
    expect(keys({ cursor: "a.b/x:" })).toEqual([
      "a.b/x:1.0.0",
      "a.b/x:1.0.0+b",
      "a.b/x:10.0.0",
      "a.b/x:9.0.0",
      "a.b/z:2",
    ]);
    expect(keys({ cursor: "a.b/y:0", includeDeleted: true })).toEqual(["a.b/y:1", "a.b/z:2"]);
  });

  it("searches names from the cursor on, inside a name's run of versions too", () => {
    expect(keys({ search: "B/X" })).toEqual(["a.b/x:1.0.0", "a.b/x:1.0.0+b", "a.b/x:10.0.0", "a.b/x:9.0.0"]);
    expect(keys({ search: "x", cursor: "a.b/x:1.0.0+b" })).toEqual(["a.b/x:10.0.0", "a.b/x:9.0.0"]);
    expect(keys({ search: "a.b", cursor: "a.b/x:9.0.0", includeDeleted: true })).toEqual(["a.b/y:1", "a.b/z:2"]);
    expect(keys({ search: "a.b", version: "1.0.0" })).toEqual(["a.b/x:1.0.0"]);
  });

  it("builds a page from slices of the prebuilt store, byte-identical to serializing it", () => {
    const r = listServers(index, { limit: 30, includeDeleted: false });
    const expected = {
      servers: versions
        .filter((v) => v.official.status !== "deleted")
        .sort((a, b) => compareCodeUnits(a.version, b.version) || 0)
        .map((v) => ({
          server: serverOf(v),
          _meta: {
            "io.modelcontextprotocol.registry/official": v.official,
            "io.github.mcp-static-registry/registry": {
              receipt: `v0.1/x/io.github.mcp-static-registry/receipts/${v.name}/${v.version}.json`,
            },
          },
        })),
      metadata: { count: 5 },
    };
    expected.servers.sort(
      (a, b) => compareCodeUnits(a.server.name, b.server.name) || compareCodeUnits(a.server.version, b.server.version),
    );
    expect(bodyText(r)).toBe(JSON.stringify(expected));
    expect(r.body.length).toBe(5); // head, x's four versions, comma, z (the deleted y between them is skipped), tail
    expect(
      listServers(index, { limit: 30, includeDeleted: false, search: "x", cursor: "a.b/x:1.0.0" }).body.length,
    ).toBe(3);
  });

  it("filters updated_since the same way whether few or many versions match", () => {
    const times = [
      "2025-01-01T00:00:01Z",
      "2025-01-01T00:00:05Z",
      "2025-01-01T00:00:03Z",
      "2025-01-01T00:00:04Z",
      "2025-01-01T00:00:02.5Z",
    ];
    const many = Array.from({ length: 40 }, (_, i) =>
      record(`c.d/s${String(i).padStart(2, "0")}`, "1.0.0", {
        updatedAt: i % 10 === 3 ? "2025-01-01T00:00:09Z" : times[i % times.length]!,
        isLatest: true,
      }),
    );
    const idx = createQueryIndex({ versions: many, info: model.info });
    const names = (q: Partial<ListQuery>) =>
      (
        JSON.parse(bodyText(listServers(idx, { limit: 100, includeDeleted: true, ...q }))) as {
          servers: { server: { name: string } }[];
        }
      ).servers.map((s) => s.server.name);
    const expected = (t: string) =>
      many.filter((r) => Date.parse(r.official.updatedAt) > Date.parse(t)).map((r) => r.name);
    expect(expected("2025-01-01T00:00:08Z")).toHaveLength(4); // ≤ 1/8 of the pool: the updatedAt-index path
    for (const t of [
      "2025-01-01T00:00:00Z",
      "2025-01-01T00:00:02Z",
      "2025-01-01T00:00:02.5Z",
      "2025-01-01T00:00:04Z",
      "2025-01-01T00:00:05Z",
      "2025-01-01T00:00:08.999999999Z",
      "2025-01-01T00:00:09Z",
    ]) {
      const since = parseInstant(t)!;
      expect(names({ updatedSince: since }), t).toEqual(expected(t));
      expect(names({ updatedSince: since, cursor: "c.d/s20", limit: 3 }), t).toEqual(
        expected(t)
          .filter((n) => n > "c.d/s20")
          .slice(0, 3),
      );
      expect(names({ updatedSince: since, search: "S1" }), t).toEqual(expected(t).filter((n) => n.includes("s1")));
      expect(names({ updatedSince: since, version: "2.0.0" }), t).toEqual([]);
    }
  });

  it("emits nextCursor exactly when the page is full", () => {
    expect(run({ limit: 2 }).metadata).toEqual({ nextCursor: "a.b/x:1.0.0+b", count: 2 });
    expect(run({ limit: 5 }).metadata).toEqual({ nextCursor: "a.b/z:2", count: 5 });
    expect(run({ limit: 6 }).metadata).toEqual({ count: 5 });
    expect(run({ limit: 2, version: "latest" }).metadata).toEqual({ nextCursor: "a.b/z:2", count: 2 });
  });
});
