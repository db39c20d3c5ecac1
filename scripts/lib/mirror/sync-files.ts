// Everything a mirror syncs from, added to the built tree: the change feed, the bundle and the signed index
// (feed.ts, bundle.ts, signed-index.ts). Linear in versions + history entries.
//
// Four steps, in the build's order: `record` sees every file the build publishes as it is written (the API,
// the site, then the feed and bundle this stage makes); `begin`, before the API tree, replays the feed (once:
// the site reads the same replay) and starts the bundle, which the API writer then feeds each served document
// it makes, so no document is serialised twice and the bundle deflates while the API is written; `build`
// finishes the feed and bundle; `seal` signs the index over everything recorded, so every published file is
// pinned (signed-index.ts).

import { bundleFiles, bundleHeader, bundleWriter, BUNDLE_PATH, type Bundle } from "./bundle.ts";
import {
  buildFeedFiles,
  DEFAULT_SEGMENT_SIZE,
  FEED_INDEX,
  readFeedHistory,
  replayFeed,
  sha256Hex,
  type FeedEntry,
  type FeedHistory,
} from "./feed.ts";
import type { RegistryModel, VersionRecord } from "../model.ts";
import type { ServedSink } from "../pipeline.ts";
import {
  buildIndexPayload,
  createPinRecorder,
  indexFiles,
  signingKeyFromSeed,
  type IndexInputs,
} from "./signed-index.ts";
import type { Pins } from "./pins.ts";

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
  /** Before the API tree: replays the feed (shared with the site) and starts the bundle, fed the served documents. */
  begin(model: RegistryModel, history?: FeedHistory): ServedSink;
  /** The change feed and the bundle (recorded by the caller as it publishes them); after every document was served. */
  build(model: RegistryModel): Promise<SyncFiles>;
  /**
   * index.json (and keys.json), pinning every file recorded so far, or `pins` when the sink pinned the files
   * itself; after build() and after those files are recorded.
   */
  seal(pins?: Pins): SyncFiles;
}

/** The feed replayed and the bundle started; each served document goes into the bundle and the feed's sha256s. */
function startSyncFiles(model: RegistryModel, history: FeedHistory) {
  const feed = replayFeed(history, model);
  const bundle = bundleWriter(bundleHeader(model, feed.changes.length));
  const shas = new Map<VersionRecord, string>();
  const sink: ServedSink = {
    served(r, body) {
      if (model.versions[shas.size] !== r)
        throw new Error(`internal: ${r.name}@${r.version} served out of model order`);
      shas.set(r, sha256Hex(body));
      bundle.line(body);
    },
    ready: () => bundle.ready(),
  };
  const finish = async (opts: SyncOptions) => {
    if (shas.size !== model.versions.length)
      throw new Error(`internal: ${shas.size} of ${model.versions.length} versions were served before build()`);
    const { entries, mismatches } = feed.finish((r) => shas.get(r)!);
    return finishSyncFiles(model, entries, mismatches, await bundle.finish(), opts);
  };
  return { sink, finish };
}

function finishSyncFiles(
  model: RegistryModel,
  entries: readonly FeedEntry[],
  mismatches: readonly string[],
  bundle: Bundle,
  opts: SyncOptions,
): { files: Map<string, string | Uint8Array>; notes: string[]; index: Omit<IndexInputs, "pins"> } {
  const notes: string[] = [];
  if (mismatches.length > 0) {
    notes.push(
      `the change feed covers committed history only: ${mismatches.length} version(s) differ from their last feed entry (uncommitted changes?), e.g. ${mismatches.slice(0, 3).join(", ")}.`,
    );
  }
  const files = new Map<string, string | Uint8Array>(
    buildFeedFiles(entries, model, opts.segmentSize ?? DEFAULT_SEGMENT_SIZE),
  );
  for (const [p, b] of bundleFiles(bundle)) files.set(p, b);
  const index = {
    model,
    bundle: {
      path: BUNDLE_PATH,
      sha256: bundle.sha256,
      ndjsonSha256: bundle.ndjsonSha256,
      bytes: bundle.gz.byteLength,
    },
    feed: { path: FEED_INDEX, lastSeq: entries.length },
    ...(opts.ttlDays === undefined ? {} : { ttlDays: opts.ttlDays }),
  };
  return { files, notes, index };
}

/** The build's output stage: change feed, bundle and signed index, from the history the build already read. */
export function syncFilesFor(serversRoot: string, opts: SyncOptions = {}): SyncStage {
  const recorder = createPinRecorder();
  let started: ReturnType<typeof startSyncFiles> | undefined;
  let pending: Omit<IndexInputs, "pins"> | undefined;
  return {
    record: (p, body) => recorder.record(p, body),
    begin(model, history) {
      started = startSyncFiles(model, history ?? readFeedHistory(serversRoot));
      return started.sink;
    },
    async build(model) {
      if (!started) throw new Error("internal: build() before begin()");
      const out = await started.finish(opts);
      if (out.index.model !== model) throw new Error("internal: build() with another model than begin()");
      pending = out.index;
      return { files: out.files, notes: out.notes };
    },
    seal(pins) {
      if (!pending) throw new Error("internal: seal() before build()");
      const payload = buildIndexPayload({ ...pending, pins: pins ?? recorder.pins() });
      const key = opts.signingKey ? signingKeyFromSeed(opts.signingKey) : undefined;
      const notes = key ? [] : ["the index is unsigned: set REGISTRY_INDEX_SIGNING_KEY (hex Ed25519 seed) to sign it."];
      return { files: indexFiles(payload, key), notes };
    },
  };
}
