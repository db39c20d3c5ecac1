// The bundle: the whole registry as one gzip'd NDJSON file, so a new mirror makes one request instead of
// hundreds. Line 1 is a header; every further line is one version's served document (the exact bytes of
// /v0.1/servers/<name>/versions/<version>.json, deleted versions included), in (name, version) code-unit
// order. So sha256 of a line equals the feed's sha256 for that version's newest entry.
//
//   v0.1/x/<ns>/bundle/registry.ndjson.gz          deterministic gzip (level 9, mtime 0, OS byte 255)
//   v0.1/x/<ns>/bundle/registry.ndjson.gz.sha256   "<hex>  registry.ndjson.gz\n" (sha256sum format)

import { gzipSync } from "node:zlib";
import { REGISTRY_NAMESPACE, type RegistryModel } from "./model.ts";
import { servedDocument, sha256Hex } from "./feed.ts";

export const BUNDLE_FORMAT = "mcp-static-registry-bundle/1";
export const BUNDLE_PATH = `v0.1/x/${REGISTRY_NAMESPACE}/bundle/registry.ndjson.gz`;

export interface BundleHeader {
  readonly format: string;
  readonly serial: number;
  readonly gitCommit: string | null;
  readonly generatedAt: string;
  /** The feed's lastSeq when this bundle was built: a mirror continues from the next entry. */
  readonly feedLastSeq: number;
  readonly versions: number;
}

export interface Bundle {
  readonly gz: Uint8Array;
  readonly sha256: string;
  /** sha256 of the uncompressed NDJSON (independent of the zlib version). */
  readonly ndjsonSha256: string;
}

/** Gzip with a fixed header (mtime 0, OS "unknown"), so the same input gives the same bytes everywhere. */
export function deterministicGzip(data: string | Uint8Array): Uint8Array {
  const gz = gzipSync(data, { level: 9, memLevel: 8 });
  gz.writeUInt32LE(0, 4); // MTIME
  gz[9] = 255; // OS: unknown
  return gz;
}

export function buildBundle(model: RegistryModel, feedLastSeq: number): Bundle {
  const header: BundleHeader = { format: BUNDLE_FORMAT, serial: model.info.serial, gitCommit: model.info.gitCommit, generatedAt: model.info.generatedAt, feedLastSeq, versions: model.versions.length };
  const parts: string[] = [JSON.stringify({ bundle: header })];
  for (const r of model.versions) parts.push(servedDocument(r));
  const ndjson = parts.join("\n") + "\n";
  const gz = deterministicGzip(ndjson);
  return { gz, sha256: sha256Hex(gz), ndjsonSha256: sha256Hex(ndjson) };
}

export function bundleFiles(bundle: Bundle): Map<string, string | Uint8Array> {
  return new Map<string, string | Uint8Array>([
    [BUNDLE_PATH, bundle.gz],
    [`${BUNDLE_PATH}.sha256`, `${bundle.sha256}  registry.ndjson.gz\n`],
  ]);
}
