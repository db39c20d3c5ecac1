import { describe, expect, it } from "vitest";
import { formatStatusYaml, parseStrictYaml, statusOfBytes, statusOfDoc } from "./status-file.ts";

const bytes = (text: string) => Buffer.from(text, "utf8");

describe("status.yaml", () => {
  it("means the status it names, with its message", () => {
    expect(statusOfBytes(bytes('status: deleted\nstatusMessage: "spam"\n'))).toEqual({
      status: "deleted",
      statusMessage: "spam",
    });
    expect(statusOfDoc({ status: "deprecated", statusMessage: 3 })).toEqual({ status: "deprecated" });
  });

  it("means active when missing, unparsable, duplicated or naming no known status", () => {
    expect(statusOfBytes(undefined)).toEqual({ status: "active" });
    expect(statusOfBytes(bytes("status: [deleted\n"))).toEqual({ status: "active" });
    expect(statusOfBytes(bytes("status: deleted\nstatus: deleted\n"))).toEqual({ status: "active" });
    expect(statusOfBytes(bytes("status: gone\n"))).toEqual({ status: "active" });
  });

  it("reports a syntax error and a duplicate key with its position and the hint given", () => {
    const dup = parseStrictYaml("status: active\nstatus: deleted\n", "s.yaml", "the hint");
    expect(dup).toMatchObject({
      kind: "invalid",
      diagnostics: [{ code: "yaml/duplicate-key", line: 2, hint: "the hint" }],
    });
    expect(parseStrictYaml("status: deleted\n", "s.yaml")).toMatchObject({ kind: "ok", doc: { status: "deleted" } });
  });

  it("writes a message that reads back exactly, whatever it holds", () => {
    for (const message of [
      'takedown: "malware", see #12',
      "a\u007fb\u0085c",
      "line\nbreak",
      "# not a comment",
      "x".repeat(300),
    ]) {
      const text = formatStatusYaml("deprecated", message);
      expect(text.split("\n").length).toBe(3);
      expect(statusOfBytes(bytes(text))).toEqual({ status: "deprecated", statusMessage: message });
    }
    expect(formatStatusYaml("active")).toBe("status: active\n");
  });
});
