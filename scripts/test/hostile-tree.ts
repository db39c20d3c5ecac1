// A servers tree written by a hostile publisher: markup in every free-text field the API serves (description,
// title, statusMessage, _meta, argument and environment variable texts, a version string), and a hostile
// nightly health report. Each script, when it runs, sets `globalThis.__pwned` and requests a URL under
// /pwned/, so a browser test can prove that none ran.

import fs from "node:fs";
import path from "node:path";
import { CURRENT_SCHEMA_URL } from "../lib/model.ts";
import { HEALTH_REPORT_PATH } from "../lib/verify/reverify.ts";

/** Markup that runs script if a host renders it as HTML (each ≤ 100 characters, the description limit). */
export const HOSTILE_MARKUP = {
  // No double quotes: JSON writes them as \", which would break the script before it ran.
  script: `<script>globalThis.__pwned='script';fetch('/pwned/script')</script>`,
  img: `<img src=/pwned/img onerror=globalThis.__pwned='img'>`,
  svg: `<svg onload=globalThis.__pwned='svg';fetch('/pwned/svg')></svg>`,
  entity: `Tom &amp; Jerry &lt;b&gt; & <b>bold</b> \u2028line\u2029para`,
} as const;

export const HOSTILE_SERVER = "io.github.mallory/inject";
const HOSTILE_GONE = "io.github.mallory/gone";
/** A version string with `&` (allowed in a path segment): it reaches file names, the feed and the lists. */
export const HOSTILE_VERSION = "2.0.0-a&b";

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
}

/** Write the hostile servers tree (and site/data/health.json) under `root`; returns the servers folder. */
export function writeHostileTree(root: string): string {
  const servers = path.join(root, "servers");
  const doc = (name: string, version: string, extra: Record<string, unknown> = {}) => ({
    $schema: CURRENT_SCHEMA_URL,
    name,
    version,
    ...extra,
  });
  writeJson(path.join(servers, HOSTILE_SERVER, "1.0.0", "server.json"), {
    ...doc(HOSTILE_SERVER, "1.0.0"),
    description: HOSTILE_MARKUP.script,
    title: HOSTILE_MARKUP.img,
    repository: { url: "https://github.com/mallory/inject", source: "github" },
    packages: [
      {
        registryType: "npm",
        identifier: "@mallory/inject",
        version: "1.0.0",
        transport: { type: "stdio" },
        packageArguments: [{ type: "positional", value: "serve", description: HOSTILE_MARKUP.svg }],
        environmentVariables: [{ name: "API_KEY", description: HOSTILE_MARKUP.entity, isSecret: true }],
      },
    ],
    _meta: {
      "io.modelcontextprotocol.registry/publisher-provided": {
        note: HOSTILE_MARKUP.script,
        [HOSTILE_MARKUP.img]: "key",
      },
    },
  });
  writeJson(path.join(servers, HOSTILE_SERVER, HOSTILE_VERSION, "server.json"), {
    ...doc(HOSTILE_SERVER, HOSTILE_VERSION),
    description: HOSTILE_MARKUP.svg,
  });
  writeJson(path.join(servers, HOSTILE_SERVER, "0.9.0", "server.json"), {
    ...doc(HOSTILE_SERVER, "0.9.0"),
    description: HOSTILE_MARKUP.entity,
  });
  fs.writeFileSync(
    path.join(servers, HOSTILE_SERVER, "0.9.0", "status.yaml"),
    `status: deprecated\nstatusMessage: ${JSON.stringify(HOSTILE_MARKUP.script)}\n`,
  );
  writeJson(path.join(servers, HOSTILE_GONE, "1.0.0", "server.json"), {
    ...doc(HOSTILE_GONE, "1.0.0"),
    description: HOSTILE_MARKUP.img,
  });
  fs.writeFileSync(
    path.join(servers, HOSTILE_GONE, "1.0.0", "status.yaml"),
    `status: deleted\nstatusMessage: ${JSON.stringify(HOSTILE_MARKUP.svg)}\n`,
  );
  // The nightly report quotes upstream answers; the build publishes it. Written here the way a careless
  // tool would (raw markup), to prove the build escapes what it copies too.
  const health = path.join(root, HEALTH_REPORT_PATH);
  fs.mkdirSync(path.dirname(health), { recursive: true });
  fs.writeFileSync(
    health,
    JSON.stringify(
      { checkedAt: "2025-12-01T00:00:00Z", servers: { [HOSTILE_SERVER]: { error: HOSTILE_MARKUP.script } } },
      null,
      2,
    ) + "\n",
  );
  return servers;
}
