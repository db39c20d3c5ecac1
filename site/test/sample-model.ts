// A registry model for the site's tests: the 17 documented server.json examples, with extra versions, a
// deprecated server, a deleted one, verification evidence, and a server whose author tried HTML injection.

import { readdirSync, readFileSync } from "node:fs";
import type { Receipt } from "../../scripts/lib/receipt.ts";
import { sampleReceipt } from "../../scripts/test/receipts.ts";
import {
  compareCodeUnits,
  documentJson,
  type OfficialMeta,
  type RegistryModel,
  type ServerJson,
  type Status,
  type VersionRecord,
} from "../../scripts/lib/model.ts";
import { gitBlobId } from "../../scripts/lib/git-blob.ts";

const EXAMPLES = new URL("../../scripts/test/fixtures/reference/examples/generic-server-json/", import.meta.url);

export const XSS = {
  name: "io.github.evil/xss-test",
  title: `<img src=x onerror="window.__pwned=1">`,
  description: `</script><script>window.__pwned=2</script>"'&amp;<b>bold</b>`,
};

interface Extra {
  status?: Status;
  statusMessage?: string;
  isLatest?: boolean;
  publishedAt?: string;
  receipt?: Receipt;
}

export function makeRecord(server: ServerJson, extra: Extra = {}): VersionRecord {
  const text = JSON.stringify(server, null, 2);
  const official: OfficialMeta = {
    status: extra.status ?? "active",
    ...(extra.statusMessage === undefined ? {} : { statusMessage: extra.statusMessage }),
    statusChangedAt: "2025-10-02T00:00:00Z",
    publishedAt: extra.publishedAt ?? "2025-10-01T00:00:00Z",
    updatedAt: "2025-10-02T00:00:00Z",
    isLatest: extra.isLatest ?? true,
  };
  return {
    name: server.name,
    version: server.version,
    file: `servers/${server.name}/${server.version}/server.json`,
    json: documentJson(server),
    blob: gitBlobId(new TextEncoder().encode(text)),
    official,
    ...(extra.receipt === undefined ? {} : { receipt: extra.receipt }),
  };
}

export function readExamples(): ServerJson[] {
  return readdirSync(EXAMPLES)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(new URL(f, EXAMPLES), "utf8")) as ServerJson);
}

export function sampleModel(): RegistryModel {
  const records: VersionRecord[] = [];
  const examples = readExamples();
  const byName = new Map<string, ServerJson[]>();
  for (const s of examples) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  for (const [name, docs] of byName) {
    docs.sort((a, b) => compareCodeUnits(a.version, b.version));
    docs.forEach((server, i) => {
      const isLatest = i === docs.length - 1;
      const publishedAt = `2025-10-0${i + 1}T00:00:00Z`;
      if (name === "io.github.example/weather-mcp") {
        records.push(
          makeRecord(server, {
            status: "deprecated",
            statusMessage: "Moved to io.github.example/weather-v2",
            publishedAt,
          }),
        );
      } else if (name === "io.github.example/quay-sample-mcp") {
        records.push(
          makeRecord(server, { status: "deleted", statusMessage: "Removed at the author's request", publishedAt }),
        );
      } else if (name === "io.modelcontextprotocol.anonymous/brave-search") {
        records.push(
          makeRecord(server, {
            publishedAt: "2025-10-05T00:00:00Z",
            receipt: sampleReceipt(name, server.version),
          }),
        );
        for (const [version, status, statusMessage, day] of [
          ["1.0.0", "deprecated", "Security fix in 1.0.2", "1"],
          ["1.0.1", "deleted", "Published by mistake", "2"],
        ] as const) {
          records.push(
            makeRecord(
              { ...server, version },
              { status, statusMessage, isLatest: false, publishedAt: `2025-10-0${day}T00:00:00Z` },
            ),
          );
        }
      } else {
        records.push(makeRecord(server, { isLatest, publishedAt }));
      }
    });
  }
  records.push(
    makeRecord({
      name: XSS.name,
      title: XSS.title,
      description: XSS.description,
      version: "1.0.0",
      websiteUrl: `https://example.com/?a="><script>window.__pwned=3</script>`,
      repository: { url: "javascript:window.__pwned=4", source: "github" },
      icons: [{ src: "https://evil.example/icon.png", mimeType: "image/png" }],
      packages: [
        {
          registryType: "npm",
          identifier: "<script>window.__pwned=5</script>",
          version: "1.0.0",
          transport: { type: "stdio" },
          environmentVariables: [{ name: "TOKEN</script>", isRequired: true, isSecret: true, description: "<i>x</i>" }],
        },
      ],
    }),
  );
  records.sort((a, b) => compareCodeUnits(a.name, b.name) || compareCodeUnits(a.version, b.version));
  return {
    versions: records,
    info: { gitCommit: "0123456789abcdef0123456789abcdef01234567", generatedAt: "2025-10-10T00:00:00Z", serial: 42 },
  };
}
