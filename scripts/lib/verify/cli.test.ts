// npm run sign / npm run verify as processes, in a temp git repo, against loopback services configured
// through the REGISTRY_* variables.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDnsServer, type FakeDnsServer } from "../../test/fakes/dns-server.ts";
import { createTempRepo, type TempRepo } from "../../test/fakes/git-repo.ts";
import { startFakeGitHub } from "../../test/fakes/github-api.ts";
import { startFakeServer, type FakeServer } from "../../test/fakes/http-server.ts";
import { CURRENT_SCHEMA_URL } from "../model.ts";
import { generateKey } from "./keys.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const TSX = join(ROOT, "node_modules/.bin/tsx");
const key = generateKey("ecdsap384");
let github: FakeServer;
let npm: FakeServer;
let dns: FakeDnsServer;
let repo: TempRepo;

beforeAll(async () => {
  github = await startFakeGitHub({ accounts: { "alice-dev": "user-alice.json" } });
  npm = await startFakeServer({ "/left-pad/1.3.0": { fixture: "npm/left-pad-1.3.0.json" } });
  dns = await startFakeDnsServer({ "example.com": [key.record] });
  repo = createTempRepo();
  repo.write("scripts/policy/blocklist.yaml", "namespaces: []\n");
  repo.write("servers/io.github.Alice-Dev/weather/1.0.0/server.json", doc("io.github.Alice-Dev/weather", "1.0.0"));
  repo.commit("base");
  repo.git("checkout", "-q", "-b", "pr");
  repo.write(
    "servers/io.github.Alice-Dev/weather/1.1.0/server.json",
    doc("io.github.Alice-Dev/weather", "1.1.0", {
      packages: [{ registryType: "npm", identifier: "left-pad", version: "1.3.0", transport: { type: "stdio" } }],
    }),
  );
  repo.write("servers/com.example/tool/1.0.0/server.json", doc("com.example/tool", "1.0.0"));
});
afterAll(async () => {
  repo.dispose();
  await Promise.all([github.close(), npm.close(), dns.close()]);
});

function doc(name: string, version: string, extra: Record<string, unknown> = {}): string {
  return (
    JSON.stringify(
      { $schema: CURRENT_SCHEMA_URL, name, description: "A server for CLI tests.", version, ...extra },
      null,
      2,
    ) + "\n"
  );
}
/** Async: the fake services live in this process, so its event loop must keep running. */
function run(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, [join(ROOT, "scripts", script), ...args], {
      cwd: repo.dir,
      env: { ...process.env, GITHUB_ACTIONS: "", GITHUB_STEP_SUMMARY: "", ...env },
      timeout: 20_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("npm run sign and npm run verify", () => {
  it("signs a file with an ECDSA P-384 key in the official CLI format", async () => {
    const r = await run("sign.ts", ["--key", key.privateKeyHex, "servers/com.example/tool/1.0.0/server.json"]);
    expect(r.status).toBe(0);
    expect(readFileSync(join(repo.dir, "servers/com.example/tool/1.0.0/server.json.sig"), "utf8").trim()).toMatch(
      /^[0-9a-f]{192}$/,
    );
    expect((await run("sign.ts", ["--key", "1234", "x"])).status).toBe(2);
  });

  it("verifies the PR end to end: annotations, summary, --json receipt, exit code", async () => {
    repo.commit("pr");
    mkdirSync(join(repo.dir, ".out"), { recursive: true });
    const summary = join(repo.dir, ".out/summary.md");
    writeFileSync(summary, "");
    const r = await run(
      "verify.ts",
      ["--base", "main", "--head", "pr", "--author", "Alice-Dev", "--json", ".out/report.json"],
      {
        GITHUB_ACTIONS: "true",
        GITHUB_STEP_SUMMARY: summary,
        REGISTRY_GITHUB_API_URL: github.url,
        REGISTRY_NPM_URL: npm.url,
        REGISTRY_DNS_SERVER: dns.server,
        REGISTRY_HTTP_PROOF_URL: `${npm.url}/{domain}/.well-known/mcp-registry-auth`,
      },
    );
    expect(r.status).toBe(1); // left-pad has no mcpName
    const json = JSON.parse(readFileSync(join(repo.dir, ".out/report.json"), "utf8")) as {
      ok: boolean;
      checks: { code: string; status: string; kind: string }[];
    };
    expect(json.ok).toBe(false);
    const byCode = Object.fromEntries(json.checks.map((c) => [c.code, c.status]));
    expect(byCode).toMatchObject({
      "namespace/github-author": "pass",
      "namespace/dns-signature": "pass",
      "npm/mcpname-missing": "fail",
      "change/new-version": "pass",
    });
    expect(r.stdout).toContain(
      "::error file=servers/io.github.Alice-Dev/weather/1.1.0/server.json,title=npm/mcpname-missing::NPM package 'left-pad' version '1.3.0' is missing required 'mcpName' field.",
    );
    expect(readFileSync(summary, "utf8")).toContain("## Verification: ❌");
  });

  it("exits 2 with a clear message on a bad ref or bad configuration", async () => {
    const r = await run("verify.ts", ["--base", "nope", "--author", "a"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("nope");
    expect(
      (await run("verify.ts", ["--base", "main", "--author", "a"], { REGISTRY_OCI_ENDPOINTS: "garbage" })).status,
    ).toBe(2);
  });

  it("before committing, says there is nothing to verify and exits 1 (never '0 passed, 0 failed')", async () => {
    const env = { REGISTRY_GITHUB_API_URL: github.url, REGISTRY_NPM_URL: npm.url };
    const same = await run("verify.ts", ["--base", "pr", "--author", "Alice-Dev", "--offline"], env);
    expect(same.status).toBe(1);
    expect(same.stderr).toMatch(
      /^error: nothing to verify: HEAD is the base pr \([0-9a-f]{12}\)\. Commit your change/m,
    );
    expect(same.stdout).not.toMatch(/passed/);
    repo.write("servers/io.github.Alice-Dev/weather/1.2.0/server.json", doc("io.github.Alice-Dev/weather", "1.2.0"));
    const dirty = await run("verify.ts", ["--base", "main", "--author", "Alice-Dev", "--offline"], env);
    expect(dirty.status).toBe(1);
    expect(dirty.stderr).toContain(
      "error: 1 uncommitted change(s) under servers/ (first: servers/io.github.Alice-Dev/weather/1.2.0/server.json): verify checks commits",
    );
    // An explicit --head is a commit: the working tree does not matter.
    expect(
      (await run("verify.ts", ["--base", "main", "--head", "pr", "--author", "Alice-Dev", "--offline"], env)).stderr,
    ).not.toContain("uncommitted");
    repo.git("stash", "-q", "--include-untracked");
  });

  it("prints keys and records with keygen", () => {
    const out = execFileSync(TSX, [join(ROOT, "scripts/keygen.ts"), "--domain", "example.org"], { encoding: "utf8" });
    expect(out).toMatch(/example\.org\. IN TXT "v=MCPv1; k=ed25519; p=[A-Za-z0-9+/=]{44}"/);
  });
});
