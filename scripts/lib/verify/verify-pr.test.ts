// The whole PR verification against real git repositories in temp folders and loopback fakes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeDnsServer, type FakeDnsServer } from "../../test/fakes/dns-server.ts";
import { createTempRepo, type TempRepo } from "../../test/fakes/git-repo.ts";
import { startFakeGitHub } from "../../test/fakes/github-api.ts";
import { startFakeServer, type FakeServer } from "../../test/fakes/http-server.ts";
import { CURRENT_SCHEMA_URL } from "../model.ts";
import { DEFAULT_ENDPOINTS } from "./endpoints.ts";
import { createGitRunner } from "./git.ts";
import { createTxtLookup } from "./dns.ts";
import { createGitHubIdentity } from "./github.ts";
import { createHttpClient } from "./http.ts";
import { createHttpProofFetcher } from "./http-proof.ts";
import { generateKey, parsePrivateKeyHex, signBytes, type PrivateKey } from "./keys.ts";
import { verifyPullRequest, type VerifyDeps } from "./verify-pr.ts";

const NS = "io.github.Alice-Dev";
const doc = (name: string, version: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify(
    { $schema: CURRENT_SCHEMA_URL, name, description: "Weather forecasts for tests.", version, ...extra },
    null,
    2,
  ) + "\n";
const npmPkg = (version: string) => ({
  packages: [{ registryType: "npm", identifier: "@alice/weather", version, transport: { type: "stdio" } }],
});
const key = generateKey("ed25519");
const privateKey = (parsePrivateKeyHex(key.privateKeyHex) as { kind: "ok"; key: PrivateKey }).key;

let github: FakeServer;
let npm: FakeServer;
let dns: FakeDnsServer;
let deps: (repo: TempRepo) => VerifyDeps;

beforeAll(async () => {
  github = await startFakeGitHub({ accounts: { "alice-dev": "user-alice.json" } });
  npm = await startFakeServer({
    "/@alice%2Fweather/1.1.0": { body: { name: "@alice/weather", version: "1.1.0", mcpName: `${NS}/weather` } },
    "/@alice%2Fweather/1.2.0": {
      body: { name: "@alice/weather", version: "1.2.0", mcpName: "io.github.someone/else" },
    },
  });
  dns = await startFakeDnsServer({ "example.com": [key.record] });
  const http = createHttpClient({ retries: 0, timeoutMs: 2000 });
  deps = (repo) => ({
    git: createGitRunner(repo.dir),
    blocklist: { namespaces: ["com.blocked"] },
    maintainers: { logins: ["maint-ana"] },
    online: {
      http,
      endpoints: {
        ...DEFAULT_ENDPOINTS,
        githubApi: github.url,
        npm: npm.url,
        dnsServer: dns.server,
        httpProofTemplate: `${npm.url}/{domain}/proof`,
      },
      namespace: {
        github: createGitHubIdentity({ baseUrl: github.url, fetch: http.fetch, userAgent: http.userAgent }),
        txt: createTxtLookup({ server: dns.server, timeoutMs: 300, tries: 1 }),
        fetchHttpProof: createHttpProofFetcher(http, `${npm.url}/{domain}/proof`),
        blocklist: { namespaces: ["com.blocked"] },
      },
    },
  });
});
afterAll(async () => {
  await Promise.all([github.close(), npm.close(), dns.close()]);
});

let repo: TempRepo;
afterEach(() => repo?.dispose());

/** main: one published version 1.0.0 of io.github.Alice-Dev/weather. Then branch pr. */
function baseRepo(): TempRepo {
  repo = createTempRepo();
  repo.write(`servers/${NS}/weather/1.0.0/server.json`, doc(`${NS}/weather`, "1.0.0"));
  repo.write("README.md", "registry\n");
  repo.commit("base");
  repo.git("checkout", "-q", "-b", "pr");
  return repo;
}
const run = (r: TempRepo, author = "alice-dev", offline = false) =>
  verifyPullRequest({ base: "main", head: "pr", author, offline }, deps(r));
const codes = (report: Awaited<ReturnType<typeof run>>, status?: string) =>
  report.checks.filter((c) => !status || c.status === status).map((c) => c.code);

describe("publishing", () => {
  it("passes a new version in the author's namespace whose npm package points back", async () => {
    const r = baseRepo();
    r.write(`servers/${NS}/weather/1.1.0/server.json`, doc(`${NS}/weather`, "1.1.0", npmPkg("1.1.0")));
    r.commit("1.1.0");
    const report = await run(r);
    expect(codes(report, "fail")).toEqual([]);
    expect(codes(report)).toEqual(
      expect.arrayContaining(["change/new-version", "schema/ok", "namespace/github-author", "npm/ok"]),
    );
    expect([report.ok, report.verdict]).toEqual([true, "pass"]);
  });

  it("warns about a new server whose name looks like one in another namespace, naming it; not about a new version", async () => {
    const r = baseRepo();
    const squat = "io.github.A1ice-Dev/weather"; // digit one for the letter l
    r.write(`servers/${squat}/1.0.0/server.json`, doc(squat, "1.0.0"));
    r.write(`servers/${NS}/weather/1.1.0/server.json`, doc(`${NS}/weather`, "1.1.0", npmPkg("1.1.0")));
    r.commit("look-alike");
    const report = await run(r, "mallory", true);
    const warnings = report.checks.filter((c) => c.code === "lookalike/resembles");
    expect(warnings).toMatchObject([
      {
        file: `servers/${squat}/1.0.0/server.json`,
        status: "pass",
        evidence: { resembles: [{ name: `${NS}/weather`, distance: 0 }] },
      },
    ]);
    expect(warnings[0]!.message).toContain(`looks like ${NS}/weather`);
  });

  it("fails when the package names another server", async () => {
    const r = baseRepo();
    r.write(`servers/${NS}/weather/1.2.0/server.json`, doc(`${NS}/weather`, "1.2.0", npmPkg("1.2.0")));
    r.commit("1.2.0");
    const report = await run(r);
    expect(codes(report, "fail")).toEqual(["npm/mcpname-mismatch"]);
    expect(report.verdict).toBe("fail");
  });

  it("fails a publish into someone else's namespace", async () => {
    const r = baseRepo();
    r.write(`servers/${NS}/weather/1.1.0/server.json`, doc(`${NS}/weather`, "1.1.0", npmPkg("1.1.0")));
    r.commit("1.1.0");
    expect(codes(await run(r, "mallory"), "fail")).toEqual(["namespace/not-owner"]);
  });

  it("fails a name that does not match its path", async () => {
    const r = baseRepo();
    r.write(`servers/${NS}/weather/1.3.0/server.json`, doc(`${NS}/other`, "1.3.0"));
    r.commit("mismatch");
    expect(codes(await run(r), "fail")).toContain("layout/name-mismatch");
  });

  it("proves a domain namespace with a signature over the exact bytes", async () => {
    const r = baseRepo();
    const bytes = Buffer.from(doc("com.example/weather", "1.0.0"));
    r.write("servers/com.example/weather/1.0.0/server.json", bytes);
    r.write("servers/com.example/weather/1.0.0/server.json.sig", signBytes(privateKey, bytes) + "\n");
    r.commit("domain");
    const report = await run(r, "anyone");
    expect(codes(report, "fail")).toEqual([]);
    expect(codes(report)).toContain("namespace/dns-signature");
  });

  it("refuses a domain publish without a signature, and a blocked namespace", async () => {
    const r = baseRepo();
    r.write("servers/com.example/weather/1.0.0/server.json", doc("com.example/weather", "1.0.0"));
    r.write("servers/com.blocked/xy/1.0.0/server.json", doc("com.blocked/xy", "1.0.0"));
    r.commit("domain");
    expect(codes(await run(r, "anyone"), "fail").sort()).toEqual(["namespace/blocked", "namespace/signature-missing"]);
  });
});

describe("immutability", () => {
  it("refuses an edited merged server.json", async () => {
    const r = baseRepo();
    r.write(`servers/${NS}/weather/1.0.0/server.json`, doc(`${NS}/weather`, "1.0.0", { title: "Edited" }));
    r.commit("edit");
    expect(codes(await run(r), "fail")).toEqual(["change/immutable"]);
  });

  it("refuses a deleted and a renamed server.json", async () => {
    const r = baseRepo();
    r.remove(`servers/${NS}/weather/1.0.0/server.json`);
    r.commit("delete");
    expect(codes(await run(r), "fail")).toEqual(["change/immutable"]);
    r.write(`servers/${NS}/weather/9.0.0/server.json`, doc(`${NS}/weather`, "1.0.0"));
    r.commit("rename");
    const report = await run(r);
    expect(report.checks.find((c) => c.code === "change/immutable")?.evidence.renamedTo).toBe(
      `servers/${NS}/weather/9.0.0/server.json`,
    );
  });

  it("never reuses a version string, also after deletion and in another letter case", async () => {
    repo = createTempRepo();
    repo.write(`servers/${NS}/weather/2.0.0-RC/server.json`, doc(`${NS}/weather`, "2.0.0-RC"));
    repo.commit("publish rc");
    repo.remove(`servers/${NS}/weather/2.0.0-RC/server.json`);
    repo.commit("maintainer removed it");
    repo.git("checkout", "-q", "-b", "pr");
    repo.write(`servers/${NS}/weather/2.0.0-rc/server.json`, doc(`${NS}/weather`, "2.0.0-rc"));
    repo.commit("again");
    expect(codes(await run(repo), "fail")).toEqual(["change/version-reused"]);
  });
});

describe("file types and paths", () => {
  it("refuses a symlink to outside the tree", async () => {
    const r = baseRepo();
    r.symlink(`servers/${NS}/weather/1.1.0/server.json`, "/etc/passwd");
    r.commit("link");
    const failed = codes(await run(r), "fail");
    expect(failed).toContain("change/symlink");
    expect(failed).not.toContain("schema/ok");
  });

  it("refuses an executable file and a submodule", async () => {
    const r = baseRepo();
    r.write(`servers/${NS}/weather/1.1.0/server.json`, doc(`${NS}/weather`, "1.1.0"));
    r.chmodExec(`servers/${NS}/weather/1.1.0/server.json`);
    r.commit("exec");
    r.git(
      "update-index",
      "--add",
      "--cacheinfo",
      `160000,${r.git("rev-parse", "main")},servers/${NS}/weather/1.2.0/server.json`,
    );
    r.git("commit", "-q", "-m", "submodule");
    const failed = codes(await run(r), "fail");
    expect(failed).toEqual(expect.arrayContaining(["change/executable", "change/submodule"]));
  });

  it("refuses a path that climbs out, crafted into a git tree", async () => {
    const r = baseRepo();
    const blob = r.git("hash-object", "-w", "--stdin", "--path=x");
    const evil = mktree(r, [`100644 blob ${blob}\tpasswd`]);
    const dotdot = mktree(r, [`040000 tree ${evil}\t..`]);
    const ns = mktree(r, [`040000 tree ${dotdot}\tweather`]);
    const servers = mktree(r, [`040000 tree ${ns}\tio.github.Alice-Dev`]);
    const root = mktree(r, [`040000 tree ${servers}\tservers`]);
    const commit = r.git("commit-tree", root, "-p", "main", "-m", "climb");
    r.git("update-ref", "refs/heads/pr", commit);
    const started = Date.now();
    const report = await run(r);
    expect(codes(report, "fail")).toContain("change/unsafe-path");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("marks files outside servers/ as needing maintainer review, never a pass", async () => {
    const r = baseRepo();
    r.write("README.md", "changed\n");
    r.commit("docs");
    const report = await run(r);
    expect([report.ok, report.verdict]).toEqual([false, "needs-review"]);
  });

  it("refuses any change to receipts/, a maintainer's too; a PR that leaves receipts alone passes the rule", async () => {
    const r = baseRepo();
    r.write(`receipts/${NS}/weather/1.0.0.json`, '{"receipt":1,"checks":[]}\n');
    r.commit("forge a receipt");
    for (const author of ["alice-dev", "maint-ana"]) {
      const report = await run(r, author, true);
      expect(report.checks.filter((c) => c.status === "fail").map((c) => [c.file, c.code])).toEqual([
        [`receipts/${NS}/weather/1.0.0.json`, "change/receipt-file"],
      ]);
      expect(report.verdict).toBe("fail");
    }
    r.dispose();
    const clean = baseRepo();
    clean.write(`servers/${NS}/weather/1.1.0/server.json`, doc(`${NS}/weather`, "1.1.0"));
    clean.commit("1.1.0");
    expect(codes(await run(clean, "alice-dev", true))).not.toContain("change/receipt-file");
  });
});

describe("the build's verdict: the whole head tree, with the blame on the PR's files", () => {
  const failures = (report: Awaited<ReturnType<typeof run>>) =>
    report.checks.filter((c) => c.status === "fail").map((c) => [c.file, c.code]);

  it("a new server whose name differs only in case from an existing one fails on the NEW file, naming the existing one as the other party", async () => {
    const r = baseRepo();
    const file = `servers/${NS}/Weather/2.0.0/server.json`;
    r.write(file, doc(`${NS}/Weather`, "2.0.0"));
    r.commit("case variant");
    const report = await run(r, "alice-dev", true);
    expect(failures(report)).toEqual([[file, "tree/name-case-conflict"]]);
    const message = report.checks.find((c) => c.code === "tree/name-case-conflict")?.message ?? "";
    // The rule's finding on the PR's file: the existing server and its file as the other party, and what to change.
    expect(message).toContain(
      `server name "${NS}/Weather" differs only in letter case from the server "${NS}/weather" (servers/${NS}/weather/1.0.0/server.json)`,
    );
    expect(message).toContain(`use "${NS}/weather" (publish a new version of that server) or a clearly different name`);
    expect(report.checks.some((c) => c.file === `servers/${NS}/weather/1.0.0/server.json`)).toBe(false);
    expect(report.verdict).toBe("fail");
  });

  it("a version folder that differs only in case from an existing one fails on the new file", async () => {
    const r = baseRepo();
    r.git("checkout", "-q", "main");
    r.write(`servers/${NS}/weather/1.0.0-rc/server.json`, doc(`${NS}/weather`, "1.0.0-rc"));
    r.commit("rc");
    r.git("checkout", "-q", "-B", "pr");
    const file = `servers/${NS}/weather/1.0.0-RC/server.json`;
    r.write(file, doc(`${NS}/weather`, "1.0.0-RC"));
    r.commit("RC");
    const report = await run(r, "alice-dev", true);
    // The change rules refuse the reused version string; the layout rule reports the PR's version folder,
    // naming the existing one as the other party, and nothing on the existing folder.
    const folder = file.slice(0, -"/server.json".length);
    expect(failures(report).sort()).toEqual(
      [
        [folder, "layout/version-case-conflict"],
        [file, "change/version-reused"],
      ].sort(),
    );
    const message = report.checks.find((c) => c.code === "layout/version-case-conflict")?.message ?? "";
    expect(message).toContain(
      `version folder "1.0.0-RC" differs only in letter case or Unicode normal form from "1.0.0-rc" (servers/${NS}/weather/1.0.0-rc)`,
    );
  });

  it("an error the base branch already has is not the PR's fault, but the verdict is never pass", async () => {
    const r = baseRepo();
    r.git("checkout", "-q", "main");
    const broken = `servers/${NS}/broken/1.0.0/server.json`;
    r.write(broken, doc(`${NS}/broken`, "1.0.0", { websiteUrl: "http://x.example.com" }));
    r.commit("broken main");
    r.git("checkout", "-q", "-B", "pr");
    r.write(`servers/${NS}/weather/1.1.0/server.json`, doc(`${NS}/weather`, "1.1.0"));
    r.commit("1.1.0");
    const report = await run(r, "alice-dev", true);
    expect(failures(report)).toEqual([]);
    const inherited = report.checks.filter((c) => c.file === broken);
    expect(inherited.length).toBeGreaterThan(0);
    expect(
      inherited.every((c) => c.status === "error" && c.message.startsWith("already wrong on the base branch")),
    ).toBe(true);
    expect(report.verdict).toBe("error");
  });
});

describe("status changes", () => {
  it("lets the namespace owner deprecate a version, and nobody else", async () => {
    const r = baseRepo();
    r.write(`servers/${NS}/weather/1.0.0/status.yaml`, "status: deprecated\nstatusMessage: Use 1.1.0\n");
    r.commit("deprecate");
    const own = await run(r);
    expect(codes(own, "fail")).toEqual([]);
    expect(codes(own)).toEqual(expect.arrayContaining(["change/status", "namespace/github-author"]));
    expect(codes(await run(r, "mallory"), "fail")).toEqual(["namespace/not-owner"]);
  });

  it("refuses a status file for a version that does not exist", async () => {
    const r = baseRepo();
    r.write(`servers/${NS}/weather/7.0.0/status.yaml`, "status: deleted\n");
    r.commit("ghost");
    expect(codes(await run(r), "fail")).toContain("change/status-without-version");
  });
});

describe("the maintainer route (maintainers from the base checkout)", () => {
  const IMPORT_YAML =
    "source: https://registry.modelcontextprotocol.io\npublishedAt: 2025-10-01T00:00:00Z\nupdatedAt: 2025-10-01T00:00:00Z\nstatusChangedAt: 2025-10-01T00:00:00Z\n";
  const byCode = (report: Awaited<ReturnType<typeof run>>) =>
    Object.fromEntries(report.checks.map((c) => [c.code, c.status]));

  it("a maintainer takes down a version of any namespace (with a reason); anyone else is told a maintainer must", async () => {
    const r = baseRepo();
    r.write(
      `servers/${NS}/weather/1.0.0/status.yaml`,
      'status: deleted\nstatusMessage: "Takedown: malware reported in #123"\n',
    );
    r.commit("takedown");
    const maintainer = await run(r, "Maint-Ana");
    expect(byCode(maintainer)).toMatchObject({ "change/status": "pass", "maintainer/status": "pass" });
    expect(maintainer.checks.find((c) => c.code === "maintainer/status")?.message).toContain(
      "allowed by maintainer rule maintainer/status",
    );
    expect(maintainer.verdict).toBe("pass");
    const other = await run(r, "mallory");
    expect(codes(other, "fail")).toEqual(["namespace/not-owner"]);
    expect(other.checks.find((c) => c.code === "namespace/not-owner")?.message).toMatch(/is done by a maintainer/);
  });

  it("a maintainer's takedown without a reason fails; a restore passes", async () => {
    const r = baseRepo();
    r.write(`servers/${NS}/weather/1.0.0/status.yaml`, "status: deleted\n");
    r.commit("takedown");
    expect(codes(await run(r, "maint-ana"), "fail")).toEqual(["maintainer/takedown-reason"]);
    r.git("checkout", "-q", "main");
    r.write(`servers/${NS}/weather/1.0.0/status.yaml`, "status: deleted\nstatusMessage: withdrawn\n");
    r.commit("deleted on main");
    r.git("checkout", "-q", "-B", "pr");
    r.remove(`servers/${NS}/weather/1.0.0/status.yaml`);
    r.commit("restore");
    const restore = await run(r, "maint-ana");
    expect([codes(restore, "fail"), restore.verdict]).toEqual([[], "pass"]);
    expect(restore.checks.find((c) => c.code === "maintainer/status")?.message).toMatch(/restores/);
  });

  it("a maintainer's import (server.json + import.yaml) passes without a namespace proof; anyone else's fails", async () => {
    const r = baseRepo();
    r.write("servers/io.github.someone/tool/1.0.0/server.json", doc("io.github.someone/tool", "1.0.0"));
    r.write("servers/io.github.someone/tool/1.0.0/import.yaml", IMPORT_YAML);
    r.commit("import");
    const maintainer = await run(r, "maint-ana");
    expect(byCode(maintainer)).toMatchObject({ "maintainer/import": "pass", "change/new-version": "pass" });
    expect([codes(maintainer, "fail"), maintainer.verdict]).toEqual([[], "pass"]);
    const other = await run(r, "alice-dev");
    expect(codes(other, "fail")).toContain("change/maintainer-file");
    expect(other.verdict).toBe("fail");
    expect(other.checks.find((c) => c.code === "change/maintainer-file")?.message).toMatch(
      /a maintainer must open this pull request/,
    );
  });

  it("scripts/policy/ is a maintainer's to edit; the maintainers file too, and the check says who changes", async () => {
    const r = baseRepo();
    r.write("scripts/policy/blocklist.yaml", "namespaces: [com.spam]\n");
    r.write("scripts/policy/maintainers.yaml", "maintainers: [maint-ana, new-one]\n");
    r.commit("policy");
    const maintainer = await run(r, "maint-ana");
    expect(byCode(maintainer)).toMatchObject({ "maintainer/policy": "pass", "maintainer/maintainers-file": "pass" });
    expect(maintainer.checks.find((c) => c.code === "maintainer/maintainers-file")?.message).toContain(
      "adds maint-ana, new-one",
    );
    expect(maintainer.verdict).toBe("pass");
    const other = await run(r, "alice-dev");
    expect(codes(other, "fail")).toEqual(["maintainer/required", "maintainer/required"]);
    expect(other.verdict).toBe("fail");
  });
});

describe("--offline", () => {
  it("skips the network checks and never passes", async () => {
    const r = baseRepo();
    r.write(`servers/${NS}/weather/1.1.0/server.json`, doc(`${NS}/weather`, "1.1.0", npmPkg("1.1.0")));
    r.commit("1.1.0");
    const report = await run(r, "alice-dev", true);
    expect(codes(report, "skip").sort()).toEqual(["namespace/skipped", "npm/skipped"]);
    expect([report.ok, report.verdict]).toEqual([false, "incomplete"]);
  });
});

function mktree(r: TempRepo, lines: string[]): string {
  return require_exec(r.dir, ["mktree"], lines.join("\n") + "\n");
}
function require_exec(cwd: string, args: string[], input: string): string {
  return execFileSync("git", args, { cwd, input, encoding: "utf8" }).trim();
}
import { execFileSync } from "node:child_process";
