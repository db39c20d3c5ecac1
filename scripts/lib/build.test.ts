import fs from "node:fs";
import path from "node:path";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { buildApiTree, buildModel } from "./build.ts";
import type { History, VersionTimes } from "./git-history.ts";
import { fsTreeReader, loadTree } from "./load.ts";
import { buildRegistry } from "./pipeline.ts";
import type { RegistryModel, ServerResponse } from "./model.ts";
import { REFERENCE, makeTree, serverJson, versionFile } from "../test/temp-tree.ts";
import { createTempRepo } from "../test/temp-git.ts";

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

/** A history with chosen publish times per version folder. */
function fakeHistory(published: Record<string, string> = {}): History {
  return {
    info: { gitCommit: "0123456789abcdef0123456789abcdef01234567", generatedAt: "2025-12-01T00:00:00Z", serial: 7 },
    notes: [],
    commits: [],
    readBlobs: () => new Map(),
    timesOf(dir): VersionTimes {
      const t = published[dir] ?? "2025-01-01T00:00:00Z";
      return { publishedAt: t, updatedAt: t, statusChangedAt: t };
    },
  };
}

function modelOf(files: Record<string, string | object>, published: Record<string, string> = {}): RegistryModel {
  const dir = makeTree(files);
  const loaded = loadTree(fsTreeReader(path.join(dir, "servers"), "servers"));
  expect(loaded.diagnostics).toEqual([]);
  return buildModel(loaded.versions, fakeHistory(published));
}

const body = (tree: Map<string, string | Uint8Array>, p: string) => {
  const b = tree.get(p);
  if (b === undefined) throw new Error(`no file ${p}`);
  return JSON.parse(b.toString()) as {
    servers: ServerResponse[];
    metadata: { count: number; nextCursor?: string };
  } & ServerResponse;
};
const official = (r: ServerResponse) => r._meta["io.modelcontextprotocol.registry/official"];
const latestOf = (model: RegistryModel, name: string) =>
  model.versions.filter((v) => v.name === name && v.official.isLatest).map((v) => v.version);

describe("isLatest (upstream code rules)", () => {
  const versions = (list: string[], extra: Record<string, string> = {}) =>
    Object.assign({}, ...list.map((v) => versionFile("io.github.user/srv", v)), extra) as Record<string, object>;

  it.each([
    [["1.0.0", "1.0.2", "1.1.0-beta.1"], "1.1.0-beta.1"],
    [["1.0.0", "2.0.0-rc.1", "1.9.9"], "2.0.0-rc.1"],
    [["1.2.3", "1.2.3-1"], "1.2.3"],
    [["2025.06.18", "1.0.0"], "1.0.0"], // semver beats non-semver, whatever the dates
    [["v1.0", "1.0.0"], "1.0.0"],
  ])("%j → %s", (list, latest) => {
    expect(latestOf(modelOf(versions(list)), "io.github.user/srv")).toEqual([latest]);
  });

  it("between non-semver versions, the later publish wins", () => {
    const m = modelOf(versions(["2025.06.18", "2025.01.02"]), {
      "io.github.user/srv/2025.06.18": "2025-01-01T00:00:00Z",
      "io.github.user/srv/2025.01.02": "2025-02-01T00:00:00Z",
    });
    expect(latestOf(m, "io.github.user/srv")).toEqual(["2025.01.02"]);
  });

  it("build metadata ties: the earlier publish stays latest", () => {
    const m = modelOf(versions(["1.0.0+b", "1.0.0+a"]), {
      "io.github.user/srv/1.0.0+b": "2025-01-01T00:00:00Z",
      "io.github.user/srv/1.0.0+a": "2025-02-01T00:00:00Z",
    });
    expect(latestOf(m, "io.github.user/srv")).toEqual(["1.0.0+b"]);
  });

  it("skips deleted versions; a deprecated one can be latest", () => {
    const m = modelOf(
      versions(["1.0.0", "2.0.0", "1.5.0"], {
        "servers/io.github.user/srv/2.0.0/status.yaml": "status: deleted\n",
        "servers/io.github.user/srv/1.5.0/status.yaml": "status: deprecated\n",
      }),
    );
    expect(latestOf(m, "io.github.user/srv")).toEqual(["1.5.0"]);
  });

  it("when every version is deleted, the highest deleted one keeps the flag", () => {
    const m = modelOf(
      versions(["1.0.0", "2.0.0"], {
        "servers/io.github.user/srv/1.0.0/status.yaml": "status: deleted\n",
        "servers/io.github.user/srv/2.0.0/status.yaml": "status: deleted\n",
      }),
    );
    expect(latestOf(m, "io.github.user/srv")).toEqual(["2.0.0"]);
  });
});

