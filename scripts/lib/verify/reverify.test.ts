// Nightly re-verification against loopback npm, DNS and GitHub fakes.
import { Octokit } from "@octokit/rest";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeDnsServer, type FakeDnsServer } from "../../test/fakes/dns-server.ts";
import { startFakeGitHubPrApi } from "../../test/fakes/github-pr-api.ts";
import { startFakeServer, type FakeServer } from "../../test/fakes/http-server.ts";
import { makeTree, serverJson } from "../../test/temp-tree.ts";
import { buildModel } from "../build.ts";
import { gitBlobId } from "../git-blob.ts";
import { parseReceipt, serializeReceipt } from "../receipt.ts";
import { sampleReceipt } from "../../test/receipts.ts";
import { readHistory } from "../git-history.ts";
import { checkTree } from "../pipeline.ts";
import {
  appendToReceipts,
  publishHealthReport,
  renderHealthMarkdown,
  reverifyAll,
  reverifyTargets,
  sameHealth,
  updateHealthIssue,
  type HealthReport,
} from "./reverify.ts";
import { DEFAULT_ENDPOINTS } from "./endpoints.ts";
import { createTxtLookup } from "./dns.ts";
import { createGitHubIdentity } from "./github.ts";
import { createHttpProofFetcher } from "./http-proof.ts";
import { createHttpClient } from "./http.ts";
import { generateKey, parsePrivateKeyHex, signBytes } from "./keys.ts";

const closers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
});
const track = <T extends { close(): Promise<void> }>(x: T) => (closers.push(x), x);

const npmPkg = (identifier: string, version: string) => ({
  packages: [{ registryType: "npm", identifier, version, transport: { type: "stdio" } }],
});
const json = (v: unknown) => JSON.stringify(v, null, 2) + "\n";
const key = generateKey("ed25519");

function fixtureTree() {
  const domainDoc = json(serverJson("com.example/tool", "1.0.0", npmPkg("example-tool", "1.0.0")));
  const parsed = parsePrivateKeyHex(key.privateKeyHex);
  if (parsed.kind !== "ok") throw new Error(parsed.reason);
  return makeTree({
    "servers/io.github.alice/weather/1.0.0/server.json": json(
      serverJson("io.github.alice/weather", "1.0.0", npmPkg("@alice/weather", "1.0.0")),
    ),
    "servers/io.github.alice/weather/1.1.0/server.json": json(
      serverJson("io.github.alice/weather", "1.1.0", npmPkg("@alice/weather", "1.1.0")),
    ),
    "servers/io.github.bob/tides/2.0.0/server.json": json(
      serverJson("io.github.bob/tides", "2.0.0", npmPkg("@bob/tides", "2.0.0")),
    ),
    "servers/io.github.bob/gone/1.0.0/server.json": json(
      serverJson("io.github.bob/gone", "1.0.0", npmPkg("@bob/gone", "1.0.0")),
    ),
    "servers/io.github.bob/gone/1.0.0/status.yaml": "status: deleted\nstatusMessage: takedown\n",
    "servers/com.example/tool/1.0.0/server.json": domainDoc,
    "servers/com.example/tool/1.0.0/server.json.sig": signBytes(parsed.key, new TextEncoder().encode(domainDoc)) + "\n",
  });
}

async function fakes(dnsRecords: Record<string, string[]>) {
  const npm = track(
    await startFakeServer({
      "/@alice%2Fweather/1.1.0": {
        body: { name: "@alice/weather", version: "1.1.0", mcpName: "io.github.alice/weather" },
      },
      "/@bob%2Ftides/2.0.0": { body: { name: "@bob/tides", version: "2.0.0" } },
      "/example-tool/1.0.0": { body: { name: "example-tool", version: "1.0.0", mcpName: "com.example/tool" } },
    }),
  );
  const dns = track(await startFakeDnsServer(dnsRecords));
  const proof = track(await startFakeServer({}));
  return { npm, dns, proof };
}

function deps(f: { npm: FakeServer; dns: FakeDnsServer; proof: FakeServer }) {
  const http = createHttpClient({ retries: 0, timeoutMs: 2000 });
  const endpoints = {
    ...DEFAULT_ENDPOINTS,
    npm: f.npm.url,
    githubApi: "http://127.0.0.1:9",
    dnsServer: f.dns.server,
    httpProofTemplate: `${f.proof.url}/{domain}`,
  };
  return {
    http,
    endpoints,
    now: () => new Date("2026-11-21T03:17:00.123Z"),
    namespace: {
      github: createGitHubIdentity({ baseUrl: endpoints.githubApi, fetch: http.fetch, userAgent: http.userAgent }),
      txt: createTxtLookup({ server: f.dns.server }),
      fetchHttpProof: createHttpProofFetcher(http, endpoints.httpProofTemplate),
      blocklist: { namespaces: [] },
    },
  };
}

