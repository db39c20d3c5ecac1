import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startStaticHost, type StaticHost } from "../../test/fakes/static-host.ts";
import { A, applyStep, registryRepo, serverJson, STEPS } from "../../test/registry-history.ts";
import type { TempRepo } from "../../test/temp-git.ts";
import { BUNDLE_PATH } from "./bundle.ts";
import { isMirroredPath, STATE_FILE, syncMirror, type Getter, type MirrorOptions } from "./client.ts";
import { buildRegistry } from "../pipeline.ts";
import { generateSigningSeed } from "./signed-index.ts";
import { syncFilesFor } from "./sync-files.ts";
import { writeTree } from "../write.ts";

const get: Getter = async (url) => {
  const res = await fetch(url);
  return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
};
const key = generateSigningSeed();
const now = new Date((1_750_000_000 + 10 * 3600) * 1000);
let repo: TempRepo | undefined;
let host: StaticHost | undefined;
let tmp: string | undefined;
afterEach(async () => {
  repo?.remove();
  await host?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function publish(r: TempRepo, site: string): Promise<Map<string, string | Uint8Array>> {
  const outcome = await buildRegistry({
    serversDir: "servers",
    cwd: r.dir,
    outputs: syncFilesFor(path.join(r.dir, "servers"), { signingKey: key.seed, segmentSize: 2 }),
  });
  if (outcome.kind !== "built") throw new Error(JSON.stringify(outcome.diagnostics));
  writeTree(outcome.tree, site);
  return outcome.tree;
}

/** The mirror holds exactly the origin's API files (v0, v0.1 and meta.json), byte for byte, plus its state. */
function expectInSync(tree: Map<string, string | Uint8Array>, out: string): void {
  const served = [...tree.keys()].filter(isMirroredPath).sort();
  const local = fs
    .readdirSync(out, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(out, path.join(d.parentPath, d.name)).split(path.sep).join("/"));
  expect(local.filter((p) => p !== STATE_FILE).sort()).toEqual(served);
  for (const p of served) expect(fs.readFileSync(path.join(out, p)).equals(Buffer.from(tree.get(p)!))).toBe(true);
}
const opts = (extra: Partial<MirrorOptions> = {}): MirrorOptions => ({
  get,
  pid: process.pid,
  isAlive: () => false,
  ...extra,
});

describe("example mirror", () => {
  it("starts from the bundle, then follows only new feed pages across publish, deprecate, delete and restore", async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mirror-"));
    const site = path.join(tmp, "site");
    const out = path.join(tmp, "mirror");
    repo = registryRepo(1);
    host = await startStaticHost(() => site);
    let tree = await publish(repo, site);
    const first = await syncMirror(host.url, out, opts({ publicKeys: [key.publicKeyHex], now }));
    expect(first.mode).toBe("bundle");
    expect(host.requests).toContain(`/${BUNDLE_PATH}`);
    expectInSync(tree, out);

    for (let step = 1; step < STEPS.length; step++) {
      applyStep(repo, step);
      tree = await publish(repo, site);
      host.requests.length = 0;
      const r = await syncMirror(host.url, out, opts({ publicKeys: [key.publicKeyHex], now }));
      expect(r.mode).toBe("feed");
      expect(host.requests).not.toContain(`/${BUNDLE_PATH}`);
      // Only the segments holding new entries are fetched: never the first, full one (entries 1-2).
      expect(step >= 2 && host.requests.some((u) => u.endsWith("/feed/000000.ndjson"))).toBe(false);
      expectInSync(tree, out);
    }
    const restored = JSON.parse(
      fs.readFileSync(path.join(out, "v0.1/servers", ...A.split("/"), "versions/1.1.0.json"), "utf8"),
    );
    expect(restored._meta["io.modelcontextprotocol.registry/official"]).toMatchObject({
      status: "active",
      isLatest: true,
    });

    host.requests.length = 0;
    const idle = await syncMirror(host.url, out, opts({ publicKeys: [key.publicKeyHex], now }));
    expect(idle).toMatchObject({ mode: "feed", written: 0 });
    expect(host.requests.filter((u) => u.includes("/servers/"))).toEqual([]);
  });

  it("starts over from the bundle when the feed replay does not reproduce the pinned tree (a build with uncommitted changes)", async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mirror-"));
    const site = path.join(tmp, "site");
    const out = path.join(tmp, "mirror");
    repo = registryRepo(2);
    host = await startStaticHost(() => site);
    await publish(repo, site);
    expect((await syncMirror(host.url, out, opts({ publicKeys: [key.publicKeyHex], now }))).mode).toBe("bundle");
    repo.write({ [`servers/${A}/9.0.0/server.json`]: serverJson(A, "9.0.0") }); // not committed: no feed entry
    const tree = await publish(repo, site);
    const logged: string[] = [];
    const r = await syncMirror(
      host.url,
      out,
      opts({ publicKeys: [key.publicKeyHex], now, segmentLog: (m) => logged.push(m) }),
    );
    expect(r.mode).toBe("bundle");
    expect(logged.join("\n")).toMatch(/the feed replay differs from the signed index .*starting over from the bundle/);
    expectInSync(tree, out);
  });

  it("refuses a version document whose sha256 does not match the feed, and a tree signed by another key", async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mirror-"));
    const site = path.join(tmp, "site");
    repo = registryRepo(1);
    host = await startStaticHost(() => site);
    await publish(repo, site);
    await syncMirror(host.url, path.join(tmp, "m"), opts());
    applyStep(repo, 1);
    await publish(repo, site);
    fs.writeFileSync(
      path.join(site, "v0.1/servers", ...A.split("/"), "versions/1.1.0.json"),
      '{"server":{"name":"evil"}}',
    );
    await expect(syncMirror(host.url, path.join(tmp, "m"), opts())).rejects.toThrow(/sha256 does not match feed entry/);
    await expect(
      syncMirror(host.url, path.join(tmp, "m2"), opts({ publicKeys: [generateSigningSeed().publicKeyHex], now })),
    ).rejects.toMatchObject({ code: "index/unknown-key" });
  });
});
