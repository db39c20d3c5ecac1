// Every npm script, run as a user runs it: --help and -h answer (exit 0), a mistyped option is one line
// (exit 2), and the expected failures (a dead URL, a refusing upstream, invalid JSON, Ctrl+C and Ctrl+D at a
// prompt) are one line (exit 1), never "internal error" with a stack. The scripts come from package.json, so
// a new command is covered without touching this file.

import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  generateSigningSeed,
  INDEX_FORMAT,
  INDEX_PATH,
  indexFiles,
  signingKeyFromSeed,
  type IndexPayload,
} from "./lib/mirror/signed-index.ts";

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const LOADER = path.join(REPO, "node_modules/tsx/dist/loader.mjs");

const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> };
const ENTRY_POINTS = Object.entries(pkg.scripts)
  .map(([name, cmd]) => [name, /^tsx (scripts\/[\w-]+\.ts)$/.exec(cmd)?.[1]] as const)
  .filter((e): e is readonly [string, string] => e[1] !== undefined);

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cli-errors-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Run an entry point with node and tsx directly (no npm, no tsx CLI in between: signals reach the script). */
function start(script: string, args: string[], cwd = tmp) {
  const child = spawn(process.execPath, ["--import", LOADER, path.join(REPO, script), ...args], {
    cwd,
    env: { ...process.env, GITHUB_ACTIONS: "", GITHUB_TOKEN: "", PORT: "", HOST: "" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done, stderr: () => stderr };
}

function run(script: string, args: string[], cwd = tmp): Promise<Run> {
  const p = start(script, args, cwd);
  p.child.stdin.end();
  return p.done;
}

/** The shape of an expected failure: exactly one line on stderr, no stack trace, no "internal error". */
function expectOneLine(r: Run, code: number): string {
  expect(r.stderr, r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(r.stderr.endsWith("\n") && r.stderr.split("\n").length === 2, r.stderr).toBe(true);
  expect(r.code, r.stderr).toBe(code);
  return r.stderr.trimEnd();
}

/** A loopback port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function fakeServer(
  handler: (url: string) => { status: number; type?: string; body: string },
): Promise<{ base: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const r = handler(req.url ?? "/");
    res.writeHead(r.status, { "content-type": r.type ?? "application/json" });
    res.end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("every npm script", () => {
  it("package.json names the entry points (and each exists)", () => {
    expect(ENTRY_POINTS.length).toBeGreaterThanOrEqual(16);
    for (const [, file] of ENTRY_POINTS) expect(fs.existsSync(path.join(REPO, file)), file).toBe(true);
  });

  it.concurrent.each(ENTRY_POINTS)(
    "%s --help and -h print usage, options and an example to stdout, exit 0",
    async (name, file) => {
      for (const flag of ["--help", "-h"]) {
        const r = await run(file, [flag]);
        expect(r.code, `${name} ${flag}: ${r.stderr}`).toBe(0);
        expect(r.stderr).toBe("");
        expect(r.stdout).toMatch(/^Usage: npm (start|run \S+)/);
        expect(r.stdout).toContain("\nOptions:\n");
        expect(r.stdout).toContain("-h, --help");
        expect(r.stdout).toMatch(/\nExamples?:\n {2}.*\bnpm (start|run \S+)/);
        expect(r.stdout).not.toContain("internal error");
      }
    },
    60_000,
  );

  it.concurrent.each(ENTRY_POINTS)(
    "%s --bogus-option is one usage line on stderr, exit 2",
    async (name, file) => {
      const r = await run(file, ["--bogus-option"]);
      expect(expectOneLine(r, 2)).toBe(`${name}: unknown option --bogus-option (see --help)`);
      expect(r.stdout).toBe("");
    },
    60_000,
  );
});

describe("expected failures through the real commands", () => {
  it("a registry that does not answer: mirror names the URL in one line, exit 1, and leaves no folder", async () => {
    const port = await deadPort();
    const r = await run("scripts/mirror.ts", ["--from", `http://127.0.0.1:${port}`, "--out", path.join(tmp, "mirror")]);
    expect(expectOneLine(r, 1)).toMatch(
      new RegExp(`^error: mirror/network: could not reach http://127\\.0\\.0\\.1:${port}/\\S+: .*ECONNREFUSED`),
    );
    expect(fs.existsSync(path.join(tmp, "mirror"))).toBe(false);
  }, 30_000);

  it("a registry that does not answer: import names the URL in one line, exit 1", async () => {
    const port = await deadPort();
    const servers = path.join(tmp, "import-dead", "servers");
    const r = await run("scripts/import.ts", ["--from", `http://127.0.0.1:${port}`, "--servers", servers]);
    expect(expectOneLine(r, 1)).toMatch(
      new RegExp(
        `^error: import stopped, nothing written: could not reach http://127\\.0\\.0\\.1:${port}/v0\\.1/servers\\S*: .*ECONNREFUSED`,
      ),
    );
    expect(fs.existsSync(servers)).toBe(false);
  }, 30_000);

  it("an upstream that hands back the same cursor: import refuses to loop, one line, exit 1", async () => {
    // Full pages (a short page ends the list) of new versions each time, and always the same next cursor.
    let page = 0;
    const fullPage = () =>
      Array.from({ length: 100 }, (_, i) => ({
        server: { name: `io.github.loop/s${page}-${i}`, version: "1.0.0", description: "x" },
      }));
    const upstream = await fakeServer(() => ({
      status: 200,
      body: JSON.stringify({ servers: (page++, fullPage()), metadata: { nextCursor: "again" } }),
    }));
    try {
      fs.mkdirSync(path.join(tmp, "import-loop"));
      const r = await run("scripts/import.ts", [
        "--from",
        upstream.base,
        "--servers",
        path.join(tmp, "import-loop", "servers"),
      ]);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split("\n").at(-1)).toMatch(
        /^error: .*http:\/\/127\.0\.0\.1:\d+\/v0\.1\/servers\?\S*: the registry returned the cursor "again" again; stopping instead of looping$/,
      );
    } finally {
      await upstream.close();
    }
  }, 30_000);

  it("a signed index that does not verify: mirror --public-key refuses in one line, exit 1", async () => {
    const upstream = await fakeServer(() => ({ status: 200, body: "not a signed index" }));
    try {
      const r = await run("scripts/mirror.ts", [
        "--from",
        upstream.base,
        "--out",
        path.join(tmp, "mirror-bad-index"),
        "--public-key",
        "ab".repeat(32),
      ]);
      expect(expectOneLine(r, 1)).toMatch(/^error: index\/malformed: v0\.1\/x\/[^/]+\/index\.json: /);
    } finally {
      await upstream.close();
    }
  }, 30_000);

  it("an expired, rolled-back or tampered signed index: verify-index and mirror refuse in one line, exit 1", async () => {
    const key = generateSigningSeed();
    const payload = (serial: number, expires: string): IndexPayload => ({
      format: INDEX_FORMAT,
      serial,
      gitCommit: `c${serial}`,
      generatedAt: "2020-01-01T00:00:00Z",
      expires,
      list: { path: "v0.1/servers.json", sha256: "0".repeat(64) },
      bundle: { path: "b", sha256: "1".repeat(64), ndjsonSha256: "2".repeat(64), bytes: 3 },
      feed: { path: "f", sha256: "3".repeat(64), lastSeq: 9 },
      servers: {},
      files: {},
    });
    const signed = (p: IndexPayload) =>
      Buffer.from(indexFiles(p, signingKeyFromSeed(key.seed)).get(INDEX_PATH)!).toString("utf8");
    const jws = JSON.parse(signed(payload(5, "2999-01-01T00:00:00Z"))) as { payload: string };
    const tampered = JSON.stringify({
      ...jws,
      payload: Buffer.from(JSON.stringify(payload(6, "2999-01-01T00:00:00Z"))).toString("base64url"),
    });
    let index = signed(payload(5, "2020-01-15T00:00:00Z"));
    const upstream = await fakeServer((url) =>
      url === `/${INDEX_PATH}` ? { status: 200, body: index } : { status: 404, body: "{}" },
    );
    const verify = (...extra: string[]) =>
      run("scripts/verify-index.ts", ["--url", upstream.base, "--public-key", key.publicKeyHex, ...extra]);
    try {
      expect(expectOneLine(await verify(), 1)).toMatch(/^rejected: index\/expired: /);
      expect(
        expectOneLine(
          await run("scripts/mirror.ts", [
            "--from",
            upstream.base,
            "--out",
            path.join(tmp, "mirror-expired"),
            "--public-key",
            key.publicKeyHex,
          ]),
          1,
        ),
      ).toMatch(/^error: index\/expired: \S*index\.json: /);
      index = signed(payload(5, "2999-01-01T00:00:00Z"));
      fs.writeFileSync(path.join(tmp, "index-state.json"), JSON.stringify({ serial: 9, gitCommit: "c9" }));
      expect(expectOneLine(await verify("--state", "index-state.json"), 1)).toMatch(/^rejected: index\/rollback: /);
      index = tampered;
      expect(expectOneLine(await verify(), 1)).toMatch(/^rejected: index\/bad-signature: /);
    } finally {
      await upstream.close();
    }
  }, 60_000);

  it("invalid JSON input: import names the file, line and column; verify-index names its state file", async () => {
    fs.writeFileSync(path.join(tmp, "seed.json"), '[\n  {"name": "io.github.alice/x",\n');
    const imp = await run("scripts/import.ts", [
      "--from",
      "seed.json",
      "--servers",
      path.join(tmp, "import-json", "servers"),
    ]);
    expect(expectOneLine(imp, 1)).toMatch(/^error: seed\.json:3:1: /);
    fs.writeFileSync(path.join(tmp, "state.json"), '{"serial": 3,\n oops}\n');
    const port = await deadPort();
    const vi = await run("scripts/verify-index.ts", ["--url", `http://127.0.0.1:${port}`, "--state", "state.json"]);
    expect(expectOneLine(vi, 1)).toMatch(/^error: --state state\.json: not a state file written by verify-index /);
  }, 30_000);

  it("a git ref that does not exist: pr-check says which in one line, exit 1", async () => {
    const head = "0".repeat(40);
    const r = await run("scripts/pr-check.ts", [
      "--data",
      REPO,
      "--repo",
      REPO,
      "--base",
      "no-such-ref",
      "--head",
      head,
      "--author",
      "alice",
      "--pr",
      "1",
      "--out",
      path.join(tmp, "pr-check-out"),
    ]);
    expect(expectOneLine(r, 1)).toMatch(/^error: git rev-parse .*no-such-ref.* failed/);
    expect(fs.existsSync(path.join(tmp, "pr-check-out"))).toBe(false);
  }, 30_000);

  it("a bad option value is a usage error naming the option, exit 2", async () => {
    const cases: [string, string[], RegExp][] = [
      [
        "scripts/keygen.ts",
        ["--algorithm", "rsa"],
        /^keygen: --algorithm must be one of ed25519, ecdsap384, got "rsa" \(see --help\)$/,
      ],
      [
        "scripts/serve.ts",
        ["--port", "http"],
        /^start: --port\/PORT: expected a port number 0-65535, got "http" \(see --help\)$/,
      ],
      [
        "scripts/mirror.ts",
        ["--from", "ftp://x", "--out", "m"],
        /^mirror: --from: expected an http:\/\/ or https:\/\/ URL, got "ftp:\/\/x" \(see --help\)$/,
      ],
      ["scripts/build.ts", ["--out"], /^build: --out needs a value \(--out DIR\) \(see --help\)$/],
      ["scripts/status.ts", ["--status", "deleted"], /^status: missing <name> \[<version>\] \(see --help\)$/],
    ];
    await Promise.all(
      cases.map(async ([file, args, expected]) => expect(expectOneLine(await run(file, args), 2)).toMatch(expected)),
    );
  }, 60_000);
});

describe("npm run new at a prompt", () => {
  /** Start `new --interactive` on a pipe and wait for its first question. */
  async function atFirstQuestion() {
    const p = start("scripts/new.ts", ["--interactive", "--servers", path.join(tmp, "new-servers")]);
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (/: $/.test(p.stderr())) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
      void p.done.then((r) => {
        clearInterval(timer);
        reject(new Error(`exited before asking: ${r.stderr}`));
      });
    });
    return p;
  }

  it("Ctrl+C (SIGINT) ends with 'interrupted', exit 1, nothing written", async () => {
    const p = await atFirstQuestion();
    p.child.kill("SIGINT");
    const r = await p.done;
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.stderr.trimEnd().split("\n").at(-1)).toBe("error: interrupted");
    expect(fs.existsSync(path.join(tmp, "new-servers"))).toBe(false);
  }, 30_000);

  it("Ctrl+D (end of input) ends with 'no answer (end of input)', exit 1, instead of exiting 0 unasked", async () => {
    const p = await atFirstQuestion();
    p.child.stdin.end();
    const r = await p.done;
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.stderr.trimEnd().split("\n").at(-1)).toBe("error: no answer (end of input)");
  }, 30_000);
});
