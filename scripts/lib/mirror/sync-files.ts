// Everything a mirror syncs from, added to the built tree: the change feed, the bundle and the signed index
// (feed.ts, bundle.ts, signed-index.ts). Linear in versions + history entries.
//
// Three steps, in the build's order: `record` sees every file the build publishes as it is written (the API,
// the site, then the feed and bundle this stage makes), `build` makes the feed and bundle, and `seal` signs
// the index over everything recorded, so every published file is pinned (signed-index.ts).

import { buildBundle, bundleFiles, BUNDLE_PATH } from "./bundle.ts";
import {
  buildFeed,
  buildFeedFiles,
  DEFAULT_SEGMENT_SIZE,
  FEED_INDEX,
  readFeedHistory,
  type FeedHistory,
} from "./feed.ts";
import type { RegistryModel } from "../model.ts";
import {
  buildIndexPayload,
  createPinRecorder,
  indexFiles,
  signingKeyFromSeed,
  type IndexInputs,
} from "./signed-index.ts";

export interface SyncOptions {
  /** Hex Ed25519 seed (REGISTRY_INDEX_SIGNING_KEY); unsigned index without it. */
  readonly signingKey?: string;
  readonly ttlDays?: number;
  readonly segmentSize?: number;
}

interface SyncFiles {
  readonly files: Map<string, string | Uint8Array>;
  readonly notes: string[];
}

export interface SyncStage {
  /** Called with every file the build publishes, as it is written. */
  record(path: string, body: string | Uint8Array): void;
  /** The change feed and the bundle (recorded by the caller as it publishes them). */
  build(model: RegistryModel, history?: FeedHistory): SyncFiles;
  /** index.json (and keys.json), pinning every file recorded so far; after build() and after those files are recorded. */
  seal(): SyncFiles;
}

function buildSyncFiles(
  model: RegistryModel,
  history: FeedHistory,
  opts: SyncOptions = {},
): { files: Map<string, string | Uint8Array>; notes: string[]; index: Omit<IndexInputs, "pins"> } {
  const notes: string[] = [];
  const feed = buildFeed(history, model);
  if (feed.mismatches.length > 0) {
    notes.push(
      `the change feed covers committed history only: ${feed.mismatches.length} version(s) differ from their last feed entry (uncommitted changes?), e.g. ${feed.mismatches.slice(0, 3).join(", ")}.`,
    );
  }
  const files = new Map<string, string | Uint8Array>(
    buildFeedFiles(feed.entries, model, opts.segmentSize ?? DEFAULT_SEGMENT_SIZE),
  );
  const bundle = buildBundle(model, feed.entries.length);
  for (const [p, b] of bundleFiles(bundle)) files.set(p, b);
  const index = {
    model,
    bundle: {
      path: BUNDLE_PATH,
      sha256: bundle.sha256,
      ndjsonSha256: bundle.ndjsonSha256,
      bytes: bundle.gz.byteLength,
    },
    feed: { path: FEED_INDEX, lastSeq: feed.entries.length },
    ...(opts.ttlDays === undefined ? {} : { ttlDays: opts.ttlDays }),
  };
  return { files, notes, index };
}

/** The build's output stage: change feed, bundle and signed index, from the history the build already read. */
export function syncFilesFor(serversRoot: string, opts: SyncOptions = {}): SyncStage {
  const recorder = createPinRecorder();
  let pending: Omit<IndexInputs, "pins"> | undefined;
  return {
    record: (p, body) => recorder.record(p, body),
    build(model, history) {
      const out = buildSyncFiles(model, history ?? readFeedHistory(serversRoot), opts);
      pending = out.index;
      return { files: out.files, notes: out.notes };
    },
    seal() {
      if (!pending) throw new Error("internal: seal() before build()");
      const payload = buildIndexPayload({ ...pending, pins: recorder.pins() });
      const key = opts.signingKey ? signingKeyFromSeed(opts.signingKey) : undefined;
      const notes = key ? [] : ["the index is unsigned: set REGISTRY_INDEX_SIGNING_KEY (hex Ed25519 seed) to sign it."];
      return { files: indexFiles(payload, key), notes };
    },
  };
}
