import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { A, applyStep, B, registryRepo } from "../../test/registry-history.ts";
import type { TempRepo } from "../../test/temp-git.ts";
import { buildBundle, BUNDLE_PATH } from "./bundle.ts";
import {
  buildFeed,
  buildFeedFiles,
  FEED_INDEX,
  feedIndexProblem,
  parseSegment,
  readFeedHistory,
  servedSha,
  sha256Hex,
  type FeedIndex,
} from "./feed.ts";
import { buildRegistry } from "../pipeline.ts";

let repo: TempRepo | undefined;
afterEach(() => repo?.remove());

async function build(r: TempRepo) {
  const outcome = await buildRegistry({ serversDir: "servers", cwd: r.dir });
  if (outcome.kind !== "built") throw new Error(JSON.stringify(outcome.diagnostics));
  const feed = buildFeed(readFeedHistory(path.join(r.dir, "servers")), outcome.model);
  return { ...outcome, feed };
}

describe("change feed", () => {
  it("records publish, latest-moved and status changes (deprecate, delete, restore) in order", async () => {
    repo = registryRepo();
    const { feed, model, tree } = await build(repo);
    expect(feed.entries.map((e) => [e.seq, e.op, e.name === A ? "A" : "B", e.version, e.status, e.isLatest])).toEqual([
      [1, "publish", "A", "1.0.0", "active", true],
      [2, "latest-moved", "A", "1.0.0", "active", false],
      [3, "publish", "A", "1.1.0", "active", true],
      [4, "publish", "B", "0.1.0", "active", true],
      [5, "status", "A", "1.1.0", "deprecated", true],
      [6, "latest-moved", "A", "1.0.0", "active", true],
      [7, "status", "A", "1.1.0", "deleted", false],
      [8, "latest-moved", "A", "1.0.0", "active", false],
      [9, "status", "A", "1.1.0", "active", true],
    ]);
    expect(feed.entries[0]!.time).toBe("2025-06-15T16:06:40Z");
    // The newest entry of every version hashes exactly the file served now.
    expect(feed.mismatches).toEqual([]);
    for (const r of model.versions) {
      const last = feed.entries.filter((e) => e.name === r.name && e.version === r.version).at(-1)!;
      expect(last.sha256).toBe(sha256Hex(tree.get(`v0.1/servers/${r.name}/versions/${r.version}.json`)!));
      expect(last.sha256).toBe(servedSha(r));
    }
  });

  it("only appends: a new commit keeps every earlier entry and closed segment byte-identical", async () => {
    repo = registryRepo(3);
    const before = await build(repo);
    const filesBefore = buildFeedFiles(before.feed.entries, before.model, 2);
    applyStep(repo, 3);
    const after = await build(repo);
    expect(after.feed.entries.slice(0, before.feed.entries.length)).toEqual(before.feed.entries);
    expect(after.feed.entries.length).toBeGreaterThan(before.feed.entries.length);
    const filesAfter = buildFeedFiles(after.feed.entries, after.model, 2);
    const index = JSON.parse(filesAfter.get(FEED_INDEX)!) as FeedIndex;
    const indexBefore = JSON.parse(filesBefore.get(FEED_INDEX)!) as FeedIndex;
    const closed = indexBefore.segments.filter((seg) => seg.entries === 2);
    expect(closed.length).toBeGreaterThan(0);
    expect(index.segments.slice(0, closed.length)).toEqual(closed);
    for (const s of indexBefore.segments.filter((s) => s.entries === 2))
      expect(filesAfter.get(s.path)).toBe(filesBefore.get(s.path));
    for (const s of index.segments) expect(sha256Hex(filesAfter.get(s.path)!)).toBe(s.sha256);
    expect(index.lastSeq).toBe(after.feed.entries.length);
  });

  it("is contiguous by construction: the build's feed index and segments pass the mirror's checks, a gap or overlap does not", async () => {
    repo = registryRepo();
    const { feed, model } = await build(repo);
    const files = buildFeedFiles(feed.entries, model, 4);
    const index = JSON.parse(files.get(FEED_INDEX)!) as FeedIndex;
    expect(feedIndexProblem(index, feed.entries.length)).toBeUndefined();
    for (const seg of index.segments)
      expect(parseSegment(files.get(seg.path)!, seg)).toMatchObject({
        kind: "ok",
        entries: feed.entries.slice(seg.firstSeq - 1, seg.lastSeq),
      });
    expect(feedIndexProblem(index, feed.entries.length + 1)).toMatchObject({ code: "feed/range" });
    const shifted = (k: number, by: number): FeedIndex => ({
      ...index,
      segments: index.segments.map((s, i) =>
        i === k ? { ...s, firstSeq: s.firstSeq + by, lastSeq: s.lastSeq + by } : s,
      ),
    });
    expect(feedIndexProblem(shifted(1, 1))).toMatchObject({ code: "feed/gap" });
    expect(feedIndexProblem(shifted(1, -1))).toMatchObject({ code: "feed/overlap" });
    const first = index.segments[0]!;
    const lines = files.get(first.path)!.split("\n");
    expect(parseSegment([lines[0], ...lines.slice(2)].join("\n"), first)).toMatchObject({
      kind: "bad",
      problem: { code: "feed/gap" },
    });
    expect(parseSegment([lines[0], lines[0], ...lines.slice(1)].join("\n"), first)).toMatchObject({
      kind: "bad",
      problem: { code: "feed/overlap" },
    });
    expect(parseSegment(lines.slice(0, 2).join("\n") + "\n", first)).toMatchObject({
      kind: "bad",
      problem: { code: "feed/short-segment" },
    });
    expect(() => buildFeedFiles([feed.entries[1]!], model, 4)).toThrow(/internal: feed entry 1 has seq 2/);
  });

  it("reports versions whose served document is not in the committed history", async () => {
    repo = registryRepo(1);
    repo.write({
      [`servers/${B}/9.0.0/server.json`]: JSON.stringify({
        $schema: "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
        name: B,
        description: "x",
        version: "9.0.0",
      }),
    });
    const { feed } = await build(repo);
    expect(feed.mismatches).toEqual([`${B}@9.0.0`]);
  });
});

describe("bundle", () => {
  it("is deterministic, gzip with mtime 0, a header line and one served document per version", async () => {
    repo = registryRepo();
    const { model, tree, feed } = await build(repo);
    const one = buildBundle(model, feed.entries.length);
    const two = buildBundle(model, feed.entries.length);
    expect(Buffer.from(one.gz).equals(Buffer.from(two.gz))).toBe(true);
    expect(Buffer.from(one.gz).readUInt32LE(4)).toBe(0);
    const lines = gunzipSync(one.gz).toString("utf8").trimEnd().split("\n");
    expect(JSON.parse(lines[0]!)).toMatchObject({
      bundle: { format: "mcp-static-registry-bundle/1", feedLastSeq: 9, versions: 3 },
    });
    expect(lines.slice(1)).toEqual(
      model.versions.map((r) => tree.get(`v0.1/servers/${r.name}/versions/${r.version}.json`)),
    );
    expect(one.sha256).toBe(sha256Hex(one.gz));
    expect(BUNDLE_PATH).toMatch(/^v0\.1\/x\//);
  });
});
