// The pool's life in a build: created once, offered to the site, closed when the build ends, whether it
// succeeded or the site failed on a thread; and tasks handed out ahead (to busy threads, before this thread
// goes busy) answer in the order asked, a failing one with its own error only.

import { Worker } from "node:worker_threads";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { emitSite } from "../../../site/build.ts";
import { renderServerPages, type ServerPagesInput } from "../../../site/render.ts";
import { makeRecord, sampleModel } from "../../../site/test/sample-model.ts";
import { groupServers } from "../../../site/servers.ts";
import { makeTree, versionFile } from "../../test/temp-tree.ts";
import { buildRegistry, type BuildInputs } from "../pipeline.ts";
import { createWorkerPool } from "./pool.ts";

const info = sampleModel().info;
const assets = { css: "assets/site.css?v=1", js: "assets/app.js?v=2" };
const pagesOf = (...names: string[]): ServerPagesInput => ({
  assets,
  info,
  servers: names.map((name) => {
    const record = makeRecord({ name, description: `About ${name}.`, version: "1.0.0" });
    return { group: { name, latest: record, versions: [record] } };
  }),
});
const broken: ServerPagesInput = {
  assets,
  info,
  servers: [{ group: { ...groupServers(sampleModel())[0]!, latest: { receipt: { checks: 42 } } as never } }],
};

describe("tasks handed out ahead", () => {
  const pool = createWorkerPool(2);
  afterAll(() => pool.close());

  it("answer in the order asked, each with its own result", async () => {
    const inputs = Array.from({ length: 9 }, (_, i) => pagesOf(`io.github.u${i}/a`, `io.github.u${i}/b`));
    const answers = await Promise.all(inputs.map((input) => pool.run("pages", input, true)));
    expect(answers).toEqual(inputs.map(renderServerPages));
  });

  it("reject only the failing task, with the thread's error", async () => {
    const tasks = [pagesOf("io.github.a/x"), broken, pagesOf("io.github.b/y")].map((input) =>
      pool.run("pages", input, true),
    );
    await expect(tasks[1]).rejects.toThrow(/a build worker failed: SyntaxError/);
    expect(await tasks[0]).toEqual(renderServerPages(pagesOf("io.github.a/x")));
    expect(await tasks[2]).toEqual(renderServerPages(pagesOf("io.github.b/y")));
  });

  it("reject a task whose input cannot be copied to a thread, and the pool still answers", async () => {
    const uncopyable = { ...pagesOf("io.github.a/x"), info: { ...info, toString: () => "" } };
    await expect(pool.run("pages", uncopyable, true)).rejects.toThrow(/could not be cloned/);
    expect(await pool.run("pages", pagesOf("io.github.c/z"), true)).toEqual(
      renderServerPages(pagesOf("io.github.c/z")),
    );
  });
});

describe("the build's pool", () => {
  afterEach(() => vi.restoreAllMocks());
  const inputs = (extra: BuildInputs["extra"]): BuildInputs => ({
    serversDir: "servers",
    cwd: makeTree({ ...versionFile("io.github.a/one", "1.0.0"), ...versionFile("io.github.b/two", "2.0.0") }),
    sourceDateEpoch: "1700000000",
    threads: 2,
    parallelFrom: 0,
    extra,
  });

  it("is offered to the site and closed when the build ends", async () => {
    const terminate = vi.spyOn(Worker.prototype, "terminate");
    let offered = false;
    const outcome = await buildRegistry(
      inputs((model, history, pool, put) => {
        offered = pool !== undefined;
        return emitSite(model, put, history, undefined, pool);
      }),
    );
    expect(outcome.kind).toBe("built");
    expect(offered).toBe(true);
    expect(terminate).toHaveBeenCalledTimes(2);
  });

  it("is closed when the site fails on one of its threads, and the failure is the build's", async () => {
    const terminate = vi.spyOn(Worker.prototype, "terminate");
    const build = buildRegistry(
      inputs(async (_model, _history, pool) => {
        await pool!.run("pages", broken, true);
      }),
    );
    await expect(build).rejects.toThrow(/a build worker failed: SyntaxError/);
    expect(terminate).toHaveBeenCalledTimes(2);
  });

  it("is not started for one thread", async () => {
    const terminate = vi.spyOn(Worker.prototype, "terminate");
    let offered: unknown = "not called";
    await buildRegistry({
      ...inputs((model, history, pool, put) => {
        offered = pool;
        return emitSite(model, put, history, undefined, pool);
      }),
      threads: 1,
    });
    expect(offered).toBeUndefined();
    expect(terminate).not.toHaveBeenCalled();
  });
});
