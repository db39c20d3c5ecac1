// escapeHtml: each of the five characters HTML gives meaning to becomes its entity wherever it stands, and
// text without any of them comes back as it was (the fast path), as do values that are not strings once
// stringified.

import { describe, expect, it } from "vitest";
import { escapeHtml } from "./escape.ts";

describe("escapeHtml", () => {
  it("escapes & < > \" and ' wherever they stand", () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;",
    );
    expect(escapeHtml("plain text, then one at the end&")).toBe("plain text, then one at the end&amp;");
  });

  it("gives text with nothing to escape back unchanged, and stringifies other values", () => {
    const text = "io.github.user/server — a tool: 100% safe (\u2028, \ud800)";
    expect(escapeHtml(text)).toBe(text);
    expect(escapeHtml(42)).toBe("42");
    expect(escapeHtml(undefined)).toBe("");
    expect(escapeHtml(null)).toBe("");
    expect(escapeHtml(["<b>", "c"])).toBe("&lt;b&gt;,c");
  });
});
