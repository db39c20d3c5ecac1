// publishedAt, updatedAt and statusChangedAt from git history, in one pass over the whole tree.
//
// Only the first-parent line of HEAD counts, with each commit's committer time. On main that line is made
// of the merge (or squash) commits GitHub writes when a pull request lands, so a PR author cannot choose
// these times: the dates inside a PR's own commits are the author's to fake, and are never read.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ExitError } from "./cli.ts";
import type { BuildInfo, Status } from "./model.ts";
import { statusOfBytes } from "./status-file.ts";

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
  /** Every first-parent commit that touched the servers tree, oldest first (the change feed replays them). */
  readonly commits: readonly HistoryCommit[];
  /** Contents of blobs by id, read with one `git cat-file --batch`. */
  readBlobs(ids: readonly string[]): Map<string, Uint8Array>;
}

/** One first-parent commit that touched the servers tree. */
interface HistoryCommit {
  readonly id: string;
  /** Committer time, Unix seconds. */
  readonly time: number;
  /** Files changed: version folder relative to the servers root, file name, new blob id (zeros: deleted). */
  readonly changes: readonly { readonly dir: string; readonly file: string; readonly blob: string }[];
}

/** Runs git with arguments in a directory and returns stdout, or null when git fails. */
export type RunGit = (cwd: string, args: readonly string[], input?: string) => Buffer | null;

/** What git said on stderr the last time the default runner failed (for the error message). */
let lastGitError = "";

export const runGit: RunGit = (cwd, args, input) => {
  const r = spawnSync("git", args, { cwd, input, maxBuffer: 1 << 30, stdio: ["pipe", "pipe", "pipe"] });
  if (r.status === 0) return r.stdout;
  lastGitError = r.error ? r.error.message : (r.stderr?.toString("utf8").trim().split("\n").slice(-3).join(" ") ?? "");
  return null;
};

/**
 * The history cannot be trusted: git failed inside a repository, or the clone is shallow. The build must
 * stop: publishing wrong times (1970, or HEAD's time for every version) is worse than not publishing.
 */
export class HistoryError extends ExitError {}

const FULL_HISTORY_HINT =
  "Build from a clone with full history: `git fetch --unshallow`, or in GitHub Actions `actions/checkout` with `fetch-depth: 0`.";

/** The folder holding `.git` (a folder, or a file in worktrees and submodules) at or above `dir`, if any. */
function findRepositoryRoot(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, ".git"))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/** RFC 3339 in UTC, seconds precision, as Go prints a whole-second time.Time. */
export function formatTime(epochSeconds: number): string {
  // Every version of a commit shares its time: format each second once (the feed replay asks per entry).
  let text = formattedTimes.get(epochSeconds);
  if (text === undefined) {
    text = new Date(epochSeconds * 1000).toISOString().replace(".000Z", "Z");
    formattedTimes.set(epochSeconds, text);
  }
  return text;
}
const formattedTimes = new Map<number, string>();

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

export interface HistoryOptions {
  readonly run?: RunGit;
  /** Every time outside a git repository: SOURCE_DATE_EPOCH (fallbackEpoch()), default the Unix epoch. */
  readonly fallbackEpoch?: number;
  /** Where the repository around `serversRoot` starts, if there is one (default: look for `.git` upwards). */
  readonly repositoryRoot?: (dir: string) => string | undefined;
}

/**
 * Read the history of `serversRoot` (an absolute directory inside, or outside, a git repository).
 * Outside a repository every time is the fallback (with a note). Inside one, git must answer: a failing
 * git or a shallow clone throws HistoryError, because its times would be wrong.
 */
