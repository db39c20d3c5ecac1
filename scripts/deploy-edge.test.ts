// `npm run deploy:edge` end to end against a loopback server in the shape of Cloudflare's R2 REST API
// (GET/PUT/DELETE …/accounts/{account}/r2/buckets/{bucket}/objects/{key}, bearer token): the upload order,
// a second deploy that uploads nothing, one added version, and one-line refusals (exit 1).

import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./test/static-hosts/fixture.ts";
import { makeTree, versionFile } from "./test/temp-tree.ts";

const TSX = path.join(REPO_ROOT, "node_modules/.bin/tsx");
const CLI = path.join(REPO_ROOT, "scripts/deploy-edge.ts");
const PREFIX = "/client/v4/accounts/acc-1/r2/buckets/reg/objects/";

let tmp: string;
let api: http.Server;
let base: string;
const bucket = new Map<string, Buffer>();
let log: string[] = [];

function addVersion(version: string): void {
  makeTree(versionFile("io.github.acme/tool", version), tmp);
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-edge-"));
  addVersion("1.0.0");
  api = http.createServer((req, res) => {
    const url = req.url ?? "";
    if (req.headers.authorization !== "Bearer good") {
      res.writeHead(403, { "Content-Type": "application/json" }).end('{"success":false}');
      return;
    }
    if (!url.startsWith(PREFIX)) {
      res.writeHead(404).end();
      return;
    }
    const key = url.slice(PREFIX.length).split("/").map(decodeURIComponent).join("/");
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      log.push(`${req.method} ${key}`);
      if (req.method === "PUT") bucket.set(key, Buffer.concat(chunks));
      if (req.method === "DELETE") bucket.delete(key);
      if (req.method === "GET" && !bucket.has(key)) return void res.writeHead(404).end();
      res.writeHead(200).end(req.method === "GET" ? bucket.get(key) : '{"success":true}');
    });
  });
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", () => resolve()));
  base = `http://127.0.0.1:${(api.address() as AddressInfo).port}/client/v4`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => api.close(() => resolve()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

function deploy(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(TSX, [CLI, "--bucket", "reg", "--api-base", base, "--skip-worker"], {
    cwd: tmp,
    env: { ...process.env, CLOUDFLARE_ACCOUNT_ID: "acc-1", CLOUDFLARE_API_TOKEN: "good", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

const puts = () => log.filter((l) => l.startsWith("PUT ")).map((l) => l.slice(4));

describe("npm run deploy:edge", () => {
  it("uploads content, then the edge index, the feed index, the signed index and the manifest; nothing the second time", async () => {
    log = [];
    const first = await deploy({});
    expect(first.stderr).not.toContain("    at ");
    expect(first.code).toBe(0);
    const order = puts();
    const at = (k: string) => order.indexOf(k);
    const signed = "v0.1/x/io.github.mcp-static-registry/index.json";
    const feed = "v0.1/x/io.github.mcp-static-registry/feed/index.json";
    expect(at("_edge/index.json")).toBeGreaterThan(
      Math.max(...order.filter((k) => k.startsWith("_edge/packs/")).map(at)),
    );
    expect(at(feed)).toBeGreaterThan(at("_edge/index.json"));
    expect(at(signed)).toBeGreaterThan(at(feed));
    expect(order[order.length - 1]).toBe("_edge/manifest.json");
    expect(
      order
        .filter((k) => !k.startsWith("_edge/") && k !== feed && k !== signed)
        .every((k) => at(k) < at("_edge/index.json")),
    ).toBe(true);
    expect(first.stdout).toMatch(new RegExp(`uploaded ${order.length - 1} objects`));

    log = [];
    const second = await deploy({});
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("uploaded 0 objects (0 bytes), deleted 0");
    expect(puts()).toEqual([]);

    addVersion("1.1.0");
    log = [];
    const third = await deploy({});
    expect(third.code).toBe(0);
    const changed = puts();
    expect(changed).toContain("_edge/index.json");
    expect(changed.filter((k) => k.startsWith("_edge/packs/"))).toHaveLength(2); // its pack and its latest-only pack
    expect(changed.length).toBeLessThan(order.length);
    expect(log.some((l) => l.startsWith("DELETE _edge/packs/"))).toBe(true);
  }, 120_000);

  it("refuses with one line and exit 1 without a token, and when the API refuses the token", async () => {
    const missing = await deploy({ CLOUDFLARE_API_TOKEN: "" });
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toContain("CLOUDFLARE_API_TOKEN is not set");
    const refused = await deploy({ CLOUDFLARE_API_TOKEN: "bad" });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("HTTP 403");
    expect(refused.stderr).not.toContain("    at ");
  }, 60_000);
});