/** Where a value holds binary data (a Buffer, typed array or ArrayBuffer), as JSON-pointer-like paths. */
function binaryPaths(value: unknown, at = ""): string[] {
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return [at];
  if (typeof value !== "object" || value == null) return [];
  return Object.entries(value).flatMap(([k, v]) => binaryPaths(v, `${at}/${k}`));
}

describe("buildModel's records", () => {
  it("keep each version's git blob id, as git hash-object gives it, and no bytes of the document", () => {
    const repo = createTempRepo();
    try {
      const a =
        JSON.stringify(serverJson("io.github.a/one", "1.0.0", { description: "Ünïcode — and a tab\t" }), null, 2) +
        "\n";
      const b = JSON.stringify(serverJson("io.github.a/one", "1.1.0")).replace(/,/g, ",\r\n");
      repo.write({ "servers/io.github.a/one/1.0.0/server.json": a, "servers/io.github.a/one/1.1.0/server.json": b });
      repo.commit("two versions", 1_750_000_000);
      const loaded = loadTree(fsTreeReader(path.join(repo.dir, "servers"), "servers"));
      expect(loaded.diagnostics).toEqual([]);
      // The loader's versions carry the bytes (validation places findings in them) ...
      expect(binaryPaths(loaded.versions)).toEqual(["/0/bytes", "/1/bytes"]);
      const model = buildModel(loaded.versions, fakeHistory());
      // ... the model's records do not: only the blob id is left of them.
      expect(binaryPaths(model.versions)).toEqual([]);
      const hashObject = (rel: string) => repo.git("hash-object", rel).trim();
      expect(model.versions.map((r) => [r.version, r.blob])).toEqual([
        ["1.0.0", hashObject("servers/io.github.a/one/1.0.0/server.json")],
        ["1.1.0", hashObject("servers/io.github.a/one/1.1.0/server.json")],
      ]);
      expect(model.versions[0]!.blob).not.toBe(model.versions[1]!.blob);
    } finally {
      repo.remove();
    }
  });
});

describe("buildApiTree", () => {
  const files = {
    ...versionFile("io.github.user/alpha", "1.0.0"),
    ...versionFile("io.github.user/alpha", "1.1.0"),
    "servers/io.github.user/alpha/1.1.0/status.yaml": 'status: deprecated\nstatusMessage: "Use 2.0.0"\n',
    ...versionFile("io.github.user/alpha", "2.0.0"),
    "servers/io.github.user/alpha/2.0.0/status.yaml": "status: deleted\nstatusMessage: malware\n",
    ...versionFile("io.github.user/gone", "1.0.0"),
    "servers/io.github.user/gone/1.0.0/status.yaml": "status: deleted\n",
    ...versionFile("com.example/beta", "1.0.0+build.5"),
  };
  const published = {
    "io.github.user/alpha/1.0.0": "2025-01-01T00:00:00Z",
    "io.github.user/alpha/1.1.0": "2025-02-01T00:00:00Z",
    "io.github.user/alpha/2.0.0": "2025-03-01T00:00:00Z",
  };

  it("emits the official paths under /v0 and /v0.1, and .json twins under /v0.1", () => {
    const tree = buildApiTree(modelOf(files, published));
    const routes = [
      "servers.html",
      "servers/index.html",
      "servers/io.github.user/alpha/versions/index.html",
      "servers/io.github.user/alpha/versions/1.0.0",
      "servers/io.github.user/alpha/versions/latest",
      "servers/com.example/beta/versions/1.0.0+build.5",
      "health",
      "ping",
      "version",
    ];
    const twins = [
      "servers.json",
      "servers/io.github.user/alpha/versions.json",
      "servers/io.github.user/alpha/versions/1.0.0.json",
      "servers/io.github.user/alpha/versions/latest.json",
      "health.json",
      "ping.json",
      "version.json",
    ];
    for (const p of routes)
      for (const prefix of ["v0", "v0.1"]) expect(tree.has(`${prefix}/${p}`), `${prefix}/${p}`).toBe(true);
    for (const p of twins) {
      expect(tree.has(`v0.1/${p}`), `v0.1/${p}`).toBe(true);
      expect(tree.has(`v0/${p}`), `v0/${p}`).toBe(false);
    }
    expect(tree.has("v0.1/servers/io.github.user/alpha/versions.html")).toBe(false);
    expect(tree.get("v0/servers.html")).toBe(tree.get("v0.1/servers.json"));
  });

  it("lists the latest non-deleted version of every server, sorted by name, without nextCursor", () => {
    const list = body(buildApiTree(modelOf(files, published)), "v0.1/servers.json");
    expect(list.servers.map((s) => `${s.server.name}@${s.server.version}`)).toEqual([
      "com.example/beta@1.0.0+build.5",
      "io.github.user/alpha@1.1.0",
    ]);
    expect(list.metadata).toEqual({ count: 2 });
    expect(official(list.servers[1]!)).toEqual({
      status: "deprecated",
      statusMessage: "Use 2.0.0",
      statusChangedAt: "2025-02-01T00:00:00Z",
      publishedAt: "2025-02-01T00:00:00Z",
      updatedAt: "2025-02-01T00:00:00Z",
      isLatest: true,
    });
  });

  it("lists a server's non-deleted versions newest publish first, and keeps deleted ones as tombstones", () => {
    const tree = buildApiTree(modelOf(files, published));
    const versions = body(tree, "v0.1/servers/io.github.user/alpha/versions.json");
    expect(versions.servers.map((s) => s.server.version)).toEqual(["1.1.0", "1.0.0"]);
    expect(versions.metadata).toEqual({ count: 2 });
    const tomb = body(tree, "v0.1/servers/io.github.user/alpha/versions/2.0.0");
    expect(official(tomb)).toMatchObject({ status: "deleted", statusMessage: "malware", isLatest: false });
    expect(body(tree, "v0.1/servers/io.github.user/alpha/versions/latest").server.version).toBe("1.1.0");
  });

  it("answers nothing for the lists and latest of a server whose versions are all deleted", () => {
    const tree = buildApiTree(modelOf(files, published));
    expect(tree.has("v0.1/servers/io.github.user/gone/versions.json")).toBe(false);
    expect(tree.has("v0.1/servers/io.github.user/gone/versions/latest")).toBe(false);
    expect(official(body(tree, "v0.1/servers/io.github.user/gone/versions/1.0.0"))).toMatchObject({
      status: "deleted",
      isLatest: true,
    });
  });

  it("serves the document exactly as committed", () => {
    const tree = buildApiTree(modelOf(files, published));
    const doc = JSON.parse(fs.readFileSync(path.join(REFERENCE, "examples/valid/with-remote.json"), "utf8")) as {
      name: string;
      version: string;
    };
    const t2 = buildApiTree(modelOf({ [`servers/${doc.name}/${doc.version}/server.json`]: doc }));
    expect(body(t2, `v0.1/servers/${doc.name}/versions/${doc.version}`).server).toEqual(doc);
    expect(tree.size).toBeGreaterThan(0);
  });

  it("is deterministic: the same input builds byte-identical output", () => {
    const a = buildApiTree(modelOf(files, published));
    const b = buildApiTree(modelOf(files, published));
    expect([...a.entries()]).toEqual([...b.entries()]);
  });
});

