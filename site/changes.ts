// What happened in the registry, oldest first: the change feed's entries (scripts/lib/mirror/feed.ts) when the
// build hands the site its git history, otherwise the same kinds of entry read off the model's times (tests and
// callers without history: one publish per version, one status change per version that is not active).
// The stats page, the Atom feeds and the home page's recency all read this list, so they agree.

import { replayFeed, type FeedHistory, type FeedOp } from "../scripts/lib/mirror/feed.ts";
import { compareCodeUnits, type RegistryModel, type Status } from "../scripts/lib/model.ts";
import { compareTimestamps } from "../scripts/lib/versions.ts";

export interface Change {
  readonly time: string;
  readonly name: string;
  readonly version: string;
  readonly op: FeedOp;
  /** Status after the change; null when the version left the tree. */
  readonly status: Status | null;
}

/** Every change, oldest first; from the change feed when `history` is given (the build's one replay of it). */
export function changesOf(model: RegistryModel, history?: FeedHistory): Change[] {
  if (history !== undefined) return [...replayFeed(history, model).changes];
  return changesFromModel(model);
}

const OP_ORDER: Readonly<Record<FeedOp, number>> = { publish: 0, update: 1, "latest-moved": 2, status: 3, removed: 4 };

function changesFromModel(model: RegistryModel): Change[] {
  const out: Change[] = [];
  for (const r of model.versions) {
    const o = r.official;
    out.push({ time: o.publishedAt, name: r.name, version: r.version, op: "publish", status: "active" });
    if (o.status !== "active") {
      const time = compareTimestamps(o.statusChangedAt, o.publishedAt) > 0 ? o.statusChangedAt : o.publishedAt;
      out.push({ time, name: r.name, version: r.version, op: "status", status: o.status });
    }
  }
  return out.sort(
    (a, b) =>
      compareTimestamps(a.time, b.time) ||
      compareCodeUnits(a.name, b.name) ||
      compareCodeUnits(a.version, b.version) ||
      OP_ORDER[a.op] - OP_ORDER[b.op],
  );
}

/** Each server's first publish time and last change time (epoch seconds), from the changes. */
export interface ServerTimes {
  readonly created: number;
  readonly updated: number;
}

export function serverTimes(changes: readonly Change[]): Map<string, ServerTimes> {
  const out = new Map<string, ServerTimes>();
  for (const c of changes) {
    const t = Math.floor(Date.parse(c.time) / 1000);
    const seen = out.get(c.name);
    out.set(c.name, seen === undefined ? { created: t, updated: t } : { created: seen.created, updated: t });
  }
  return out;
}
