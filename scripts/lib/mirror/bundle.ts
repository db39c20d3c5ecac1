// The bundle: the whole registry as one gzip'd NDJSON file, so a new mirror makes one request instead of
// hundreds. Line 1 is a header; every further line is one version's served document (the exact bytes of
// /v0.1/servers/<name>/versions/<version>.json, deleted versions included), in (name, version) code-unit
// order. So sha256 of a line equals the feed's sha256 for that version's newest entry.
//
//   v0.1/x/<ns>/bundle/registry.ndjson.gz          deterministic gzip (level 9, mtime 0, OS byte 255)
//   v0.1/x/<ns>/bundle/registry.ndjson.gz.sha256   "<hex>  registry.ndjson.gz\n" (sha256sum format)

import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import { constants, crc32, deflateRaw, deflateRawSync } from "node:zlib";
import { REGISTRY_NAMESPACE, servedDocument, type RegistryModel } from "../model.ts";
import { sha256Hex } from "./feed.ts";
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

export function bundleHeader(model: RegistryModel, feedLastSeq: number): BundleHeader {
  return {
    format: BUNDLE_FORMAT,
    serial: model.info.serial,
    gitCommit: model.info.gitCommit,
    generatedAt: model.info.generatedAt,
    feedLastSeq,
    versions: model.versions.length,
  };
}

/** The bundle made in one go on this thread, each document serialised here (tests and fixtures). */
export function buildBundle(model: RegistryModel, feedLastSeq: number, chunkChars = CHUNK_CHARS): Bundle {
  const gzip = new ChunkedGzip(chunkChars);
  const parts: Buffer[] = [];
  const deflate = (chunk: Buffer | undefined) => {
    if (chunk) parts.push(deflateRawSync(chunk, CHUNK_OPTIONS));
  };
  deflate(gzip.line(headerLine(bundleHeader(model, feedLastSeq))));
  for (const r of model.versions) deflate(gzip.line(servedDocument(r) + "\n"));
  deflate(gzip.end());
  return gzip.finish(parts);
}

/**
 * The bundle written as the build makes each served document (`line`, in model order), its chunks deflated on
 * libuv's threadpool while the build goes on. At most `inFlight` chunks are deflating at once: `ready()` is a
 * promise to await before handing over more when that many are, undefined otherwise. Every chunk is its own
 * raw-deflate stream ended by a sync flush, so the bytes do not depend on which chunk finishes first.
 */
export interface BundleWriter {
  line(servedDocument: string): void;
  ready(): Promise<void> | undefined;
  finish(): Promise<Bundle>;
}

export function bundleWriter(
  header: BundleHeader,
  opts: { chunkChars?: number; inFlight?: number } = {},
): BundleWriter {
  const gzip = new ChunkedGzip(opts.chunkChars ?? CHUNK_CHARS);
  const limit = Math.max(1, opts.inFlight ?? availableParallelism());
  const parts: Promise<Buffer>[] = [];
  const running = new Set<Promise<unknown>>();
  const deflate = (chunk: Buffer | undefined) => {
    if (!chunk) return;
    // An output buffer the whole deflated chunk fits in: with node's default (16 KiB) the threadpool stops
    // after each 16 KiB until this thread collects it, so nothing would progress while the build runs.
    const part = deflateRawAsync(chunk, { ...CHUNK_OPTIONS, chunkSize: chunk.length + (chunk.length >> 8) + 1024 });
    parts.push(part);
    const settled: Promise<unknown> = part.then(
      () => running.delete(settled),
      () => running.delete(settled), // finish() reports the error
    );
    running.add(settled);
  };
  deflate(gzip.line(headerLine(header)));
  return {
    line: (doc) => deflate(gzip.line(doc + "\n")),
    ready: () => (running.size >= limit ? Promise.race(running).then(() => undefined) : undefined),
    async finish() {
      deflate(gzip.end());
      return gzip.finish(await Promise.all(parts));
    },
  };
}

const headerLine = (header: BundleHeader) => stringifyJson({ bundle: header }) + "\n";
const deflateRawAsync = promisify(deflateRaw);
const CHUNK_OPTIONS = { level: 9, memLevel: 8, finishFlush: constants.Z_SYNC_FLUSH } as const;
/** A chunk ends at the first line that takes it to this many characters (UTF-16 code units, not bytes). */
const CHUNK_CHARS = 1 << 20;

/**
 * Gzip text made of many lines without ever holding all of it: each ~1 MiB chunk is deflated on its own and
 * ended with a sync flush (byte-aligned, not final), the chunks are concatenated, and one empty final block
 * closes the stream, as pigz does. One gzip member, readable by any gunzip; fixed header (mtime 0, OS
 * unknown), so the same input gives the same bytes with the same zlib. This class cuts the chunks and sums
 * the crc, size and text hash; its caller deflates them (here or on the threadpool) and hands them back in order.
 */
class ChunkedGzip {
  private readonly text = createHash("sha256");
  private crc = 0;
  private size = 0;
  private pending: string[] = [];
  private pendingLength = 0;
  private readonly chunkChars: number;

  constructor(chunkChars: number) {
    this.chunkChars = chunkChars;
  }

  /** Add a line; returns the chunk to deflate when it completes one. */
  line(line: string): Buffer | undefined {
    this.pending.push(line);
    this.pendingLength += line.length;
    return this.pendingLength >= this.chunkChars ? this.cut() : undefined;
  }

  /** The last, partial chunk, if any. */
  end(): Buffer | undefined {
    return this.pendingLength > 0 ? this.cut() : undefined;
  }

  private cut(): Buffer {
    const chunk = Buffer.from(this.pending.join(""));
    this.pending = [];
    this.pendingLength = 0;
    this.text.update(chunk);
    this.crc = crc32(chunk, this.crc);
    this.size += chunk.length;
    return chunk;
  }

  /** The gzip member around the deflated chunks, in the order they were cut. */
  finish(deflated: readonly Buffer[]): Bundle {
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.size % 0x100000000, 4);
    const gz = Buffer.concat([
      Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]),
      ...deflated,
      deflateRawSync(Buffer.alloc(0)), // the final (empty) block
      trailer,
    ]);
    return { gz, sha256: sha256Hex(gz), ndjsonSha256: this.text.digest("hex") };
  }
}

export function bundleFiles(bundle: Bundle): Map<string, string | Uint8Array> {
  return new Map<string, string | Uint8Array>([
    [BUNDLE_PATH, bundle.gz],
    [`${BUNDLE_PATH}.sha256`, `${bundle.sha256}  registry.ndjson.gz\n`],
  ]);
}
