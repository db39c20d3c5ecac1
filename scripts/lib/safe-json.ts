// The one JSON serializer for everything the build writes and `npm start` answers: JSON.stringify, then `<`,
// `>`, `&`, U+2028 and U+2029 written as \u003c, \u003e, \u0026, \u2028, \u2029, exactly as Go's
// encoding/json does by default (json.HTMLEscape), so the bytes match the official registry's.
//
// Why: GitHub Pages and plain static hosts serve the pretty-URL API files (`v0.1/servers.html`,
// `…/versions/index.html`) as text/html, and their bodies are JSON written from PR-controlled text. With no
// raw `<` in the bytes, no host can render a tag from them: a description holding `<script>` stays data.
// U+2028/U+2029 are valid in JSON; Go escapes them because they end a line in older JavaScript, and we follow Go.
//
// The escaping is done on the JSON text, not on the value: outside strings JSON has no `<`, `>`, `&` or
// U+2028/9, and inside a string each escape decodes to the same character, so the value is unchanged and the
// text stays valid JSON (JSON.parse(stringifyJson(v)) deep-equals JSON.parse(JSON.stringify(v))).

const HTML_UNSAFE = /[<>&\u2028\u2029]/;
const HTML_UNSAFE_ALL = /[<>&\u2028\u2029]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/** Go's json.HTMLEscape over JSON text: the same value, with no raw `<`, `>`, `&`, U+2028 or U+2029. */
export function escapeJsonText(json: string): string {
  return HTML_UNSAFE.test(json) ? json.replace(HTML_UNSAFE_ALL, (c) => ESCAPES[c]!) : json;
}

/** JSON.stringify(value, null, indent), HTML-escaped like Go's json.Marshal. For every JSON output. */
export function stringifyJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent) as string | undefined;
  if (text === undefined)
    throw new TypeError("stringifyJson: the value has no JSON form (undefined, a function or a symbol)");
  return escapeJsonText(text);
}
