// Reading a pull request from git as data. The verifier runs from the base checkout and never checks out
// or executes the head: files of the head are read with `git cat-file` only.

import { execFileSync } from "node:child_process";
import { RefusalError } from "../errors.ts";
import type { TreeItem, TreeReader } from "../load.ts";

/** Runs git with arguments (never a shell) and returns stdout. Throws GitError on failure. */
export type GitRunner = (args: readonly string[], input?: Uint8Array) => Buffer;

/** A git command that failed (an unknown ref, a missing object): an expected failure, printed in one line. */
export class GitError extends RefusalError {}

export function createGitRunner(cwd: string): GitRunner {
  return (args, input) => {
    try {
      return execFileSync("git", ["-c", "core.quotePath=false", ...args], {
        cwd,
        input,
        maxBuffer: 1024 * 1024 * 1024,
        stdio: ["pipe", "pipe", "pipe"],
        // Never let repository config run programs (PR content is data): no pagers, no external diff.
        env: {
          ...process.env,
          GIT_PAGER: "cat",
          GIT_EXTERNAL_DIFF: "",
          GIT_CONFIG_NOSYSTEM: "1",
          GIT_TERMINAL_PROMPT: "0",
        },
      });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString("utf8").trim();
      throw new GitError(`git ${args.join(" ")} failed${stderr ? `: ${stderr}` : ""}`);
    }
  };
}

/** Resolve a ref to a commit id, or throw a GitError naming the ref. */
export function resolveCommit(git: GitRunner, ref: string): string {
  if (ref.startsWith("-")) throw new GitError(`not a git ref: ${ref}`);
  return git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`])
    .toString("utf8")
    .trim();
}

export interface DiffEntry {
  readonly srcMode: string;
  readonly dstMode: string;
  readonly srcSha: string;
  readonly dstSha: string;
  /** A, M, D, T (type change), … as git prints it. */
  readonly status: string;
  readonly path: string;
}

/** `git diff --raw -z` output → entries. Paths are bytes in git; they are decoded as UTF-8 here. */
function parseRawDiff(out: Buffer): DiffEntry[] {
  const fields = out.toString("utf8").split("\0");
  const entries: DiffEntry[] = [];
  for (let i = 0; i + 1 < fields.length;) {
    const meta = fields[i] as string;
    if (!meta.startsWith(":")) {
      i++;
      continue;
    }
    const [srcMode, dstMode, srcSha, dstSha, status] = meta.slice(1).split(" ") as [
      string,
      string,
      string,
      string,
      string,
    ];
    // Renames/copies carry two paths; with --no-renames there is always one.
    const paths = /^[RC]/.test(status) ? 2 : 1;
    const path = fields[i + paths] as string;
    entries.push({ srcMode, dstMode, srcSha, dstSha, status: status.charAt(0), path });
    i += 1 + paths;
  }
  return entries;
}

/** The change of the PR: merge-base(base, head) → head, every file, no rename pairing. */
export function diffEntries(git: GitRunner, base: string, head: string): DiffEntry[] {
  return parseRawDiff(
    git(["diff", "--raw", "-z", "--no-renames", "--no-abbrev", "--no-ext-diff", "--no-textconv", `${base}...${head}`]),
  );
}

export interface TreeEntry {
  readonly mode: string;
  readonly type: string;
  readonly sha: string;
  readonly size: number;
  readonly path: string;
}

/** Every entry under `prefix` at `rev` (recursive, with sizes). */
export function listTree(git: GitRunner, rev: string, prefix: string): TreeEntry[] {
  const out = git(["ls-tree", "-r", "-t", "-z", "-l", "--full-tree", rev, "--", prefix]).toString("utf8");
  const entries: TreeEntry[] = [];
  for (const line of out.split("\0")) {
    if (line === "") continue;
    const tab = line.indexOf("\t");
    const [mode, type, sha, size] = line.slice(0, tab).split(/ +/) as [string, string, string, string];
    entries.push({ mode, type, sha, size: size === "-" ? 0 : Number(size), path: line.slice(tab + 1) });
  }
  return entries;
}

/** Read many blobs in one `git cat-file --batch`. */
function readBlobs(git: GitRunner, shas: readonly string[]): Map<string, Buffer> {
  const unique = [...new Set(shas)];
  const blobs = new Map<string, Buffer>();
  if (unique.length === 0) return blobs;
  const out = git(["cat-file", "--batch"], Buffer.from(unique.join("\n") + "\n"));
  let at = 0;
  for (const sha of unique) {
    const nl = out.indexOf(0x0a, at);
    const header = out.subarray(at, nl).toString("utf8");
    at = nl + 1;
    const [, type, size] = header.split(" ");
    if (type === undefined || header.endsWith(" missing")) continue;
    const n = Number(size);
    blobs.set(sha, out.subarray(at, at + n));
    at += n + 1;
  }
  return blobs;
}

/** Bytes of one file at a revision, or undefined if it is not there. */
export function readFileAt(git: GitRunner, rev: string, path: string): Buffer | undefined {
  const entry = listTree(git, rev, path).find((e) => e.path === path && e.type === "blob");
  if (!entry) return undefined;
  return readBlobs(git, [entry.sha]).get(entry.sha);
}

/**
 * The `servers/` tree of a revision as a TreeReader for loadTree: modes map to item types (symlinks and
 * submodules are reported by the loader, never followed), and every blob is read in one batch up front.
 */
export function gitTreeReader(git: GitRunner, rev: string, root = "servers"): TreeReader {
  const entries = listTree(git, rev, root).filter((e) => e.path.startsWith(`${root}/`));
  const items: TreeItem[] = entries.map((e) => ({
    path: e.path.slice(root.length + 1),
    type: e.type === "tree" ? "directory" : e.mode === "120000" ? "symlink" : e.type === "blob" ? "file" : "other",
    size: e.size,
    executable: e.mode === "100755",
  }));
  const shaByPath = new Map(
    entries.filter((e) => e.type === "blob" && e.mode !== "120000").map((e) => [e.path.slice(root.length + 1), e.sha]),
  );
  // Only what the loader reads: the version files, within its size limits (it checks sizes first).
  const blobs = readBlobs(
    git,
    entries.filter((e) => e.type === "blob" && e.mode !== "120000" && e.size <= 64 * 1024).map((e) => e.sha),
  );
  return {
    displayRoot: root,
    items: () => items,
    read(relPath) {
      const sha = shaByPath.get(relPath);
      const blob = sha === undefined ? undefined : (blobs.get(sha) ?? readBlobs(git, [sha]).get(sha));
      if (blob === undefined) throw new GitError(`${root}/${relPath} is not a file at ${rev}`);
      return blob;
    },
  };
}

/**
 * Every `servers/<ns>/<name>/<version>/server.json` that ever existed in the history of `rev`, so a
 * version string is never used twice, even after its folder was deleted.
 */
export function historicalServerFiles(git: GitRunner, rev: string): string[] {
  const out = git([
    "log",
    "--format=",
    "--name-only",
    "-z",
    "--no-renames",
    "--diff-filter=A",
    rev,
    "--",
    "servers/",
  ]).toString("utf8");
  const paths = new Set<string>();
  for (const p of out.split(/\0|\n/)) if (p.endsWith("/server.json")) paths.add(p);
  return [...paths];
}
