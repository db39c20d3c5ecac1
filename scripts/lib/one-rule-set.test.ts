// One corpus of documents, valid and invalid (the cases the old copies of the rules disagreed on among
// them), through every entry point that judges documents offline: the validate CLI, checkTree (validate's
// core), the build, the PR verifier's offline part and the import path. They must find exactly the same.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTempRepo } from "../test/fakes/git-repo.ts";
import { makeTree, serverJson } from "../test/temp-tree.ts";
import type { Diagnostic } from "./diagnostics.ts";
import { entriesFromFile, fsServersStore, Importer, prepareEntry } from "./tools/import.ts";
import { buildRegistryInto, checkTree } from "./pipeline.ts";
import { createGitRunner } from "./verify/git.ts";
import { verifyPullRequest } from "./verify/verify-pr.ts";

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const NS = "io.github.corpus";
const SHA = "fe333e598595000ae021bd27117db32ec69af6987f507ba7a63c90638ff633ce";
const npm = (extra: Record<string, unknown> = {}) => ({
  registryType: "npm",
  identifier: "@corpus/pkg",
  version: "1.0.0",
  transport: { type: "stdio" },
  ...extra,
});
const oci = (identifier: string) => ({ registryType: "oci", identifier, transport: { type: "stdio" } });
const mcpb = (identifier: string) => ({
  registryType: "mcpb",
  identifier,
  fileSha256: SHA,
  transport: { type: "stdio" },
});
const remote = (url: string, variables?: Record<string, unknown>) => ({
  type: "streamable-http",
  url,
  ...(variables ? { variables } : {}),
});
const env = (...names: string[]) => ({ packages: [npm({ environmentVariables: names.map((name) => ({ name })) })] });

interface Case {
  readonly name: string;
  readonly version?: string;
  /** Extra fields of the document, or its raw text (for numbers JSON.stringify cannot write). */
  readonly doc: Record<string, unknown> | ((name: string, version: string) => string);
  /** The codes every entry point must report for this document (empty: valid). */
  readonly codes: readonly string[];
}

// The existing tree the corpus is added to.
const BASE = {
  [`servers/io.github.hp/existing/1.0.0/server.json`]: serverJson("io.github.hp/existing", "1.0.0", {
    remotes: [remote("https://taken.example.com/mcp")],
  }),
};

const CORPUS: Case[] = [
  { name: "plain", doc: { packages: [npm()] }, codes: [] },
  {
    name: "remote-port-var",
    doc: { remotes: [remote("https://api.example.com:{port}/mcp", { port: {} })] },
    codes: [],
  },
  // Disputed: verify's copy substituted `:{x}` first and accepted this; upstream replaces {host} first.
  {
    name: "remote-host-as-port",
    doc: { remotes: [remote("https://api.example.com:{host}/mcp", { host: {} })] },
    codes: ["remote/invalid-url"],
  },
  { name: "remote-http", doc: { remotes: [remote("http://api.example.com/mcp")] }, codes: ["remote/invalid-url"] },
  {
    name: "remote-undefined-var",
    doc: { remotes: [remote("https://{tenant}.example.com/mcp")] },
    codes: ["remote/undefined-variable"],
  },
  // Disputed: verify's copy refused `-img` (distribution grammar); go-containerregistry accepts it.
  { name: "oci-dash", doc: { packages: [oci("ghcr.io/acme/-img:1")] }, codes: [] },
  { name: "oci-short-repo", doc: { packages: [oci("ghcr.io/a:1")] }, codes: ["package/oci-invalid-reference"] },
  {
    name: "oci-registry",
    doc: { packages: [oci("registry.example.com/acme/img:1")] },
    codes: ["package/oci-unsupported-registry"],
  },
  { name: "oci-empty", doc: { packages: [oci("")] }, codes: ["package/identifier-required"] },
  { name: "npm-empty", doc: { packages: [npm({ identifier: "" })] }, codes: ["package/identifier-required"] },
  {
    name: "mcpb-ok",
    doc: { packages: [mcpb("https://github.com/corpus/srv-mcp/releases/download/v1/srv.mcpb")] },
    codes: [],
  },
  // Disputed: WHATWG URL keeps %2F in the path (verify's copy passed it); Go decodes it into a slash.
  {
    name: "mcpb-escaped-slash",
    doc: { packages: [mcpb("https://github.com/corpus/srv-mcp/releases/download/v1/a%2Fb.mcpb")] },
    codes: ["package/mcpb-not-release-asset"],
  },
  { name: "mcpb-empty", doc: { packages: [mcpb("")] }, codes: ["package/identifier-required"] },
  { name: "env-proto", doc: env("__proto__", "API_KEY"), codes: [] },
  { name: "env-shell", doc: env("X=$(touch${IFS}pwned)"), codes: ["env-var/invalid-name"] },
  { name: "env-newline", doc: env("A\nB"), codes: ["env-var/invalid-name"] },
  { name: "env-digit", doc: env("1ABC"), codes: ["env-var/invalid-name"] },
  { name: "env-dash", doc: env("A-B"), codes: ["env-var/invalid-name"] },
  { name: "version-zwj", version: "1.0.0\u200d", doc: {}, codes: ["version/invisible-character"] },
  { name: "version-bidi", version: "\u202e1.0.0", doc: {}, codes: ["version/invisible-character"] },
  { name: "version-nfd", version: "1.0.0-cafe\u0301", doc: {}, codes: ["version/not-nfc"] },
  { name: "version-nfc", version: "1.0.0-caf\u00e9", doc: {}, codes: [] },
  {
    name: "remote-taken",
    doc: { remotes: [remote("https://taken.example.com/mcp")] },
    codes: ["tree/remote-url-duplicate"],
  },
  {
    name: "number-ok",
    doc: (n, v) =>
      `{"$schema": ${JSON.stringify(serverJson(n, v)["$schema"])}, "name": "${n}", "description": "d", "version": "${v}", "_meta": {"io.modelcontextprotocol.registry/publisher-provided": {"a": -0, "b": 1.0, "c": 9007199254740992}}}\n`,
    codes: [],
  },
  {
    name: "number-inf",
    doc: (n, v) =>
      `{"$schema": ${JSON.stringify(serverJson(n, v)["$schema"])}, "name": "${n}", "description": "d", "version": "${v}", "_meta": {"io.modelcontextprotocol.registry/publisher-provided": {"big": 1e400}}}\n`,
    codes: ["json/number-not-exact"],
  },
  {
    name: "number-2p53",
    doc: (n, v) =>
      `{"$schema": ${JSON.stringify(serverJson(n, v)["$schema"])}, "name": "${n}", "description": "d", "version": "${v}", "_meta": {"io.modelcontextprotocol.registry/publisher-provided": {"id": 9007199254740993}}}\n`,
    codes: ["json/number-not-exact"],
  },
];
// A namespace that is an existing one in another case: the whole namespace is one folder on macOS/Windows.
const NS_CLASH: Case = { name: "io.github.HP/clash", doc: {}, codes: ["tree/namespace-case-conflict"] };

