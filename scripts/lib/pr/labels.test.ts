import { describe, expect, it } from "vitest";
import { decideAutoMerge, decideLabels, decideVerdict, planLabels } from "./labels.ts";
import type { ChangedFile, ReportCheck } from "./report.ts";

const F = "servers/io.github.alice/weather/1.1.0/server.json";
const check = (status: ReportCheck["status"], kind = "npm", file = F): ReportCheck => ({
  file,
  kind,
  status,
  message: `${kind} ${status}`,
  evidence: {},
});
const added = (path: string): ChangedFile => ({ path, status: "added" });
const passing = [check("pass", "schema"), check("pass", "change"), check("pass", "namespace"), check("pass", "npm")];

describe("verdict", () => {
  it.each([
    ["every check passed, only servers/", passing, [added(F)], "pass"],
    ["a check failed", [...passing, check("fail")], [added(F)], "fail"],
    ["a service did not answer", [...passing, check("error")], [added(F)], "error"],
    ["fail wins over error", [check("error"), check("fail")], [added(F)], "fail"],
    [
      "a file outside servers/",
      passing,
      [added(F), { path: "scripts/verify.ts", status: "modified" }],
      "needs-maintainer",
    ],
    ["a skipped check is not a pass", [...passing, check("skip")], [added(F)], "error"],
    [
      "a policy file a maintainer rule allowed",
      [...passing, { ...check("pass", "change", "scripts/policy/blocklist.yaml"), code: "maintainer/policy" }],
      [added(F), { path: "scripts/policy/blocklist.yaml", status: "modified" }],
      "pass",
    ],
    [
      "a maintainer rule on another file covers nothing",
      [...passing, { ...check("pass", "change", "scripts/policy/blocklist.yaml"), code: "maintainer/policy" }],
      [added(F), { path: "scripts/verify.ts", status: "modified" }],
      "needs-maintainer",
    ],
    ["no checks at all is not a pass", [], [added(F)], "error"],
  ] as const)("%s → %s", (_name, checks, files, verdict) => {
    expect(decideVerdict(checks, files)).toBe(verdict);
  });
});

describe("labels", () => {
  it("verified for a pass, invalid for a failure, needs-maintainer for files outside servers/", () => {
    expect(decideLabels("pass", [added(F)])).toEqual(["verified"]);
    expect(decideLabels("fail", [added(F)])).toEqual(["invalid"]);
    expect(decideLabels("fail", [added(F), added("README.md")])).toEqual(["invalid", "needs-maintainer"]);
    expect(decideLabels("needs-maintainer", [added(".github/workflows/x.yml")])).toEqual(["needs-maintainer"]);
    expect(decideLabels("error", [added(F)])).toEqual([]);
    // A maintainer changing the maintainers: allowed (verified), and labelled so another maintainer looks.
    const who: ReportCheck = {
      ...check("pass", "change", "scripts/policy/maintainers.yaml"),
      code: "maintainer/maintainers-file",
    };
    expect(decideLabels("pass", [{ path: "scripts/policy/maintainers.yaml", status: "modified" }], [who])).toEqual([
      "verified",
      "needs-maintainer",
    ]);
  });
  it("plans only managed labels: adds the missing, removes stale ones, leaves others", () => {
    expect(planLabels(["invalid", "good first issue"], ["verified"])).toEqual({
      add: ["verified"],
      remove: ["invalid"],
    });
    expect(planLabels(["verified"], ["verified"])).toEqual({ add: [], remove: [] });
  });
});

describe("auto-merge", () => {
  const sig = F + ".sig";
  it("merges a PR that only adds versions in proven namespaces, when switched on", () => {
    expect(decideAutoMerge({ checks: passing, files: [added(F), added(sig)], enabled: true })).toEqual({
      eligible: true,
      reasons: [],
    });
  });
  it("is off by default", () => {
    const d = decideAutoMerge({ checks: passing, files: [added(F)], enabled: false });
    expect(d.eligible).toBe(false);
    expect(d.reasons[0]).toContain("REGISTRY_AUTO_MERGE");
  });
  it("refuses when a check did not pass", () => {
    expect(decideAutoMerge({ checks: [...passing, check("skip")], files: [added(F)], enabled: true }).eligible).toBe(
      false,
    );
  });
  it("refuses a status change, a modification or a file outside servers/", () => {
    for (const f of [
      added("servers/io.github.alice/weather/1.0.0/status.yaml"),
      { path: F, status: "modified" } as ChangedFile,
      added("README.md"),
    ]) {
      const d = decideAutoMerge({ checks: passing, files: [added(F), f], enabled: true });
      expect(d.eligible, f.path).toBe(false);
      expect(d.reasons.join(" ")).toContain(f.path);
    }
  });
  it("refuses an added server.json whose namespace was not proven by a passing check for that file", () => {
    const other = "servers/io.github.bob/tides/1.0.0/server.json";
    const d = decideAutoMerge({
      checks: [...passing, check("pass", "npm", other)],
      files: [added(F), added(other)],
      enabled: true,
    });
    expect(d.reasons).toEqual([`no passing namespace check for ${other}`]);
  });
  it("refuses an empty PR or one without checks", () => {
    expect(decideAutoMerge({ checks: [], files: [], enabled: true }).reasons).toEqual([
      "no checks ran",
      "the PR changes no files",
    ]);
  });
});
