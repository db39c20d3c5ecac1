// A strict JSON reader for files that people write by hand and that a hostile pull request may craft.
// JSON.parse forgives what a registry must not: duplicate keys (last one wins, silently), lone UTF-16
// surrogate escapes (not representable in UTF-8, rejected by the official publisher CLI), a BOM, and numbers
// a double cannot hold (`1e400` becomes Infinity, served as null: json/number-not-exact). It also cannot
// say where a value is. This parser does all of it, in one pass over the text.

import { diag, toPointer, type Diagnostic } from "./diagnostics.ts";

export interface Position {
  readonly line: number; // 1-based
  readonly column: number; // 1-based, in UTF-16 code units of the line
}

interface JsonSource {
  readonly value: unknown;
  /** JSON pointer → where its value starts; present when positions were asked for. */
  readonly positions: ReadonlyMap<string, Position>;
}

export type JsonParseResult =
  | { readonly kind: "ok"; readonly source: JsonSource }
  | { readonly kind: "invalid"; readonly diagnostics: Diagnostic[] };

const MAX_DEPTH = 64;

class JsonSyntaxError extends Error {
  readonly code: string;
  readonly offset: number;
  readonly hint: string | undefined;
  readonly pointer: string | undefined;
  constructor(code: string, message: string, offset: number, hint?: string, pointer?: string) {
    super(message);
    this.code = code;
    this.offset = offset;
    this.hint = hint;
    this.pointer = pointer;
  }
}

/** Line and column of a UTF-16 offset in text. */
export function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** Decode bytes as strict UTF-8 without a BOM; report the first bad byte's place. */
export function decodeUtf8(
  bytes: Uint8Array,
  file: string,
): { kind: "ok"; text: string } | { kind: "invalid"; diagnostics: Diagnostic[] } {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return {
      kind: "invalid",
      diagnostics: [
        diag("error", "json/bom", file, "the file starts with a UTF-8 byte order mark (BOM).", {
          line: 1,
          column: 1,
          hint: "save the file as UTF-8 without BOM (most editors: 'UTF-8', not 'UTF-8 with BOM').",
        }),
      ],
    };
  }
  try {
    return { kind: "ok", text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    const bad = firstInvalidUtf8Offset(bytes);
    const prefix = new TextDecoder("utf-8").decode(bytes.subarray(0, bad));
    const pos = positionAt(prefix, prefix.length);
    return {
      kind: "invalid",
      diagnostics: [
        diag(
          "error",
          "json/not-utf8",
          file,
          `the file is not valid UTF-8: byte 0x${(bytes[bad] ?? 0).toString(16).padStart(2, "0")} at offset ${bad}.`,
          {
            ...pos,
            hint: "save the file as UTF-8; JSON files must be UTF-8 (RFC 8259 §8.1).",
          },
        ),
      ],
    };
  }
}

function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return i;
}

/**
 * Parse JSON text strictly. With `withPositions`, records where every value starts, by JSON pointer.
 * Never throws: problems come back as diagnostics that name the file, line and column.
 */
export function parseJsonText(text: string, file: string, withPositions = false): JsonParseResult {
  if (!withPositions) {
    const value = parseFast(text);
    if (value !== NOT_FAST) return { kind: "ok", source: { value, positions: new Map() } };
  }
  const parser = new Parser(text, withPositions);
  try {
    const value = parser.parseDocument();
    return { kind: "ok", source: { value, positions: parser.positions } };
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    return {
      kind: "invalid",
      diagnostics: [
        diag("error", e.code, file, e.message, {
          ...positionAt(text, e.offset),
          ...(e.pointer === undefined ? {} : { pointer: e.pointer }),
          ...(e.hint ? { hint: e.hint } : {}),
        }),
      ],
    };
  }
}

/** Bytes → value, with every input-hygiene check (BOM, UTF-8, syntax, duplicate keys, surrogates). */
export function parseJsonBytes(bytes: Uint8Array, file: string, withPositions = false): JsonParseResult {
  const decoded = decodeUtf8(bytes, file);
  if (decoded.kind === "invalid") return decoded;
  return parseJsonText(decoded.text, file, withPositions);
}

const WS_SPACE = 0x20,
  WS_TAB = 0x09,
  WS_LF = 0x0a,
  WS_CR = 0x0d;

const NOT_FAST: unique symbol = Symbol("not fast");