describe("the sample tree", () => {
  it("every emitted response validates against the official OpenAPI response schemas", async () => {
    const outcome = await buildRegistry({ serversDir: "servers", cwd: REPO });
    if (outcome.kind !== "built") throw new Error(JSON.stringify(outcome.diagnostics, null, 1));
    const openapi = parseYaml(fs.readFileSync(path.join(REPO, "schemas/registry-openapi.yaml"), "utf8")) as object;
    const ajv = new Ajv2020Module.default({ strict: false, allErrors: true });
    addFormatsModule.default(ajv);
    ajv.addSchema({ ...openapi, $id: "openapi" });
    const list = ajv.getSchema("openapi#/components/schemas/ServerList")!;
    const one = ajv.getSchema("openapi#/components/schemas/ServerResponse")!;
    let checked = 0;
    for (const [p, b] of outcome.tree) {
      if (!/^v0(\.1)?\/servers/.test(p)) continue;
      const isList = /servers(\.json|\.html|\/index\.html)$/.test(p) || /\/versions(\.json|\/index\.html)$/.test(p);
      const validate = isList ? list : one;
      const value = JSON.parse(b.toString()) as unknown;
      expect(validate(value), `${p}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(isList ? (value as { metadata: object }).metadata : {}, p).not.toHaveProperty("nextCursor");
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe("the site's files in the build", () => {
  const tree = () => makeTree({ ...versionFile("io.github.a/one", "1.0.0") });

  it("are put as the site makes them, and sorted with the API's in the in-memory build", async () => {
    const outcome = await buildRegistry({
      serversDir: "servers",
      cwd: tree(),
      extra: async (_model, _history, _pool, put) => {
        put("z/late.txt", "z"); // before the API is emitted
        await new Promise(setImmediate);
        put("a/early.txt", "a"); // while, or after, it is
      },
    });
    if (outcome.kind !== "built") throw new Error(JSON.stringify(outcome.diagnostics));
    const paths = [...outcome.tree.keys()];
    expect(paths).toEqual([...paths].sort());
    expect(outcome.tree.get("a/early.txt")).toBe("a");
    expect(outcome.tree.get("z/late.txt")).toBe("z");
  });

  it("may never be put inside the API's folders", async () => {
    for (const p of ["v0/servers.json", "v0.1/x/file", "v0"]) {
      const build = buildRegistry({
        serversDir: "servers",
        cwd: tree(),
        extra: async (_model, _history, _pool, put) => put(p, "forged"),
      });
      await expect(build).rejects.toThrow(`internal: the site tried to write ${p}, inside the API's folders`);
    }
  });
});
