// publishedAt, updatedAt and statusChangedAt from git history, in one pass over the whole tree.
//
// Only the first-parent line of HEAD counts, with each commit's committer time. On main that line is made
// of the merge (or squash) commits GitHub writes when a pull request lands, so a PR author cannot choose
// these times: the dates inside a PR's own commits are the author's to fake, and are never read.

import { spawnSync } from "node:child_process";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import type { BuildInfo, Status } from "./model.ts";

export interface VersionTimes {
  readonly publishedAt: string;
  readonly updatedAt: string;
  readonly statusChangedAt: string;
  /** Time of the last commit that wrote the folder's import.yaml (provenance.ts), when there is one. */
  readonly importedAt?: string;
}

export interface History {
  readonly info: BuildInfo;
  /** Why times are approximate (not a git repository, shallow clone, uncommitted files), for a warning. */
  readonly notes: readonly string[];
  /** Times of a version folder, by its path relative to the servers root (`io.github.a/b/1.0.0`). */
  timesOf(versionDir: string): VersionTimes;
}

/** Runs git with arguments in a directory and returns stdout, or null when git fails. */
export type RunGit = (cwd: string, args: readonly string[], input?: string) => Buffer | null;

export const runGit: RunGit = (cwd, args, input) => {
  const r = spawnSync("git", args, { cwd, input, maxBuffer: 1 << 30, stdio: ["pipe", "pipe", "ignore"] });
  return r.status === 0 ? r.stdout : null;
};

/** RFC 3339 in UTC, seconds precision, as Go prints a whole-second time.Time. */
export function formatTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(".000Z", "Z");
}

