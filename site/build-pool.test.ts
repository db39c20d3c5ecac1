// The site built with the build's worker pool (server pages rendered on its threads, in batches) is the site
// built on this thread alone, byte for byte and in the same order, for the hostile sample (escaping, receipts,
// deleted and deprecated servers) and for a model of several batches with health badges; and a page that
// fails to render on a thread fails the site with that error, on the pool as without it.

import { afterAll, describe, expect, it } from "vitest";
import type { RegistryModel } from "../scripts/lib/model.ts";
import { createWorkerPool, type WorkerPool } from "../scripts/lib/parallel/pool.ts";
import type { RemoteHealth } from "../scripts/lib/verify/remote-health.ts";
import { buildSite, emitSite, type SiteFiles } from "./build.ts";
import type { ServerPagesInput } from "./render.ts";
import { syntheticModel } from "./synthetic.ts";
import { makeRecord, sampleModel, XSS } from "./test/sample-model.ts";

const pool = createWorkerPool(2);
afterAll(() => pool.close());

function expectSameFiles(pooled: SiteFiles, single: SiteFiles): void {
  expect([...pooled.keys()]).toEqual([...single.keys()]);
  for (const [p, body] of single) {
    const got = pooled.get(p)!;
    if (typeof body === "string") expect(got, p).toBe(body);
    else expect(Buffer.from(got).equals(body), p).toBe(true);
  }
}

describe("the site on the worker pool", () => {
  it("renders the hostile sample's pages to the same bytes as one thread", async () => {
    const model = sampleModel();
    const remotes = new Map<string, readonly RemoteHealth[]>([
      [
        XSS.name,
        [
          {
            url: `https://example.com/<script>`,
            transport: "streamable-http",
            state: "healthy",
            message: `"'<b>`,
            toolCount: 3,
          },
        ],
      ],
    ]);
    const single = await buildSite(model, undefined, remotes);
    const pooled = await buildSite(model, undefined, remotes, pool);
    expectSameFiles(pooled, single);
    expect(String(pooled.get(`s/io.github.evil/xss-test/index.html`))).toContain("&lt;script&gt;");
  });

  it("renders many batches of servers, in page order, to the same bytes as one thread", async () => {
    const model = syntheticModel({ servers: 300, versionsPerServer: 3 });
    const remotes = new Map<string, readonly RemoteHealth[]>(
      model.versions
        .filter((_, i) => i % 7 === 0)
        .map((v) => [
          v.name,
          [
            {
              url: `https://${v.version}.example.com/mcp`,
              transport: "sse",
              state: "broken",
              reason: "not-found",
              message: "down",
            },
          ],
        ]),
    );
    const single = await buildSite(model, undefined, remotes);
    const pooled = await buildSite(model, undefined, remotes, pool);
    expect([...pooled.keys()].filter((p) => p.startsWith("s/") && p.endsWith("/index.html")).length).toBe(300);
    expectSameFiles(pooled, single);
  });

  it("puts each batch of pages as it comes back, with a bounded window of batches handed out and not yet put", async () => {
    const servers = 2000; // 32 batches of 64, far more than the window
    const model = syntheticModel({ servers, versionsPerServer: 2 });
    let handedOut = 0;
    let pagesPut = 0;
    let mostAhead = 0;
    // The real pool, counting: each task handed out is 64 pages (the last fewer) not yet put.
    const counting: WorkerPool = {
      size: pool.size,
      run(task, input, ahead) {
        handedOut += (input as ServerPagesInput).servers.length;
        mostAhead = Math.max(mostAhead, handedOut - pagesPut);
        return pool.run(task, input, ahead);
      },
      close: () => pool.close(),
    };
    const files: [string, string | Uint8Array][] = [];
    const site = emitSite(
      model,
      (p, body) => {
        if (p.startsWith("s/") && p.endsWith("/index.html")) pagesPut++;
        files.push([p, body]);
      },
      undefined,
      undefined,
      counting,
    );
    // Before the first wait, every file but the pages is put, and only the window is handed out.
    expect(pagesPut).toBe(0);
    expect(files.some(([p]) => p === "index.html")).toBe(true);
    expect(handedOut).toBe(pool.size * 4 * 64);
    await site;
    expect(pagesPut).toBe(servers);
    expect(mostAhead).toBeLessThanOrEqual(pool.size * 4 * 64);
    const sorted = new Map(files.sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    expectSameFiles(sorted, await buildSite(model));
  });

  it("fails the site with the render error of a page that fails on a thread, as on one thread", async () => {
    const good = makeRecord({ name: "io.github.a/fine", description: "Fine.", version: "1.0.0" });
    const broken = makeRecord({ name: "io.github.b/broken", description: "Broken.", version: "1.0.0" });
    // A receipt without a list of checks: summing it up for the page throws.
    const model: RegistryModel = {
      versions: [good, { ...broken, receipt: { checks: 42 } as never }],
      info: sampleModel().info,
    };
    await expect(buildSite(model)).rejects.toThrow(TypeError);
    await expect(buildSite(model, undefined, undefined, pool)).rejects.toThrow(/a build worker failed: TypeError/);
    // The pool is still good for the next build.
    expectSameFiles(await buildSite(sampleModel(), undefined, undefined, pool), await buildSite(sampleModel()));
  });
});
