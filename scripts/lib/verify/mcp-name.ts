// The README ownership token of the official registry (`internal/validators/registries/mcpname.go`),
// used for PyPI, NuGet and Cargo: `mcp-name: <serverName>` followed by a boundary.

import { sha256Hex } from "../sha256.ts";

const isServerNameChar = (c: string) => /[A-Za-z0-9._/-]/.test(c);

/** End of text, a character that cannot continue a server name, or an HTML comment close. */
function isBoundary(rest: string): boolean {
  if (rest === "") return true;
  if (!isServerNameChar(rest[0] as string)) return true;
  return rest.startsWith("-->") || rest.startsWith("--!>");
}

export type TokenMatch =
  | { readonly kind: "found"; readonly line: string; readonly lineNumber: number }
  /** The literal is there, but glued to a character that makes it a longer name (e.g. a trailing `.`). */
  | { readonly kind: "glued"; readonly trailing: string; readonly line: string; readonly lineNumber: number }
  | { readonly kind: "missing" };

function lineAround(text: string, index: number): { line: string; lineNumber: number } {
  const start = text.lastIndexOf("\n", index - 1) + 1;
  const endAt = text.indexOf("\n", index);
  const line = text.slice(start, endAt === -1 ? text.length : endAt).trim();
  let lineNumber = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < index; i = text.indexOf("\n", i + 1)) lineNumber++;
  return { line: line.length > 300 ? `${line.slice(0, 300)}…` : line, lineNumber };
}

/**
 * Scanning goes on past a non-boundary occurrence, so `mcp-name: io.github.a/widget-pro` earlier in
 * the text does not hide a correct `mcp-name: io.github.a/widget` later, and does not match it either.
 */
export function findMcpNameToken(content: string, serverName: string): TokenMatch {
  const token = `mcp-name: ${serverName}`;
  for (let from = 0; ;) {
    const idx = content.indexOf(token, from);
    if (idx < 0) break;
    if (isBoundary(content.slice(idx + token.length, idx + token.length + 4)))
      return { kind: "found", ...lineAround(content, idx) };
    from = idx + 1;
  }
  const first = content.indexOf(token);
  if (first < 0 || first + token.length >= content.length) return { kind: "missing" };
  return { kind: "glued", trailing: content[first + token.length] as string, ...lineAround(content, first) };
}

/** Go's %q for the one-character strings the upstream glued message prints. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Evidence common to README checks: where the README came from, its hash, and the matched line. */
export function readmeEvidence(url: string, readme: Uint8Array | string, match: TokenMatch): Record<string, unknown> {
  const base: Record<string, unknown> = { readmeUrl: url, readmeSha256: sha256Hex(readme) };
  if (match.kind === "found") return { ...base, matchedLine: match.line, matchedLineNumber: match.lineNumber };
  if (match.kind === "glued")
    return { ...base, gluedLine: match.line, gluedLineNumber: match.lineNumber, trailing: match.trailing };
  return base;
}