export function readHistory(serversRoot: string, opts: HistoryOptions = {}): History {
  const custom = opts.run;
  const run: RunGit = custom ?? runGit;
  const fallback = opts.fallbackEpoch ?? 0;
  const repository = (opts.repositoryRoot ?? findRepositoryRoot)(serversRoot);
  const failed = (what: string, args: readonly string[]): never => {
    const said = custom === undefined && lastGitError !== "" ? `: ${lastGitError}` : "";
    throw new HistoryError(
      `cannot read the git history of ${serversRoot} (${what}; \`git ${args.join(" ")}\` failed${said}). Times come from git and would be wrong, so nothing is built. Repair the clone (or clone again). ${FULL_HISTORY_HINT}`,
    );
  };
  const must = (cwd: string, args: readonly string[], what: string): Buffer => run(cwd, args) ?? failed(what, args);

  const topArgs = ["rev-parse", "--show-toplevel"];
  const top = run(serversRoot, topArgs)?.toString().trim();
  if (!top) {
    if (repository !== undefined) failed(`${path.join(repository, ".git")} exists, but git cannot read it`, topArgs);
    return fallbackHistory(fallback, "not a git repository");
  }
  const head = run(top, ["rev-parse", "--verify", "-q", "HEAD"])?.toString().trim();
  if (!head) {
    // An unborn branch (a fresh `git init`) has no history yet: like no repository. A HEAD that does not
    // resolve while commits exist is a broken repository.
    const any = must(top, ["rev-list", "-n", "1", "--all"], "HEAD does not resolve").toString().trim();
    if (any !== "") failed("HEAD does not resolve to a commit", ["rev-parse", "--verify", "HEAD"]);
    return fallbackHistory(fallback, "the repository has no commits");
  }
  if (
    must(top, ["rev-parse", "--is-shallow-repository"], "cannot tell whether the clone is shallow")
      .toString()
      .trim() !== "false"
  ) {
    throw new HistoryError(
      `the clone at ${top} is shallow: the times of versions older than its depth would be wrong, so nothing is built. ${FULL_HISTORY_HINT}`,
    );
  }
  const notes: string[] = [];
  const headTime = Number(
    must(top, ["log", "-1", "--format=%ct", "HEAD"], "cannot read HEAD's time").toString().trim(),
  );
  const serial = Number(
    must(top, ["rev-list", "--first-parent", "--count", "HEAD"], "cannot count the commits").toString().trim(),
  );
  if (!Number.isSafeInteger(headTime) || !Number.isSafeInteger(serial))
    failed("git printed something unexpected", ["log", "-1", "--format=%ct", "HEAD"]);
  const rel = path.relative(top, serversRoot).split(path.sep).join("/");
  const prefix = rel === "" ? "" : rel + "/";
  const logArgs = [
    "log",
    "--first-parent",
    "-m",
    "--raw",
    "-z",
    "--no-renames",
    "--no-abbrev",
    "--format=%x01%H%x02%ct",
    "HEAD",
    "--",
    rel === "" ? "." : rel,
  ];
  const log = must(top, logArgs, "cannot read the log");
  const commits = parseCommits(log.toString("utf8"), prefix);
  const readBlobs = (ids: readonly string[]) => catFileBatch(run, top, ids, failed);
  const events = eventsByDir(commits);
  const statusValues = readStatusValues(readBlobs, events);
  const byDir = new Map<string, VersionTimes>();
  for (const [dir, list] of events) byDir.set(dir, timesFromEvents(list, statusValues));

  let uncommitted = 0;
  const headTimes = formatTime(headTime);
  const fallbackTimes = { publishedAt: headTimes, updatedAt: headTimes, statusChangedAt: headTimes };
  return {
    info: { gitCommit: head, generatedAt: formatTime(headTime), serial },
    get notes() {
      return uncommitted > 0
        ? [
            ...notes,
            `${uncommitted} version folder(s) are not committed yet: their times are HEAD's (${headTimes}) until they are.`,
          ]
        : notes;
    },
    timesOf(versionDir) {
      const t = byDir.get(versionDir);
      if (t) return t;
      uncommitted++;
      return fallbackTimes;
    },
    commits,
    readBlobs,
  };
}

/** Outside a repository (or before its first commit): every time is the fallback, and a note says so. */
function fallbackHistory(fallback: number, why: string): History {
  const t = formatTime(fallback);
  const times = { publishedAt: t, updatedAt: t, statusChangedAt: t };
  return {
    info: { gitCommit: null, generatedAt: t, serial: 0 },
    notes: [`${why}: every time is ${t} (set SOURCE_DATE_EPOCH to choose another).`],
    timesOf: () => times,
    commits: [],
    readBlobs: () => new Map(),
  };
}

