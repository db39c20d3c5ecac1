// The one PR comment: verdict, a table per file with every check, and the API diff. It starts with a
// hidden marker so post-comment.ts finds and updates its own comment instead of adding another.
// Pure: the report in, Markdown out. Every text that came from the PR (messages quote names, mcpName
// values, README lines) is escaped: no HTML, no @mentions, no breaking out of a table cell or code span.

import { codeSpan, escapeMarkdown } from "../escape.ts";
import { summarizeApiDiff, type RouteChange, type ValueChange } from "./api-diff.ts";
import { AUTO_MERGE_OFF, lookalikeChecks } from "./labels.ts";
import type { PrReport, ReportCheck, PrVerdict } from "./report.ts";

export const COMMENT_MARKER = "<!-- mcp-static-registry:pr-check -->";
/** GitHub refuses comment bodies over 65,536 characters; stay well below. */
export const MAX_COMMENT_CHARS = 60_000;

const HEADLINE: Record<PrVerdict, string> = {
  pass: "✅ Verified",
  fail: "❌ Changes needed",
  error: "⚠️ Verification could not finish",
  "needs-maintainer": "👀 Needs a maintainer's review",
};

const EXPLAIN: Record<PrVerdict, string> = {
  pass: "Every check passed. A maintainer can merge this pull request.",
  fail: "Some checks failed. Fix what the table says, push, and the checks run again. `npm run verify` runs the same checks locally (CONTRIBUTING.md).",
  error:
    "Some checks could not finish: a service did not answer (or rate-limited us), so re-run the workflow later; or the base branch itself has errors (the table says so), which a maintainer fixes first. This is not a verdict on your entry.",
  "needs-maintainer":
    "This pull request changes files outside `servers/`, so it cannot be verified automatically. A maintainer will review it.",
};

const STATUS_ICON: Record<string, string> = { pass: "✅ pass", fail: "❌ fail", error: "⚠️ error", skip: "⏭️ skip" };

export interface CommentOptions {
  /** Link to the workflow run (job summary and logs). */
  readonly runUrl?: string;
}

export function renderComment(report: PrReport, options: CommentOptions = {}): string {
  const lines: string[] = [COMMENT_MARKER, `## ${HEADLINE[report.verdict]}`, ""];
  const counts = countStatuses(report.checks);
  lines.push(
    `Commit ${codeSpan(report.pr.headSha.slice(0, 7))} · ${report.checks.length} check${report.checks.length === 1 ? "" : "s"}: ${counts}`,
  );
  lines.push("", EXPLAIN[report.verdict], "");
  lines.push(...renderMaintainerRules(report));
  lines.push(...renderLookalikes(report));
  lines.push(...renderCheckTables(report.checks));
  lines.push("### API changes", "", ...renderApiDiff(report.apiDiff), "");
  if (report.labels.length > 0) lines.push(`Labels: ${report.labels.map(codeSpan).join(", ")}`, "");
  lines.push(renderAutoMerge(report.autoMerge));
  if (options.runUrl) lines.push("", `Evidence for every check is in the [job summary](${options.runUrl}).`);
  return fitComment(
    lines
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trimEnd() + "\n",
    options,
  );
}

/** Which maintainer rules allowed what; a change of the maintainers themselves stands out. */
function renderMaintainerRules(report: PrReport): string[] {
  const allowed = report.checks.filter((c) => c.status === "pass" && (c.code ?? "").startsWith("maintainer/"));
  if (allowed.length === 0) return [];
  const byRule = new Map<string, number>();
  for (const c of allowed) byRule.set(c.code ?? "", (byRule.get(c.code ?? "") ?? 0) + 1);
  const out = [
    `Opened by a maintainer (${codeSpan(report.pr.author)}); allowed by maintainer rules: ${[...byRule].map(([rule, n]) => `${codeSpan(rule)} (${n} file${n === 1 ? "" : "s"})`).join(", ")}.`,
    "",
  ];
  const who = allowed.find((c) => c.code === "maintainer/maintainers-file");
  if (who)
    out.push(
      `> [!WARNING]`,
      `> This pull request changes who the maintainers are: ${escapeMarkdown(who.message)}. Another maintainer must review it before it is merged.`,
      "",
    );
  return out;
}

/** A new name that resembles another namespace's server: a warning above the tables, naming that server. */
function renderLookalikes(report: PrReport): string[] {
  const found = lookalikeChecks(report.checks);
  if (found.length === 0) return [];
  return [
    "> [!WARNING]",
    "> **Look-alike name.** A maintainer must check that this server does not impersonate another (label `needs-review`; never merged automatically):",
    ...found.map((c) => `> - ${codeSpan(c.file)}: ${escapeMarkdown(c.message.replace(/^warning: /, ""))}`),
    "",
  ];
}

