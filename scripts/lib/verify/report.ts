// Rendering a verification report at the edge: readable text, GitHub annotations, job-summary Markdown and
// the `--json` receipt. All pure; the CLI writes them.

import { escapeHtml, workflowAnnotation } from "../escape.ts";
import { visible } from "../terminal.ts";
import type { CheckResult, CheckStatus } from "./check.ts";
import type { VerifyReport } from "./verify-pr.ts";

const ICON: Record<CheckStatus, string> = { pass: "✔", fail: "✖", error: "!", skip: "-" };

const VERDICT_TEXT: Record<VerifyReport["verdict"], string> = {
  pass: "every check passed",
  fail: "some checks failed: the pull request must change",
  error: "some checks could not finish (a service did not answer): run again later",
  "needs-review": "files outside servers/ changed: a maintainer must review this pull request",
  incomplete: "some checks were skipped (--offline): not a pass",
};

/** The terminal text: file names, messages and the author come from the PR or a registry, so control characters show as escapes. */
export function formatReport(report: VerifyReport): string {
  const lines = [visible(`verify ${report.base.slice(0, 12)}...${report.head.slice(0, 12)} (author ${report.author})`)];
  for (const c of sortChecks(report.checks)) {
    const where = c.line === undefined ? c.file : `${c.file}:${c.line}`;
    lines.push(`${ICON[c.status]} ${c.status.padEnd(5)} ${visible(`${where} [${c.code}] ${c.message}`)}`);
  }
  const counts = countByStatus(report.checks);
  lines.push(
    `${counts.pass} passed, ${counts.fail} failed, ${counts.error} could not finish, ${counts.skip} skipped: ${VERDICT_TEXT[report.verdict]}`,
  );
  return lines.join("\n");
}

function countByStatus(checks: readonly CheckResult[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, error: 0, skip: 0 };
  for (const c of checks) counts[c.status]++;
  return counts;
}

function sortChecks(checks: readonly CheckResult[]): CheckResult[] {
  return [...checks].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0)));
}

/** `::error file=…,line=…,title=<code>::<message>` for every check that did not pass. */
export function toAnnotations(checks: readonly CheckResult[]): string[] {
  return sortChecks(checks)
    .filter((c) => c.status !== "pass")
    .map((c) => {
      const command = c.status === "skip" ? "notice" : c.status === "error" ? "warning" : "error";
      const message = c.status === "error" ? `could not finish, try again later: ${c.message}` : c.message;
      return workflowAnnotation(
        command,
        { file: c.file, ...(c.line === undefined ? {} : { line: c.line }), title: c.code },
        message,
      );
    });
}

/** Text that authors (or services) wrote goes into HTML-capable Markdown: escaped, one table cell. */
const cell = (s: string) => escapeHtml(s).replace(/\|/g, "&#124;").replace(/\r?\n/g, "<br>");

function evidenceText(c: CheckResult): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(c.evidence)) {
    if (v == null || typeof v === "object") continue;
    parts.push(`${k}: ${String(v)}`);
  }
  return parts.join("; ");
}

export function toSummaryMarkdown(report: VerifyReport): string {
  const counts = countByStatus(report.checks);
  const out = [
    `## Verification: ${report.verdict === "pass" ? "✅" : report.verdict === "error" || report.verdict === "incomplete" ? "⚠️" : "❌"} ${VERDICT_TEXT[report.verdict]}`,
    "",
    `Author \`${cell(report.author)}\`, base \`${report.base.slice(0, 12)}\`, head \`${report.head.slice(0, 12)}\`: ${counts.pass} passed, ${counts.fail} failed, ${counts.error} could not finish, ${counts.skip} skipped.`,
    "",
    "| File | Check | Status | Message | Evidence |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const c of sortChecks(report.checks)) {
    out.push(
      `| \`${cell(c.file)}\`${c.line !== undefined ? `:${c.line}` : ""} | ${c.kind} \`${cell(c.code)}\` | ${ICON[c.status]} ${c.status} | ${cell(c.message)} | ${cell(evidenceText(c))} |`,
    );
  }
  return out.join("\n") + "\n";
}

/** The `--json` receipt. */
export function toJsonReport(report: VerifyReport): string {
  return (
    JSON.stringify(
      {
        ok: report.ok,
        verdict: report.verdict,
        base: report.base,
        head: report.head,
        author: report.author,
        checks: report.checks.map((c) => ({
          file: c.file,
          kind: c.kind,
          status: c.status,
          code: c.code,
          message: c.message,
          evidence: c.evidence,
          ...(c.pointer !== undefined ? { pointer: c.pointer } : {}),
          ...(c.line !== undefined ? { line: c.line } : {}),
        })),
      },
      null,
      2,
    ) + "\n"
  );
}
