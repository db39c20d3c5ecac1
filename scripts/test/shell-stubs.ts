// Runs pasted command lines for real: `sh -c TEXT` (and bash) in an empty temporary folder, with stub programs
// first on PATH that record their argv and environment instead of doing anything. A test then knows exactly
// which programs ran, with which arguments, and whether anything else happened (a file appeared).

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** One stub invocation: argv[0] is the program's file name, then its arguments; env is its whole environment. */
interface StubRun {
  readonly argv: readonly string[];
  readonly env: ReadonlyMap<string, string>;
}

interface PasteOutcome {
  readonly runs: readonly StubRun[];
  /** What the command left in its (initially empty) working folder, e.g. `pwned`. */
  readonly leftovers: readonly string[];
  readonly status: number | null;
  readonly stderr: string;
}

export type TestShell = "sh" | "bash" | "zsh";

/** sh (dash on Debian) and bash always; zsh too where it is installed (`apt-get install zsh`). */
export const TEST_SHELLS: readonly TestShell[] = fs.existsSync("/bin/zsh") ? ["sh", "bash", "zsh"] : ["sh", "bash"];

/** Programs every stub folder has: the usual runtimes, and what an injected payload would call. */
const DEFAULT_STUBS: readonly string[] = [
  "npx",
  "uvx",
  "docker",
  "dnx",
  "pipx",
  "node",
  "cargo",
  "python",
  "touch",
  "id",
  "rm",
  "curl",
  "claude",
];

// $$ is the stub's own pid, unique among the processes of one run. `env` is called by absolute path, so
// the stubs work whatever else is on PATH.
const STUB = `#!/bin/sh
out="$STUB_OUT/$$"
printf '%s\\0' "\${0##*/}" "$@" > "$out.argv"
/usr/bin/env -0 > "$out.env"
`;

function splitNul(text: string): string[] {
  const parts = text.split("\0");
  parts.pop(); // every entry ends with NUL
  return parts;
}

function readRuns(outDir: string): StubRun[] {
  return fs
    .readdirSync(outDir)
    .filter((f) => f.endsWith(".argv"))
    .sort()
    .map((f) => {
      const base = path.join(outDir, f.slice(0, -".argv".length));
      const env = new Map<string, string>();
      for (const entry of splitNul(fs.readFileSync(`${base}.env`, "utf8"))) {
        const eq = entry.indexOf("=");
        env.set(entry.slice(0, eq), entry.slice(eq + 1));
      }
      return { argv: splitNul(fs.readFileSync(`${base}.argv`, "utf8")), env };
    });
}

/** A file name usable as a stub: not empty, no `/`, not `.` or `..`, and never `env` (the stubs and lines use the real one). */
export function isStubbable(name: string): boolean {
  return name !== "" && !name.includes("/") && !name.includes("\0") && name !== "." && name !== ".." && name !== "env";
}

export interface StubShell {
  /** Pastes `text` into `shell` (as `shell -c text`) and reports what ran. */
  paste(shell: TestShell, text: string): PasteOutcome;
  /** Removes every folder this made. */
  cleanup(): void;
}

export function makeStubShell(extraStubs: readonly string[] = []): StubShell {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "snippet-shell-"));
  const bin = path.join(root, "bin");
  fs.mkdirSync(bin);
  for (const name of new Set([...DEFAULT_STUBS, ...extraStubs.filter(isStubbable)])) {
    fs.writeFileSync(path.join(bin, name), STUB, { mode: 0o755 });
  }
  let n = 0;
  return {
    paste(shell, text) {
      const dir = path.join(root, `run-${++n}`);
      const cwd = path.join(dir, "cwd");
      const out = path.join(dir, "out");
      fs.mkdirSync(cwd, { recursive: true });
      fs.mkdirSync(out);
      const result = spawnSync(`/bin/${shell}`, ["-c", text], {
        cwd,
        env: { PATH: `${bin}:/usr/bin:/bin`, HOME: cwd, STUB_OUT: out, LC_ALL: "C.UTF-8" },
        encoding: "utf8",
        timeout: 10_000,
      });
      if (result.error !== undefined) throw result.error;
      return {
        runs: readRuns(out),
        leftovers: fs.readdirSync(cwd).sort(),
        status: result.status,
        stderr: result.stderr,
      };
    },
    cleanup() {
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
