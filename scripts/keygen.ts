// npm run keygen -- [--algorithm ed25519|ecdsap384] --domain example.com
// Prints a new private key (in mcp-publisher's format), the DNS TXT record and the well-known file body.

import { parseArgs } from "node:util";
import { ExitError, runCli } from "./lib/cli.ts";
import { generateKey } from "./lib/verify/keys.ts";

runCli(async () => {
  const { values } = parseArgs({ options: { algorithm: { type: "string", default: "ed25519" }, domain: { type: "string", default: "example.com" } } });
  if (values.algorithm !== "ed25519" && values.algorithm !== "ecdsap384") throw new ExitError(`--algorithm must be ed25519 or ecdsap384, got ${values.algorithm}`, 2);
  const { privateKeyHex, record } = generateKey(values.algorithm);
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
