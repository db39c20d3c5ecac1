import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeStepOutputs } from "./github-output.ts";

describe("writeStepOutputs", () => {
  const file = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gh-output-")), "output");

  it("appends one name=value line per output", () => {
    const out = file();
    writeStepOutputs({ GITHUB_OUTPUT: out }, { merge: "true", pr: "7" });
    writeStepOutputs({ GITHUB_OUTPUT: out }, { head_sha: "abc" });
    expect(fs.readFileSync(out, "utf8")).toBe("merge=true\npr=7\nhead_sha=abc\n");
  });

  it("refuses a value that would forge another output line, and writes nothing", () => {
    const out = file();
    expect(() => writeStepOutputs({ GITHUB_OUTPUT: out }, { pr: "7", head_sha: "abc\nmerge=true" })).toThrow(
      /span lines/,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it("does nothing outside a workflow", () => {
    expect(() => writeStepOutputs({}, { merge: "true" })).not.toThrow();
  });
});
