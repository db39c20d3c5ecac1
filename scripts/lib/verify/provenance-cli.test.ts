// Build provenance through the real entry point: `npm run verify` on a temp git repo whose PR adds a
// server with an npm package, against a loopback npm registry that serves signed attestations (a test
// Sigstore, trusted through REGISTRY_SIGSTORE_TRUSTED_ROOT). Provenance from another repository fails the
// PR naming both repositories; provenance from the server's repository passes.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createTempRepo, type TempRepo } from "../../test/fakes/git-repo.ts";
import { startFakeGitHub } from "../../test/fakes/github-api.ts";
import { startFakeServer } from "../../test/fakes/http-server.ts";
import { createTestSigner } from "../../test/sigstore-fixtures.ts";
import { CURRENT_SCHEMA_URL } from "../model.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const TSX = join(ROOT, "node_modules/.bin/tsx");
const closers: { close(): Promise<void> }[] = [];
const repos: TempRepo[] = [];
afterEach(async () => {
  for (const r of repos.splice(0)) r.dispose();
  await Promise.all(closers.splice(0).map((c) => c.close()));
});

const TARBALL_SHA512 = createHash("sha512").update("tarball").digest();

function run(cwd: string, args: string[], env: Record<string, string>) {
  return new Promise<{ status: number | null; stdout: string }>((resolve) => {
    const child = spawn(TSX, [join(ROOT, "scripts/verify.ts"), ...args], {
      cwd,
      env: { ...process.env, GITHUB_ACTIONS: "", GITHUB_STEP_SUMMARY: "", ...env },
      timeout: 30_000,
    });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.on("close", (status) => resolve({ status, stdout }));
  });
}

async function verifyWithProvenance(builtFrom: string) {
  const signer = await createTestSigner();
  const bundle = await signer.attest(
    {
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "pkg:npm/weather-tool@1.0.0", digest: { sha512: TARBALL_SHA512.toString("hex") } }],
      predicateType: "https://slsa.dev/provenance/v1",
      predicate: { buildDefinition: { externalParameters: { workflow: { repository: builtFrom } } } },
    },
    { repository: builtFrom },
  );
  const npm = await startFakeServer({
    "/weather-tool/1.0.0": {
      body: {
        name: "weather-tool",
        version: "1.0.0",
        mcpName: "io.github.Alice-Dev/weather",
        dist: { integrity: `sha512-${TARBALL_SHA512.toString("base64")}` },
      },
    },
    "/-/npm/v1/attestations/weather-tool@1.0.0": {
      body: { attestations: [{ predicateType: "https://slsa.dev/provenance/v1", bundle }] },
    },
  });
  const github = await startFakeGitHub({ accounts: { "alice-dev": "user-alice.json" } });
  closers.push(npm, github);
  const repo = createTempRepo();
  repos.push(repo);
  repo.write("scripts/policy/blocklist.yaml", "namespaces: []\n");
  repo.write("README.md", "base\n");
  repo.commit("base");
  repo.git("checkout", "-q", "-b", "pr");
  repo.write(
    "servers/io.github.Alice-Dev/weather/1.0.0/server.json",
    JSON.stringify(
      {
        $schema: CURRENT_SCHEMA_URL,
        name: "io.github.Alice-Dev/weather",
        description: "Weather.",
        version: "1.0.0",
        repository: { url: "https://github.com/Alice-Dev/weather", source: "github" },
        packages: [{ registryType: "npm", identifier: "weather-tool", version: "1.0.0", transport: { type: "stdio" } }],
      },
      null,
      2,
    ) + "\n",
  );
  repo.commit("add weather");
  const rootFile = join(repo.dir, ".test-trusted-root.json");
  writeFileSync(rootFile, JSON.stringify(signer.trustedRoot));
  const r = await run(repo.dir, ["--base", "main", "--head", "pr", "--author", "Alice-Dev", "--json", ".out.json"], {
    REGISTRY_GITHUB_API_URL: github.url,
    REGISTRY_NPM_URL: npm.url,
    REGISTRY_SIGSTORE_TRUSTED_ROOT: rootFile,
    REGISTRY_SIGSTORE_CTLOG_THRESHOLD: "0",
  });
  const report = JSON.parse(readFileSync(join(repo.dir, ".out.json"), "utf8")) as {
    checks: { kind: string; status: string; code: string; message: string; evidence: unknown }[];
  };
  return { ...r, provenance: report.checks.find((c) => c.kind === "provenance") };
}

describe("npm run verify: build provenance", () => {
  it("provenance naming another repository fails the PR with a message naming both", async () => {
    const r = await verifyWithProvenance("https://github.com/mallory/weather");
    expect(r.status).toBe(1);
    expect(r.provenance).toMatchObject({ status: "fail", code: "provenance/mismatch" });
    expect(r.stdout).toMatch(/provenance\/mismatch.*github\.com\/mallory\/weather.*github\.com\/alice-dev\/weather/);
  }, 60_000);

  it("provenance from the server's repository passes and is kept as evidence", async () => {
    const r = await verifyWithProvenance("https://github.com/Alice-Dev/weather");
    expect(r.provenance).toMatchObject({
      status: "pass",
      code: "provenance/verified",
      evidence: { fact: { sourceRepository: "github.com/alice-dev/weather" } },
    });
  }, 60_000);
});
