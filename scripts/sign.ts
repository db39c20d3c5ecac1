// npm run sign -- --key <private-key-hex> [--algorithm ed25519|ecdsap384] FILE...
// Writes FILE.sig: the signature of FILE's exact bytes with a key whose public half is published as an
// official `v=MCPv1; k=…; p=…` record (DNS TXT or /.well-known/mcp-registry-auth). The key formats are
// those of `mcp-publisher login dns|http --private-key`. The key can also come from MCP_PRIVATE_KEY, so it
// stays out of shell history.

import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ExitError, runCli } from "./lib/cli.ts";
import { keyLabel, parsePrivateKeyHex, signBytes, type KeyAlgorithm } from "./lib/verify/keys.ts";

runCli(async () => {
  const { values, positionals } = parseArgs({ options: { key: { type: "string" }, algorithm: { type: "string" } }, allowPositionals: true });
  const hex = values.key ?? process.env.MCP_PRIVATE_KEY;
  if (!hex || positionals.length === 0) throw new ExitError("usage: npm run sign -- --key <private-key-hex> [--algorithm ed25519|ecdsap384] FILE...", 2);
  const algorithm = values.algorithm;
  if (algorithm !== undefined && algorithm !== "ed25519" && algorithm !== "ecdsap384") throw new ExitError(`--algorithm must be ed25519 or ecdsap384, got ${algorithm}`, 2);
  const parsed = parsePrivateKeyHex(hex, algorithm as KeyAlgorithm | undefined);
  if (parsed.kind === "invalid") throw new ExitError(`--key: ${parsed.reason}`, 2);
  for (const file of positionals) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      throw new ExitError(`${file}: ${(error as Error).message}`);
    }
    writeFileSync(`${file}.sig`, signBytes(parsed.key, bytes) + "\n");
    process.stdout.write(`${file}.sig: signed with ${keyLabel(parsed.key)} (publish: v=MCPv1; k=${parsed.key.algorithm}; p=${parsed.key.publicKey})\n`);
  }
});
