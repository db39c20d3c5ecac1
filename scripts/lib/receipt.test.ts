// Receipts: the record (receipt.ts), and the build that reads, checks and publishes them (receipt-files.ts,
// through the same inputs `npm run build` uses).
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { registryBuildInputs } from "../wiring/build-inputs.ts";
import { makeTree, serverJson } from "../test/temp-tree.ts";
import { gitBlobId } from "./git-blob.ts";
import { REGISTRY_META_KEY } from "./model.ts";
import { buildRegistry } from "./pipeline.ts";
import {
  appendReverification,
  parseReceipt,
  receiptsFor,
  serializeReceipt,
  summarizeReceipt,
  type Receipt,
  type ReceiptFacts,
} from "./receipt.ts";

const NAME = "io.github.alice/weather";
const FILE = `servers/${NAME}/1.0.0/server.json`;

function facts(over: Partial<ReceiptFacts> = {}): ReceiptFacts {
  return {
    pr: { number: 3, baseSha: "a".repeat(40), headSha: "b".repeat(40), author: "alice", mergeCommit: "c".repeat(40) },
    files: [
      { path: FILE, status: "added", sha: "1".repeat(40) },
      { path: `servers/${NAME}/0.9.0/status.yaml`, status: "added", sha: "2".repeat(40) },
      { path: `servers/${NAME}/0.8.0/server.json`, status: "modified", sha: "3".repeat(40) },
    ],
    run: { id: 9, url: "https://github.com/o/r/actions/runs/9", reportSha256: "d".repeat(64) },
    recordedAt: "2026-12-01T10:00:00Z",
    verdict: "pass",
    checks: [
      {
        file: FILE,
        kind: "namespace",
        status: "pass",
        code: "namespace/github-author",
        message: "ok",
        evidence: {
          account: "alice",
          accountType: "User",
          nested: { deep: { deeper: { deepest: { x: { y: { z: { w: 1 } } } } } } },
        },
      },
      {
        file: FILE,
        kind: "npm",
        status: "pass",
        code: "npm/ok",
        message: "ok",
        evidence: { identifier: "@alice/weather" },
      },
      { file: `servers/${NAME}/0.9.0/status.yaml`, kind: "namespace", status: "pass", message: "other", evidence: {} },
    ],
    ...over,
  };
}

const one = (f = facts()): Receipt => receiptsFor(f)[0]!.receipt;

describe("the receipt", () => {
  it("is made for each added server.json only, with the checks of its own version folder", () => {
    const all = receiptsFor(facts());
    expect(all.map((r) => r.path)).toEqual([`receipts/${NAME}/1.0.0.json`]);
    expect(all[0]!.receipt.checks.map((c) => c.id)).toEqual(["namespace/github-author", "npm/ok"]);
    expect(JSON.stringify(all[0]!.receipt.checks[0]!.evidence)).toContain('"…"'); // cut below six levels
  });

  it("parses back strictly; a receipt for another version, or not a receipt, is invalid", () => {
    const text = serializeReceipt(one());
    expect(parseReceipt(text, { name: NAME, version: "1.0.0" }).kind).toBe("ok");
    expect(parseReceipt(text, { name: NAME, version: "2.0.0" })).toMatchObject({ kind: "invalid" });
    expect(parseReceipt('{"receipt":2}', { name: NAME, version: "1.0.0" })).toMatchObject({ kind: "invalid" });
    expect(parseReceipt("{", { name: NAME, version: "1.0.0" })).toMatchObject({ kind: "invalid" });
  });

  it("appends a re-verification when the outcome changes, not every night", () => {
    const entry = { at: "2026-12-02T03:17:00Z", outcome: "ok" as const, checks: [] };
    const first = appendReverification(one(), entry);
    expect(first?.reverifications).toHaveLength(1);
    expect(appendReverification(first!, { ...entry, at: "2026-12-03T03:17:00Z" })).toBeUndefined();
    expect(appendReverification(first!, { ...entry, outcome: "broken" })?.reverifications).toHaveLength(2);
  });

  it("sums up who proved the namespace and which packages matched", () => {
    expect(summarizeReceipt(one())).toEqual({
      verifiedAt: "2026-12-01T10:00:00Z",
      namespace: "GitHub login alice",
      packages: ["npm @alice/weather mcpName matched"],
      pr: 3,
    });
  });
});

