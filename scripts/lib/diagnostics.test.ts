// formatDiagnostic is what a maintainer's terminal shows for every problem: file names, messages and hints
// quote PR text, so no control character may reach the terminal raw. Through the validate CLI as well.

import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../test/static-hosts/fixture.ts";
import { makeTree, serverJson } from "../test/temp-tree.ts";
import { diag, formatDiagnostic } from "./diagnostics.ts";
import { check } from "./verify/check.ts";
import { formatReport } from "./verify/report.ts";

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const OSC52 = "\u001b]52;c;ZWNobyBwd25lZA==\u0007";

describe("formatDiagnostic", () => {
  it("prints an ordinary diagnostic as before", () => {
    expect(
      formatDiagnostic(
        diag("error", "a/b", "servers/x/server.json", "name: too long.", { line: 3, column: 5, hint: "shorten it." }),
      ),
    ).toBe("servers/x/server.json:3:5: error [a/b] name: too long.\n    hint: shorten it.");
  });

  it("renders ESC, OSC 52, CR and C1 in the file, message and hint visibly; a hint's own lines stay indented", () => {
    const d = diag("error", "a/b", `servers/x\u001b[2A/server.json`, `name "${OSC52}\rok\u009b": bad`, {
      hint: "fix\nerror: forged line\u001b[1A",
    });
    const text = formatDiagnostic(d);
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toBe(
      'servers/x\\e[2A/server.json: error [a/b] name "\\e]52;c;ZWNobyBwd25lZA==\\x07\\rok\\x9b": bad\n    hint: fix\n          error: forged line\\e[1A',
    );
  });
});

describe("verify's terminal report", () => {
  it("renders the author, file names and check messages with control characters visible", () => {
    const text = formatReport({
      ok: false,
      verdict: "fail",
      base: "a".repeat(40),
      head: "b".repeat(40),
      author: "evil\u001b[2A",
      checks: [
        check("npm", "servers/a.b/c\u009b/1.0.0/server.json", "fail", "npm/mismatch", `registry said ${OSC52}\r\nfine`),
      ],
    });
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text.split("\n")).toEqual([
      "verify aaaaaaaaaaaa...bbbbbbbbbbbb (author evil\\e[2A)",
      "✖ fail  servers/a.b/c\\x9b/1.0.0/server.json [npm/mismatch] registry said \\e]52;c;ZWNobyBwd25lZA==\\x07\\r\\nfine",
      "0 passed, 1 failed, 0 could not finish, 0 skipped: some checks failed: the pull request must change",
    ]);
  });
});

describe("validate CLI", () => {
  it("prints an error that quotes a hostile argument on one line without raw control characters", () => {
    const dir = makeTree({ "servers/.keep": "" });
    const r = spawnSync(
      path.join(REPO_ROOT, "node_modules/.bin/tsx"),
      [path.join(REPO_ROOT, "scripts/validate.ts"), `/elsewhere\u001b]52;c;AAAA\u0007\nerror: forged`],
      { cwd: dir, encoding: "latin1" },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      "validate: /elsewhere\\e]52;c;AAAA\\x07\\nerror: forged is outside the servers folder servers; pass --servers DIR. (see --help)\n",
    );
  }, 30_000);

  it("prints hostile folder names and values from a PR without raw control characters", () => {
    const name = `io.github.evil/x${OSC52}`;
    const dir = makeTree({
      [`servers/io.github.evil/ok/1.0.0\u001b[2A/server.json`]: serverJson("io.github.evil/ok", "1.0.0\u001b[2A"),
      [`servers/io.github.evil/x/1.0.0/server.json`]: serverJson(name, "1.0.0", { description: "a\r\u009b31mb" }),
    });
    const r = spawnSync(path.join(REPO_ROOT, "node_modules/.bin/tsx"), [path.join(REPO_ROOT, "scripts/validate.ts")], {
      cwd: dir,
      encoding: "latin1",
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout + r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stderr).toContain("1.0.0\\e[2A");
    expect(r.stderr).toMatch(/error \[/);
  }, 30_000);
});
