// npm run verify-index -- --url <base URL> [--public-key HEX ...] [--state FILE] [--deep]
// Verifies the signed index of a static registry: Ed25519 signature by a trusted key, not expired, serial not
// older than the one recorded in the state file (rollback) and the same commit for the same serial (fork).
// Without --public-key the key published in the tree is used and pinned in the state file on first use.
// --deep also fetches every published file and checks it against the index: each server's files by
// rebuilding them from the (pinned) bundle and matching the server's manifest digest, every other file by its
// own sha256. Exit code 0 when valid, 1 when rejected or unreachable, 2 on bad usage.

import fs from "node:fs";
import { checks, defineCommand, ExitError, runCommand, UsageError } from "./lib/cli.ts";
import { checkPublishedFiles, httpGetter, MirrorRefusal } from "./lib/mirror/client.ts";
import { INDEX_PATH, KEYS_PATH, verifyIndex, type VerifierState } from "./lib/mirror/signed-index.ts";
import { visible } from "./lib/terminal.ts";
import { createHttpClient } from "./lib/verify/http.ts";

const encodePath = (rel: string) => rel.split("/").map(encodeURIComponent).join("/");

const command = defineCommand({
  name: "verify-index",
  usage: "npm run verify-index -- --url <base URL> [--public-key HEX ...] [--state FILE] [--deep]",
  description:
    "Verifies the signed index of a static registry: signature by a trusted key, not expired, serial not older than\nthe one recorded in the state file (rollback) and the same commit for the same serial (fork). Exit 0 when valid,\n1 when rejected or unreachable, 2 on bad usage.",
  options: {
    url: {
      type: "string",
      value: "URL",
      help: "the base URL of the static registry (required)",
      check: checks.httpUrl,
    },
    "public-key": {
      type: "string",
      value: "HEX",
      multiple: true,
      help: "a trusted index key; without one, the published key is trusted and pinned",
    },
    state: { type: "string", value: "FILE", help: "where the last serial, commit and key are recorded between runs" },
    deep: { type: "boolean", help: "also fetch every published file and check it against the index" },
  },
  example:
    "npm run verify-index -- --url https://registry.example.org --public-key <hex> --state .index-state.json --deep",
});

runCommand(command, async ({ values }) => {
  if (!values.url) throw new UsageError("--url URL is required");
  const base = values.url.replace(/\/+$/, "");
  const getter = httpGetter(
    createHttpClient({ userAgent: "mcp-static-registry-verify-index/0.1", concurrency: 8 }),
    60_000,
  );
  /** A published file, or undefined on 404; other failures are one-line refusals. */
  const fetchFile = async (rel: string, maxBytes: number) => {
    const res = await getter(`${base}/${encodePath(rel)}`, maxBytes);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new MirrorRefusal("index/http", `${base}/${rel}: HTTP ${res.status}`);
    return res.body;
  };
  const get = async (rel: string) => {
    const body = await fetchFile(rel, 32 << 20);
    if (body === undefined) throw new MirrorRefusal("index/http", `${base}/${rel}: HTTP 404`);
    return body;
  };
  try {
    return await check(values, get, fetchFile);
  } catch (e) {
    if (e instanceof MirrorRefusal) {
      process.stderr.write(visible(`rejected: ${e.code}: ${e.message}`) + "\n");
      return 1;
    }
    throw e;
  }
});

async function check(
  values: { state?: string | undefined; "public-key"?: string[] | undefined; deep?: boolean | undefined },
  get: (rel: string) => Promise<Uint8Array>,
  fetchFile: (rel: string, maxBytes: number) => Promise<Uint8Array | undefined>,
): Promise<number> {
  const state = values.state && fs.existsSync(values.state) ? readState(values.state) : undefined;
  let keys = values["public-key"] ?? [];
  if (keys.length === 0 && state?.publicKey) keys = [state.publicKey];
  if (keys.length === 0) {
    let published: { keys?: { publicKey?: string }[] };
    try {
      published = JSON.parse(Buffer.from(await get(KEYS_PATH)).toString("utf8")) as typeof published;
    } catch (e) {
      if (e instanceof MirrorRefusal) throw e;
      throw new MirrorRefusal("index/malformed", `${KEYS_PATH} is not JSON`);
    }
    keys = (Array.isArray(published?.keys) ? published.keys : [])
      .map((k) => (typeof k?.publicKey === "string" ? k.publicKey : ""))
      .filter((k) => /^[0-9a-fA-F]{64}$/.test(k));
    process.stderr.write(
      `warning: no --public-key given: trusting the key published at ${KEYS_PATH} (${keys.length} key(s))${values.state ? " and pinning it in the state file" : ""}. Pin the key from the README instead.\n`,
    );
  }
  if (keys.some((k) => !/^[0-9a-fA-F]{64}$/.test(k)))
    throw new UsageError("--public-key: expected 64 hex characters (an Ed25519 public key)");
  const verdict = await verifyIndex(await get(INDEX_PATH), {
    publicKeys: keys,
    now: new Date(),
    ...(state ? { state } : {}),
  });
  if (verdict.kind === "rejected") throw new MirrorRefusal(verdict.code, verdict.reason);
  const p = verdict.payload;
  let checked = 0;
  if (values.deep) {
    const deep = await checkPublishedFiles(p, fetchFile);
    if (deep.bad.length > 0)
      throw new MirrorRefusal(
        "index/file-mismatch",
        `${deep.bad.length} of ${deep.checked} file(s) do not match the index, e.g. ${deep.bad.slice(0, 3).join("; ")}`,
      );
    checked = deep.checked;
  }
  if (values.state) fs.writeFileSync(values.state, JSON.stringify(verdict.state, null, 1) + "\n");
  process.stdout.write(
    `ok: serial ${p.serial}, commit ${p.gitCommit ?? "none"}, generated ${p.generatedAt}, expires ${p.expires}, key ${verdict.kid}${values.deep ? `, ${checked} files checked` : ""}\n`,
  );
  return 0;
}

function readState(file: string): VerifierState {
  try {
    const s = JSON.parse(fs.readFileSync(file, "utf8")) as VerifierState;
    if (typeof s !== "object" || s == null || !Number.isSafeInteger(s.serial)) throw new Error("no serial");
    return s;
  } catch (e) {
    throw new ExitError(
      `--state ${file}: not a state file written by verify-index (${e instanceof Error ? e.message : String(e)}); fix or remove it`,
    );
  }
}