const nameOf = (c: Case) => (c.name.includes("/") ? c.name : `${NS}/${c.name}`);
const versionOf = (c: Case) => c.version ?? "1.0.0";
const fileOf = (c: Case) => `servers/${nameOf(c)}/${versionOf(c)}/server.json`;
const textOf = (c: Case) =>
  typeof c.doc === "function"
    ? c.doc(nameOf(c), versionOf(c))
    : JSON.stringify(serverJson(nameOf(c), versionOf(c), c.doc), null, 2) + "\n";
const ALL = [...CORPUS, NS_CLASH];
const corpusFiles = Object.fromEntries(ALL.map((c) => [fileOf(c), textOf(c)]));

const errorCodesByFile = (ds: readonly { file: string; code: string; severity?: string; status?: string }[]) => {
  const out = new Map<string, string[]>();
  for (const d of ds) out.set(d.file, [...(out.get(d.file) ?? []), d.code]);
  return out;
};
const codesOf = (byFile: Map<string, string[]>, c: Case) => [...(byFile.get(fileOf(c)) ?? [])].sort();

describe("one rule set: every offline entry point finds the same in one corpus", () => {
  let dir = "";
  let whole: Diagnostic[] = [];
  let byFile = new Map<string, string[]>();
  beforeAll(() => {
    dir = makeTree({ ...BASE, ...corpusFiles }, fs.mkdtempSync(path.join(os.tmpdir(), "one-rule-set-")));
    whole = checkTree("servers", dir).diagnostics.filter((d) => d.severity === "error");
    byFile = errorCodesByFile(whole);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(ALL.map((c) => [c.name, c] as const))("validate (checkTree): %s", (_n, c) => {
    expect(codesOf(byFile, c)).toEqual([...c.codes].sort());
  });

  it("the validate CLI prints exactly those findings", () => {
    const r = spawnSync(path.join(REPO, "node_modules/.bin/tsx"), [path.join(REPO, "scripts/validate.ts")], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    const printed = [...r.stderr.matchAll(/: error \[([^\]]+)\]/g)].map((m) => m[1]).sort();
    expect(printed).toEqual(whole.map((d) => d.code).sort());
  });

  it("the build refuses the tree with exactly those findings", async () => {
    const put: string[] = [];
    const built = await buildRegistryInto(
      { serversDir: "servers", cwd: dir, sourceDateEpoch: "0" },
      { put: (p) => put.push(p) },
    );
    expect(built.kind).toBe("invalid");
    expect(built.diagnostics.filter((d) => d.severity === "error")).toEqual(whole);
    expect(put).toEqual([]);
  });

  it("the PR verifier's offline part reports exactly those findings on the files the PR adds", async () => {
    const repo = createTempRepo();
    try {
      for (const [p, body] of Object.entries(makeFiles(BASE))) repo.write(p, body);
      repo.commit("base");
      repo.git("checkout", "-q", "-b", "pr");
      for (const [p, body] of Object.entries(corpusFiles)) repo.write(p, body);
      repo.commit("corpus");
      const report = await verifyPullRequest(
        { base: "main", head: "pr", author: "corpus", offline: true },
        { git: createGitRunner(repo.dir), blocklist: { namespaces: [] } },
      );
      const schemaFails = errorCodesByFile(report.checks.filter((c) => c.kind === "schema" && c.status === "fail"));
      for (const c of ALL)
        expect({ name: c.name, codes: codesOf(schemaFails, c) }).toEqual({ name: c.name, codes: codesOf(byFile, c) });
      // Nothing else in the verifier judges a document offline: every other failure is a change rule.
      expect(report.checks.filter((c) => c.status === "fail" && c.kind !== "schema" && c.kind !== "change")).toEqual(
        [],
      );
    } finally {
      repo.dispose();
    }
  });

  it.each(ALL.map((c) => [c.name, c] as const))("the import path finds the same: %s", (_n, c) => {
    const expected = whole.filter((d) => d.file === fileOf(c));
    const reason = (d: Diagnostic) =>
      d.code.startsWith("tree/") ? d.message : `${d.pointer ? d.pointer + ": " : ""}${d.message}`;
    // A number the parser refuses makes the source file itself invalid, for the reason validate gives.
    const expectedOutcome =
      expected[0]?.code === "json/number-not-exact"
        ? { kind: "source-refused", message: expected[0].message }
        : expected.length === 0
          ? { kind: "written" }
          : { kind: "rejected", rejected: [[expected[0]!.code, expected.map(reason).join("; ")]] };
    const outcome = importOutcome(c);
    expect(
      outcome.kind === "source-refused"
        ? { kind: outcome.kind, message: expected.find((d) => outcome.reason?.includes(d.message))?.message }
        : outcome,
    ).toEqual(expectedOutcome);
  });
});

/** Import one corpus document into a copy of BASE, from a seed file (a JSON array of documents). */
function importOutcome(c: Case): { kind: string; reason?: string; rejected?: string[][] } {
  const read = entriesFromFile(Buffer.from(`[${textOf(c)}]`), "seed.json");
  if (read.kind === "invalid") return { kind: "source-refused", reason: read.reason };
  const [entry] = read.entries;
  const prepared = prepareEntry(entry!, { source: "seed.json" });
  // The corpus is current: the upgrade step changes nothing, so the import judges the very same document.
  if (prepared.kind === "ok" && prepared.changes.length > 0) return { kind: "upgraded", rejected: [prepared.changes] };
  const root = path.join(makeTree(BASE, fs.mkdtempSync(path.join(os.tmpdir(), "one-rule-set-import-"))), "servers");
  try {
    const importer = new Importer(fsServersStore(root), { source: "seed.json" });
    importer.apply(entry!);
    if (importer.rejected.length > 0)
      return { kind: "rejected", rejected: importer.rejected.map((r) => [r.code, r.reason]) };
    importer.commit(); // the import stages its writes: they reach servers/ on commit
    return { kind: fs.existsSync(path.join(root, nameOf(c), versionOf(c), "server.json")) ? "written" : "not-written" };
  } finally {
    fs.rmSync(path.dirname(root), { recursive: true, force: true });
  }
}

function makeFiles(files: Record<string, object>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([p, d]) => [p, JSON.stringify(d, null, 2) + "\n"]));
}

it("an env var named __proto__ is an ordinary name: validated, built and served, not dropped", async () => {
  const c = CORPUS.find((x) => x.name === "env-proto")!;
  const dir = makeTree({ [fileOf(c)]: textOf(c) }, fs.mkdtempSync(path.join(os.tmpdir(), "one-rule-set-proto-")));
  try {
    const files = new Map<string, string>();
    const built = await buildRegistryInto(
      { serversDir: "servers", cwd: dir, sourceDateEpoch: "0" },
      { put: (p, body) => files.set(p, Buffer.from(body).toString("utf8")) },
    );
    expect(built.kind).toBe("built");
    const served = [...files].find(([p]) => p.endsWith(".json") && p.includes("/versions/1.0.0"));
    const doc = JSON.parse(served?.[1] ?? "{}") as {
      server?: { packages?: { environmentVariables?: { name: string }[] }[] };
    };
    expect(doc.server?.packages?.[0]?.environmentVariables?.map((e) => e.name)).toEqual(["__proto__", "API_KEY"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
