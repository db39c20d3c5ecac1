// npm run sign-index -- --keygen
// Prints a fresh Ed25519 key pair for the signed index: the seed goes into the repository secret
// REGISTRY_INDEX_SIGNING_KEY (the build signs when it is set), the public key and kid into the README.
// Never commit the seed.

import { defineCommand, runCommand, UsageError } from "./lib/cli.ts";
import { generateSigningSeed } from "./lib/mirror/signed-index.ts";

const command = defineCommand({
  name: "sign-index",
  usage: "npm run sign-index -- --keygen",
  description:
    "Prints a fresh Ed25519 key pair for the signed index: the seed goes into the repository secret\nREGISTRY_INDEX_SIGNING_KEY (the build signs index.json itself when it is set), the public key and kid into the README.",
  options: { keygen: { type: "boolean", help: "generate a key pair (required: the only action)" } },
  example: "npm run sign-index -- --keygen",
});

runCommand(command, async ({ values }) => {
  if (!values.keygen)
    throw new UsageError(
      "--keygen is required (the build signs index.json itself when REGISTRY_INDEX_SIGNING_KEY is set)",
    );
  const k = generateSigningSeed();
  process.stdout.write(
    `REGISTRY_INDEX_SIGNING_KEY (secret, never commit): ${k.seed}\npublic key (hex, publish): ${k.publicKeyHex}\nkid (sha256 of the public key): ${k.kid}\n`,
  );
  return 0;
});
