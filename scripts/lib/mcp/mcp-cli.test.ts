// The MCP server end to end, through the real entry points: `npm start` (scripts/serve.ts) builds the sample
// tree and serves it, with the MCP server at /mcp; `npm run mcp` (scripts/mcp.ts) is spawned over stdio
// against that server, against a plain static server of the same output folder (as GitHub Pages serves it,
// under a sub-path) and against the folder itself. All four answer the same searches with the same servers.

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveStatic, type StaticServer } from "../../../site/test/static-server.ts";
import { call, textOf } from "../../test/mcp-registry.ts";
import { REPO_ROOT } from "../../test/static-hosts/fixture.ts";

const TSX = path.join(REPO_ROOT, "node_modules/.bin/tsx");
const MCP = path.join(REPO_ROOT, "scripts/mcp.ts");
const SERVE = path.join(REPO_ROOT, "scripts/serve.ts");

let tmp: string;
let start: ChildProcess;
let base: string;
let pages: StaticServer;
const clients = new Map<string, Client>();

function startRegistry(out: string): Promise<string> {
  start = spawn(TSX, [SERVE, "--servers", "servers", "--out", out, "--host", "127.0.0.1"], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /serving (http:\/\/[^/\s]+)\//.exec(output);
      if (m) resolve(m[1]!);
    };
    start.stdout!.on("data", onData);
    start.stderr!.on("data", onData);
    start.once("exit", (code) => reject(new Error(`npm start exited ${code}: ${output}`)));
  });
}

async function stdioClient(registry: string): Promise<Client> {
  const transport = new StdioClientTransport({ command: TSX, args: [MCP, "--registry", registry], stderr: "pipe" });
  const client = new Client({ name: "mcp-cli-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

async function httpClient(url: string): Promise<Client> {
  const client = new Client({ name: "mcp-http-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-cli-"));
  const out = path.join(tmp, "out");
  base = await startRegistry(out);
  pages = await serveStatic(out, "/repo/");
  const down = `http://127.0.0.1:${await closedPort()}`;
  const entries = await Promise.all(
    [
      ["npm start", () => stdioClient(base)],
      ["static dist/", () => stdioClient(pages.url)],
      ["folder", () => stdioClient(out)],
      ["http /mcp", () => httpClient(`${base}/mcp`)],
      ["down", () => stdioClient(down)],
    ].map(async ([label, connect]) => [label, await (connect as () => Promise<Client>)()] as const),
  );
  for (const [label, client] of entries) clients.set(label as string, client);
}, 240_000);

afterAll(async () => {
  await Promise.all([...clients.values()].map((c) => c.close()));
  await pages?.close();
  start?.kill("SIGTERM");
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const c = (label: string) => clients.get(label)!;
const names = (r: { structuredContent?: Record<string, unknown> }) =>
  ((r.structuredContent?.servers ?? []) as { name: string }[]).map((s) => s.name);

describe("npm run mcp -- --registry URL|DIR", () => {
  it("answers the same searches with the same servers from npm start, a static host of dist/, the folder and /mcp", async () => {
    const searches: Record<string, unknown>[] = [
      { query: "weather" },
      { query: "gthub" },
      { query: "", limit: 100 },
      { transport: "remote" },
      { packageType: "npm" },
      { status: "any", limit: 100 },
    ];
    for (const args of searches) {
      const reference = names(await call(c("npm start"), "search_servers", args));
      expect(reference.length, JSON.stringify(args)).toBeGreaterThan(0);
      for (const label of ["static dist/", "folder", "http /mcp"])
        expect(names(await call(c(label), "search_servers", args)), `${label} ${JSON.stringify(args)}`).toEqual(
          reference,
        );
    }
  });

  it("serves every tool over stdio; bad arguments and unknown servers are tool errors", async () => {
    const client = c("static dist/");
    const got = await call(client, "get_server", { name: "io.github.user/weather", version: "1.0.0" });
    expect(got.structuredContent).toMatchObject({ status: "deprecated", installable: true });
    const versions = await call(client, "list_versions", { name: "io.github.user/weather" });
    expect((versions.structuredContent?.versions as unknown[]).length).toBeGreaterThan(1);
    const install = await call(client, "install_config", {
      name: "io.modelcontextprotocol.anonymous/brave-search",
      client: "claude-code",
    });
    expect(
      (install.structuredContent?.options as { configuration: { text: string } }[])[0]?.configuration.text,
    ).toMatch(/^claude mcp add --transport stdio --env 'BRAVE_API_KEY=<YOUR_BRAVE_API_KEY>' -- brave-search npx /);
    const bad = await call(client, "install_config", { name: "io.github.user/weather", client: "notepad" });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/Input validation error/);
    const unknown = await call(client, "get_server", { name: "io.github.nobody/nothing" });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/^No server named "io\.github\.nobody\/nothing"/);
  });

  it("a registry that is down gives a tool error naming it, and the server keeps answering", async () => {
    for (let i = 0; i < 2; i++) {
      const result = await call(c("down"), "search_servers", { query: "weather" });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(
        /^The registry could not be read: http:\/\/127\.0\.0\.1:\d+\/v0\.1\/\S+: fetch failed: connect ECONNREFUSED /,
      );
    }
  });

  it("--help, a missing or bad --registry: usage, or one line and exit 2", { timeout: 120_000 }, async () => {
    // Asynchronous: a blocked event loop would leave the HTTP client's keep-alive socket stale.
    const run = (args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(TSX, [MCP, ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.once("close", (status) => resolve({ status, stdout, stderr }));
      });
    const bad = [[], ["--registry", "ftp://example.com"], ["--registry", path.join(tmp, "missing")]];
    const [help, ...refused] = await Promise.all([run(["--help"]), ...bad.map(run)]);
    expect(help!.status).toBe(0);
    expect(help!.stdout).toMatch(/^Usage: npm run mcp -- --registry URL\|DIR/m);
    refused.forEach((r, i) => {
      expect(r.status, bad[i]!.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n"), bad[i]!.join(" ")).toHaveLength(1);
    });
  });
});

describe("/mcp in npm start (streamable HTTP)", () => {
  it("serves every tool", async () => {
    const client = c("http /mcp");
    expect((await client.listTools()).tools).toHaveLength(4);
    const got = await call(client, "get_server", { name: "io.github.user/remote-weather" });
    expect(got.structuredContent).toMatchObject({ version: "2.1.0", status: "active" });
    const install = await call(client, "install_config", { name: "io.github.user/remote-weather", client: "vscode" });
    expect(install.structuredContent?.available).toBe(true);
    const listed = await call(client, "list_versions", { name: "io.github.user/weather", includeDeleted: true });
    expect(listed.isError).toBeFalsy();
  });

  it("answers GET with 405 and an oversized POST with 413, and the API beside it still answers", async () => {
    expect((await fetch(`${base}/mcp`, { headers: { Accept: "text/event-stream" } })).status).toBe(405);
    const big = await fetch(`${base}/mcp`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: "x".repeat(2 << 20),
    });
    expect(big.status).toBe(413);
    expect((await fetch(`${base}/v0.1/servers?limit=1`)).status).toBe(200);
  });
});