/**
 * Whether text[from, to) may hold a number the Parser refuses (json/number-not-exact): an exponent (a digit
 * followed by e or E), or 16 or more digits in a row (one dot allowed between two). A literal with at most 15
 * significant digits and no exponent lies within the normal range of a double and survives decimal → double →
 * shortest decimal (DBL_DIG = 15), so it is served as written. parseFast asks this only of the text between
 * strings (strings hold no number; hex digests and version strings in them used to send most documents to the
 * Parser), where a false alarm only sends a document to the Parser, which is never wrong.
 */
function maybeInexactNumber(text: string, from: number, to: number): boolean {
  let run = 0; // digits in a row so far, a dot allowed between two
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (++run >= 16) return true;
      const next = text.charCodeAt(i + 1);
      if (next === 0x65 || next === 0x45) return true;
      if (next === 0x2e) {
        const after = text.charCodeAt(i + 2);
        if (after >= 0x30 && after <= 0x39) i++; // the dot, inside the run
      }
    } else run = 0;
  }
  return false;
}

/**
 * The common case at native speed, with the same result as the Parser: JSON.parse, then proof that nothing
 * it forgives was there. Taken only for text without a backslash, so there is no escape at all (no lone
 * surrogate escape, and every '"' opens or closes a string); duplicate keys show as fewer keys in the value
 * than property names in the text; nesting is checked against the same limit. Anything else (and every
 * error) goes to the Parser, which gives the exact diagnostic.
 */
function parseFast(text: string): unknown {
  if (text.indexOf("\\") !== -1) return NOT_FAST;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return NOT_FAST;
  }
  const counted = countValueKeys(value, 0);
  return counted !== -1 && counted === countTextKeys(text) ? value : NOT_FAST;
}

/**
 * Property names in escape-free JSON text that JSON.parse took: strings followed by ':' (after optional
 * whitespace); -1 when the text between strings may hold an inexact number (maybeInexactNumber).
 */
function countTextKeys(text: string): number {
  let keys = 0;
  let open = text.indexOf('"');
  if (maybeInexactNumber(text, 0, open === -1 ? text.length : open)) return -1;
  while (open !== -1) {
    const close = text.indexOf('"', open + 1);
    let i = close + 1;
    let c = text.charCodeAt(i);
    while (c === WS_SPACE || c === WS_LF || c === WS_CR || c === WS_TAB) c = text.charCodeAt(++i);
    if (c === 0x3a) keys++;
    open = text.indexOf('"', i);
    if (maybeInexactNumber(text, i, open === -1 ? text.length : open)) return -1;
  }
  return keys;
}

/** Own keys of every object in a JSON value, or -1 when a value sits deeper than the Parser allows. */
function countValueKeys(value: unknown, depth: number): number {
  if (depth > MAX_DEPTH) return -1;
  if (typeof value !== "object" || value == null) return 0;
  let n = 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  if (!Array.isArray(value)) n += children.length;
  for (const child of children) {
    if (typeof child !== "object" || child == null) {
      if (depth + 1 > MAX_DEPTH) return -1;
      continue;
    }
    const k = countValueKeys(child, depth + 1);
    if (k === -1) return -1;
    n += k;
  }
  return n;
}

class Parser {
  readonly positions = new Map<string, Position>();
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private readonly path: (string | number)[] = [];

  private readonly text: string;
  private readonly withPositions: boolean;

  constructor(text: string, withPositions: boolean) {
    this.text = text;
    this.withPositions = withPositions;
  }

  parseDocument(): unknown {
    this.skipWs();
    if (this.i >= this.text.length) this.fail("json/syntax", "the file is empty; expected a JSON object.");
    const value = this.parseValue(0);
    this.skipWs();
    if (this.i < this.text.length)
      this.fail("json/syntax", `unexpected ${this.describe()} after the end of the JSON document.`);
    return value;
  }

  private fail(code: string, message: string, offset = this.i, hint?: string): never {
    throw new JsonSyntaxError(code, message, offset, hint, code === "json/syntax" ? undefined : toPointer(this.path));
  }

  private describe(): string {
    if (this.i >= this.text.length) return "end of file";
    return `character ${JSON.stringify(this.text[this.i])}`;
  }

  private skipWs(): void {
    const t = this.text;
    for (;;) {
      const c = t.charCodeAt(this.i);
      if (c === WS_SPACE || c === WS_TAB || c === WS_CR) this.i++;
      else if (c === WS_LF) {
        this.i++;
        this.line++;
        this.lineStart = this.i;
      } else return;
    }
  }

