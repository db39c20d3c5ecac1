import { describe, expect, it } from "vitest";
import { documentJson, serverOf, servedBody, serverResponse, type OfficialMeta, type ServerJson } from "./model.ts";
import { stringifyJson } from "./safe-json.ts";

const official: OfficialMeta = {
  status: "deprecated",
  statusMessage: "use <b>other</b> & more\u2028",
  statusChangedAt: "2025-10-02T00:00:00Z",
  publishedAt: "2025-10-01T00:00:00Z",
  updatedAt: "2025-10-02T00:00:00Z",
  isLatest: true,
};

// Parsed from text, as the loader parses: `__proto__` is an own key, numbers as written in JSON.
const hostile = JSON.parse(
  `{"name":"io.github.a/b","version":"1.0.0","description":"</script><script>alert(1)</script> & \\u2028\\u2029 ☃ \\ud83d\\ude00",` +
    `"__proto__":{"polluted":true},"_meta":{"x":{"10":1,"2":[1.5,0,1e21,null,true,{"a\\"b":"<>"}],"z":{}}},` +
    `"remotes":[{"type":"sse","url":"https://e.com/?a=1&b=<2>"}]}`,
) as ServerJson;

describe("servedBody", () => {
  it("is stringifyJson of the whole response, made from the document's canonical text", () => {
    const json = documentJson(hostile);
    const whole = stringifyJson(serverResponse("io.github.a/b", "1.0.0", hostile, official));
    expect(servedBody("io.github.a/b", "1.0.0", json, official)).toBe(whole);
    expect(whole).not.toMatch(/[<>&\u2028\u2029]/);
  });

  it("differs when the document differs (the change feed compares texts, not hashes)", () => {
    const other = documentJson({ ...hostile, description: "x" });
    expect(servedBody("io.github.a/b", "1.0.0", other, official)).not.toBe(
      servedBody("io.github.a/b", "1.0.0", documentJson(hostile), official),
    );
  });
});

describe("serverOf", () => {
  it("gives back the document the text was made from, own __proto__ key and key order included", () => {
    const back = serverOf({ json: documentJson(hostile) });
    expect(back).toStrictEqual(hostile);
    expect(Object.keys(back)).toEqual(Object.keys(hostile));
    expect(Object.hasOwn(back, "__proto__")).toBe(true);
    expect(documentJson(back)).toBe(documentJson(hostile));
  });

  it("reads -0 as 0, which every output writes as 0 anyway (JSON, String, templates)", () => {
    const doc = JSON.parse(
      `{"name":"io.github.a/b","version":"1.0.0","description":"d","_meta":{"n":-0}}`,
    ) as ServerJson;
    expect(Object.is(doc._meta!["n"], -0)).toBe(true);
    expect(serverOf({ json: documentJson(doc) })._meta!["n"]).toBe(0);
    expect(documentJson(serverOf({ json: documentJson(doc) }))).toBe(documentJson(doc));
  });
});
