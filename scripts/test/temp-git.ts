// A real git repository in a temp folder for tests: write files, commit with a chosen committer time.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface TempRepo {
  readonly dir: string;
  /** Write (or, with `null`, delete) files relative to the repository root. */
  write(files: Record<string, string | null>): void;
  /** Commit everything with committer and author time `epochSeconds`; returns the commit id. */
  commit(message: string, epochSeconds: number): string;
  git(...args: string[]): string;
  remove(): void;
}

export function createTempRepo(prefix = "registry-"): TempRepo {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const env = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, env, encoding: "utf8" });
  git("init", "-q", "-b", "main");
  git("config", "user.email", "test@example.com");
  git("config", "user.name", "test");
  git("config", "commit.gpgsign", "false");
  return {
    dir,
    git,
    write(files) {
      for (const [rel, body] of Object.entries(files)) {
        const abs = path.join(dir, rel);
        if (body == null) {
          fs.rmSync(abs, { force: true });
          continue;
        }
        fs.mkdirSync(path.dirname(abs), { recursive: true });
        fs.writeFileSync(abs, body);
      }
    },
    commit(message, epochSeconds) {
      git("add", "-A");
      const date = `@${epochSeconds} +0000`;
      execFileSync("git", ["commit", "-q", "--allow-empty", "-m", message], {
        cwd: dir,
        env: { ...env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      });
      return git("rev-parse", "HEAD").trim();
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
