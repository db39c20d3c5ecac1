// `npm run import` end to end against loopback upstreams that misbehave: a run killed (SIGKILL) at several
// points never leaves a version visible half-written and the next run completes and cleans up; every bound
// (bytes per response and in total, pages, time, redirects, content type) ends the run with exit 1, one
// error line, bounded time and memory, and nothing written; upstream text reaches the terminal without a
// single raw control character.

import { spawn } from "node:child_process";
import fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeApi, type FakeApi, type FakeApiItem } from "../../test/fakes/official-api.ts";
import { startFakeServer, type FakeServer } from "../../test/fakes/http-server.ts";
import { REPO_ROOT } from "../../test/static-hosts/fixture.ts";
import { STAGING_MARKER, STAGING_PREFIX } from "./import.ts";
import { CURRENT_SCHEMA_URL } from "../model.ts";
import { checkTree } from "../pipeline.ts";

const CLI = path.join(REPO_ROOT, "scripts/import.ts");
const TSX_LOADER = pathToFileURL(path.join(REPO_ROOT, "node_modules/tsx/dist/loader.mjs")).href;

let tmp: string | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});
const tempDir = () => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "import-cli-")));
async function fakeApi(...args: Parameters<typeof startFakeApi>): Promise<FakeApi> {
  const api = await startFakeApi(...args);
  closers.push(() => api.close());
  return api;
}
async function fakeServer(...args: Parameters<typeof startFakeServer>): Promise<FakeServer> {
  const s = await startFakeServer(...args);
  closers.push(() => s.close());
  return s;
}

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  /** Peak resident set of the process (VmHWM), in KiB, as last read from /proc while it ran. */
  readonly peakRssKb: number;
}

/** The CLI in one node process (no tsx wrapper in between), so SIGKILL and /proc reach the importer itself. */
function startCli(cwd: string, args: string[]) {
  const started = Date.now();
  const child = spawn(process.execPath, ["--import", TSX_LOADER, CLI, ...args], {
    cwd,
    env: { ...process.env, NODE_OPTIONS: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString("latin1")));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("latin1")));
  let peakRssKb = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, "utf8"));
      if (m) peakRssKb = Math.max(peakRssKb, Number(m[1]));
    } catch {
      // exited, or no /proc
    }
  }, 20);
  const done = new Promise<Run>((resolve) =>
    child.once("close", (code, signal) => {
      clearInterval(poll);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, peakRssKb });
    }),
  );
  return { child, done };
}
const runCli = (cwd: string, args: string[]) => startCli(cwd, args).done;

const until = async (what: () => boolean, ms = 30_000, everyMs = 10) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, everyMs));
  }
};

const item = (i: number, extra: Partial<FakeApiItem> = {}): FakeApiItem => ({
  server: {
    $schema: CURRENT_SCHEMA_URL,
    name: `io.github.test/server-${String(i).padStart(3, "0")}`,
    description: "A server.",
    version: "1.0.0",
  },
  publishedAt: "2025-10-01T10:00:00.123456Z",
  ...(i % 7 === 3 ? { status: "deleted" as const, statusMessage: "taken down" } : {}),
  ...extra,
});

/** Every version folder under servers/, relative. */
function versionFolders(servers: string): string[] {
  if (!fs.existsSync(servers)) return [];
  const out: string[] = [];
  for (const ns of fs.readdirSync(servers))
    for (const srv of fs.readdirSync(path.join(servers, ns)))
      for (const v of fs.readdirSync(path.join(servers, ns, srv))) out.push(`${ns}/${srv}/${v}`);
  return out.sort();
}

/** Each visible imported version is complete: server.json, import.yaml, and status.yaml exactly when upstream said so. */
function expectComplete(servers: string, items: readonly FakeApiItem[]): void {
  const byFolder = new Map(items.map((i) => [`${i.server.name}/${i.server.version}`, i]));
  for (const dir of versionFolders(servers)) {
    const upstream = byFolder.get(dir);
    if (upstream === undefined) continue; // published here, not by the import
    const files = fs.readdirSync(path.join(servers, dir)).sort();
    expect(files, dir).toEqual(
      upstream.status === "deleted" ? ["import.yaml", "server.json", "status.yaml"] : ["import.yaml", "server.json"],
    );
  }
}

