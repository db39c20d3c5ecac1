// The mirror and the index verifier under attack, through the real command lines (scripts/mirror.ts,
// scripts/verify-index.ts) against a loopback static host serving a built tree that each test tampers with.
// Feed attacks are re-hashed and re-signed consistently (the test holds the key), so what refuses them is
// the contiguity check itself, not a hash or a signature.

import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStaticHost, type StaticHost } from "../../test/fakes/static-host.ts";
import { REPO_ROOT } from "../../test/static-hosts/fixture.ts";
import { startPagesEmulator, type PagesEmulator } from "../../test/static-hosts/pages-emulator.ts";
import { serverJson } from "../../test/registry-history.ts";
import { createTempRepo, type TempRepo } from "../../test/temp-git.ts";
import { BUNDLE_PATH } from "./bundle.ts";
import { FEED_INDEX, segmentPath, sha256Hex, type FeedIndex } from "./feed.ts";
import { isMirroredPath, STATE_FILE } from "./client.ts";
import { buildRegistry } from "../pipeline.ts";
import {
  decodeIndexPayload,
  generateSigningSeed,
  INDEX_PATH,
  indexFiles,
  signingKeyFromSeed,
  type IndexPayload,
} from "./signed-index.ts";
import { syncFilesFor } from "./sync-files.ts";
import { writeTree } from "../write.ts";

const TSX = path.join(REPO_ROOT, "node_modules/.bin/tsx");
const key = generateSigningSeed();
const SEGMENT = 10;
const T0 = 1_750_000_000;
const PLUS = "io.github.plus/build";

let tmp: string;
let repo: TempRepo;
/** Pristine sites: phase 1 (feed seq 1–24), phase 2 (seq 1–34), phase 2 with a 1-day index (expired). */
let site1: string;
let site2: string;
let siteExpired: string;
let tree2: Map<string, string | Uint8Array>;
/** A mirror of phase 1, copied fresh into each test. */
let mirror1: string;
let host: StaticHost;
let served = "";

const name = (i: number) => `io.github.srv${String(i).padStart(2, "0")}/tool`;

async function buildSite(dir: string, ttlDays = 36_500): Promise<Map<string, string | Uint8Array>> {
  const outcome = await buildRegistry({
    serversDir: "servers",
    cwd: repo.dir,
    outputs: syncFilesFor(path.join(repo.dir, "servers"), { signingKey: key.seed, segmentSize: SEGMENT, ttlDays }),
  });
  if (outcome.kind !== "built") throw new Error(JSON.stringify(outcome.diagnostics));
  writeTree(outcome.tree, dir);
  return outcome.tree;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mirror-cli-"));
  repo = createTempRepo();
  // Phase 1: 23 servers and one version with build metadata, 24 feed entries.
  const files: Record<string, string> = {};
  for (let i = 0; i < 23; i++)
    files[`servers/${name(i)}/1.0.0/server.json`] = serverJson(
      name(i),
      "1.0.0",
      i === 0 ? "Fish & <chips>" : "A test server.",
    );
  files[`servers/${PLUS}/1.0.3+build.7/server.json`] = serverJson(PLUS, "1.0.3+build.7");
  repo.write(files);
  repo.commit("phase 1", T0);
  site1 = path.join(tmp, "site1");
  await buildSite(site1);
  // Phase 2: a new version of srv00 (publish + latest-moved), seven new servers, srv01 deleted: seq 25–34.
  const more: Record<string, string> = {
    [`servers/${name(0)}/1.1.0/server.json`]: serverJson(name(0), "1.1.0"),
    [`servers/${name(1)}/1.0.0/status.yaml`]: "status: deleted\n",
  };
  for (let i = 23; i < 30; i++) more[`servers/${name(i)}/1.0.0/server.json`] = serverJson(name(i), "1.0.0");
  repo.write(more);
  repo.commit("phase 2", T0 + 3600);
  site2 = path.join(tmp, "site2");
  tree2 = await buildSite(site2);
  siteExpired = path.join(tmp, "site-expired");
  await buildSite(siteExpired, 1);
  host = await startStaticHost(() => served);

  served = site1;
  mirror1 = path.join(tmp, "mirror1");
  const first = await run("mirror.ts", ["--from", host.url, "--out", mirror1, "--public-key", key.publicKeyHex]);
  if (first.code !== 0 || first.stderr !== "" || readState(mirror1).lastSeq !== 24)
    throw new Error(`the phase-1 mirror failed: ${first.stderr}`);
}, 120_000);

