// npm run mirror -- --from <URL> --out DIR [--public-key HEX ...]
// Keeps DIR a servable copy of a static registry's API: the bundle on the first run, then only new feed
// pages. Each run stages the whole new tree beside DIR, checks it against the index's pins and swaps it in:
// a refusal (a gap in the feed, a tampered file, an expired index…) leaves DIR as it was.
// With --public-key (repeatable) the signed index must verify; without, its pins are checked unsigned.

import { checks, defineCommand, ExitError, runCommand, UsageError } from "./lib/cli.ts";
import { httpGetter, MirrorRefusal, syncMirror } from "./lib/mirror/client.ts";
import { visible } from "./lib/terminal.ts";
import { createHttpClient } from "./lib/verify/http.ts";

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

const command = defineCommand({
  name: "mirror",
  usage: "npm run mirror -- --from <URL> --out DIR [--public-key HEX ...]",
  description:
    "Keeps DIR a servable copy of a static registry's API: the bundle on the first run, then only new feed pages. Each\nrun stages the new tree beside DIR, checks it against the index's pins and swaps it in; a refusal leaves DIR as it\nwas. With --public-key, the signed index must verify; without, its pins are checked unsigned.",
  options: {
    from: {
      type: "string",
      value: "URL",
      help: "the base URL of the static registry (required)",
      check: checks.httpUrl,
    },
    out: { type: "string", value: "DIR", help: "the mirror folder (required)" },
    "public-key": {
      type: "string",
      value: "HEX",
      multiple: true,
      help: "a trusted index key (from the registry's README)",
    },
  },
  example: "npm run mirror -- --from https://registry.example.org --out mirror --public-key <hex>",
});

runCommand(command, async ({ values }) => {
  if (!values.from) throw new UsageError("--from URL is required");
  if (!values.out) throw new UsageError("--out DIR is required");
  const keys = values["public-key"] ?? [];
  const get = httpGetter(createHttpClient({ userAgent: "mcp-static-registry-mirror/0.1" }));
  let r;
  try {
    r = await syncMirror(values.from, values.out, {
      get,
      publicKeys: keys,
      pid: process.pid,
      isAlive,
      segmentLog: (m) => process.stderr.write(`${m}\n`),
    });
  } catch (e) {
    if (e instanceof MirrorRefusal) throw new ExitError(visible(`${e.code}: ${e.message}`));
    throw e;
  }
  process.stdout.write(
    `${r.mode === "bundle" ? "full sync from the bundle" : "incremental sync from the feed"}: ${r.written} document(s) fetched, ${r.removed} removed, ${r.files} files, feed seq ${r.lastSeq}, ${r.requests} request(s)${r.verified ? "" : " (index signature not checked: pass --public-key)"}\n`,
  );
  return 0;
});
