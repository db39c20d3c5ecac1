// npm run mirror -- --from <URL> --out DIR [--public-key HEX ...]
// Keeps DIR in sync with a static registry: the bundle on the first run, then only new feed pages.
// With --public-key (repeatable) the signed index must verify and pins the bundle and feed hashes.

import { checks, defineCommand, runCommand, UsageError, withNetworkErrors } from "./lib/cli.ts";
import { syncMirror, type Getter } from "./lib/mirror.ts";

const httpGet: Getter = (url) =>
  withNetworkErrors(url, async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
    return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
  });

const command = defineCommand({
  name: "mirror",
  usage: "npm run mirror -- --from <URL> --out DIR [--public-key HEX ...]",
  description: "Keeps DIR in sync with a static registry: the bundle on the first run, then only new feed pages. With --public-key,\nthe signed index must verify and pins the bundle and feed hashes.",
  options: {
    from: { type: "string", value: "URL", help: "the base URL of the static registry (required)", check: checks.httpUrl },
    out: { type: "string", value: "DIR", help: "the mirror folder (required)" },
    "public-key": { type: "string", value: "HEX", multiple: true, help: "a trusted index key (from the registry's README)" },
  },
  example: "npm run mirror -- --from https://registry.example.org --out mirror --public-key <hex>",
});

runCommand(command, async ({ values }) => {
  if (!values.from) throw new UsageError("--from URL is required");
  if (!values.out) throw new UsageError("--out DIR is required");
  const keys = values["public-key"] ?? [];
  const r = await syncMirror(values.from, values.out, { get: httpGet, publicKeys: keys, segmentLog: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`${r.mode === "bundle" ? "full sync from the bundle" : "incremental sync from the feed"}: ${r.written} written, ${r.removed} removed, feed seq ${r.lastSeq}, ${r.requests} request(s)${keys.length === 0 ? " (index signature not checked: pass --public-key)" : ""}\n`);
  return 0;
});