  private record(): void {
    if (this.withPositions)
      this.positions.set(toPointer(this.path), { line: this.line, column: this.i - this.lineStart + 1 });
  }

  private parseValue(depth: number): unknown {
    if (depth > MAX_DEPTH)
      this.fail(
        "json/too-deep",
        `JSON nesting deeper than ${MAX_DEPTH} levels.`,
        this.i,
        "flatten the document; server.json never nests this deep.",
      );
    this.record();
    const c = this.text[this.i];
    switch (c) {
      case "{":
        return this.parseObject(depth);
      case "[":
        return this.parseArray(depth);
      case '"':
        return this.parseString();
      case "t":
        return this.literal("true", true);
      case "f":
        return this.literal("false", false);
      case "n":
        return this.literal("null", null);
      default:
        if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.parseNumber();
        return this.fail(
          "json/syntax",
          `unexpected ${this.describe()}; expected a JSON value.`,
          this.i,
          trailingCommaHint(c),
        );
    }
  }

  private literal<T>(word: string, value: T): T {
    if (this.text.startsWith(word, this.i)) {
      this.i += word.length;
      return value;
    }
    return this.fail("json/syntax", `unexpected ${this.describe()}; expected a JSON value.`);
  }

  private parseObject(depth: number): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    const seen = new Set<string>();
    this.i++; // {
    this.skipWs();
    if (this.text[this.i] === "}") {
      this.i++;
      return obj;
    }
    for (;;) {
      this.skipWs();
      if (this.text[this.i] !== '"') {
        this.fail(
          "json/syntax",
          `unexpected ${this.describe()}; expected a property name in double quotes.`,
          this.i,
          trailingCommaHint(this.text[this.i]),
        );
      }
      const keyOffset = this.i;
      const key = this.parseString();
      if (seen.has(key)) {
        this.path.push(key);
        this.fail(
          "json/duplicate-key",
          `duplicate key ${JSON.stringify(key)}: JSON parsers disagree on which value wins.`,
          keyOffset,
          "keep one of the two entries and delete the other.",
        );
      }
      seen.add(key);
      this.skipWs();
      if (this.text[this.i] !== ":")
        this.fail("json/syntax", `unexpected ${this.describe()}; expected ':' after the property name.`);
      this.i++;
      this.skipWs();
      this.path.push(key);
      const value = this.parseValue(depth + 1);
      this.path.pop();
      // defineProperty, not assignment: a key named "__proto__" must stay data, not change the prototype.
      Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipWs();
      const c = this.text[this.i];
      if (c === ",") {
        this.i++;
        continue;
      }
      if (c === "}") {
        this.i++;
        return obj;
      }
      this.fail("json/syntax", `unexpected ${this.describe()}; expected ',' or '}' in an object.`);
    }
  }

  private parseArray(depth: number): unknown[] {
    const arr: unknown[] = [];
    this.i++; // [
    this.skipWs();
    if (this.text[this.i] === "]") {
      this.i++;
      return arr;
    }
    for (;;) {
      this.skipWs();
      this.path.push(arr.length);
      arr.push(this.parseValue(depth + 1));
      this.path.pop();
      this.skipWs();
      const c = this.text[this.i];
      if (c === ",") {
        this.i++;
        continue;
      }
      if (c === "]") {
        this.i++;
        return arr;
      }
      this.fail("json/syntax", `unexpected ${this.describe()}; expected ',' or ']' in an array.`);
    }
  }

  private parseString(): string {
    const t = this.text;
    const start = ++this.i; // opening quote
    // Fast path: no escapes.
    for (;;) {
      const c = t.charCodeAt(this.i);
      if (c === 0x22) {
        const s = t.slice(start, this.i);
        this.i++;
        return s;
      }
      if (c === 0x5c) break;
      if (c < 0x20 || Number.isNaN(c)) this.badStringChar(c);
      this.i++;
    }
    let out = t.slice(start, this.i);
    for (;;) {
      const c = t.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        return out;
      }
      if (c === 0x5c) {
        const escapeOffset = this.i;
        const e = t[this.i + 1];
        this.i += 2;
        switch (e) {
          case '"':
            out += '"';
            break;
          case "\\":
            out += "\\";
            break;
          case "/":
            out += "/";
            break;
          case "b":
            out += "\b";
            break;
          case "f":
            out += "\f";
            break;
          case "n":
            out += "\n";
            break;
          case "r":
            out += "\r";
            break;
          case "t":
            out += "\t";
            break;
          case "u": {
            const unit = this.hex4(escapeOffset);
            if (unit >= 0xd800 && unit <= 0xdbff) {
              const lowOffset = this.i;
              if (t[this.i] === "\\" && t[this.i + 1] === "u") {
                this.i += 2;
                const low = this.hex4(lowOffset);
                if (low >= 0xdc00 && low <= 0xdfff) {
                  out += String.fromCharCode(unit, low);
                  break;
                }
              }
              this.loneSurrogate(escapeOffset, unit);
            }
            if (unit >= 0xdc00 && unit <= 0xdfff) this.loneSurrogate(escapeOffset, unit);
            out += String.fromCharCode(unit);
            break;
          }
          default:
            this.fail(
              "json/syntax",
              `invalid escape sequence '\\${e ?? ""}' in a string.`,
              escapeOffset,
              'valid escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX.',
            );
        }
        continue;
      }
      if (c < 0x20 || Number.isNaN(c)) this.badStringChar(c);
      out += t[this.i];
      this.i++;
    }
  }

  private badStringChar(c: number): never {
    if (Number.isNaN(c)) this.fail("json/syntax", "unterminated string: the file ends inside a string.");
    this.fail(
      "json/syntax",
      `control character U+${c.toString(16).toUpperCase().padStart(4, "0")} inside a string.`,
      this.i,
      "write it escaped, e.g. \\n for a line break or \\t for a tab.",
    );
  }

  private loneSurrogate(offset: number, unit: number): never {
    this.fail(
      "json/lone-surrogate",
      `lone UTF-16 surrogate escape \\u${unit.toString(16).padStart(4, "0")}: it encodes no character and cannot be stored as UTF-8.`,
      offset,
      "remove the escape, or write the full surrogate pair (high \\uD800–\\uDBFF followed by low \\uDC00–\\uDFFF).",
    );
  }

  private hex4(escapeOffset: number): number {
    const hex = this.text.slice(this.i, this.i + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(hex))
      this.fail("json/syntax", "invalid \\u escape: expected four hex digits.", escapeOffset);
    this.i += 4;
    return parseInt(hex, 16);
  }

  private parseNumber(): number {
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const match = m.exec(this.text);
    if (!match) return this.fail("json/syntax", `invalid number starting with ${this.describe()}.`);
    const next = this.text[this.i + match[0].length];
    if (next !== undefined && /[0-9.eE+\-a-zA-Z]/.test(next))
      this.fail("json/syntax", "invalid number: leading zeros, a trailing '.', or stray characters.", this.i);
    const value = Number(match[0]);
    const problem = inexactNumberProblem(match[0], value);
    if (problem) {
      this.fail(
        "json/number-not-exact",
        `${toPointer(this.path) || "document"}: the number ${match[0]} ${problem}.`,
        this.i,
        `the committed file is what is served, and a JSON number is served as a 64-bit float (integers exactly up to 2^53 = 9007199254740992, about 15 significant digits): write it as a string, e.g. "${match[0]}", or with fewer digits.`,
      );
    }
    this.i += match[0].length;
    return value;
  }
}

