// Text from outside (an author's fields, a service's answer, a finding quoting either) made inert for where it
// is shown, one home per target: HTML (the site, job summaries), Markdown on GitHub (PR comments, issues), and
// GitHub Actions workflow commands (annotations). JSON output is safe-json.ts's; terminals are terminal.ts's.

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

const HTML_SPECIAL = /[&<>"']/;

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  const text = String(value ?? "");
  // Most text has nothing to escape: testing first is half the cost of a replace that finds nothing (measured).
  return HTML_SPECIAL.test(text) ? text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c) : text;
}

/** Text made inert for GitHub Markdown: no HTML, no emphasis or links, no @mentions, no table pipes, one line. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/([\\`*_[\]~])/g, "\\$1")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "&#124;")
    .replace(/@/g, "&#64;")
    .replace(/\r?\n|\r/g, " ");
}

/** A Markdown code span that no backtick inside the text can close (and no pipe can split a table cell). */
export function codeSpan(text: string): string {
  const clean = text.replace(/\r?\n|\r/g, " ").replace(/\|/g, "¦");
  const longest = Math.max(0, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = clean.startsWith("`") || clean.endsWith("`") ? " " : "";
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** actions/toolkit core/src/command.ts escapeData: a workflow command's message. */
const escapeData = (s: string): string => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
/** actions/toolkit core/src/command.ts escapeProperty: a workflow command's property value. */
export const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

export interface AnnotationTarget {
  readonly file: string;
  readonly line?: number;
  readonly col?: number;
  readonly title: string;
}

/** `::error file=…,line=…,col=…,title=…::message`, escaped as the toolkit escapes it. */
export function workflowAnnotation(
  command: "error" | "warning" | "notice",
  target: AnnotationTarget,
  message: string,
): string {
  const props = [
    `file=${escapeProperty(target.file)}`,
    ...(target.line === undefined ? [] : [`line=${target.line}`]),
    ...(target.col === undefined ? [] : [`col=${target.col}`]),
    `title=${escapeProperty(target.title)}`,
  ];
  return `::${command} ${props.join(",")}::${escapeData(message)}`;
}
