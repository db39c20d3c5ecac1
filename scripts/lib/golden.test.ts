// The golden API tree: the sample servers/ built, with a fixed git history, into
// scripts/test/fixtures/golden/expected/, compared file by file, so any change to a response, a feed entry, the
// bundle or the index shows up in review as a diff. Refresh with `npx vitest run scripts/lib/golden.test.ts -u`.
//
// Covered: every file under /v0 and /v0.1 (the API and the mirror files under v0.1/x/). The browse site is
// left out (its pages change often; site/build.test.ts covers them); the index therefore pins the API and the
// mirror files only. The history is one commit per version folder, a day apart, then one commit adding the
// status files, so the times, the feed's publish / latest-moved / status entries and the commit ids are fixed.
// The bundle is gzip (zlib's bytes): its golden is the uncompressed NDJSON; its sha256 file is compared as is.

import fs from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { syncFilesFor } from "./mirror/sync-files.ts";
import { buildRegistry } from "./pipeline.ts";
import { makeRepo } from "../test/git-repo.ts";

const REPO = path.resolve(import.meta.dirname, "../..");
const SAMPLE = path.join(REPO, "servers");
const GOLDEN = path.join(REPO, "scripts/test/fixtures/golden");
const DAY = 86_400;
const START = Date.UTC(2025, 0, 1) / 1000;

/** Every file under `dir`, relative to it, sorted. */
function sampleFilesUnder(dir: string, prefix = ""): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sampleFilesUnder(path.join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out.sort();
}
const sampleFiles = () => sampleFilesUnder(SAMPLE);

/** The sample tree in a new repository: one commit per version folder, then one adding every status.yaml. */
function sampleRepo(): string {
  const repo = makeRepo();
  const files = sampleFiles();
  const byFolder = new Map<string, Record<string, string>>();
  const statuses: Record<string, string> = {};
  for (const rel of files) {
    const body = fs.readFileSync(path.join(SAMPLE, rel), "utf8");
    if (rel.endsWith("/status.yaml")) {
      statuses[`servers/${rel}`] = body;
      continue;
    }
    const folder = path.posix.dirname(rel);
    byFolder.set(folder, { ...byFolder.get(folder), [`servers/${rel}`]: body });
  }
  let t = START;
  const at = () => new Date((t += DAY) * 1000).toISOString();
  for (const [folder, contents] of byFolder) repo.commit(`publish ${folder}`, at(), contents);
  repo.commit("set statuses", at(), statuses);
  return repo.dir;
}

/** The golden's text for one built file: bytes as UTF-8, the gzip'd bundle uncompressed. */
function goldenText(rel: string, body: string | Uint8Array): { file: string; text: string } {
  if (typeof body === "string") return { file: rel, text: body };
  if (rel.endsWith(".gz")) return { file: `${rel}.ndjson`, text: gunzipSync(body).toString("utf8") };
  return { file: rel, text: Buffer.from(body).toString("utf8") };
}

describe("golden API tree", () => {
  it("builds the sample servers/ to the committed files, byte for byte", async () => {
    const root = sampleRepo();
    const outcome = await buildRegistry({
      serversDir: "servers",
      cwd: root,
      outputs: syncFilesFor(path.join(root, "servers")),
    });
    if (outcome.kind !== "built") throw new Error(`the sample does not build: ${outcome.diagnostics[0]?.message}`);
    const listed: string[] = [];
    for (const [rel, body] of outcome.tree) {
      if (!/^v0(\.1)?\//.test(rel)) continue;
      const { file, text } = goldenText(rel, body);
      listed.push(file);
      await expect(text).toMatchFileSnapshot(path.join(GOLDEN, "expected", file));
    }
    await expect(listed.join("\n") + "\n").toMatchFileSnapshot(path.join(GOLDEN, "files.txt"));
    expect(listed.length).toBeGreaterThan(100);
    // A response the build no longer makes must leave the golden too (`-u` does not delete files).
    const stale = sampleFilesUnder(path.join(GOLDEN, "expected")).filter((f) => !listed.includes(f));
    expect(stale, "golden files the build no longer makes: delete them").toEqual([]);
  }, 60_000);
});