/** A number literal's decimal value as `[-]digits e exponent` with no leading or trailing zeros; zero has no sign. */
function decimalKey(literal: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!m) return literal;
  const fraction = m[3] ?? "";
  const digits = ((m[2] ?? "") + fraction).replace(/^0+/, "");
  if (digits === "") return "0";
  const trimmed = digits.replace(/0+$/, "");
  return `${m[1]}${trimmed}e${Number(m[4] ?? 0) - fraction.length + (digits.length - trimmed.length)}`;
}

/**
 * Why a number literal would not be served as written, or undefined. The build serves JSON.stringify of the
 * parsed double, so the literal must denote the same decimal value as that output: `1e400` would become
 * `null`, `9007199254740993` becomes `9007199254740992`, `1e-400` becomes `0`. Other spellings of the same
 * value are kept (`1.0`, `1E2`, and `-0`, which is served as `0`: JSON gives the sign of zero no meaning
 * and no server.json field is a number where it could matter).
 */
function inexactNumberProblem(literal: string, value: number): string | undefined {
  if (!Number.isFinite(value)) return "is too large for a 64-bit float and would be served as null";
  const served = JSON.stringify(value);
  return decimalKey(literal) === decimalKey(served)
    ? undefined
    : `cannot be stored exactly and would be served as ${served}`;
}

function trailingCommaHint(c: string | undefined): string | undefined {
  return c === "}" || c === "]" ? "remove the trailing comma before it; JSON allows none." : undefined;
}
