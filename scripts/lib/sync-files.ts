// Everything a mirror syncs from, added to the built tree: the change feed, the bundle and the signed index
// (feed.ts, bundle.ts, signed-index.ts). Linear in versions + history entries.

import { buildBundle, bundleFiles, BUNDLE_PATH } from "./bundle.ts";
import { buildFeed, buildFeedFiles, DEFAULT_SEGMENT_SIZE, FEED_INDEX, readFeedHistory, type FeedHistory } from "./feed.ts";
import type { RegistryModel } from "./model.ts";
import { buildIndexPayload, indexFiles, signingKeyFromSeed } from "./signed-index.ts";

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

export function buildSyncFiles(model: RegistryModel, tree: ReadonlyMap<string, string | Uint8Array>, history: FeedHistory, opts: SyncOptions = {}): SyncFiles {
  const notes: string[] = [];
  const feed = buildFeed(history, model);
  if (feed.mismatches.length > 0) {
    notes.push(`the change feed covers committed history only: ${feed.mismatches.length} version(s) differ from their last feed entry (uncommitted changes?), e.g. ${feed.mismatches.slice(0, 3).join(", ")}.`);
  }
  const files = new Map<string, string | Uint8Array>(buildFeedFiles(feed.entries, model, opts.segmentSize ?? DEFAULT_SEGMENT_SIZE));
  const bundle = buildBundle(model, feed.entries.length);
  for (const [p, b] of bundleFiles(bundle)) files.set(p, b);
  // A view over both, not a copy: the tree can hold half a million files.
  const all = { get: (p: string) => files.get(p) ?? tree.get(p), has: (p: string) => files.has(p) || tree.has(p) };
  const payload = buildIndexPayload({ model, tree: all, bundle: { path: BUNDLE_PATH, sha256: bundle.sha256, ndjsonSha256: bundle.ndjsonSha256 }, feed: { path: FEED_INDEX, lastSeq: feed.entries.length }, ...(opts.ttlDays === undefined ? {} : { ttlDays: opts.ttlDays }) });
  const key = opts.signingKey ? signingKeyFromSeed(opts.signingKey) : undefined;
  if (!key) notes.push("the index is unsigned: set REGISTRY_INDEX_SIGNING_KEY (hex Ed25519 seed) to sign it.");
  for (const [p, b] of indexFiles(payload, key)) files.set(p, b);
  return { files, notes };
}

/** The build's hook: add the sync files, from the history the build already read (or by reading it). */
export function syncFilesFor(serversRoot: string, opts: SyncOptions = {}) {
  return (model: RegistryModel, tree: ReadonlyMap<string, string | Uint8Array>, history?: FeedHistory): SyncFiles =>
    buildSyncFiles(model, tree, history ?? readFeedHistory(serversRoot), opts);
}
