import path from "node:path";
import { describe, expect, it } from "vitest";
import { attributeFindings, validateReader } from "./blame.ts";
import { fsTreeReader } from "../load.ts";
import { makeTree, versionFile } from "../../test/temp-tree.ts";

const remote = (url: string) => ({ remotes: [{ type: "streamable-http", url }] });
const reader = (files: Parameters<typeof makeTree>[0]) =>
  fsTreeReader(path.join(makeTree(files), "servers"), "servers");
const withBase = (r: ReturnType<typeof reader>) => ({ reader: r, diagnostics: validateReader(r) });

describe("attributeFindings (whose finding is it)", () => {
  it("a clash the tree rule reports on both members is the new file's own finding; the existing file is only the other party", () => {
    const existing = versionFile("io.github.someone/weather-mcp", "1.0.0");
    const added = "servers/io.github.someone/Weather-MCP/1.0.0/server.json";
    const head = reader({ ...existing, ...versionFile("io.github.someone/Weather-MCP", "1.0.0") });
    const diagnostics = validateReader(head);
    expect(diagnostics.map((d) => d.file)).toContain("servers/io.github.someone/weather-mcp/1.0.0/server.json");
    const a = attributeFindings({ reader: head, diagnostics, subjects: [added], base: withBase(reader(existing)) });
    expect(a.findings.map((d) => [d.file, d.code])).toEqual([[added, "tree/name-case-conflict"]]);
    expect(a.findings[0]!.message).toContain("(servers/io.github.someone/weather-mcp/1.0.0/server.json)");
    expect([a.preExisting, a.unattributed]).toEqual([[], []]);
  });

  it("a finding a changed path causes on another file, with none of that rule of its own, is moved onto the path", () => {
    // Removing the status.yaml that deleted a version brings its remote URL back, clashing with another server.
    const files = {
      ...versionFile("io.github.someone/old", "1.0.0", remote("https://mcp.example.com/mcp")),
      ...versionFile("io.github.someone/new", "1.0.0", remote("https://mcp.example.com/mcp")),
    };
    const base = reader({
      ...files,
      "servers/io.github.someone/old/1.0.0/status.yaml":
        "status: deleted\nstatusMessage: moved to io.github.someone/new\n",
    });
    expect(validateReader(base)).toEqual([]);
    const head = reader(files);
    const subject = "servers/io.github.someone/old/1.0.0/status.yaml";
    const a = attributeFindings({
      reader: head,
      diagnostics: validateReader(head),
      subjects: [subject],
      base: withBase(base),
    });
    expect(a.findings.map((d) => [d.file, d.code])).toEqual([
      [subject, "tree/remote-url-duplicate"],
      [subject, "tree/remote-url-duplicate"],
    ]);
    expect(a.findings.map((d) => d.message.split(",")[0])).toEqual([
      "clashes with the existing servers/io.github.someone/new/1.0.0/server.json",
      "clashes with the existing servers/io.github.someone/old/1.0.0/server.json",
    ]);
    expect(a.unattributed).toEqual([]);
  });

  it("a new finding on another file that no subject causes stays where it is (unattributed)", () => {
    const base = reader(versionFile("io.github.someone/alpha", "1.0.0"));
    const head = reader({
      ...versionFile("io.github.someone/alpha", "1.0.0"),
      ...versionFile("io.github.someone/beta", "1.0.0", { websiteUrl: "http://x.example.com" }),
    });
    const a = attributeFindings({
      reader: head,
      diagnostics: validateReader(head),
      subjects: ["servers/io.github.someone/alpha/1.0.0/server.json"],
      base: withBase(base),
    });
    expect(a.findings).toEqual([]);
    expect(a.unattributed.map((d) => d.file)).toContain("servers/io.github.someone/beta/1.0.0/server.json");
  });
});
