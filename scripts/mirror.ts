// npm run mirror -- --from <URL> --out DIR [--public-key HEX ...]
// Keeps DIR in sync with a static registry: the bundle on the first run, then only new feed pages.
// With --public-key (repeatable) the signed index must verify and pins the bundle and feed hashes.

import { parseArgs } from "node:util";
import { ExitError, runCli } from "./lib/cli.ts";
import { syncMirror, type Getter } from "./lib/mirror.ts";

const httpGet: Getter = async (url) => {
  const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
};

runCli(async () => {
  const { values } = parseArgs({ options: { from: { type: "string" }, out: { type: "string" }, "public-key": { type: "string", multiple: true } } });
  if (!values.from || !values.out) throw new ExitError("usage: npm run mirror -- --from <URL of the static registry> --out <DIR> [--public-key HEX]", 2);
  const keys = values["public-key"] ?? [];
  const r = await syncMirror(values.from, values.out, { get: httpGet, publicKeys: keys, segmentLog: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`${r.mode === "bundle" ? "full sync from the bundle" : "incremental sync from the feed"}: ${r.written} written, ${r.removed} removed, feed seq ${r.lastSeq}, ${r.requests} request(s)${keys.length === 0 ? " (index signature not checked: pass --public-key)" : ""}\n`);
  return 0;
});