afterAll(async () => {
  await host?.close();
  repo?.remove();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function run(cli: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(TSX, [path.join(REPO_ROOT, "scripts", cli), ...args], {
    cwd: tmp,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

const readState = (dir: string) =>
  JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), "utf8")) as { lastSeq: number; serial: number };

let copies = 0;
/** A fresh copy of a pristine folder (the tree behind a build's `dist` symlink, never the link itself). */
function copyOf(dir: string): string {
  const to = path.join(tmp, `copy-${++copies}`, path.basename(dir));
  fs.cpSync(fs.realpathSync(dir), to, { recursive: true });
  return to;
}

/** Every file under `dir` with its bytes, for "the previous mirror is intact". */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of fs.readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (d.isFile())
      out.set(
        path.relative(dir, path.join(d.parentPath, d.name)),
        sha256Hex(fs.readFileSync(path.join(d.parentPath, d.name))),
      );
  return out;
}

const payloadOf = (site: string): IndexPayload => {
  const decoded = decodeIndexPayload(fs.readFileSync(path.join(site, INDEX_PATH)));
  if (decoded.kind !== "ok") throw new Error(decoded.reason);
  return decoded.payload;
};

/** Re-hash every file the index pins on its own and the feed index, and re-sign: a consistent forgery. */
function reseal(site: string, edit: (payload: IndexPayload) => IndexPayload = (p) => p): void {
  const p = payloadOf(site);
  const files: Record<string, string> = {};
  for (const rel of Object.keys(p.files))
    if (fs.existsSync(path.join(site, rel))) files[rel] = sha256Hex(fs.readFileSync(path.join(site, rel)));
  const feedSha = sha256Hex(fs.readFileSync(path.join(site, FEED_INDEX)));
  const next = edit({
    ...p,
    files,
    feed: { ...p.feed, sha256: feedSha },
    bundle: { ...p.bundle, sha256: sha256Hex(fs.readFileSync(path.join(site, BUNDLE_PATH))) },
  });
  for (const [rel, body] of indexFiles(next, signingKeyFromSeed(key.seed)))
    fs.writeFileSync(path.join(site, rel), body);
}

/** Edit the feed: `segments(lines by segment)` returns the new lines, `index` adjusts the feed index. */
function editFeed(site: string, change: (lines: string[][], index: FeedIndex) => void): void {
  const indexFile = path.join(site, FEED_INDEX);
  const index = JSON.parse(fs.readFileSync(indexFile, "utf8")) as FeedIndex;
  const lines = index.segments.map((s) =>
    fs
      .readFileSync(path.join(site, s.path), "utf8")
      .split("\n")
      .filter((l) => l !== ""),
  );
  change(lines, index);
  index.segments.forEach((s, k) => {
    const body = lines[k]!.map((l) => l + "\n").join("");
    fs.writeFileSync(path.join(site, s.path), body);
    Object.assign(s, { sha256: sha256Hex(body), bytes: Buffer.byteLength(body) });
  });
  fs.writeFileSync(indexFile, JSON.stringify(index, null, 1) + "\n");
}

const seqOf = (line: string) => (JSON.parse(line) as { seq: number }).seq;

/** Run the mirror over `site` into a copy of the phase-1 mirror; expect a one-line refusal and nothing changed. */
async function expectRefused(site: string, code: RegExp, args: string[] = ["--public-key", key.publicKeyHex]) {
  served = site;
  const out = copyOf(mirror1);
  const before = snapshot(out);
  const r = await run("mirror.ts", ["--from", host.url, "--out", out, ...args]);
  expect(r.code).toBe(1);
  const lines = r.stderr.trim().split("\n");
  expect(lines.at(-1)).toMatch(code);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(snapshot(out)).toEqual(before);
  expect(fs.readdirSync(path.dirname(out))).toEqual([path.basename(out)]); // no stage left behind
  return r;
}

describe("mirror: the feed must be contiguous", () => {
  it("applies phase 2 over phase 1 from the feed (the control: the same tree as the origin)", async () => {
    served = site2;
    const out = copyOf(mirror1);
    const r = await run("mirror.ts", ["--from", host.url, "--out", out, "--public-key", key.publicKeyHex]);
    expect(r.stderr).toMatch(/000002\.ndjson: entries 21-30/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^incremental sync from the feed: .* feed seq 34/);
    expect(readState(out).lastSeq).toBe(34);
    for (const p of [...tree2.keys()].filter(isMirroredPath))
      expect(fs.readFileSync(path.join(out, p)).equals(Buffer.from(tree2.get(p)!))).toBe(true);
  });

  it("refuses a gap inside a segment (seq 25–27 removed, re-hashed and re-signed)", async () => {
    const site = copyOf(site2);
    editFeed(site, (lines) => {
      lines[2] = lines[2]!.filter((l) => seqOf(l) < 25 || seqOf(l) > 27);
    });
    reseal(site);
    await expectRefused(site, /^error: feed\/gap: .*000002\.ndjson: line 5 has seq 28 where seq 25 belongs/);
  });

  it("refuses a gap without --public-key too (the unsigned payload's range and pins still hold)", async () => {
    const site = copyOf(site2);
    editFeed(site, (lines) => {
      lines[2] = lines[2]!.filter((l) => seqOf(l) < 25 || seqOf(l) > 27);
    });
    reseal(site);
    await expectRefused(site, /^error: feed\/gap: /, []);
  });

  it("refuses a segment that stops at 26 while the feed index says 30", async () => {
    const site = copyOf(site2);
    editFeed(site, (lines) => {
      lines[2] = lines[2]!.filter((l) => seqOf(l) <= 26);
    });
    reseal(site);
    await expectRefused(
      site,
      /^error: feed\/short-segment: .*000002\.ndjson: holds seq 21–26, but the feed index says 21–30/,
    );
  });

  it("refuses a segment that overlaps the previous one", async () => {
    const site = copyOf(site2);
    editFeed(site, (lines, index) => {
      lines[3] = [...lines[2]!.slice(-2), ...lines[3]!];
      const s = index.segments[3]!;
      Object.assign(s, { firstSeq: s.firstSeq - 2, entries: s.entries + 2 });
    });
    reseal(site);
    await expectRefused(
      site,
      /^error: feed\/overlap: .*segment 3 .* starts at seq 29, but seq 29–30 are already in the previous segment/,
    );
  });

  it("refuses a feed that ends before the range the signed index states", async () => {
    const site = copyOf(site2);
    editFeed(site, (lines, index) => {
      lines.pop();
      index.segments.pop();
      Object.assign(index, { lastSeq: 30 });
    });
    reseal(site);
    await expectRefused(site, /^error: feed\/range: .*lastSeq is 30 but the signed index says the feed ends at seq 34/);
  });

  it("refuses segments that skip seq numbers between them", async () => {
    const site = copyOf(site2);
    editFeed(site, (lines, index) => {
      lines[3] = lines[3]!.slice(1);
      const s = index.segments[3]!;
      Object.assign(s, { firstSeq: s.firstSeq + 1, entries: s.entries - 1 });
    });
    reseal(site);
    await expectRefused(
      site,
      /^error: feed\/gap: .*segment 3 .* starts at seq 32, but the previous segment ended at 30: seq 31–31 are missing/,
    );
  });
});

describe("mirror: bundle lines and the index", () => {
  /** Rewrite the bundle's lines, re-hash and re-sign; a second host so the mirror starts over from the bundle. */
  async function withBundle(edit: (lines: string[]) => string[]): Promise<{ site: string; other: StaticHost }> {
    const site = copyOf(site2);
    const file = path.join(site, BUNDLE_PATH);
    const lines = gunzipSync(fs.readFileSync(file)).toString("utf8").split("\n").slice(0, -1);
    fs.writeFileSync(
      file,
      gzipSync(
        edit(lines)
          .map((l) => l + "\n")
          .join(""),
      ),
    );
    fs.writeFileSync(`${file}.sha256`, `${sha256Hex(fs.readFileSync(file))}  registry.ndjson.gz\n`);
    reseal(site);
    return { site, other: await startStaticHost(() => site) };
  }

  it.each([
    [
      "a line that is not JSON",
      (l: string[]) => [l[0]!, "{not json", ...l.slice(2)],
      /^error: mirror\/malformed: .*registry\.ndjson\.gz line 2: not JSON/,
    ],
    [
      "a line whose name climbs out of the folder",
      (l: string[]) => [l[0]!, l[1]!.replace(/"name":"[^"]+"/, '"name":"../../evil"'), ...l.slice(2)],
      /^error: mirror\/unsafe-path: .*line 2: unsafe server name "\.\.\/\.\.\/evil"/,
    ],
    [
      "a line that is not what the build writes",
      (l: string[]) => [l[0]!, l[1]!.replace('{"server":{', '{"server":{ '), ...l.slice(2)],
      /^error: mirror\/not-canonical: .*line 2: .* is not byte for byte what the build writes/,
    ],
  ])("refuses %s and leaves the previous mirror intact", async (_, edit, code) => {
    const { site, other } = await withBundle(edit);
    try {
      const out = copyOf(mirror1);
      const before = snapshot(out);
      served = site;
      const r = await run("mirror.ts", ["--from", other.url, "--out", out, "--public-key", key.publicKeyHex]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toMatch(code);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(snapshot(out)).toEqual(before);
      expect(fs.readdirSync(path.dirname(out))).toEqual([path.basename(out)]);
      expect(fs.existsSync(path.join(tmp, "evil"))).toBe(false);
    } finally {
      await other.close();
    }
  });

  it("refuses an expired, a rolled-back and a tampered index with one line each", async () => {
    await expectRefused(siteExpired, /^error: index\/expired: .*the index expired at 2025-06-16T/);
    // Rolled back: a mirror that saw phase 2 is pointed at phase 1 again.
    served = site2;
    const out = copyOf(mirror1);
    expect((await run("mirror.ts", ["--from", host.url, "--out", out, "--public-key", key.publicKeyHex])).code).toBe(0);
    served = site1;
    const before = snapshot(out);
    const back = await run("mirror.ts", ["--from", host.url, "--out", out, "--public-key", key.publicKeyHex]);
    expect(back.code).toBe(1);
    expect(back.stderr.trim()).toMatch(/^error: index\/rollback: .*serial 1 is older than serial 2 seen before/);
    expect(snapshot(out)).toEqual(before);
    // Tampered: the payload changed without a new signature.
    const site = copyOf(site2);
    const jws = JSON.parse(fs.readFileSync(path.join(site, INDEX_PATH), "utf8")) as { payload: string };
    jws.payload = Buffer.from(JSON.stringify({ ...payloadOf(site), serial: 99 })).toString("base64url");
    fs.writeFileSync(path.join(site, INDEX_PATH), JSON.stringify(jws));
    await expectRefused(site, /^error: index\/bad-signature: /);
  });

  it("refuses a dead origin with one line", async () => {
    const out = path.join(tmp, "never");
    const r = await run("mirror.ts", ["--from", "http://127.0.0.1:9", "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error: mirror\/network: could not reach http:\/\/127\.0\.0\.1:9\//);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe("mirror: atomic updates and leftovers", () => {
  it("refuses to replace a folder it did not make", async () => {
    served = site2;
    const out = path.join(tmp, "not-a-mirror");
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, "precious.txt"), "mine");
    const r = await run("mirror.ts", ["--from", host.url, "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error: mirror\/not-a-mirror: .*holds no \.mirror-state\.json/);
    expect(fs.readdirSync(out)).toEqual(["precious.txt"]);
  });

  it("after a run killed mid-swap, puts the previous mirror back, cleans its own dead stage and nothing else", async () => {
    served = site2;
    const out = copyOf(mirror1);
    const parent = path.dirname(out);
    const dead = 2 ** 22 + 12345; // above Linux's default pid_max: never a running process
    // Killed between the two renames: the previous tree is only at .<name>.mirror-old-<pid>.
    fs.renameSync(out, path.join(parent, `.mirror1.mirror-old-${dead}`));
    // A half-written stage of a dead run (our marker), one of a live run, and a look-alike that is not ours.
    const stage = (n: string, marker: boolean) => {
      fs.mkdirSync(path.join(parent, n, "v0.1"), { recursive: true });
      if (marker) fs.writeFileSync(path.join(parent, n, ".mirror-stage"), "x\n");
    };
    stage(`.mirror1.mirror-new-${dead + 1}`, true);
    stage(`.mirror1.mirror-new-${process.pid}`, true);
    stage(`.mirror1.mirror-new-${dead + 2}`, false);
    const r = await run("mirror.ts", ["--from", host.url, "--out", out, "--public-key", key.publicKeyHex]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^incremental sync from the feed/); // the restored previous mirror was continued
    expect(readState(out).lastSeq).toBe(34);
    expect(fs.readdirSync(parent).sort()).toEqual(
      [`.mirror1.mirror-new-${dead + 2}`, `.mirror1.mirror-new-${process.pid}`, "mirror1"].sort(),
    );
  });
});

describe("verify-index --deep", () => {
  it("accepts the untouched tree and refuses one tampered version file", async () => {
    const site = copyOf(site2);
    served = site;
    const ok = await run("verify-index.ts", ["--url", host.url, "--public-key", key.publicKeyHex, "--deep"]);
    expect(ok.stderr).toBe("");
    expect(ok.stdout).toMatch(/^ok: serial 2, .* (\d+) files checked/);
    expect(Number(/(\d+) files checked/.exec(ok.stdout)![1])).toBeGreaterThan(tree2.size - 5);
    const file = path.join(site, `v0/servers/${name(5)}/versions/1.0.0`);
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("A test server.", "A test server!"));
    const bad = await run("verify-index.ts", ["--url", host.url, "--public-key", key.publicKeyHex, "--deep"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(
      new RegExp(
        `^rejected: index/file-mismatch: 1 of \\d+ file\\(s\\) do not match the index, e.g. v0/servers/${name(5)}/versions/1\\.0\\.0: sha256`,
      ),
    );
    // Without --deep the signature alone still verifies: only --deep reads the files.
    expect((await run("verify-index.ts", ["--url", host.url, "--public-key", key.publicKeyHex])).code).toBe(0);
  });

  it("refuses an expired, a rolled-back and a tampered index with one line each", async () => {
    served = siteExpired;
    const expired = await run("verify-index.ts", ["--url", host.url, "--public-key", key.publicKeyHex]);
    expect([expired.code, expired.stderr.trim()]).toEqual([1, expect.stringMatching(/^rejected: index\/expired: /)]);
    const state = path.join(tmp, "verify-state.json");
    served = site2;
    expect(
      (await run("verify-index.ts", ["--url", host.url, "--public-key", key.publicKeyHex, "--state", state])).code,
    ).toBe(0);
    served = site1;
    const back = await run("verify-index.ts", ["--url", host.url, "--state", state]);
    expect([back.code, back.stderr.trim()]).toEqual([
      1,
      expect.stringMatching(/^rejected: index\/rollback: serial 1 is older than serial 2/),
    ]);
    const site = copyOf(site2);
    fs.writeFileSync(path.join(site, INDEX_PATH), "{");
    served = site;
    const broken = await run("verify-index.ts", ["--url", host.url, "--public-key", key.publicKeyHex]);
    expect([broken.code, broken.stderr.trim()]).toEqual([1, "rejected: index/malformed: index.json is not JSON"]);
  });
});

describe("the mirror is a servable copy of the API", () => {
  let origin: PagesEmulator;
  let copy: PagesEmulator;
  beforeAll(async () => {
    served = site2;
    const out = path.join(tmp, "servable");
    const r = await run("mirror.ts", ["--from", host.url, "--out", out, "--public-key", key.publicKeyHex]);
    if (r.code !== 0) throw new Error(`mirror failed: ${r.stderr}`);
    origin = await startPagesEmulator({ root: site2 });
    copy = await startPagesEmulator({ root: out });
  }, 60_000);
  afterAll(async () => {
    await origin?.close();
    await copy?.close();
  });

  it("answers every API route and file like the origin on a Pages-like host", async () => {
    const enc = (s: string) => encodeURIComponent(s);
    const routes = [
      "v0.1/servers",
      "v0/servers",
      "v0.1/servers.json",
      "v0.1/health",
      "v0/ping",
      "v0.1/version",
      "v0.1/x/io.github.mcp-static-registry/meta.json",
    ];
    const names = [
      ...new Set(
        [...tree2.keys()]
          .map((p) => /^v0\.1\/servers\/([^/]+\/[^/]+)\/versions\//.exec(p)?.[1])
          .filter((n): n is string => n !== undefined),
      ),
    ];
    expect(names).toContain(PLUS);
    for (const n of names) {
      for (const v of ["versions", "versions.json", "versions/latest", "versions/latest.json"])
        routes.push(`v0.1/servers/${enc(n)}/${v}`, `v0/servers/${enc(n)}/${v}`);
    }
    routes.push(
      `v0.1/servers/${enc(PLUS)}/versions/${enc("1.0.3+build.7")}`,
      `v0.1/servers/${enc(name(1))}/versions/1.0.0`,
    );
    for (const p of [...tree2.keys()].filter(isMirroredPath)) routes.push(p.split("/").map(enc).join("/"));
    let compared = 0;
    for (const route of routes) {
      const [a, b] = await Promise.all([fetch(origin.url + route), fetch(copy.url + route)]);
      const [ba, bb] = await Promise.all([a.text(), b.text()]);
      expect({ route, status: b.status, type: b.headers.get("content-type"), body: bb }).toEqual({
        route,
        status: a.status,
        type: a.headers.get("content-type"),
        body: ba,
      });
      if (a.status === 200) compared++;
    }
    expect(compared).toBeGreaterThan(routes.length * 0.8);
  });

  it("leaves out what a mirror does not copy (the site, the feed, the bundle, the index)", async () => {
    for (const p of ["index.html", FEED_INDEX, segmentPath(0), BUNDLE_PATH, INDEX_PATH])
      expect((await fetch(copy.url + p)).status).toBe(404);
  });
});
