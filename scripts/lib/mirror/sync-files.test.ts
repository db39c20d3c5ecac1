import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { changesOf } from "../../../site/changes.ts";
import { readHistory, type History } from "../git-history.ts";
import { buildRegistry } from "../pipeline.ts";
import { B, registryRepo, serverJson } from "../../test/registry-history.ts";
import type { TempRepo } from "../../test/temp-git.ts";
import { buildBundle, bundleHeader, bundleWriter, type Bundle } from "./bundle.ts";
import { buildFeed, replayFeed } from "./feed.ts";
import { servedDocument } from "../model.ts";
import { syncFilesFor } from "./sync-files.ts";
import type { RegistryModel } from "../model.ts";

let repo: TempRepo | undefined;
afterEach(() => repo?.remove());

/** The repository's history, counting replays: each replay reads its blobs with one readBlobs call. */
function countingHistory(r: TempRepo): { history: History; replays: () => number } {
  const history = readHistory(path.join(r.dir, "servers"));
  let replays = 0;
  return {
    history: {
      ...history,
      readBlobs: (ids) => {
        replays++;
        return history.readBlobs(ids);
      },
    },
    replays: () => replays,
  };
}

async function builtModel(r: TempRepo): Promise<RegistryModel> {
  const outcome = await buildRegistry({ serversDir: "servers", cwd: r.dir });
  if (outcome.kind !== "built") throw new Error(JSON.stringify(outcome.diagnostics));
  return outcome.model;
}

describe("sync files", () => {
  it("replay the history once per build: the site's changes and the mirror files share it", async () => {
    repo = registryRepo();
    const { history, replays } = countingHistory(repo);
    let siteChanges: unknown;
    const outcome = await buildRegistry({
      serversDir: "servers",
      cwd: repo.dir,
      history,
      outputs: syncFilesFor(path.join(repo.dir, "servers")),
      extra: (model, h) => {
        siteChanges = changesOf(model, h);
        return Promise.resolve();
      },
    });
    if (outcome.kind !== "built") throw new Error(JSON.stringify(outcome.diagnostics));
    expect(replays()).toBe(1);
    expect(replayFeed(history, outcome.model).changes).toEqual(siteChanges);
    expect(replays()).toBe(1);
    expect(outcome.notes.some((n) => n.includes("differ from their last feed entry"))).toBe(false);
    // Another model (another build) is another replay: the memo never hands one build's feed to another.
    replayFeed(history, await builtModel(repo));
    expect(replays()).toBe(2);
  });

  it("check the served documents against the feed and note the versions that are not committed", async () => {
    repo = registryRepo();
    repo.write({
      [`servers/${B}/9.0.0/server.json`]: JSON.stringify({
        $schema: "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
        name: B,
        description: "x",
        version: "9.0.0",
      }),
    });
    const outcome = await buildRegistry({
      serversDir: "servers",
      cwd: repo.dir,
      outputs: syncFilesFor(path.join(repo.dir, "servers")),
    });
    if (outcome.kind !== "built") throw new Error(JSON.stringify(outcome.diagnostics));
    expect(outcome.notes.filter((n) => n.includes("differ from their last feed entry"))).toEqual([
      // 0.1.0 too: the uncommitted 9.0.0 took its isLatest
      `the change feed covers committed history only: 2 version(s) differ from their last feed entry (uncommitted changes?), e.g. ${B}@0.1.0, ${B}@9.0.0.`,
    ]);
  });

  it("find no mismatch for an uncommitted re-encoding of a server.json: it serves the same bytes", async () => {
    repo = registryRepo();
    repo.write({ [`servers/${B}/0.1.0/server.json`]: JSON.stringify(JSON.parse(serverJson(B, "0.1.0")), null, 4) });
    const outcome = await buildRegistry({
      serversDir: "servers",
      cwd: repo.dir,
      outputs: syncFilesFor(path.join(repo.dir, "servers")),
    });
    if (outcome.kind !== "built") throw new Error(JSON.stringify(outcome.diagnostics));
    expect(outcome.notes.filter((n) => n.includes("differ from their last feed entry"))).toEqual([]);
  });

  it("refuse documents served out of model order, and a build() before every version was served", async () => {
    repo = registryRepo();
    const model = await builtModel(repo);
    const history = readHistory(path.join(repo.dir, "servers"));
    const stage = syncFilesFor(path.join(repo.dir, "servers"));
    const sink = stage.begin(model, history);
    const [first, , third] = model.versions;
    sink.served(first!, servedDocument(first!));
    await expect(stage.build(model)).rejects.toThrow(/1 of 3 versions were served before build/);
    expect(() => sink.served(third!, servedDocument(third!))).toThrow(`internal: ${B}@0.1.0 served out of model order`);
  });
});

