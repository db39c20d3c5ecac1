// npm run keygen -- [--algorithm ed25519|ecdsap384] --domain example.com
// Prints a new private key (in mcp-publisher's format), the DNS TXT record and the well-known file body.

import { checks, defineCommand, runCommand } from "./lib/cli.ts";
import { generateKey } from "./lib/verify/keys.ts";

const command = defineCommand({
  name: "keygen",
  usage: "npm run keygen -- [--algorithm ed25519|ecdsap384] [--domain DOMAIN]",
  description:
    "Prints a new private key (in mcp-publisher's format), the DNS TXT record and the well-known file body that prove\na domain namespace.",
  options: {
    algorithm: {
      type: "string",
      value: "NAME",
      default: "ed25519",
      choices: ["ed25519", "ecdsap384"],
      help: "the key algorithm",
    },
    domain: {
      type: "string",
      value: "DOMAIN",
      default: "example.com",
      help: "the domain the record is for",
      check: checks.nonEmpty,
    },
  },
  example: "npm run keygen -- --domain example.org",
});

runCommand(command, async ({ values }) => {
  const { privateKeyHex, record } = generateKey(values.algorithm as "ed25519" | "ecdsap384");
  const domain = values.domain;
  process.stdout.write(
    [
      `Private key (keep it secret; the same format as mcp-publisher login dns --private-key):`,
      `  ${privateKeyHex}`,
      ``,
      `DNS TXT record (proves ${domain.split(".").reverse().join(".")}/* and its sub-namespaces):`,
      `  ${domain}. IN TXT "${record}"`,
      ``,
      `Or serve this body at https://${domain}/.well-known/mcp-registry-auth (proves ${domain.split(".").reverse().join(".")}/* only):`,
      `  ${record}`,
      ``,
      `Sign each new server.json (and status.yaml for status changes) with:`,
      `  npm run sign -- --key <private key> servers/<namespace>/<server>/<version>/server.json`,
      ``,
    ].join("\n"),
  );
});