/** The fallback when there is no history: SOURCE_DATE_EPOCH when given, else the Unix epoch. */
export function fallbackEpoch(sourceDateEpoch: string | undefined): number {
  const n = Number(sourceDateEpoch);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

interface FileEvent {
  readonly time: number;
  readonly file: string; // server.json | status.yaml | …
  readonly blob: string; // new blob id, all zeros when deleted
}

/** Read the history of `serversRoot` (an absolute directory inside, or outside, a git repository). */
export function readHistory(serversRoot: string, opts: { run?: RunGit; fallbackEpoch?: number } = {}): History {
  const run = opts.run ?? runGit;
  const fallback = opts.fallbackEpoch ?? 0;
  const top = run(serversRoot, ["rev-parse", "--show-toplevel"])?.toString().trim();
  const head = top ? run(top, ["rev-parse", "--verify", "-q", "HEAD"])?.toString().trim() : undefined;
  if (!top || !head) {
    const t = formatTime(fallback);
    const times = { publishedAt: t, updatedAt: t, statusChangedAt: t };
    return {
      info: { gitCommit: null, generatedAt: t, serial: 0 },
      notes: [`${top ? "the repository has no commits" : "not a git repository"}: every time is ${t} (set SOURCE_DATE_EPOCH to choose another).`],
      timesOf: () => times,
    };
  }
  const notes: string[] = [];
  if (run(top, ["rev-parse", "--is-shallow-repository"])?.toString().trim() === "true") {
    notes.push("the clone is shallow: times of versions older than its depth are wrong. Clone with full history (actions/checkout fetch-depth: 0).");
  }
  const headTime = Number(run(top, ["log", "-1", "--format=%ct", "HEAD"])?.toString().trim() ?? fallback);
  const serial = Number(run(top, ["rev-list", "--first-parent", "--count", "HEAD"])?.toString().trim() ?? 0);
  const rel = path.relative(top, serversRoot).split(path.sep).join("/");
  const prefix = rel === "" ? "" : rel + "/";
  const log = run(top, ["log", "--first-parent", "-m", "--raw", "-z", "--no-renames", "--no-abbrev", "--format=%x01%H%x02%ct", "HEAD", "--", rel === "" ? "." : rel]);
  const events = parseRawLog(log?.toString("utf8") ?? "", prefix);
  const statusValues = readStatusBlobs(run, top, events);
  const byDir = new Map<string, VersionTimes>();
  for (const [dir, list] of events) byDir.set(dir, timesFromEvents(list, statusValues));

  let uncommitted = 0;
  const headTimes = formatTime(headTime);
  const fallbackTimes = { publishedAt: headTimes, updatedAt: headTimes, statusChangedAt: headTimes };
  return {
    info: { gitCommit: head, generatedAt: formatTime(headTime), serial },
    get notes() {
      return uncommitted > 0 ? [...notes, `${uncommitted} version folder(s) are not committed yet: their times are HEAD's (${headTimes}) until they are.`] : notes;
    },
    timesOf(versionDir) {
      const t = byDir.get(versionDir);
      if (t) return t;
      uncommitted++;
      return fallbackTimes;
    },
  };
}

/** `git log --raw -z` output → file events per version folder, oldest first. */
export function parseRawLog(out: string, prefix: string): Map<string, FileEvent[]> {
  const byDir = new Map<string, FileEvent[]>();
  const commits = out.split("\x01").filter((c) => c !== "");
  for (let c = commits.length - 1; c >= 0; c--) {
    const chunk = commits[c]!;
    const headerEnd = chunk.indexOf("\0");
    const header = headerEnd === -1 ? chunk : chunk.slice(0, headerEnd);
    const time = Number(header.split("\x02")[1]);
    const tokens = headerEnd === -1 ? [] : chunk.slice(headerEnd + 1).split("\0");
    for (let i = 0; i + 1 < tokens.length; i += 2) {
      const meta = tokens[i]!.replace(/^\n/, "");
      const file = tokens[i + 1]!;
      if (!meta.startsWith(":") || !file.startsWith(prefix)) continue;
      const parts = file.slice(prefix.length).split("/");
      if (parts.length !== 4) continue;
      const dir = parts.slice(0, 3).join("/");
      const blob = meta.split(" ")[3] ?? "";
      const list = byDir.get(dir) ?? [];
      list.push({ time, file: parts[3]!, blob });
      byDir.set(dir, list);
    }
  }
  return byDir;
}

const ZERO = /^0+$/;

/** The status each status.yaml blob holds, read with one `git cat-file --batch` for the whole tree. */
function readStatusBlobs(run: RunGit, top: string, events: Map<string, FileEvent[]>): Map<string, Status> {
  const blobs = new Set<string>();
  for (const list of events.values()) for (const e of list) if (e.file === "status.yaml" && !ZERO.test(e.blob)) blobs.add(e.blob);
  const values = new Map<string, Status>();
  if (blobs.size === 0) return values;
  const ids = [...blobs];
  const out = run(top, ["cat-file", "--batch"], ids.join("\n") + "\n");
  if (!out) return values;
  let pos = 0;
  for (const id of ids) {
    const nl = out.indexOf(10, pos);
    const header = out.subarray(pos, nl).toString();
    const size = Number(header.split(" ")[2]);
    const body = out.subarray(nl + 1, nl + 1 + size).toString("utf8");
    pos = nl + 1 + size + 1;
    values.set(id, statusOfText(body));
  }
  return values;
}

function statusOfText(text: string): Status {
  try {
    const s = (parseYaml(text) as { status?: unknown } | null)?.status;
    return s === "deprecated" || s === "deleted" ? s : "active";
  } catch {
    return "active";
  }
}

function timesFromEvents(events: readonly FileEvent[], statusValues: ReadonlyMap<string, Status>): VersionTimes {
  const first = events[0]!.time;
  const added = events.find((e) => e.file === "server.json" && !ZERO.test(e.blob));
  const publishedAt = added?.time ?? first;
  let updatedAt = publishedAt;
  let statusChangedAt = publishedAt;
  let status: Status = "active";
  for (const e of events) {
    if (e.time > updatedAt) updatedAt = e.time;
    if (e.file !== "status.yaml") continue;
    const next = ZERO.test(e.blob) ? "active" : (statusValues.get(e.blob) ?? "active");
    if (next !== status) {
      status = next;
      statusChangedAt = e.time;
    }
  }
  const imported = events.findLast((e) => e.file === "import.yaml");
  const times = { publishedAt: formatTime(publishedAt), updatedAt: formatTime(updatedAt), statusChangedAt: formatTime(statusChangedAt) };
  return imported === undefined ? times : { ...times, importedAt: formatTime(imported.time) };
}
