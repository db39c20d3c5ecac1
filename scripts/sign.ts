// npm run sign -- --key <private-key-hex> [--algorithm ed25519|ecdsap384] FILE...
// Writes FILE.sig: the signature of FILE's exact bytes with a key whose public half is published as an
// official `v=MCPv1; k=…; p=…` record (DNS TXT or /.well-known/mcp-registry-auth). The key formats are
// those of `mcp-publisher login dns|http --private-key`. The key can also come from MCP_PRIVATE_KEY, so it
// stays out of shell history.

import { readFileSync, writeFileSync } from "node:fs";
import { defineCommand, ExitError, runCommand, UsageError } from "./lib/cli.ts";
import { keyLabel, parsePrivateKeyHex, signBytes, type KeyAlgorithm } from "./lib/verify/keys.ts";

const command = defineCommand({
  name: "sign",
  usage: "npm run sign -- --key <private-key-hex> [--algorithm ed25519|ecdsap384] FILE...",
  description:
    "Writes FILE.sig: the signature of FILE's exact bytes with the key whose public half is published as an official\n`v=MCPv1; k=…; p=…` record (DNS TXT or /.well-known/mcp-registry-auth).",
  options: {
    key: {
      type: "string",
      value: "HEX",
      help: "the private key in mcp-publisher's hex format (or MCP_PRIVATE_KEY, kept out of shell history)",
    },
    algorithm: {
      type: "string",
      value: "NAME",
      choices: ["ed25519", "ecdsap384"],
      help: "the key algorithm when the key alone does not say",
    },
  },
  positionals: { name: "FILE...", min: 1 },
  example: "MCP_PRIVATE_KEY=<hex> npm run sign -- servers/com.example/tool/1.0.0/server.json",
});

runCommand(command, async ({ values, positionals }) => {
  const hex = values.key ?? process.env.MCP_PRIVATE_KEY;
  if (!hex) throw new UsageError("--key HEX (or MCP_PRIVATE_KEY) is required");
  const algorithm = values.algorithm;
  const parsed = parsePrivateKeyHex(hex, algorithm as KeyAlgorithm | undefined);
  if (parsed.kind === "invalid") throw new UsageError(`--key: ${parsed.reason}`);
  for (const file of positionals) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      throw new ExitError(`${file}: ${(error as Error).message}`);
    }
    writeFileSync(`${file}.sig`, signBytes(parsed.key, bytes) + "\n");
    process.stdout.write(
      `${file}.sig: signed with ${keyLabel(parsed.key)} (publish: v=MCPv1; k=${parsed.key.algorithm}; p=${parsed.key.publicKey})\n`,
    );
  }
});
