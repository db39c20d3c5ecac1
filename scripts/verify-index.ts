// npm run verify-index -- --url <base URL> [--public-key HEX ...] [--state FILE] [--deep]
// Verifies the signed index of a static registry: Ed25519 signature by a trusted key, not expired, serial not
// older than the one recorded in the state file (rollback) and the same commit for the same serial (fork).
// Without --public-key the key published in the tree is used and pinned in the state file on first use.
// --deep also fetches the list, the bundle, the feed index and every per-server versions file and checks
// their sha256. Exit code 0 when valid, 1 when rejected, 2 on bad usage.

import fs from "node:fs";
import { checks, defineCommand, ExitError, parseJson, readJsonFile, runCommand, UsageError, withNetworkErrors } from "./lib/cli.ts";
import { sha256Hex } from "./lib/feed.ts";
import { INDEX_PATH, KEYS_PATH, verifyIndex, type VerifierState } from "./lib/signed-index.ts";

const command = defineCommand({
  name: "verify-index",
  usage: "npm run verify-index -- --url <base URL> [--public-key HEX ...] [--state FILE] [--deep]",
  description: "Verifies the signed index of a static registry: signature by a trusted key, not expired, serial not older than\nthe one recorded in the state file (rollback) and the same commit for the same serial (fork). Exit 0 when valid,\n1 when rejected, 2 on bad usage.",
  options: {
    url: { type: "string", value: "URL", help: "the base URL of the static registry (required)", check: checks.httpUrl },
    "public-key": { type: "string", value: "HEX", multiple: true, help: "a trusted index key; without one, the published key is trusted and pinned" },
    state: { type: "string", value: "FILE", help: "where the last serial, commit and key are recorded between runs" },
    deep: { type: "boolean", help: "also fetch every pinned file and check its sha256" },
  },
  example: "npm run verify-index -- --url https://registry.example.org --public-key <hex> --state .index-state.json --deep",
});

runCommand(command, async ({ values }) => {
  if (!values.url) throw new UsageError("--url URL is required");
  const base = values.url.replace(/\/+$/, "");
  const get = async (rel: string) =>
    withNetworkErrors(`${base}/${rel}`, async () => {
      const res = await fetch(`${base}/${rel}`, { signal: AbortSignal.timeout(60_000) });
      if (res.status !== 200) throw new ExitError(`${base}/${rel}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    });
  const state = values.state && fs.existsSync(values.state) ? readJsonFile<VerifierState>(values.state) : undefined;
  let keys = values["public-key"] ?? [];
  if (keys.length === 0 && state?.publicKey) keys = [state.publicKey];
  if (keys.length === 0) {
    const published = parseJson<{ keys?: unknown } | null>(Buffer.from(await get(KEYS_PATH)).toString("utf8"), `${base}/${KEYS_PATH}`);
    const list: unknown[] = Array.isArray(published?.keys) ? published.keys : [];
    keys = list.map((k) => (k as { publicKey?: unknown } | null)?.publicKey).filter((k): k is string => typeof k === "string" && k !== "");
    process.stderr.write(`warning: no --public-key given: trusting the key published at ${KEYS_PATH} (${keys.length} key(s))${values.state ? " and pinning it in the state file" : ""}. Pin the key from the README instead.\n`);
  }
  const verdict = verifyIndex(await get(INDEX_PATH), { publicKeys: keys, now: new Date(), ...(state ? { state } : {}) });
  if (verdict.kind === "rejected") {
    process.stderr.write(`rejected: ${verdict.code}: ${verdict.reason}\n`);
    return 1;
  }
  const p = verdict.payload;
  if (values.deep) {
    const pins: [string, string][] = [[p.list.path, p.list.sha256], [p.bundle.path, p.bundle.sha256], [p.feed.path, p.feed.sha256], ...Object.entries(p.servers).map(([name, sha]): [string, string] => [`v0.1/servers/${name}/versions.json`, sha])];
    const bad: string[] = [];
    for (const [rel, sha] of pins) if (sha256Hex(await get(rel)) !== sha) bad.push(rel);
    if (bad.length > 0) {
      process.stderr.write(`rejected: index/file-mismatch: ${bad.length} file(s) do not match the index, e.g. ${bad.slice(0, 5).join(", ")}\n`);
      return 1;
    }
  }
  if (values.state) fs.writeFileSync(values.state, JSON.stringify(verdict.state, null, 1) + "\n");
  process.stdout.write(`ok: serial ${p.serial}, commit ${p.gitCommit ?? "none"}, generated ${p.generatedAt}, expires ${p.expires}, key ${verdict.kid}${values.deep ? `, ${Object.keys(p.servers).length + 3} files checked` : ""}\n`);
  return 0;
});
