// Real git repositories in temp folders for the change-rule tests: a `main` branch as the base and
// a `pr` branch with the pull request's commits.

import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface TempRepo {
  readonly dir: string;
  git(...args: string[]): string;
  write(path: string, content: string | Uint8Array): void;
  remove(path: string): void;
  symlink(path: string, target: string): void;
  chmodExec(path: string): void;
  commit(message: string): string;
  dispose(): void;
}

export function createTempRepo(): TempRepo {
  const dir = mkdtempSync(join(tmpdir(), "verify-repo-"));
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: dir,
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@example.com",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@example.com",
        GIT_CONFIG_NOSYSTEM: "1",
      },
    }).trim();
  git("init", "-q", "-b", "main");
  git("config", "core.fileMode", "true");
  git("config", "commit.gpgsign", "false");
  const abs = (p: string) => join(dir, p);
  return {
    dir,
    git,
    write(path, content) {
      mkdirSync(dirname(abs(path)), { recursive: true });
      writeFileSync(abs(path), content);
    },
    remove(path) {
      unlinkSync(abs(path));
    },
    symlink(path, target) {
      mkdirSync(dirname(abs(path)), { recursive: true });
      symlinkSync(target, abs(path));
    },
    chmodExec(path) {
      chmodSync(abs(path), 0o755);
    },
    commit(message) {
      git("add", "-A");
      git("commit", "-q", "--allow-empty", "-m", message);
      return git("rev-parse", "HEAD");
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