/**
 * A copy of a hex object id that does not hold on to the string it was cut from. V8 cuts a substring of 13
 * characters or more as a slice of its parent, so each commit and blob id kept in the history kept the whole
 * `git log` output alive (3 MB at 20,000 versions, growing with versions times commits). A round trip through
 * bytes makes a string of its own (ids are ASCII hex, so latin1 is exact).
 */
const ownCopy = (id: string): string => Buffer.from(id, "latin1").toString("latin1");

/** `git log --raw -z --format=%x01%H%x02%ct` output → commits oldest first, with the version-folder files each changed. */
function parseCommits(out: string, prefix: string): HistoryCommit[] {
  const commits: HistoryCommit[] = [];
  const chunks = out.split("\x01").filter((c) => c !== "");
  for (let c = chunks.length - 1; c >= 0; c--) {
    const chunk = chunks[c]!;
    const headerEnd = chunk.indexOf("\0");
    const header = (headerEnd === -1 ? chunk : chunk.slice(0, headerEnd)).trim();
    const [id = "", time = "0"] = header.split("\x02");
    const tokens = headerEnd === -1 ? [] : chunk.slice(headerEnd + 1).split("\0");
    const changes: { dir: string; file: string; blob: string }[] = [];
    for (let i = 0; i + 1 < tokens.length; i += 2) {
      const meta = tokens[i]!.replace(/^\n/, "");
      const file = tokens[i + 1]!;
      if (!meta.startsWith(":") || !file.startsWith(prefix)) continue;
      const parts = file.slice(prefix.length).split("/");
      if (parts.length !== 4) continue;
      changes.push({ dir: parts.slice(0, 3).join("/"), file: parts[3]!, blob: ownCopy(meta.split(" ")[3] ?? "") });
    }
    // `-m` can list a merge once per parent; with --first-parent it is one diff, but stay safe.
    if (commits.length > 0 && commits[commits.length - 1]!.id === id) continue;
    commits.push({ id: ownCopy(id), time: Number(time), changes });
  }
  return commits;
}

/** Commits → file events per version folder, oldest first. */
function eventsByDir(commits: readonly HistoryCommit[]): Map<string, FileEvent[]> {
  const byDir = new Map<string, FileEvent[]>();
  for (const commit of commits) {
    for (const { dir, file, blob } of commit.changes) {
      const list = byDir.get(dir) ?? [];
      list.push({ time: commit.time, file, blob });
      byDir.set(dir, list);
    }
  }
  return byDir;
}

function catFileBatch(
  run: RunGit,
  top: string,
  ids: readonly string[],
  failed: (what: string, args: readonly string[]) => never,
): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  if (ids.length === 0) return out;
  const args = ["cat-file", "--batch"];
  const buf = run(top, args, ids.join("\n") + "\n") ?? failed("cannot read objects", args);
  let pos = 0;
  for (const id of ids) {
    const nl = buf.indexOf(10, pos);
    if (nl === -1) failed("git stopped before every object was read", args);
    const header = buf.subarray(pos, nl).toString();
    // An object the history names but the repository lacks: a corrupt (or partial) clone.
    if (header.endsWith(" missing")) failed(`object ${id} is missing`, args);
    const size = Number(header.split(" ")[2]);
    out.set(id, buf.subarray(nl + 1, nl + 1 + size));
    pos = nl + 1 + size + 1;
  }
  return out;
}

const ZERO = /^0+$/;

/** The status each status.yaml blob holds, read with one `git cat-file --batch` for the whole tree. */
function readStatusValues(readBlobs: History["readBlobs"], events: Map<string, FileEvent[]>): Map<string, Status> {
  const blobs = new Set<string>();
  for (const list of events.values())
    for (const e of list) if (e.file === "status.yaml" && !ZERO.test(e.blob)) blobs.add(e.blob);
  const values = new Map<string, Status>();
  for (const [id, bytes] of readBlobs([...blobs])) values.set(id, statusOfBytes(bytes).status);
  return values;
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
  const times = {
    publishedAt: formatTime(publishedAt),
    updatedAt: formatTime(updatedAt),
    statusChangedAt: formatTime(statusChangedAt),
  };
  return imported === undefined ? times : { ...times, importedAt: formatTime(imported.time) };
}
