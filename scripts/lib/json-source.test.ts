import { describe, expect, it } from "vitest";
import { decodeUtf8, parseJsonBytes, parseJsonText, positionAt } from "./json-source.ts";

const codes = (r: ReturnType<typeof parseJsonText>) => (r.kind === "invalid" ? r.diagnostics.map((d) => d.code) : []);

describe("parseJsonText", () => {
  it("parses what JSON.parse parses, to the same value", () => {
    const text = '{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n\\"",{"b":{}}],"c":"\\ud83d\\ude00"}';
    const r = parseJsonText(text, "f.json");
    expect(r.kind).toBe("ok");
    expect(r.kind === "ok" ? r.source.value : r).toEqual(JSON.parse(text));
  });

  it("records the position of every value by JSON pointer", () => {
    const text = '{\n  "name": "a/b",\n  "packages": [\n    { "transport": { "url": "x" } }\n  ]\n}';
    const r = parseJsonText(text, "f.json", true);
    if (r.kind !== "ok") throw new Error("expected ok");
    expect(r.source.positions.get("/name")).toEqual({ line: 2, column: 11 });
    expect(r.source.positions.get("/packages/0/transport/url")).toEqual({ line: 4, column: 29 });
    expect(r.source.positions.get("")).toEqual({ line: 1, column: 1 });
  });

  it.each([
    ["duplicate key", '{"a":1,\n "a":2}', "json/duplicate-key", 2, 2],
    ["lone high surrogate", '{"a":"\\ud800x"}', "json/lone-surrogate", 1, 7],
    ["lone low surrogate", '{"a":"\\udc94"}', "json/lone-surrogate", 1, 7],
    ["trailing comma", '{"a":1,}', "json/syntax", 1, 8],
    ["single quotes", "{'a':1}", "json/syntax", 1, 2],
    ["leading zero", '{"a":01}', "json/syntax", 1, 6],
    ["raw control character", '{"a":"x\ty"}', "json/syntax", 1, 8],
    ["unterminated string", '{"a":"x', "json/syntax", 1, 8],
    ["empty file", "", "json/syntax", 1, 1],
    ["garbage after the document", '{"a":1} x', "json/syntax", 1, 9],
    ["bad escape", '{"a":"\\x"}', "json/syntax", 1, 7],
  ])("%s → %s at %i:%i", (_name, text, code, line, column) => {
    const r = parseJsonText(text, "f.json");
    expect(codes(r)).toEqual([code]);
    expect(r.kind === "invalid" ? r.diagnostics[0] : r).toMatchObject({ file: "f.json", line, column });
  });

  it.each([
    ['{"_meta": {"x": 1e400}}', "/_meta/x", "served as null"],
    ['{"n": -1e400}', "/n", "served as null"],
    ['{"n": 9007199254740993}', "/n", "served as 9007199254740992"],
    ['{"n": 123456789012345678901234567890}', "/n", "served as 1.2345678901234568e+29"],
    ['{"n": 1e-400}', "/n", "served as 0"],
    ['{"n": 0.1000000000000000000001}', "/n", "served as 0.1"],
    ['[1, {"a": [2, 3.00000000000000000001]}]', "/1/a/1", "served as 3"],
  ])("refuses %s: a number that is not served as written (json/number-not-exact)", (text, pointer, served) => {
    for (const withPositions of [false, true]) {
      const r = parseJsonText(text, "f.json", withPositions);
      expect(codes(r)).toEqual(["json/number-not-exact"]);
      expect(r.kind === "invalid" ? r.diagnostics[0] : r).toMatchObject({
        pointer,
        line: 1,
        message: expect.stringContaining(served),
        hint: expect.stringContaining("as a string"),
      });
    }
  });

  it.each([
    "9007199254740992",
    "-9007199254740992",
    "1.0",
    "1E2",
    "-0",
    "-0.0",
    "0.1",
    "0.30000000000000004",
    "1.7976931348623157e308",
    "5e-324",
    "123456789012345.6",
    "0e999999",
  ])("keeps %s: the same number as it is served", (text) => {
    const r = parseJsonText(`{"n": ${text}}`, "f.json");
    expect(r.kind === "ok" ? (r.source.value as { n: number }).n : r).toBe(Number(text));
  });

  it("rejects nesting deeper than 64 levels without overflowing the stack", () => {
    expect(codes(parseJsonText("[".repeat(100_000), "f.json"))).toEqual(["json/too-deep"]);
  });

  it("keeps a __proto__ key as data", () => {
    const r = parseJsonText('{"__proto__":{"polluted":true}}', "f.json");
    if (r.kind !== "ok") throw new Error("expected ok");
    expect(Object.getPrototypeOf(r.source.value)).toBe(Object.prototype);
    expect(Object.keys(r.source.value as object)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});

describe("decodeUtf8 / parseJsonBytes", () => {
  it("accepts UTF-8 text", () => {
    expect(decodeUtf8(Buffer.from('{"a":"é"}'), "f").kind).toBe("ok");
  });
  it("rejects a BOM", () => {
    const r = parseJsonBytes(Buffer.from("\ufeff{}"), "f.json");
    expect(codes(r)).toEqual(["json/bom"]);
  });
  it("rejects bytes that are not UTF-8 and says where", () => {
    const r = parseJsonBytes(
      Buffer.concat([Buffer.from('{\n"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
      "f.json",
    );
    expect(codes(r)).toEqual(["json/not-utf8"]);
    expect(r.kind === "invalid" ? r.diagnostics[0] : r).toMatchObject({ line: 2, column: 6 });
  });
  it("rejects Latin-1 text and UTF-8-encoded surrogates", () => {
    expect(codes(parseJsonBytes(Buffer.from('{"a":"caf\xe9"}', "latin1"), "f"))).toEqual(["json/not-utf8"]);
    expect(codes(parseJsonBytes(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), "f"))).toEqual(["json/not-utf8"]);
  });
});

describe("positionAt", () => {
  it("counts lines and columns from 1", () => {
    expect(positionAt("ab\ncd", 4)).toEqual({ line: 2, column: 2 });
    expect(positionAt("ab", 0)).toEqual({ line: 1, column: 1 });
  });
});
