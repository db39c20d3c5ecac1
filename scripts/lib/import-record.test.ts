import { afterEach, describe, expect, it } from "vitest";
import { createTempRepo, type TempRepo } from "../test/temp-git.ts";
import { loadTree, type TreeReader } from "./load.ts";
import { CURRENT_SCHEMA_URL, OFFICIAL_META_KEY } from "./model.ts";
import { buildRegistry } from "./pipeline.ts";
import {
  formatImportYaml,
  mergeImportedTimes,
  normalizeTime,
  parseImportYaml,
  type ImportInfo,
} from "./import-record.ts";

const info: ImportInfo = {
  source: "https://registry.example",
  publishedAt: "2025-01-02T03:04:05.123456Z",
  updatedAt: "2025-02-01T00:00:00Z",
  statusChangedAt: "2025-01-02T03:04:05.123456Z",
};
const serverJson = (name: string, version: string) =>
  JSON.stringify({ $schema: CURRENT_SCHEMA_URL, name, description: "A test server.", version }, null, 2) + "\n";

function memoryReader(files: Record<string, string>): TreeReader {
  const dirs = new Set<string>();
  for (const p of Object.keys(files))
    for (let i = p.indexOf("/"); i !== -1; i = p.indexOf("/", i + 1)) dirs.add(p.slice(0, i));
  return {
    displayRoot: "servers",
    items: () => [
      ...[...dirs].map((p) => ({ path: p, type: "directory" as const, size: 0 })),
      ...Object.entries(files).map(([p, b]) => ({ path: p, type: "file" as const, size: Buffer.byteLength(b) })),
    ],
    read: (p) => Buffer.from(files[p]!),
  };
}

describe("import.yaml", () => {
  it("round-trips through format and parse", () => {
    const text = formatImportYaml({ ...info, upgradedFrom: "2025-09-29", changes: ["set $schema"] });
    const parsed = parseImportYaml(text, "x/import.yaml");
    expect(parsed).toEqual({ kind: "ok", info: { ...info, upgradedFrom: "2025-09-29", changes: ["set $schema"] } });
  });

  it.each([
    [
      "bad time",
      "source: x\npublishedAt: yesterday\nupdatedAt: 2025-01-01T00:00:00Z\nstatusChangedAt: 2025-01-01T00:00:00Z\n",
    ],
    [
      "unknown key",
      "source: x\npublishedAt: 2025-01-01T00:00:00Z\nupdatedAt: 2025-01-01T00:00:00Z\nstatusChangedAt: 2025-01-01T00:00:00Z\nisLatest: true\n",
    ],
    [
      "missing source",
      "publishedAt: 2025-01-01T00:00:00Z\nupdatedAt: 2025-01-01T00:00:00Z\nstatusChangedAt: 2025-01-01T00:00:00Z\n",
    ],
    ["not a mapping", "- a\n"],
  ])("rejects %s with import/invalid", (_, text) => {
    const parsed = parseImportYaml(text, "x/import.yaml");
    expect(parsed.kind).toBe("invalid");
    expect(parsed.kind === "invalid" ? parsed.diagnostics.map((d) => d.code) : parsed).toEqual(["import/invalid"]);
  });

  it("normalizes upstream times to UTC", () => {
    expect(normalizeTime("2025-10-23T11:57:18.059123Z")).toBe("2025-10-23T11:57:18.059123Z");
    expect(normalizeTime("2025-10-23T13:57:18+02:00")).toBe("2025-10-23T11:57:18Z");
    expect(normalizeTime("2025-10-23")).toBeUndefined();
    expect(normalizeTime(42)).toBeUndefined();
  });

  it("prefers upstream times unless git saw a later change", () => {
    const git = {
      publishedAt: "2026-01-01T00:00:00Z",
      updatedAt: "2026-01-01T00:00:00Z",
      statusChangedAt: "2026-01-01T00:00:00Z",
      importedAt: "2026-01-01T00:00:00Z",
    };
    expect(mergeImportedTimes(git, info)).toEqual({
      publishedAt: info.publishedAt,
      updatedAt: info.updatedAt,
      statusChangedAt: info.statusChangedAt,
    });
    const later = { ...git, updatedAt: "2026-02-01T00:00:00Z", statusChangedAt: "2026-02-01T00:00:00Z" };
    expect(mergeImportedTimes(later, info)).toEqual({
      publishedAt: info.publishedAt,
      updatedAt: "2026-02-01T00:00:00Z",
      statusChangedAt: "2026-02-01T00:00:00Z",
    });
    expect(mergeImportedTimes(git, undefined)).toBe(git);
  });

  it("is loaded beside server.json; a broken one is an error", () => {
    const ok = loadTree(
      memoryReader({
        "io.github.aa/bb/1.0.0/server.json": serverJson("io.github.aa/bb", "1.0.0"),
        "io.github.aa/bb/1.0.0/import.yaml": formatImportYaml(info),
      }),
    );
    expect(ok.diagnostics).toEqual([]);
    expect(ok.versions[0]?.imported).toEqual(info);
    const bad = loadTree(
      memoryReader({
        "io.github.aa/bb/1.0.0/server.json": serverJson("io.github.aa/bb", "1.0.0"),
        "io.github.aa/bb/1.0.0/import.yaml": "source: x\n",
      }),
    );
    // Every problem at once, as for server.json: the three missing times.
    expect(bad.diagnostics.map((d) => [d.code, d.message])).toEqual(
      ["publishedAt", "updatedAt", "statusChangedAt"].map((key) => [
        "import/invalid",
        expect.stringContaining(`required property "${key}" is missing.`),
      ]),
    );
  });
});

describe("built times of imported versions", () => {
  let repo: TempRepo | undefined;
  afterEach(() => repo?.remove());

  it("show upstream times, and git's for changes made after the import", async () => {
    repo = createTempRepo();
    const dir = "servers/io.github.aa/bb/1.0.0";
    repo.write({
      [`${dir}/server.json`]: serverJson("io.github.aa/bb", "1.0.0"),
      [`${dir}/import.yaml`]: formatImportYaml(info),
      "servers/io.github.aa/cc/2.0.0/server.json": serverJson("io.github.aa/cc", "2.0.0"),
    });
    repo.commit("import", 1_800_000_000);
    const meta = async (name: string, version: string) => {
      const outcome = await buildRegistry({ serversDir: "servers", cwd: repo!.dir });
      if (outcome.kind !== "built") throw new Error(JSON.stringify(outcome.diagnostics));
      return outcome.model.versions.find((v) => v.name === name && v.version === version)!.official;
    };
    expect(await meta("io.github.aa/bb", "1.0.0")).toMatchObject({
      publishedAt: info.publishedAt,
      updatedAt: info.updatedAt,
      statusChangedAt: info.statusChangedAt,
    });
    expect(await meta("io.github.aa/cc", "2.0.0")).toMatchObject({
      publishedAt: "2027-01-15T08:00:00Z",
      updatedAt: "2027-01-15T08:00:00Z",
    });
    repo.write({ [`${dir}/status.yaml`]: "status: deprecated\nstatusMessage: old\n" });
    repo.commit("deprecate", 1_800_000_100);
    expect(await meta("io.github.aa/bb", "1.0.0")).toMatchObject({
      status: "deprecated",
      publishedAt: info.publishedAt,
      updatedAt: "2027-01-15T08:01:40Z",
      statusChangedAt: "2027-01-15T08:01:40Z",
    });
    expect(OFFICIAL_META_KEY).toContain("official");
  });
});