function targetsOf(dir: string, only?: string) {
  const { loaded } = checkTree("servers", dir);
  const model = buildModel(loaded.versions, readHistory(path.join(dir, "servers"), { run: () => null }));
  const bytes = new Map(loaded.versions.map((v) => [v.file, v.bytes]));
  return reverifyTargets(
    model,
    (file) => (fs.existsSync(path.join(dir, file)) ? fs.readFileSync(path.join(dir, file), "utf8") : undefined),
    (file) => bytes.get(file)!,
    only,
  );
}

describe("reverify", () => {
  it("checks the latest live version of every server: back-references and domain keys", async () => {
    const dir = fixtureTree();
    const targets = targetsOf(dir);
    expect(targets.map((t) => `${t.name}@${t.version}`)).toEqual([
      "com.example/tool@1.0.0",
      "io.github.alice/weather@1.1.0",
      "io.github.bob/tides@2.0.0",
    ]);
    const report = await reverifyAll(targets, deps(await fakes({ "example.com": [key.record] })));
    expect(report.checkedAt).toBe("2026-11-21T03:17:00Z");
    expect(report.counts).toEqual({ ok: 2, broken: 1, error: 0 });
    expect(report.servers.map((s) => [s.name, s.status, s.checks.map((c) => c.code)])).toEqual([
      ["com.example/tool", "ok", ["namespace/dns-signature", "npm/ok"]],
      ["io.github.alice/weather", "ok", ["npm/ok"]],
      ["io.github.bob/tides", "broken", ["npm/mcpname-missing"]],
    ]);
  });

  it("a key the domain no longer publishes breaks the domain server", async () => {
    const report = await reverifyAll(targetsOf(fixtureTree(), "com.example/tool"), deps(await fakes({})));
    expect(report.servers[0]?.status).toBe("broken");
    expect(report.servers[0]?.checks[0]?.status).toBe("fail");
  });

  it("a registry that does not answer is an error (could not check), not broken", async () => {
    const d = deps(await fakes({}));
    const report = await reverifyAll(targetsOf(fixtureTree(), "io.github.alice/weather"), {
      ...d,
      endpoints: { ...d.endpoints, npm: "http://127.0.0.1:9" },
    });
    expect(report.counts).toEqual({ ok: 0, broken: 0, error: 1 });
  });

  it("renders the issue text with what broke and the way to act, escaping registry text", () => {
    const report: HealthReport = {
      version: 1,
      checkedAt: "2026-11-21T03:17:00Z",
      counts: { ok: 0, broken: 1, error: 0 },
      servers: [
        {
          name: "io.github.bob/tides",
          version: "2.0.0",
          file: "f",
          status: "broken",
          checks: [
            { kind: "npm", status: "fail", code: "npm/mcpname-mismatch", message: "got '<b>@x|y</b>'", evidence: {} },
          ],
        },
      ],
    };
    const md = renderHealthMarkdown(report);
    expect(md).toContain(
      "| `io.github.bob/tides` | `2.0.0` | ❌ broken | npm: got '&lt;b&gt;&#64;x&#124;y&lt;/b&gt;' (`npm/mcpname-mismatch`) |",
    );
    expect(md).toContain("Nothing was changed automatically");
  });
});

