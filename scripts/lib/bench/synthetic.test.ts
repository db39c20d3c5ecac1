import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildRegistry, checkTree } from "../pipeline.ts";
import { PACKAGE_TYPES, planSyntheticTree, prng, writeSyntheticTree } from "./synthetic.ts";
import { isSemanticVersion } from "../versions.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "synthetic-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("synthetic tree", () => {
  it("is deterministic for a seed and differs for another seed", () => {
    const a = planSyntheticTree({ versions: 300, servers: 60, seed: 7 });
    const b = planSyntheticTree({ versions: 300, servers: 60, seed: 7 });
    const c = planSyntheticTree({ versions: 300, servers: 60, seed: 8 });
    expect(a.files).toEqual(b.files);
    expect(a.statusFiles).toEqual(b.statusFiles);
    expect(c.files).not.toEqual(a.files);
    expect(prng(1)()).toBe(prng(1)());
  });

  it("has the requested counts, every package type, remotes, realistic sizes and mixed versions", () => {
    const { files, statusFiles, stats } = planSyntheticTree({ versions: 2000, servers: 400 });
    expect(files).toHaveLength(2000);
    expect(stats.versions).toBe(2000);
    expect(new Set(files.map((f) => f.rel.split("/").slice(0, 2).join("/"))).size).toBe(400);
    for (const t of PACKAGE_TYPES) expect(stats.byType[t] ?? 0).toBeGreaterThan(0);
    expect(files.some((f) => f.body.includes('"remotes"'))).toBe(true);
    const sizes = files.map((f) => Buffer.byteLength(f.body)).sort((x, y) => x - y);
    expect(sizes[Math.floor(sizes.length / 2)]!).toBeGreaterThan(900);
    expect(sizes[sizes.length - 1]!).toBeLessThan(4096);
    const versions = files.map((f) => f.rel.split("/")[2]!);
    expect(versions.some((v) => !isSemanticVersion(v))).toBe(true);
    expect(versions.some((v) => v.includes("-beta."))).toBe(true);
    expect(versions.some((v) => v.includes("+build."))).toBe(true);
    expect(stats.deprecated).toBeGreaterThan(0);
    expect(stats.deleted).toBeGreaterThan(0);
    expect(statusFiles).toHaveLength(stats.deprecated + stats.deleted);
  });

  it("passes the validator with no error or warning, in git with a few commits", async () => {
    const dir = path.join(tmp, "git");
    const stats = writeSyntheticTree(dir, { versions: 600, servers: 120, commits: 3 });
    expect(stats.files).toBe(600 + stats.deprecated + stats.deleted);
    const { loaded, diagnostics } = checkTree(stats.serversDir, tmp);
    expect(diagnostics).toEqual([]);
    expect(loaded.versions).toHaveLength(600);
    const outcome = await buildRegistry({ serversDir: stats.serversDir, cwd: tmp });
    expect(outcome.kind).toBe("built");
    if (outcome.kind !== "built") return;
    expect(outcome.notes).toEqual([]);
    // The history is real: three commits a day apart, so publishedAt takes three values.
    expect(new Set(outcome.model.versions.map((v) => v.official.publishedAt)).size).toBe(3);
    expect(outcome.model.versions.filter((v) => v.official.status === "deleted")).toHaveLength(stats.deleted);
  });

  it("the pull-request version it offers is valid beside the tree", () => {
    const dir = path.join(tmp, "pr");
    const stats = writeSyntheticTree(dir, { versions: 50, servers: 10 });
    const file = path.join(stats.serversDir, stats.extra.rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, stats.extra.body);
    expect(checkTree(stats.serversDir, tmp).diagnostics).toEqual([]);
  });
});
