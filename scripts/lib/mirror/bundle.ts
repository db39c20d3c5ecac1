// The bundle: the whole registry as one gzip'd NDJSON file, so a new mirror makes one request instead of
// hundreds. Line 1 is a header; every further line is one version's served document (the exact bytes of
// /v0.1/servers/<name>/versions/<version>.json, deleted versions included), in (name, version) code-unit
// order. So sha256 of a line equals the feed's sha256 for that version's newest entry.
//
//   v0.1/x/<ns>/bundle/registry.ndjson.gz          deterministic gzip (level 9, mtime 0, OS byte 255)
//   v0.1/x/<ns>/bundle/registry.ndjson.gz.sha256   "<hex>  registry.ndjson.gz\n" (sha256sum format)

import { createHash } from "node:crypto";
import { constants, crc32, deflateRawSync } from "node:zlib";
import { REGISTRY_NAMESPACE, type RegistryModel } from "../model.ts";
import { servedDocument, sha256Hex } from "./feed.ts";
import { stringifyJson } from "../safe-json.ts";

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

export function buildBundle(model: RegistryModel, feedLastSeq: number): Bundle {
  const header: BundleHeader = {
    format: BUNDLE_FORMAT,
    serial: model.info.serial,
    gitCommit: model.info.gitCommit,
    generatedAt: model.info.generatedAt,
    feedLastSeq,
    versions: model.versions.length,
  };
  function* lines() {
    yield stringifyJson({ bundle: header }) + "\n";
    for (const r of model.versions) yield servedDocument(r) + "\n";
  }
  return gzipLines(lines());
}

const CHUNK_BYTES = 1 << 20;

/**
 * Gzip text made of many lines without ever holding all of it: each ~1 MiB chunk is deflated on its own and
 * ended with a sync flush (byte-aligned, not final), the chunks are concatenated, and one empty final block
 * closes the stream, as pigz does. One gzip member, readable by any gunzip; fixed header (mtime 0, OS
 * unknown), so the same input gives the same bytes with the same zlib.
 */
function gzipLines(lines: Iterable<string>): Bundle {
  const out: Buffer[] = [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255])];
  const text = createHash("sha256");
  let crc = 0;
  let size = 0;
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = () => {
    const chunk = Buffer.from(pending.join(""));
    pending = [];
    pendingLength = 0;
    text.update(chunk);
    crc = crc32(chunk, crc);
    size += chunk.length;
    out.push(deflateRawSync(chunk, { level: 9, memLevel: 8, finishFlush: constants.Z_SYNC_FLUSH }));
  };
  for (const line of lines) {
    pending.push(line);
    pendingLength += line.length;
    if (pendingLength >= CHUNK_BYTES) flush();
  }
  if (pendingLength > 0) flush();
  out.push(deflateRawSync(Buffer.alloc(0))); // the final (empty) block
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size % 0x100000000, 4);
  out.push(trailer);
  const gz = Buffer.concat(out);
  return { gz, sha256: sha256Hex(gz), ndjsonSha256: text.digest("hex") };
}

export function bundleFiles(bundle: Bundle): Map<string, string | Uint8Array> {
  return new Map<string, string | Uint8Array>([
    [BUNDLE_PATH, bundle.gz],
    [`${BUNDLE_PATH}.sha256`, `${bundle.sha256}  registry.ndjson.gz\n`],
  ]);
}
