// Deploying a build to the edge bucket: upload only the objects whose sha256 changed since the manifest in
// the bucket, in an order that never shows a reader an index pointing at missing files (content, packs and
// site first; then the edge index; then the feed index; the signed index last), then delete what the build no
// longer has. The bucket is an injected ObjectStore: the Cloudflare REST API in production, the local
// workerd's bucket in `npm run edge` and the tests.

import { FEED_INDEX } from "../mirror/feed.ts";
import { INDEX_PATH as SIGNED_INDEX } from "../mirror/signed-index.ts";
import { stringifyJson } from "../safe-json.ts";
import { utf8 } from "../serve/query.ts";
import { EDGE_INDEX_KEY } from "./index-format.ts";

const MANIFEST_KEY = "_edge/manifest.json";
/** A key kept in the manifest until its deletion is done: never equal to a sha256, so it is re-uploaded if needed. */
const PENDING_DELETE = "pending-delete";

/** What the bucket holds: key → sha256 of its bytes. */
type Manifest = Readonly<Record<string, string>>;

/** The bucket, as the deploy needs it. */
export interface ObjectStore {
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Many objects in one call, when the store can (the local bucket); otherwise put is called per object. */
  putMany?(objects: readonly (readonly [string, Uint8Array])[]): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
}

interface DeployPlan {
  /** Keys to upload, phase by phase: a phase starts when the one before it is complete. */
  readonly phases: readonly (readonly string[])[];
  readonly deletions: readonly string[];
  readonly unchanged: number;
}

/** 0 content, 1 the edge index, 2 the feed index, 3 the signed index. */
function phaseOf(key: string): number {
  if (key === EDGE_INDEX_KEY) return 1;
  if (key === FEED_INDEX) return 2;
  if (key === SIGNED_INDEX) return 3;
  return 0;
}

function planDeploy(objects: ReadonlyMap<string, { readonly sha256: string }>, previous: Manifest): DeployPlan {
  const phases: string[][] = [[], [], [], []];
  let unchanged = 0;
  for (const [key, o] of objects) {
    if (previous[key] === o.sha256) unchanged++;
    else phases[phaseOf(key)]!.push(key);
  }
  const deletions = Object.keys(previous).filter((k) => !objects.has(k) && k !== MANIFEST_KEY);
  return { phases: phases.filter((p) => p.length > 0), deletions: deletions.sort(), unchanged };
}

/** The manifest in the bucket; an unreadable one counts as empty (everything is uploaded again). */
async function readManifest(store: ObjectStore): Promise<Manifest> {
  const bytes = await store.get(MANIFEST_KEY);
  if (!bytes) return {};
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (typeof parsed !== "object" || parsed == null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string"));
  } catch {
    return {};
  }
}

export interface DeployReport {
  readonly uploaded: number;
  readonly uploadedBytes: number;
  readonly deleted: number;
  readonly unchanged: number;
}

async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Objects grouped into batches of at most `maxBytes` (one object per batch when 0, or when larger). */
function batchesOf<T extends readonly [string, Uint8Array]>(items: readonly T[], maxBytes: number): T[][] {
  const batches: T[][] = [];
  let size = Infinity;
  for (const item of items) {
    if (size + item[1].length > maxBytes) {
      batches.push([]);
      size = 0;
    }
    batches[batches.length - 1]!.push(item);
    size += item[1].length;
  }
  return batches;
}

/** Upload a build's objects to the store, phase by phase, then delete the stale ones. */
export async function deployObjects(
  store: ObjectStore,
  objects: ReadonlyMap<string, { readonly bytes: Uint8Array; readonly sha256: string }>,
  options: { readonly concurrency?: number } = {},
): Promise<DeployReport> {
  const previous = await readManifest(store);
  const plan = planDeploy(objects, previous);
  let uploadedBytes = 0;
  for (const phase of plan.phases) {
    const batches = batchesOf(
      phase.map((key) => [key, objects.get(key)!.bytes] as const),
      store.putMany ? 1 << 20 : 0,
    );
    await inParallel(batches, options.concurrency ?? 8, async (batch) => {
      if (store.putMany) await store.putMany(batch);
      else await store.put(batch[0]![0], batch[0]![1]);
      for (const [, bytes] of batch) uploadedBytes += bytes.length;
    });
  }
  const manifest: Record<string, string> = {};
  for (const [key, o] of objects) manifest[key] = o.sha256;
  if (plan.deletions.length > 0) {
    // Written before the deletions: a run killed during them leaves keys the next run deletes or re-uploads.
    const pending = { ...manifest, ...Object.fromEntries(plan.deletions.map((k) => [k, PENDING_DELETE])) };
    await store.put(MANIFEST_KEY, utf8(stringifyJson(pending)));
    for (let i = 0; i < plan.deletions.length; i += 1000) await store.delete(plan.deletions.slice(i, i + 1000));
  }
  if (plan.phases.length > 0 || plan.deletions.length > 0) await store.put(MANIFEST_KEY, utf8(stringifyJson(manifest)));
  return {
    uploaded: plan.phases.reduce((n, p) => n + p.length, 0),
    uploadedBytes,
    deleted: plan.deletions.length,
    unchanged: plan.unchanged,
  };
}