function renderAutoMerge(decision: PrReport["autoMerge"]): string {
  if (decision.eligible)
    return "Auto-merge: on, and this pull request qualifies: it will be merged once the comment job confirms it.";
  if (decision.reasons.some((r) => r.startsWith(AUTO_MERGE_OFF)))
    return "Auto-merge: off in this repository; a maintainer merges.";
  return `Auto-merge: not for this pull request (${decision.reasons.map(escapeMarkdown).join("; ")}); a maintainer merges.`;
}

function countStatuses(checks: readonly ReportCheck[]): string {
  const parts: string[] = [];
  for (const [status, word] of [
    ["pass", "passed"],
    ["fail", "failed"],
    ["error", "could not finish"],
    ["skip", "skipped"],
  ] as const) {
    const n = checks.filter((c) => c.status === status).length;
    if (n > 0) parts.push(`${n} ${word}`);
  }
  return parts.length === 0 ? "none ran" : parts.join(", ");
}

/** One table per file: check kind, result, what was found (the verifier's message). */
function renderCheckTables(checks: readonly ReportCheck[]): string[] {
  const byFile = new Map<string, ReportCheck[]>();
  for (const c of checks) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);
  const out: string[] = [];
  for (const file of [...byFile.keys()].sort()) {
    out.push(`#### ${codeSpan(file)}`, "", "| Check | Result | Details |", "| --- | --- | --- |");
    for (const c of byFile.get(file) ?? []) {
      const where = c.line === undefined ? "" : `line ${c.line}: `;
      out.push(
        `| ${escapeMarkdown(c.kind)} | ${STATUS_ICON[c.status] ?? c.status} | ${where}${escapeMarkdown(c.message)}${c.code ? ` (${codeSpan(c.code)})` : ""} |`,
      );
    }
    out.push("");
  }
  return out;
}

function showValue(v: unknown): string {
  return codeSpan(v === undefined ? "undefined" : JSON.stringify(v));
}

function renderValueChange(c: ValueChange): string {
  if (c.op === "add")
    return `- ${codeSpan(c.at)}: added ${c.bytes === undefined ? showValue(c.after) : `(${c.bytes} bytes of JSON)`}`;
  if (c.op === "remove")
    return `- ${codeSpan(c.at)}: removed${c.bytes === undefined ? ` (was ${showValue(c.before)})` : ""}`;
  return `- ${codeSpan(c.at)}: ${showValue(c.before)} → ${showValue(c.after)}`;
}

/** The API diff as Markdown: counts, then added, changed (with their value changes, folded) and removed routes. */
export function renderApiDiff(diff: readonly RouteChange[] | null): string[] {
  if (diff == null) return ["Not computed: the pull request's servers tree has errors, so it does not build."];
  if (diff.length === 0) return ["No published path changes."];
  const s = summarizeApiDiff(diff);
  const out = [
    `${s.added} added · ${s.changed} changed · ${s.removed} removed (under ${codeSpan("/v0.1")}; ${codeSpan("/v0")} serves the same).`,
    "",
  ];
  const added = diff.filter((c) => c.kind === "added");
  const changed = diff.filter((c) => c.kind === "changed");
  const removed = diff.filter((c) => c.kind === "removed");
  if (added.length > 0) out.push("**Added**", "", ...added.map((c) => `- ${codeSpan(c.route)}`), "");
  if (changed.length > 0) {
    out.push("**Changed**", "");
    for (const c of changed) {
      const n = (c.changes?.length ?? 0) + (c.truncated ?? 0);
      out.push(
        `<details><summary><code>${escapeMarkdown(c.route)}</code> (${n} change${n === 1 ? "" : "s"})</summary>`,
        "",
      );
      out.push(...(c.changes ?? []).map(renderValueChange));
      if (c.truncated) out.push(`- … and ${c.truncated} more`);
      out.push("", "</details>", "");
    }
  }
  if (removed.length > 0) out.push("**Removed**", "", ...removed.map((c) => `- ${codeSpan(c.route)}`), "");
  return out;
}

/** Keep the comment under GitHub's limit: cut at a line and point at the job summary. */
function fitComment(body: string, options: CommentOptions): string {
  if (body.length <= MAX_COMMENT_CHARS) return body;
  const note = `\n\n… the rest is cut to fit a comment. ${options.runUrl ? `See the [job summary](${options.runUrl}).` : "See the job summary."}\n`;
  let cut = body.slice(0, MAX_COMMENT_CHARS - note.length);
  cut = cut.slice(0, cut.lastIndexOf("\n"));
  // An unclosed <details> would swallow the note.
  if ((cut.match(/<details>/g) ?? []).length > (cut.match(/<\/details>/g) ?? []).length) cut += "\n\n</details>";
  return cut + note;
}