describe("the issue and the published report", () => {
  const report = (broken: number, checkedAt = "2026-11-21T03:17:00Z"): HealthReport => ({
    version: 1,
    checkedAt,
    counts: { ok: 1 - Math.min(broken, 1), broken, error: 0 },
    servers: [
      { name: "io.github.bob/tides", version: "2.0.0", file: "f", status: broken ? "broken" : "ok", checks: [] },
    ],
  });

  it("opens one issue, updates it while something is broken, closes it when all is well", async () => {
    const gh = track(await startFakeGitHubPrApi("o", "r"));
    const octokit = new Octokit({ baseUrl: gh.url, auth: "t" });
    expect(await updateHealthIssue(octokit, { owner: "o", repo: "r" }, report(0))).toEqual({ kind: "none" });
    const opened = await updateHealthIssue(octokit, { owner: "o", repo: "r" }, report(1));
    expect(opened.kind).toBe("opened");
    expect(gh.state.issues[0]).toMatchObject({
      labels: ["reverify"],
      state: "open",
      title: "Nightly re-verification: 1 broken, 0 could not be checked",
    });
    expect((await updateHealthIssue(octokit, { owner: "o", repo: "r" }, report(1))).kind).toBe("updated");
    expect(gh.state.issues).toHaveLength(1);
    expect((await updateHealthIssue(octokit, { owner: "o", repo: "r" }, report(0))).kind).toBe("closed");
    expect(gh.state.issues[0]?.state).toBe("closed");
  });

  it("commits site/data/health.json only when the findings change", async () => {
    const gh = track(await startFakeGitHubPrApi("o", "r"));
    const octokit = new Octokit({ baseUrl: gh.url, auth: "t" });
    expect((await publishHealthReport(octokit, { owner: "o", repo: "r" }, report(1), "main")).kind).toBe("committed");
    expect(
      (await publishHealthReport(octokit, { owner: "o", repo: "r" }, report(1, "2026-11-22T03:17:00Z"), "main")).kind,
    ).toBe("unchanged");
    expect((await publishHealthReport(octokit, { owner: "o", repo: "r" }, report(0), "main")).kind).toBe("committed");
    const file = gh.state.files.get("site/data/health.json");
    expect(JSON.parse(file?.content ?? "{}").counts).toEqual({ ok: 1, broken: 0, error: 0 });
    expect(file?.message).toContain("nightly re-verification");
    expect(sameHealth(report(0), null)).toBe(false);
  });

  it("appends a changed outcome to the version's receipt, in place of the committed blob, and skips the rest", async () => {
    const gh = track(await startFakeGitHubPrApi("o", "r"));
    const octokit = new Octokit({ baseUrl: gh.url, auth: "t" });
    const path = "receipts/io.github.bob/tides/2.0.0.json";
    const committed = new Map<string, Uint8Array>([
      [
        path,
        Buffer.from(
          serializeReceipt({
            ...sampleReceipt("io.github.bob/tides", "2.0.0"),
            reverifications: [],
          }),
        ),
      ],
    ]);
    const seed = (bytes: Uint8Array) =>
      gh.state.files.set(path, { path, content: Buffer.from(bytes).toString("utf8"), sha: gitBlobId(bytes) });
    seed(committed.get(path)!);
    const read = (p: string) => committed.get(p);
    expect(await appendToReceipts(octokit, { owner: "o", repo: "r" }, report(0), "main", read)).toEqual([path]);
    const after = parseReceipt(gh.state.files.get(path)!.content, { name: "io.github.bob/tides", version: "2.0.0" });
    if (after.kind !== "ok") throw new Error(after.reason);
    expect(after.receipt.reverifications).toEqual([{ at: "2026-11-21T03:17:00Z", outcome: "ok", checks: [] }]);
    expect(gh.state.files.get(path)!.message).toBe(
      "receipt: io.github.bob/tides 2.0.0 re-verified ok (nightly re-verification)",
    );

    // The next checkout has the appended receipt: the same outcome writes nothing, a new one appends.
    const next = Buffer.from(gh.state.files.get(path)!.content);
    committed.set(path, next);
    seed(next);
    expect(
      await appendToReceipts(octokit, { owner: "o", repo: "r" }, report(0, "2026-11-22T03:17:00Z"), "main", read),
    ).toEqual([]);
    expect(await appendToReceipts(octokit, { owner: "o", repo: "r" }, report(1), "main", read)).toEqual([path]);
    // A server without a receipt is left alone.
    expect(await appendToReceipts(octokit, { owner: "o", repo: "r" }, report(1), "main", () => undefined)).toEqual([]);
  });
});

describe("npm run reverify", () => {
  const run = promisify(execFile);
  it("--server re-runs one server on demand and exits 1 when it is broken", async () => {
    const dir = fixtureTree();
    fs.mkdirSync(path.join(dir, "scripts/policy"), { recursive: true });
    fs.writeFileSync(path.join(dir, "scripts/policy/blocklist.yaml"), "namespaces: []\n");
    const f = await fakes({});
    const env = {
      PATH: process.env.PATH,
      REGISTRY_NPM_URL: f.npm.url,
      REGISTRY_GITHUB_API_URL: "http://127.0.0.1:9",
      REGISTRY_DNS_SERVER: f.dns.server,
      REGISTRY_HTTP_TIMEOUT_MS: "2000",
    };
    const script = path.resolve(import.meta.dirname, "../../reverify.ts");
    const result = await run(
      process.execPath,
      ["--import", import.meta.resolve("tsx/esm"), script, "--server", "io.github.bob/tides", "--out", "out"],
      { cwd: dir, env },
    ).catch((e: { code: number; stdout: string }) => e);
    expect(result).toMatchObject({ code: 1 });
    expect((result as { stdout: string }).stdout).toContain("broken io.github.bob/tides 2.0.0");
    const health = JSON.parse(fs.readFileSync(path.join(dir, "out/health.json"), "utf8")) as HealthReport;
    expect(health.servers.map((s) => s.name)).toEqual(["io.github.bob/tides"]);
    const ok = await run(
      process.execPath,
      ["--import", import.meta.resolve("tsx/esm"), script, "--server", "io.github.alice/weather", "--out", "out"],
      { cwd: dir, env },
    );
    expect(ok.stdout).toContain("1 ok, 0 broken");
  }, 30_000);
});
