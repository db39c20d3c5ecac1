// One shape for every problem the registry scripts report, from the JSON parser to the PR verifier.
// Codes are stable `area/slug` strings: tests assert on them, people search for them.

import { visible, visibleLines } from "./terminal.ts";

export type Severity = "error" | "warning";

export interface Diagnostic {
  readonly severity: Severity;
  /** Stable rule id, e.g. `schema/required` or `name/namespace-format`. */
  readonly code: string;
  /** Path of the offending file, relative to the repository root where possible. */
  readonly file: string;
  /** JSON pointer of the offending value (RFC 6901), when the problem is inside a document. */
  readonly pointer?: string;
  /** 1-based line and column of the offending value. */
  readonly line?: number;
  readonly column?: number;
  /** What is wrong: `field: what is wrong. Expected X, got Y.` */
  readonly message: string;
  /** How to fix it. */
  readonly hint?: string;
}

export function diag(
  severity: Severity,
  code: string,
  file: string,
  message: string,
  extra: { pointer?: string; line?: number; column?: number; hint?: string } = {},
): Diagnostic {
  return { severity, code, file, message, ...extra };
}

export const hasErrors = (diagnostics: readonly Diagnostic[]): boolean =>
  diagnostics.some((d) => d.severity === "error");

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deterministic order: file, then position, then code. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      compareText(a.file, b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      compareText(a.code, b.code) ||
      compareText(a.message, b.message),
  );
}

/**
 * `path:line:col: error [rule-id] message` and, on the next line, the hint. For a terminal: file names,
 * messages and hints quote text from a PR or an upstream, so every part is rendered with control
 * characters visible (a quoted ESC sequence must not move the cursor or hide the lines above it). A hint
 * may span lines (an example file); its further lines are indented under it, so no text in a diagnostic
 * can start a line of its own that looks like another diagnostic.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line === undefined ? visible(d.file) : `${visible(d.file)}:${d.line}:${d.column ?? 1}`;
  const head = `${where}: ${d.severity} [${visible(d.code)}] ${visible(d.message)}`;
  return d.hint ? `${head}\n    hint: ${visibleLines(d.hint).replace(/\n/g, "\n          ")}` : head;
}

export function formatSummary(diagnostics: readonly Diagnostic[], files: number): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `${plural(files, "file")} checked: ${plural(errors, "error")}, ${plural(warnings, "warning")}`;
}

/** JSON pointer (RFC 6901) from path segments. */
export function toPointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => "/" + String(s).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}
