// `npm start` end to end: the CLI builds the servers tree into --out, serves it on PORT, stops on SIGTERM;
// an invalid tree or a taken port ends with exit code 1 and a message, never a stack trace.

import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../test/static-hosts/fixture.ts";
import { makeTree, versionFile } from "../../test/temp-tree.ts";

const TSX = path.join(REPO_ROOT, "node_modules/.bin/tsx");
const CLI = path.join(REPO_ROOT, "scripts/serve.ts");

let tmp: string;
beforeAll(() => {
  tmp = makeTree(versionFile("io.github.acme/tool", "1.0.0"), fs.mkdtempSync(path.join(os.tmpdir(), "serve-cli-")));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(TSX, [CLI, ...args], {
    cwd: tmp,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", () => {
      const m = /serving (http:\/\/[^/\s]+)\//.exec(stdout);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${stdout}${stderr}`)));
  });
  url.catch(() => {}); // tests that expect an exit never await the URL
  return { child, url, exited, output: () => stdout + stderr };
}

describe("npm start (scripts/serve.ts)", () => {
  it("builds into --out, serves PORT with the query semantics, and stops on SIGTERM", async () => {
    const run = start(["--servers", "servers", "--out", "site-out", "--host", "127.0.0.1"], { PORT: "0" });
    const base = await run.url;
    expect(fs.existsSync(path.join(tmp, "site-out/v0.1/servers.json"))).toBe(true);
    const res = await fetch(`${base}/v0.1/servers?search=ACME&limit=1`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { metadata: unknown }).metadata).toEqual({
      nextCursor: "io.github.acme/tool:1.0.0",
      count: 1,
    });
    expect((await fetch(`${base}/v0.1/servers?limit=0`)).status).toBe(422);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
  });

  it("refuses to serve an invalid tree, with the diagnostics and exit code 1", async () => {
    const bad = path.join(tmp, "bad/io.github.acme/tool/1.0.0");
    fs.mkdirSync(bad, { recursive: true });
    fs.writeFileSync(path.join(bad, "server.json"), "{ not json");
    const run = start(["--servers", "bad", "--out", "bad-out", "--port", "0"]);
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/not serving/);
    expect(fs.existsSync(path.join(tmp, "bad-out"))).toBe(false);
  });

  it("says which port is taken instead of crashing", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const run = start(["--servers", "servers", "--out", "out2", "--host", "127.0.0.1", "--port", String(port)]);
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain(`port ${port} is in use`);
      expect(run.output()).not.toMatch(/internal error/);
    } finally {
      blocker.close();
    }
  });
});