describe("the build", () => {
  const doc = serverJson(NAME, "1.0.0");
  const bytes = Buffer.from(JSON.stringify(doc, null, 2) + "\n");
  const receiptFor = (blob: string, over: Partial<ReceiptFacts> = {}) =>
    serializeReceipt(one(facts({ files: [{ path: FILE, status: "added", sha: blob }], ...over })));

  async function build(receipts: Record<string, string>) {
    const dir = makeTree({ [FILE]: bytes, ...receipts });
    const inputs = await registryBuildInputs("servers", dir);
    const out = await buildRegistry({ ...inputs, extra: undefined });
    if (out.kind !== "built") throw new Error("the tree did not build");
    return { out, dir };
  }

  it("publishes the receipt of the committed bytes at the path the version's _meta links", async () => {
    const { out } = await build({ [`receipts/${NAME}/1.0.0.json`]: receiptFor(gitBlobId(bytes)) });
    const response = JSON.parse(String(out.tree.get(`v0.1/servers/${NAME}/versions/1.0.0.json`))) as {
      _meta: Record<string, { receipt?: string }>;
    };
    const link = response._meta[REGISTRY_META_KEY]?.receipt;
    expect(link).toBe(`v0.1/x/io.github.mcp-static-registry/receipts/${NAME}/1.0.0.json`);
    const published = String(out.tree.get(link!));
    expect(parseReceipt(published, { name: NAME, version: "1.0.0" })).toMatchObject({ kind: "ok" });
    expect(out.model.versions[0]!.receipt?.pr.number).toBe(3);
    // The link does not depend on the receipt: the same bytes are served without one.
    const { out: bare } = await build({});
    expect(bare.tree.get(`v0.1/servers/${NAME}/versions/1.0.0.json`)).toBe(
      out.tree.get(`v0.1/servers/${NAME}/versions/1.0.0.json`),
    );
    expect(bare.tree.has(link!)).toBe(false);
  });

  it("leaves out, with a note, a receipt about other bytes, one copied from another version, and a symlink", async () => {
    const other = await build({ [`receipts/${NAME}/1.0.0.json`]: receiptFor("9".repeat(40)) });
    expect(other.out.model.versions[0]!.receipt).toBeUndefined();
    expect(other.out.notes.join("\n")).toContain("not the committed");

    const copied = serializeReceipt({ ...one(), version: "0.1.0" });
    const wrong = await build({ [`receipts/${NAME}/1.0.0.json`]: copied });
    expect(wrong.out.model.versions[0]!.receipt).toBeUndefined();
    expect(wrong.out.notes.join("\n")).toContain("not of its path");

    const dir = makeTree({ [FILE]: bytes, "elsewhere.json": receiptFor(gitBlobId(bytes)) });
    fs.mkdirSync(path.join(dir, `receipts/${NAME}`), { recursive: true });
    fs.symlinkSync(path.join(dir, "elsewhere.json"), path.join(dir, `receipts/${NAME}/1.0.0.json`));
    const linked = await buildRegistry({ ...(await registryBuildInputs("servers", dir)), extra: undefined });
    if (linked.kind !== "built") throw new Error("the tree did not build");
    expect(linked.model.versions[0]!.receipt).toBeUndefined();
    expect(linked.notes.join("\n")).toContain("not a regular file");
  });
});

describe("the sample data", () => {
  it("carries receipts of the exact committed files, published and shown on the server pages", async () => {
    const repo = path.resolve(import.meta.dirname, "../..");
    const out = await buildRegistry(await registryBuildInputs("servers", repo));
    if (out.kind !== "built") throw new Error("the sample tree did not build");
    const withReceipts = out.model.versions.filter((r) => r.receipt).map((r) => `${r.name}@${r.version}`);
    expect(withReceipts).toEqual([
      "io.github.example/weather-mcp@0.5.0",
      "io.github.modelcontextprotocol/filesystem@1.0.2",
      "io.modelcontextprotocol/everything@0.6.2",
    ]);
    expect(out.notes.filter((n) => n.includes("receipts/"))).toEqual([]);
    const page = String(out.tree.get("s/io.github.modelcontextprotocol/filesystem/index.html"));
    expect(page).toContain(
      "<strong>Verified 2026-11-21</strong>: namespace by GitHub organization modelcontextprotocol, npm @modelcontextprotocol/server-filesystem mcpName matched, oci docker.io/mcp/filesystem:1.0.2 back-reference matched",
    );
    expect(
      out.tree.has(
        "v0.1/x/io.github.mcp-static-registry/receipts/io.github.modelcontextprotocol/filesystem/1.0.2.json",
      ),
    ).toBe(true);
  }, 120_000);
});
