// npm run sign-index -- --keygen
// Prints a fresh Ed25519 key pair for the signed index: the seed goes into the repository secret
// REGISTRY_INDEX_SIGNING_KEY (the build signs when it is set), the public key and kid into the README.
// Never commit the seed.

import { parseArgs } from "node:util";
import { ExitError, runCli } from "./lib/cli.ts";
import { generateSigningSeed } from "./lib/signed-index.ts";

runCli(async () => {
  const { values } = parseArgs({ options: { keygen: { type: "boolean", default: false } } });
  if (!values.keygen) throw new ExitError("usage: npm run sign-index -- --keygen (the build signs index.json itself when REGISTRY_INDEX_SIGNING_KEY is set)", 2);
  const k = generateSigningSeed();
  process.stdout.write(`REGISTRY_INDEX_SIGNING_KEY (secret, never commit): ${k.seed}\npublic key (hex, publish): ${k.publicKeyHex}\nkid (sha256 of the public key): ${k.kid}\n`);
  return 0;
});