describe("bundle writer", () => {
  async function written(model: RegistryModel, chunkChars: number, inFlight: number): Promise<Bundle> {
    const writer = bundleWriter(bundleHeader(model, 9), { chunkChars, inFlight });
    for (const r of model.versions) {
      writer.line(servedDocument(r));
      await writer.ready();
    }
    return writer.finish();
  }

  it("makes the bytes of the sequential bundle, many chunks deflating at once", async () => {
    repo = registryRepo();
    const model = await builtModel(repo);
    const sequential = buildBundle(model, 9, 64);
    const text = gunzipSync(sequential.gz).toString("utf8");
    expect(text.length).toBeGreaterThan(4 * 64); // a chunk per line: several chunks
    for (const inFlight of [1, 2, 8]) {
      const parallel = await written(model, 64, inFlight);
      expect(Buffer.from(parallel.gz).equals(Buffer.from(sequential.gz))).toBe(true);
      expect(parallel.sha256).toBe(sequential.sha256);
      expect(parallel.ndjsonSha256).toBe(sequential.ndjsonSha256);
    }
    // The chunk size is part of the bytes (a mirror checks sha256): the default is not the small one.
    expect(Buffer.from(buildBundle(model, 9).gz).equals(Buffer.from(sequential.gz))).toBe(false);
    expect(gunzipSync(buildBundle(model, 9).gz).toString("utf8")).toBe(text);
  });

  it("bounds the chunks in flight: ready() waits only when that many are deflating", async () => {
    repo = registryRepo();
    const model = await builtModel(repo);
    const writer = bundleWriter(bundleHeader(model, 9), { chunkChars: 64, inFlight: 2 });
    expect(writer.ready()).toBeUndefined(); // the header line's chunk: 1 of 2
    writer.line(servedDocument(model.versions[0]!));
    const wait = writer.ready();
    expect(wait).toBeInstanceOf(Promise); // 2 of 2
    await wait;
    expect(writer.ready()).toBeUndefined();
    expect(
      gunzipSync((await writer.finish()).gz)
        .toString("utf8")
        .split("\n")[1],
    ).toBe(servedDocument(model.versions[0]!));
  });
});

describe("the replay's same-bytes rule", () => {
  /** Two commits in the same second (so updatedAt stays): the second rewrites the server.json blob. */
  function twoCommits(first: string, second: string) {
    const blobs = new Map([
      ["1".repeat(40), Buffer.from(first)],
      ["2".repeat(40), Buffer.from(second)],
    ]);
    const at = (id: string, blob: string) => ({
      id,
      time: 1_750_000_000,
      changes: [{ dir: `${B}/1.0.0`, file: "server.json", blob }],
    });
    return {
      commits: [at("a".repeat(40), "1".repeat(40)), at("b".repeat(40), "2".repeat(40))],
      readBlobs: (ids: readonly string[]) => new Map(ids.map((id) => [id, blobs.get(id)!])),
    };
  }
  const doc = (description: string, indent?: number) =>
    JSON.stringify({ name: B, description, version: "1.0.0" }, null, indent);
  const empty: RegistryModel = {
    versions: [],
    info: { gitCommit: null, generatedAt: "2025-06-15T16:06:40Z", serial: 2 },
  };

  it("emits nothing for a re-encoded server.json that serves the same bytes, an update for an edited one", () => {
    const reencoded = buildFeed(twoCommits(doc("x"), doc("x", 4)), empty).entries;
    expect(reencoded.map((e) => e.op)).toEqual(["publish"]);
    const edited = buildFeed(twoCommits(doc("x"), doc("y")), empty).entries;
    expect(edited.map((e) => e.op)).toEqual(["publish", "update"]);
    expect(edited[1]!.sha256).not.toBe(edited[0]!.sha256);
    expect(reencoded[0]!.sha256).toBe(edited[0]!.sha256);
  });
});
