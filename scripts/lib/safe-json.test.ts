import { describe, expect, it } from "vitest";
import { escapeJsonText, stringifyJson } from "./safe-json.ts";

describe("stringifyJson (Go's encoding/json HTML escaping)", () => {
  it("writes < > & U+2028 U+2029 as \\u escapes, as Go's json.Marshal does", () => {
    // The expected bytes are what Go 1.22 json.Marshal(map[string]string{"a": "<b>&\u2028\u2029"}) prints.
    expect(stringifyJson({ a: "<b>&\u2028\u2029" })).toBe('{"a":"\\u003cb\\u003e\\u0026\\u2028\\u2029"}');
  });

  it("keeps the value: JSON.parse gives back exactly what JSON.stringify would", () => {
    const value = {
      "<k>": ["</script>", "a && b", "\\<", "\\\\>", 'q"<"', 1e21, null, true],
      nested: { s: "\u2028x\u2029" },
    };
    const text = stringifyJson(value, 2);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it("leaves text without those characters byte-identical (and as the same string)", () => {
    const plain = JSON.stringify({ a: "b", n: [1, 2] }, null, 1);
    expect(escapeJsonText(plain)).toBe(plain);
    expect(stringifyJson({ a: "b", n: [1, 2] }, 1)).toBe(plain);
  });

  it("refuses a value with no JSON form instead of writing the text undefined", () => {
    expect(() => stringifyJson(undefined)).toThrow(/no JSON form/);
  });
});
