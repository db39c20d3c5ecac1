// The JSON fast path (JSON.parse plus proofs) must give exactly what the strict Parser gives.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseJsonBytes, parseJsonText } from "./json-source.ts";
import { planSyntheticTree } from "./bench/synthetic.ts";
import { REFERENCE } from "../test/temp-tree.ts";

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

/** Same result with and without the fast path: positions force the Parser. */
function expectSameAsStrict(text: string): void {
  const fast = parseJsonText(text, "f.json");
  const strict = parseJsonText(text, "f.json", true);
  expect(fast.kind).toBe(strict.kind);
  if (fast.kind === "ok" && strict.kind === "ok") {
    // Same values, same key order, -0 kept.
    expect(fast.source.value).toStrictEqual(strict.source.value);
    expect(JSON.stringify(fast.source.value)).toBe(JSON.stringify(strict.source.value));
    expect(Object.is(fast.source.value, -0)).toBe(Object.is(strict.source.value, -0));
  } else expect(fast).toEqual(strict);
}

const nest = (n: number, leaf = "1") => "[".repeat(n) + leaf + "]".repeat(n);
const nestObj = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);

describe("JSON fast path", () => {
  it.each([
    ['{"a": 1, "a": 2}'],
    ['{"a": {"b": 1, "c": {"b": 2, "b": 3}}}'],
    ['{"__proto__": 1, "__proto__": 2}'],
    ['{"__proto__": {"x": 1}}'],
    ['{"a": "x\\": y", "b": "k": 1}'],
    ['{"a": "\\": ", "a": 1}'],
    ['{"description": "\\"quoted\\": yes"}'],
    ['{"d": ": ", "e" :1, "f"\n\t:\r\n 2, "": 3}'],
    ['{"d": "\\ud800"}'],
    ['{"d": "\\ud83d\\ude00"}'],
    ['{"d": "a\u0001"}'],
    ['{"n": -0, "m": 1e5, "k": 1.5E-3, "z": 0}'],
    ['{"n": 01}'],
    ['{"_meta": {"x": 1e400}}'],
    ['{"n": 9007199254740993}'],
    ['{"n": 9007199254740992, "m": 1234567890123456, "k": 123456789012345}'],
    ['{"n": 1e-400, "m": 0.1}'],
    ['{"n": 1.0, "m": -0.0, "k": 1E2}'],
    ['{"s": "1e400 and 12345678901234567890"}'],
    ['{"n": 12345678901234567890}'],
    // Digests, versions and numbers-in-strings beside numbers: only the numbers between strings decide.
    ['{"sha": "3e5b0c1234567890123456789abc", "v": "1.2e3", "n": 1e5}'],
    ['{"sha": "3e5b0c1234567890123456789abc", "v": "1.2e3", "n": 15}'],
    ['["1e400", 1234567.890123456]'],
    ['["1e400", 123456.7890123456]'],
    ['["x", 123456789012345, "12345678901234567", 0.1234567890123456789]'],
    ['{"a1": 2E1, "b": "c"}'],
    ["1e5"],
    ["12345678901234567"],
    ['{"n": 1.5, "m": "1..2..3..4..5..6..7..8..9"}'],
    ['{"n": 1.}'],
    ["[1, 2,]"],
    ['{"a": 1,}'],
    ["-0"],
    ['"s"'],
    ["true"],
    ["null"],
    [""],
    ["   "],
    ['{"a": 1} x'],
    ['{"a": [1, {"b": [], "c": {}}], "b": []}'],
    ["{\u00a0}"],
    ['{"a":1}\u2028'],
    ['{"\u2028": "\u2029"}'],
    ['{"1": 1, "0": 0, "b": 2, "a": 1}'],
    [nest(64)],
    [nest(65)],
    [nest(63, "{}")],
    [nest(64, "{}")],
    [nest(64, '{"a":1}')],
    [nestObj(64)],
    [nestObj(65)],
    [nest(5000)],
  ])("%#: %s", (text) => expectSameAsStrict(text));

  it("agrees on every reference example, the sample tree and synthetic documents", () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".json")) files.push(p);
      }
    };
    walk(path.join(REFERENCE, "examples"));
    walk(path.join(REPO, "servers"));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const bytes = fs.readFileSync(f);
      const fast = parseJsonBytes(bytes, f);
      const strict = parseJsonBytes(bytes, f, true);
      expect(fast.kind).toBe(strict.kind);
      // Values compared as JSON text, anything else (diagnostics) as is.
      const shown = (r: typeof fast) => (r.kind === "ok" ? JSON.stringify(r.source.value) : r);
      expect(shown(fast)).toEqual(shown(strict));
    }
    for (const f of planSyntheticTree({ versions: 300, servers: 60 }).files) expectSameAsStrict(f.body);
  });
});
