// Everything a mirror syncs from, added to the built tree: the change feed, the bundle and the signed index
// (feed.ts, bundle.ts, signed-index.ts). Linear in versions + history entries.

import { buildBundle, bundleFiles, BUNDLE_PATH } from "./bundle.ts";
import { buildFeed, buildFeedFiles, DEFAULT_SEGMENT_SIZE, FEED_INDEX, readFeedHistory, type FeedHistory } from "./feed.ts";
import type { RegistryModel } from "./model.ts";
import { buildIndexPayload, indexFiles, isPinnedPath, signingKeyFromSeed } from "./signed-index.ts";
import { sha256Hex } from "./feed.ts";

export interface SyncOptions {
  /** Hex Ed25519 seed (REGISTRY_INDEX_SIGNING_KEY); unsigned index without it. */
  readonly signingKey?: string;
  readonly ttlDays?: number;
  readonly segmentSize?: number;
}

export interface SyncFiles {
  readonly files: Map<string, string | Uint8Array>;
  readonly notes: string[];
}

/** sha256 of a built file, for the paths the index pins. */
export type PinnedHashes = (path: string) => string | undefined;

export function buildSyncFiles(model: RegistryModel, pinned: PinnedHashes, history: FeedHistory, opts: SyncOptions = {}): SyncFiles {
  const notes: string[] = [];
  const feed = buildFeed(history, model);
  if (feed.mismatches.length > 0) {
    notes.push(`the change feed covers committed history only: ${feed.mismatches.length} version(s) differ from their last feed entry (uncommitted changes?), e.g. ${feed.mismatches.slice(0, 3).join(", ")}.`);
  }
  const files = new Map<string, string | Uint8Array>(buildFeedFiles(feed.entries, model, opts.segmentSize ?? DEFAULT_SEGMENT_SIZE));
  const bundle = buildBundle(model, feed.entries.length);
  for (const [p, b] of bundleFiles(bundle)) files.set(p, b);
  const hashOf = (p: string) => {
    const own = files.get(p);
    return own === undefined ? pinned(p) : sha256Hex(own);
  };
  const payload = buildIndexPayload({ model, hashOf, bundle: { path: BUNDLE_PATH, sha256: bundle.sha256, ndjsonSha256: bundle.ndjsonSha256, bytes: bundle.gz.byteLength }, feed: { path: FEED_INDEX, lastSeq: feed.entries.length }, ...(opts.ttlDays === undefined ? {} : { ttlDays: opts.ttlDays }) });
  const key = opts.signingKey ? signingKeyFromSeed(opts.signingKey) : undefined;
  if (!key) notes.push("the index is unsigned: set REGISTRY_INDEX_SIGNING_KEY (hex Ed25519 seed) to sign it.");
  for (const [p, b] of indexFiles(payload, key)) files.set(p, b);
  return { files, notes };
}

/** The build's output stage: change feed, bundle and signed index, from the history the build already read. */
export function syncFilesFor(serversRoot: string, opts: SyncOptions = {}) {
  return {
    pins: isPinnedPath,
    build: (model: RegistryModel, pinned: PinnedHashes, history?: FeedHistory): SyncFiles => buildSyncFiles(model, pinned, history ?? readFeedHistory(serversRoot), opts),
  };
}
