// What the edge deployment stores in its R2 bucket for one build: every file of the built tree except the
// static API files under `servers` (the Worker derives those from its index: 370,000 objects fewer at 100,000
// versions), the document packs and the compact index (index-format.ts), each with its sha256 for the
// deploy manifest.

import { sha256Hex } from "../sha256.ts";
import type { RegistryModel } from "../model.ts";
import { toServerResponse } from "../model.ts";
import { stringifyJson } from "../safe-json.ts";
import { modelFacts, utf8, type EntryFacts } from "../serve/query.ts";
import {
  EDGE_INDEX_KEY,
  encodeEdgeIndex,
  isDerivedApiFile,
  LATEST_SPREAD,
  PACK_PREFIX,
  PACK_SPREAD,
  type PackCut,
} from "./index-format.ts";

export interface EdgeObject {
  readonly bytes: Uint8Array;
  readonly sha256: string;
}

function object(bytes: Uint8Array): EdgeObject {
  return { bytes, sha256: sha256Hex(bytes) };
}

/** FNV-1a over the UTF-16 code units of a name: the same cut points on every machine. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The first entry of each pack: a cut before a server whose name hashes to 0 mod `spread`. */
function packStarts(facts: readonly EntryFacts[], spread: number): number[] {
  const starts: number[] = [];
  facts.forEach((f, i) => {
    if (i === 0 || (f.name !== facts[i - 1]!.name && fnv1a(f.name) % spread === 0)) starts.push(i);
  });
  return starts;
}

/** Cut documents (in order) into packs at `starts`, each stored under its sha256. */
function cutPacks(docs: readonly Uint8Array[], starts: readonly number[], objects: Map<string, EdgeObject>): PackCut {
  const keys = starts.map((from, p) => {
    const pack = object(packBytes(docs, from, starts[p + 1] ?? docs.length));
    const key = `${PACK_PREFIX}${pack.sha256.slice(0, 32)}.json`;
    objects.set(key, pack);
    return key;
  });
  return { starts, keys };
}

/** The documents from..to joined with commas, as one pack. */
function packBytes(docs: readonly Uint8Array[], from: number, to: number): Uint8Array {
  let size = to - from - 1;
  for (let i = from; i < to; i++) size += docs[i]!.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (let i = from; i < to; i++) {
    if (i > from) out[at++] = 0x2c;
    out.set(docs[i]!, at);
    at += docs[i]!.length;
  }
  return out;
}

/** The packs and the index of a model's documents. */
export function edgeIndexObjects(model: RegistryModel): Map<string, EdgeObject> {
  const { records, facts } = modelFacts(model);
  const docs = records.map((r) => utf8(stringifyJson(toServerResponse(r))));
  const objects = new Map<string, EdgeObject>();
  const all = cutPacks(docs, packStarts(facts, PACK_SPREAD), objects);
  const latestIds = facts.flatMap((f, id) => (f.isLatest ? [id] : []));
  const latest = cutPacks(
    latestIds.map((id) => docs[id]!),
    packStarts(
      latestIds.map((id) => facts[id]!),
      LATEST_SPREAD,
    ),
    objects,
  );
  const { serial, gitCommit, generatedAt } = model.info;
  const index = encodeEdgeIndex(
    { serial, gitCommit, generatedAt },
    facts,
    docs.map((d) => d.length),
    all,
    latest,
  );
  objects.set(EDGE_INDEX_KEY, object(utf8(stringifyJson(index))));
  return objects;
}

/** Every object of the bucket for one build, by key. */
export function edgeObjects(
  model: RegistryModel,
  tree: ReadonlyMap<string, string | Uint8Array>,
): Map<string, EdgeObject> {
  const objects = new Map<string, EdgeObject>();
  for (const [path, body] of tree) {
    if (isDerivedApiFile(path)) continue;
    objects.set(path, object(typeof body === "string" ? utf8(body) : body));
  }
  for (const [key, o] of edgeIndexObjects(model)) objects.set(key, o);
  return objects;
}
