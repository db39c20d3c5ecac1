import { describe, expect, it } from "vitest";
import { isMaintainer, maintainersChange, parseMaintainers } from "./maintainers.ts";

describe("scripts/policy/maintainers.yaml", () => {
  it("reads logins and { login } entries, case-insensitively; an empty file names nobody", () => {
    const parsed = parseMaintainers("maintainers:\n  - Maint-Ana\n  - login: bob\n    note: on call\n");
    expect(parsed).toEqual({ kind: "ok", maintainers: { logins: ["maint-ana", "bob"] } });
    if (parsed.kind !== "ok") return;
    expect(isMaintainer("MAINT-ana", parsed.maintainers)).toBe(true);
    expect(isMaintainer("mallory", parsed.maintainers)).toBe(false);
    expect(parseMaintainers("")).toEqual({ kind: "ok", maintainers: { logins: [] } });
  });

  it.each([
    ["not a list", "maintainers: alice\n"],
    ["a bad login", "maintainers: ['-x']\n"],
    ["an entry without login", "maintainers:\n  - name: a\n"],
    ["a duplicate key", "maintainers: []\nmaintainers: [a]\n"],
  ])("refuses %s", (_name, text) => {
    expect(parseMaintainers(text).kind).toBe("invalid");
  });

  it("says who a change adds and removes", () => {
    expect(maintainersChange({ logins: ["a", "b"] }, parseMaintainers("maintainers: [b, c]\n"))).toBe(
      "adds c; removes a",
    );
    expect(maintainersChange({ logins: ["a"] }, parseMaintainers("maintainers: [a]\n"))).toBe("changes no login");
  });
});
