// Text that a terminal prints comes from PR authors and upstream registries: it must never reach the
// terminal as control sequences (cursor movement, colour, OSC 52 clipboard writes, hidden lines). Every
// human-facing output renders control characters visibly through this module.

// C0 controls, DEL, C1 controls, and the bidi/zero-width format characters that reorder or hide text.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/gu;
const UNSAFE_KEEP_NEWLINES =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/gu;

function escapeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (c === "\t") return "\\t";
  if (c === "\n") return "\\n";
  if (c === "\r") return "\\r";
  if (c === "\u001b") return "\\e";
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
}

/** One line of untrusted text with every control and bidi/zero-width character shown as an escape. */
export function visible(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** Like `visible`, but keeps line feeds (for multi-line messages the tool itself composed). */
export function visibleLines(text: string): string {
  return text.replace(UNSAFE_KEEP_NEWLINES, escapeChar);
}
