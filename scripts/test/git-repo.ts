// Real git repositories in temp folders, with commit times chosen by the test.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { makeTree, tempDir } from "./temp-tree.ts";

export interface TestRepo {
  readonly dir: string;
  git(...args: string[]): string;
  /** Write files, `git add -A` and commit with this committer (and author) time. */
  commit(
    message: string,
    time: string,
    files?: Record<string, string | object>,
    opts?: { authorTime?: string },
  ): string;
  remove(rel: string): void;
}

export function makeRepo(): TestRepo {
  const dir = tempDir("registry-repo-");
  const env = (committer: string, author = committer) => ({
    ...process.env,
    GIT_AUTHOR_NAME: "Test",
    GIT_AUTHOR_EMAIL: "test@example.com",
    GIT_COMMITTER_NAME: "Test",
    GIT_COMMITTER_EMAIL: "test@example.com",
    GIT_AUTHOR_DATE: author,
    GIT_COMMITTER_DATE: committer,
  });
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: dir, env: env("2020-01-01T00:00:00Z"), encoding: "utf8" }).trim();
  git("init", "-q", "-b", "main");
  git("config", "commit.gpgsign", "false");
  return {
    dir,
    git,
    commit(message, time, files = {}, opts = {}) {
      makeTree(files, dir);
      execFileSync("git", ["add", "-A"], { cwd: dir });
      execFileSync("git", ["commit", "-q", "--allow-empty", "-m", message], {
        cwd: dir,
        env: env(time, opts.authorTime ?? time),
      });
      return git("rev-parse", "HEAD");
    },
    remove(rel) {
      fs.rmSync(path.join(dir, rel), { recursive: true, force: true });
    },
  };
}

/** Merge `branch` into the current branch with a merge commit at `time`, as GitHub does. */
export function mergeNoFf(repo: TestRepo, branch: string, time: string): string {
  execFileSync("git", ["merge", "-q", "--no-ff", "-m", `Merge ${branch}`, branch], {
    cwd: repo.dir,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "GitHub",
      GIT_AUTHOR_EMAIL: "noreply@github.com",
      GIT_COMMITTER_NAME: "GitHub",
      GIT_COMMITTER_EMAIL: "noreply@github.com",
      GIT_AUTHOR_DATE: time,
      GIT_COMMITTER_DATE: time,
    },
  });
  return repo.git("rev-parse", "HEAD");
}
