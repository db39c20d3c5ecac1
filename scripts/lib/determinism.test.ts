// The whole build (API, site and mirror outputs, wired as scripts/build.ts wires them) of the sample tree is
// byte-identical from one run to the next, and every API response is exactly stringifyJson of its value
// (JSON.stringify, HTML-escaped as Go does; the lists are assembled from once-serialised responses; this
// proves the bytes did not change).
import path from "node:path";
import { describe, expect, it } from "vitest";
import { emitSite } from "../../site/build.ts";
import { syncFilesFor } from "./mirror/sync-files.ts";
import { buildRegistry } from "./pipeline.ts";
import { stringifyJson } from "./safe-json.ts";

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

/** `threads`: 1 builds on this thread alone; more reads and validates on worker threads (from 0 versions up). */
async function build(threads = 1): Promise<Map<string, string | Uint8Array>> {
  const outcome = await buildRegistry({
    serversDir: "servers",
    cwd: REPO,
    threads,
    parallelFrom: 0,
    extra: (model, history, pool, put) => emitSite(model, put, history, undefined, pool),
    outputs: syncFilesFor(path.join(REPO, "servers")),
  });
  if (outcome.kind !== "built")
    throw new Error(`the sample tree does not build: ${outcome.diagnostics.map((d) => d.code).join(", ")}`);
  return outcome.tree;
}

describe("build determinism", () => {
  it("builds the sample tree twice to the same paths and bytes", async () => {
    const a = await build();
    const b = await build();
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [p, body] of a) expect(Buffer.from(b.get(p)!)).toEqual(Buffer.from(body));
  }, 30_000);

  it("builds the same paths and bytes on worker threads as on one thread", async () => {
    const single = await build(1);
    const threaded = await build(2);
    expect([...threaded.keys()]).toEqual([...single.keys()]);
    for (const [p, body] of single) expect(Buffer.from(threaded.get(p)!)).toEqual(Buffer.from(body));
  }, 60_000);

  it("writes every API response as stringifyJson of its value", async () => {
    const tree = await build();
    let lists = 0;
    for (const [p, body] of tree) {
      if (!/^v0(\.1)?\/servers/.test(p)) continue;
      const text = body.toString();
      expect(stringifyJson(JSON.parse(text))).toBe(text);
      if (text.startsWith('{"servers":[')) lists++;
    }
    expect(lists).toBeGreaterThan(10);
  }, 30_000);
});