const stagingFolders = (parent: string) => fs.readdirSync(parent).filter((n) => n.startsWith(STAGING_PREFIX));

const errorLines = (r: Run) => r.stderr.split("\n").filter((l) => l !== "" && !/^page \d+: /.test(l));

/** Exit 1, exactly one line that is not progress, no stack, and servers/ untouched. */
function expectRefused(r: Run, dir: string, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(errorLines(r)).toEqual([expect.stringMatching(pattern)]);
  expect(errorLines(r)[0]).toMatch(/^error: import stopped, nothing written: /);
  expect(r.stdout).toBe("");
  expect(versionFolders(path.join(dir, "servers"))).toEqual([]);
  expect(stagingFolders(dir)).toEqual([]);
}

describe("import CLI: an interrupted run publishes nothing half-written", () => {
  it("killed while an upstream page stalls mid-response: nothing visible, staging left; the re-run completes and cleans up only what is ours", async () => {
    const dir = tempDir();
    const items = Array.from({ length: 250 }, (_, i) => item(i));
    let stalling = true;
    const api = await fakeApi(
      items,
      () => false,
      (n) => stalling && n === 2,
    );
    // Folders with our prefix that the importer did not make (no marker): one with content is left alone,
    // an empty one (a run killed between mkdir and writing the marker) is removed.
    fs.mkdirSync(path.join(dir, `${STAGING_PREFIX}4000000`));
    fs.writeFileSync(path.join(dir, `${STAGING_PREFIX}4000000`, "notes.txt"), "mine\n");
    fs.mkdirSync(path.join(dir, `${STAGING_PREFIX}4000001`));

    const run = startCli(dir, ["--from", api.url, "--servers", "servers"]);
    await until(() => api.requests.length >= 2);
    await new Promise((r) => setTimeout(r, 300)); // page 1 is staged by now; page 2 hangs half sent
    run.child.kill("SIGKILL");
    const killed = await run.done;
    expect(killed.signal).toBe("SIGKILL");
    expect(versionFolders(path.join(dir, "servers"))).toEqual([]);
    const left = stagingFolders(dir).filter((n) => fs.existsSync(path.join(dir, n, STAGING_MARKER)));
    expect(left).toEqual([`${STAGING_PREFIX}${run.child.pid}`]);
    expect(checkTree("servers", dir).diagnostics.filter((d) => d.severity === "error")).toEqual([]);

    stalling = false;
    const again = await runCli(dir, ["--from", api.url, "--servers", "servers"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`removed ${path.join(dir, `${STAGING_PREFIX}${run.child.pid}`)}`);
    expect(again.stderr).toContain(`left alone: ${path.join(dir, `${STAGING_PREFIX}4000000`)}`);
    expect(stagingFolders(dir)).toEqual([`${STAGING_PREFIX}4000000`]);
    expect(fs.readFileSync(path.join(dir, `${STAGING_PREFIX}4000000`, "notes.txt"), "utf8")).toBe("mine\n");
    expect(versionFolders(path.join(dir, "servers"))).toHaveLength(250);
    expectComplete(path.join(dir, "servers"), items);
    expect(checkTree("servers", dir).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  }, 90_000);

  it("Ctrl+C (SIGINT) while a page stalls: exit 1, one line, nothing written and no staging left", async () => {
    const dir = tempDir();
    const api = await fakeApi(
      Array.from({ length: 150 }, (_, i) => item(i)),
      () => false,
      (n) => n === 2,
    );
    const run = startCli(dir, ["--from", api.url, "--servers", "servers"]);
    await until(() => api.requests.length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual(["interrupted: nothing was written"]);
    expect(versionFolders(path.join(dir, "servers"))).toEqual([]);
    expect(stagingFolders(dir)).toEqual([]);
  }, 60_000);

  it("killed while staging and while committing: every visible version is complete, and the re-run finishes", async () => {
    const items = Array.from({ length: 300 }, (_, i) => item(i));
    const api = await fakeApi(items);
    const count = (p: string) => {
      try {
        return fs.readdirSync(p).length;
      } catch {
        return 0;
      }
    };
    const moments: [string, (dir: string, pid: number) => boolean][] = [
      ["staging", (dir, pid) => count(path.join(dir, `${STAGING_PREFIX}${pid}`, "tree/io.github.test")) >= 150],
      ["committing", (dir) => count(path.join(dir, "servers/io.github.test")) > 1],
    ];
    for (const [moment, reached] of moments) {
      const dir = tempDir();
      // An existing server in the namespace, so the commit moves server folders one by one.
      const mine = path.join(dir, "servers/io.github.test/local/1.0.0");
      fs.mkdirSync(mine, { recursive: true });
      fs.writeFileSync(
        path.join(mine, "server.json"),
        JSON.stringify(
          { $schema: CURRENT_SCHEMA_URL, name: "io.github.test/local", description: "Local.", version: "1.0.0" },
          null,
          2,
        ) + "\n",
      );
      const run = startCli(dir, ["--from", api.url, "--servers", "servers"]);
      await until(() => reached(dir, run.child.pid!), 60_000, 1);
      run.child.kill("SIGKILL");
      const killed = await run.done;
      expect(killed.signal, moment).toBe("SIGKILL");
      const visibleNow = versionFolders(path.join(dir, "servers")).length;
      // Staging: nothing but the local version is visible yet; committing: some versions moved in already.
      expect(moment === "staging" ? visibleNow === 1 : visibleNow > 1, `${moment}: ${visibleNow} visible`).toBe(true);
      expectComplete(path.join(dir, "servers"), items);
      expect(fs.existsSync(path.join(mine, "server.json"))).toBe(true);

      const again = await runCli(dir, ["--from", api.url, "--servers", "servers"]);
      expect(again.code, again.stderr).toBe(0);
      expect(versionFolders(path.join(dir, "servers"))).toHaveLength(301);
      expectComplete(path.join(dir, "servers"), items);
      expect(stagingFolders(dir)).toEqual([]);
      expect(checkTree("servers", dir).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe("import CLI: what the importer before staging left behind", () => {
  it("removes its *.tmp-<pid> files and brings the half-written version up to date (a deleted version gets its status)", async () => {
    const dir = tempDir();
    const items = Array.from({ length: 5 }, (_, i) => item(i));
    expect(items[3]?.status).toBe("deleted");
    const api = await fakeApi(items);
    const half = path.join(dir, "servers/io.github.test/server-003/1.0.0");
    fs.mkdirSync(half, { recursive: true });
    fs.writeFileSync(path.join(half, "server.json"), JSON.stringify(items[3]!.server, null, 2) + "\n");
    fs.writeFileSync(path.join(half, "status.yaml.tmp-4000002"), "status: del");
    const empty = path.join(dir, "servers/io.github.test/server-004/1.0.0");
    fs.mkdirSync(empty, { recursive: true });
    fs.writeFileSync(path.join(empty, "server.json.tmp-4000003"), '{"$sch');
    expect(checkTree("servers", dir).diagnostics.map((d) => d.code)).toContain("layout/unexpected-file");

    const r = await runCli(dir, ["--from", api.url, "--servers", "servers"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      "import into servers/: 4 written, 1 updated, 0 unchanged, 0 skipped (namespace), 0 rejected\n",
    );
    expect(r.stderr).toContain(`removed ${path.join(half, "status.yaml.tmp-4000002")}`);
    expect(fs.readFileSync(path.join(half, "status.yaml"), "utf8")).toBe(
      'status: deleted\nstatusMessage: "taken down"\n',
    );
    expect(versionFolders(path.join(dir, "servers"))).toHaveLength(5);
    expectComplete(path.join(dir, "servers"), items);
    expect(checkTree("servers", dir).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  }, 60_000);
});

/** A JSON list page of `n` new servers, `tag` making the names unique per page. */
function listPage(tag: string, n: number, nextCursor?: string): string {
  const servers = Array.from({ length: n }, (_, i) => ({
    server: {
      $schema: CURRENT_SCHEMA_URL,
      name: `io.github.loop/s-${tag}-${i}`,
      description: "A server.",
      version: "1.0.0",
    },
  }));
  return JSON.stringify({ servers, metadata: { count: n, ...(nextCursor === undefined ? {} : { nextCursor }) } });
}

/** Streams a list that never closes its array: `{"servers":[{…},{…},…` up to `total` bytes (or forever). */
function endlessList(sent: { bytes: number }, total = Infinity, delayMs = 0) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { "content-type": "application/json" }); // chunked: no length to refuse up front
    const entry = Buffer.from(
      `{"server":{"name":"io.github.big/x","description":"${"x".repeat(60_000)}","version":"1"}},`,
    );
    let open = true;
    res.on("close", () => (open = false));
    res.write('{"servers":[');
    const pump = () => {
      while (open && sent.bytes < total) {
        sent.bytes += entry.length;
        if (!res.write(entry)) return void res.once("drain", pump);
        if (delayMs > 0) return void setTimeout(pump, delayMs);
      }
      if (open) res.end("]}");
    };
    pump();
  };
}

describe("import CLI: a hostile upstream is bounded", () => {
  it("a 500 MB response: stops at --max-response-bytes while streaming, with bounded memory", async () => {
    const dir = tempDir();
    const sent = { bytes: 0 };
    const s = await fakeServer(endlessList(sent, 500 * 1024 * 1024));
    const r = await runCli(dir, ["--from", s.url, "--servers", "servers"]); // the default cap, 16 MiB
    expectRefused(r, dir, /larger than 16777216 bytes \(--max-response-bytes\)/);
    expect(sent.bytes).toBeLessThan(64 * 1024 * 1024);
    expect(r.ms).toBeLessThan(30_000);
    expect(r.peakRssKb).toBeGreaterThan(0);
    expect(r.peakRssKb).toBeLessThan(400 * 1024);
  }, 60_000);

  it("an endless chunked stream: a lower --max-response-bytes, and a trickle that never ends: --timeout", async () => {
    const dir = tempDir();
    const s = await fakeServer(endlessList({ bytes: 0 }));
    const capped = await runCli(dir, ["--from", s.url, "--servers", "servers", "--max-response-bytes", "1M"]);
    expectRefused(capped, dir, /larger than 1048576 bytes \(--max-response-bytes\)/);

    const slow = await fakeServer(endlessList({ bytes: 0 }, Infinity, 200));
    const timed = await runCli(dir, [
      "--from",
      slow.url,
      "--servers",
      "servers",
      "--max-response-bytes",
      "1G",
      "--timeout",
      "1",
    ]);
    expectRefused(timed, dir, /no complete answer within 1 s \(--timeout\)/);
    expect(timed.ms).toBeLessThan(30_000);
  }, 90_000);

  it("an upstream that always returns a new cursor: --max-pages, --max-total-bytes and --total-timeout stop it", async () => {
    const dir = tempDir();
    let n = 0;
    const s = await fakeServer((_req, res) => {
      n++;
      res.writeHead(200, { "content-type": "application/json" }).end(listPage(String(n), 100, `c${n}`));
    });
    expectRefused(
      await runCli(dir, ["--from", s.url, "--servers", "servers", "--max-pages", "3"]),
      dir,
      /stopped after 3 pages \(--max-pages\)/,
    );
    expect(n).toBe(3);
    const pageBytes = Buffer.byteLength(listPage("1", 100, "c1"));
    expectRefused(
      await runCli(dir, [
        "--from",
        s.url,
        "--servers",
        "servers",
        "--max-total-bytes",
        String(Math.round(pageBytes * 2.5)),
      ]),
      dir,
      /more than \d+ bytes in total \(--max-total-bytes\)/,
    );

    const slow = await fakeServer((_req, res) => {
      n++;
      setTimeout(
        () => res.writeHead(200, { "content-type": "application/json" }).end(listPage(String(n), 100, `c${n}`)),
        300,
      );
    });
    const timed = await runCli(dir, ["--from", slow.url, "--servers", "servers", "--total-timeout", "2"]);
    expectRefused(timed, dir, /stopped after 2 s \(--total-timeout\)/);
    expect(timed.ms).toBeLessThan(30_000);
  }, 90_000);

  it("refuses a redirect to another origin and a text/html content type", async () => {
    const dir = tempDir();
    const elsewhere = await fakeServer({ "/v0.1/servers": { body: listPage("a", 1) } });
    const redirecting = await fakeServer(
      (_req, res) => void res.writeHead(302, { location: `${elsewhere.url}/v0.1/servers` }).end(),
    );
    expectRefused(
      await runCli(dir, ["--from", redirecting.url, "--servers", "servers"]),
      dir,
      /redirected to another origin \(http:\/\/127\.0\.0\.1:\d+\)/,
    );
    expect(elsewhere.requests).toEqual([]);

    const html = await fakeServer({
      "/v0.1/servers": { headers: { "content-type": "text/html; charset=utf-8" }, body: listPage("a", 1) },
    });
    expectRefused(
      await runCli(dir, ["--from", html.url, "--servers", "servers"]),
      dir,
      /content type "text\/html; charset=utf-8" is not the one asked for/,
    );
  }, 60_000);

  it("bad limit values are usage errors (exit 2, one line)", async () => {
    const dir = tempDir();
    const r = await runCli(dir, ["--from", "http://127.0.0.1:9", "--max-pages", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('import: --max-pages "0": expected a whole number of at least 1 (see --help)\n');
  }, 30_000);
});

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe("import CLI: upstream text never reaches the terminal as control sequences", () => {
  const hostile = ["\u001b[2A", "\u001b]52;c;ZWNobyBwd25lZA==\u0007", "\r", "\u009b31m"];
  const hostileItems: FakeApiItem[] = [
    {
      server: {
        $schema: CURRENT_SCHEMA_URL,
        name: `io.github.evil/up${hostile[0]}`,
        description: `moves${hostile[0]}`,
        version: "1.0.0",
      },
      publishedAt: "2025-10-01T10:00:00Z",
    },
    {
      server: {
        $schema: CURRENT_SCHEMA_URL,
        name: "io.github.evil/clip",
        description: "clipboard",
        version: `1.0.0${hostile[1]}`,
      },
      publishedAt: "2025-10-01T10:00:00Z",
    },
    {
      server: {
        $schema: CURRENT_SCHEMA_URL,
        name: "io.github.evil/cr",
        description: `${"d".repeat(120)}${hostile[2]}not imported: nothing${hostile[3]}`,
        version: "1.0.0",
      },
      publishedAt: "2025-10-01T10:00:00Z",
    },
    {
      server: {
        $schema: CURRENT_SCHEMA_URL,
        name: `io.github.evil/c1${hostile[3]}`,
        description: "c1",
        version: `2${hostile[2]}`,
      },
      publishedAt: "2025-10-01T10:00:00Z",
    },
  ];

  it("prints every rejected name, version and reason with control characters shown as escapes (text and --json)", async () => {
    const dir = tempDir();
    const api = await fakeApi(hostileItems);
    const check = (r: Run) => {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout + r.stderr).not.toMatch(RAW_CONTROL);
      expect(r.stderr.split("\n").filter((l) => l.startsWith("not imported: "))).toHaveLength(4);
      expect(r.stderr).toContain("io.github.evil/up\\e[2A");
      expect(r.stderr).toContain("1.0.0\\e]52;c;ZWNobyBwd25lZA==\\x07");
    };
    const text = await runCli(dir, ["--from", api.url, "--servers", "servers"]);
    check(text);
    expect(text.stdout).toMatch(/^import into servers\/: 0 written, .* 4 rejected\n$/);
    const json = await runCli(dir, ["--from", api.url, "--servers", "servers", "--json"]);
    check(json);
    expect(JSON.parse(json.stdout)).toMatchObject({
      counts: { rejected: 4 },
      rejected: [{ name: `io.github.evil/c1${hostile[3]}` }, {}, {}, {}],
    });
    expect(versionFolders(path.join(dir, "servers"))).toEqual([]);
  }, 60_000);

  it("an upstream error body is shown escaped on the one error line", async () => {
    const dir = tempDir();
    const s = await fakeServer({
      "/v0.1/servers": { status: 404, body: `gone${hostile.join("")}\nerror: fake second line` },
    });
    const r = await runCli(dir, ["--from", s.url, "--servers", "servers"]);
    expectRefused(r, dir, /HTTP 404: gone\\e\[2A\\e\]52;c;.*\\x07\\r\\x9b31m\\nerror: fake second line$/);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
  }, 30_000);
});
