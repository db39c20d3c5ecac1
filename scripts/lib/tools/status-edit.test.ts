import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { makeTree, versionFile } from "../../test/temp-tree.ts";
import { checkTree } from "../pipeline.ts";
import { planStatusChange } from "./status-edit.ts";
import { formatStatusYaml } from "../status-file.ts";

const A = "io.github.alice/weather";
const D = "com.example/tool";
const two = [{ version: "1.0.0" }, { version: "1.1.0", statusText: "status: deprecated\nstatusMessage: old\n" }];
const req = (over: Partial<Parameters<typeof planStatusChange>[0]> = {}) => ({
  status: "deprecated",
  name: A,
  version: "1.0.0",
  allVersions: false,
  ...over,
});

describe("planStatusChange", () => {
  it("writes a status file with the message for one version", () => {
    const plan = planStatusChange(req({ message: "Use 2.0.0: it fixes CVE-2026-1" }), two);
    expect(plan).toMatchObject({
      kind: "ok",
      edits: [
        {
          kind: "write",
          file: `servers/${A}/1.0.0/status.yaml`,
          content: 'status: deprecated\nstatusMessage: "Use 2.0.0: it fixes CVE-2026-1"\n',
        },
      ],
    });
  });
  it("--all-versions covers every version and leaves identical files alone", () => {
    const plan = planStatusChange(req({ version: undefined, allVersions: true, message: "old" }), two);
    expect(plan.kind === "ok" && [plan.edits.map((e) => e.file), plan.unchanged]).toEqual([
      [`servers/${A}/1.0.0/status.yaml`],
      [`servers/${A}/1.1.0/status.yaml`],
    ]);
  });
  it("rewrites a file that does not parse even when the request is what it seems to say", () => {
    const plan = planStatusChange(req({ status: "deprecated", message: "old", version: "1.1.0" }), [
      { version: "1.1.0", statusText: "status: deprecated\nstatusMessage: old\nstatusMessage: old\n" },
    ]);
    expect(plan.kind === "ok" && plan.edits.map((e) => e.kind)).toEqual(["write"]);
  });
  it("active removes the status file (and its signature) in a GitHub namespace", () => {
    const plan = planStatusChange(req({ status: "active", version: "1.1.0" }), two);
    expect(plan.kind === "ok" && plan.edits).toEqual([
      { kind: "remove", file: `servers/${A}/1.1.0/status.yaml` },
      { kind: "remove", file: `servers/${A}/1.1.0/status.yaml.sig` },
    ]);
  });
  it("a domain namespace writes `status: active` and is told to sign each file", () => {
    const plan = planStatusChange(req({ status: "active", name: D }), [
      { version: "1.0.0", statusText: "status: deleted\n" },
    ]);
    expect(plan.kind === "ok" && plan.edits).toEqual([
      { kind: "write", file: `servers/${D}/1.0.0/status.yaml`, content: "status: active\n" },
    ]);
    expect(plan.kind === "ok" && plan.advice.join("\n")).toContain(
      `npm run sign -- --key <private-key-hex> servers/${D}/1.0.0/status.yaml`,
    );
  });
  it.each([
    ["an unknown status", req({ status: "archived" }), "--status must be one of"],
    ["a message with active", req({ status: "active", message: "x" }), "--message is not allowed with --status active"],
    ["a too long message", req({ message: "x".repeat(501) }), "--message"],
    ["both a version and --all-versions", req({ allVersions: true }), "not both"],
    ["neither", req({ version: undefined }), "not both"],
    ["a bad name", req({ name: "weather" }), "is not a server name"],
    ["a missing version", req({ version: "9.9.9" }), 'has no version "9.9.9"; it has 1.0.0, 1.1.0'],
  ])("refuses %s", (_n, r, reason) => {
    const plan = planStatusChange(r, two);
    expect(plan.kind).toBe("invalid");
    expect(plan.kind === "invalid" && plan.reason).toContain(reason);
  });
  it("refuses a server with no versions", () => {
    expect(planStatusChange(req(), []).kind).toBe("invalid");
  });
  it("writes YAML the status schema accepts", () => {
    expect(formatStatusYaml("deleted", 'takedown: "malware", see #12')).toBe(
      'status: deleted\nstatusMessage: "takedown: \\"malware\\", see #12"\n',
    );
  });
});

describe("npm run status", () => {
  const run = promisify(execFile);
  const root = path.resolve(import.meta.dirname, "../../..");
  it("writes a status file the validator accepts, then restores the version", async () => {
    const dir = makeTree({ ...versionFile(A, "1.0.0") });
    const cli = (...args: string[]) =>
      run(
        process.execPath,
        ["--import", import.meta.resolve("tsx/esm"), path.join(root, "scripts/status.ts"), ...args],
        { cwd: dir },
      );
    const { stdout } = await cli("--status", "deleted", "--message", "Takedown: malware (issue #12)", A, "1.0.0");
    expect(stdout).toContain(`wrote servers/${A}/1.0.0/status.yaml`);
    const checked = checkTree("servers", dir);
    expect(checked.diagnostics).toEqual([]);
    expect(checked.loaded.versions[0]?.status).toEqual({
      status: "deleted",
      statusMessage: "Takedown: malware (issue #12)",
    });
    await cli("--status", "active", A, "1.0.0");
    expect(fs.existsSync(path.join(dir, `servers/${A}/1.0.0/status.yaml`))).toBe(false);
    const refused = await cli("--status", "active", "--message", "x", A, "1.0.0").catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(refused).toMatchObject({ code: 2 });
  }, 30_000);
});
