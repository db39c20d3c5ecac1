import { describe, expect, it } from "vitest";
import { codeSpan, escapeMarkdown } from "../escape.ts";
import type { RouteChange } from "./api-diff.ts";
import { COMMENT_MARKER, MAX_COMMENT_CHARS, renderApiDiff, renderComment } from "./comment.ts";
import { parsePrReport, type PrReport } from "./report.ts";

const F = "servers/io.github.alice/weather/1.1.0/server.json";
const report = (over: Partial<PrReport> = {}): PrReport => ({
  version: 1,
  pr: { number: 7, baseSha: "a".repeat(40), headSha: "b".repeat(40), author: "alice" },
  verdict: "pass",
  checks: [
    { file: F, kind: "namespace", status: "pass", message: "io.github.alice: the PR author is alice", evidence: {} },
    {
      file: F,
      kind: "npm",
      status: "pass",
      message: "NPM package '@alice/weather' version '1.1.0' declares mcpName",
      evidence: {},
      code: "npm/ok",
    },
  ],
  changedFiles: [{ path: F, status: "added" }],
  apiDiff: [{ route: "/v0.1/servers/io.github.alice%2Fweather/versions/1.1.0", kind: "added" }],
  labels: ["verified"],
  autoMerge: {
    eligible: false,
    reasons: ["auto-merge is off in this repository (repository variable REGISTRY_AUTO_MERGE)"],
  },
  ...over,
});

describe("renderComment", () => {
  it("starts with the hidden marker and states the verdict", () => {
    const body = renderComment(report());
    expect(body.startsWith(COMMENT_MARKER + "\n## ✅ Verified")).toBe(true);
    expect(body).toContain("Commit `bbbbbbb` · 2 checks: 2 passed");
    expect(body).toContain("#### `" + F + "`");
    expect(body).toContain("| npm | ✅ pass | NPM package '@alice/weather'".replace("@", "&#64;"));
    expect(body).toContain("Labels: `verified`");
    expect(body).toContain("- `/v0.1/servers/io.github.alice%2Fweather/versions/1.1.0`");
  });
  it.each([
    ["fail", "## ❌ Changes needed"],
    ["error", "## ⚠️ Verification could not finish"],
    ["needs-maintainer", "## 👀 Needs a maintainer's review"],
  ] as const)("verdict %s", (verdict, headline) => {
    expect(renderComment(report({ verdict }))).toContain(headline);
  });
  it("says whether auto-merge applies, and why not", () => {
    expect(renderComment(report())).toContain("Auto-merge: off in this repository; a maintainer merges.");
    expect(renderComment(report({ autoMerge: { eligible: true, reasons: [] } }))).toContain(
      "Auto-merge: on, and this pull request qualifies",
    );
    expect(renderComment(report({ autoMerge: { eligible: false, reasons: ["1 check(s) did not pass"] } }))).toContain(
      "Auto-merge: not for this pull request (1 check(s) did not pass); a maintainer merges.",
    );
  });
  it("links the job summary when given the run URL", () => {
    expect(renderComment(report(), { runUrl: "https://github.com/o/r/actions/runs/1" })).toContain(
      "[job summary](https://github.com/o/r/actions/runs/1)",
    );
  });
  it("makes text from the PR inert: HTML, mentions, pipes, newlines", () => {
    const hostile = report({
      checks: [
        {
          file: F,
          kind: "npm",
          status: "fail",
          message: "got '<img src=x onerror=alert(1)> @everyone | x\n# heading'",
          evidence: {},
        },
      ],
    });
    const body = renderComment(hostile);
    expect(body).not.toContain("<img");
    expect(body).not.toContain("@everyone");
    expect(body).toContain("&lt;img src=x onerror=alert(1)&gt; &#64;everyone &#124; x # heading");
  });
  it("stays under GitHub's comment size limit", () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({
      file: `servers/io.github.a/s${i}/1.0.0/server.json`,
      kind: "npm",
      status: "fail" as const,
      message: "x".repeat(50),
      evidence: {},
    }));
    const body = renderComment(report({ checks: many, verdict: "fail" }), { runUrl: "https://x/run" });
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body).toContain("the rest is cut to fit a comment. See the [job summary](https://x/run).");
  });
  it("produces a report the artifact parser accepts, and the parser rejects forged shapes", () => {
    expect(parsePrReport(JSON.stringify(report())).kind).toBe("ok");
    expect(parsePrReport(JSON.stringify({ ...report(), pr: { ...report().pr, headSha: "HEAD" } })).kind).toBe(
      "invalid",
    );
    expect(parsePrReport(JSON.stringify({ ...report(), verdict: "merged" })).kind).toBe("invalid");
    expect(parsePrReport(JSON.stringify({ ...report(), pr: { ...report().pr, number: -1 } })).kind).toBe("invalid");
    expect(parsePrReport("{").kind).toBe("invalid");
    const check = { file: "f", kind: "npm", status: "pass", message: "m", evidence: {} };
    expect(parsePrReport(JSON.stringify({ ...report(), checks: [check] })).kind).toBe("ok");
    expect(parsePrReport(JSON.stringify({ ...report(), checks: [{ ...check, status: "maybe" }] }))).toMatchObject({
      kind: "invalid",
      reason: expect.stringMatching(/^report\.json: checks\.0\.status: must be one of/),
    });
    expect(parsePrReport(JSON.stringify({ ...report(), checks: [{ ...check, line: 1.5 }] })).kind).toBe("invalid");
    expect(parsePrReport(JSON.stringify({ ...report(), checks: [{ ...check, evidence: [] }] })).kind).toBe("invalid");
    const withoutDiff: Record<string, unknown> = { ...report() };
    delete withoutDiff["apiDiff"];
    expect(parsePrReport(JSON.stringify(withoutDiff))).toMatchObject({
      reason: 'report.json: document: required property "apiDiff" is missing.',
    });
    expect(parsePrReport(JSON.stringify({ ...report(), apiDiff: null })).kind).toBe("ok");
  });
});

describe("markdown helpers", () => {
  it("escapes Markdown and HTML", () => {
    expect(escapeMarkdown("a*b_c `d` <e> & f|g @h")).toBe("a\\*b\\_c \\`d\\` &lt;e&gt; &amp; f&#124;g &#64;h");
  });
  it("builds a code span no backtick can close", () => {
    expect(codeSpan("a`b")).toBe("``a`b``");
    expect(codeSpan("`x")).toBe("`` `x ``");
  });
});

describe("renderApiDiff", () => {
  it("says so when the head does not build or nothing changes", () => {
    expect(renderApiDiff(null)[0]).toContain("does not build");
    expect(renderApiDiff([])).toEqual(["No published path changes."]);
  });
  it("folds each changed route's value changes", () => {
    const diff: RouteChange[] = [
      {
        route: "/v0.1/servers/a.b%2Fc/versions/latest",
        kind: "changed",
        changes: [{ at: "server.version", op: "replace", before: "1.0.0", after: "1.1.0" }],
        truncated: 2,
      },
      { route: "/v0.1/servers/a.b%2Fc/versions", kind: "removed" },
    ];
    expect(renderApiDiff(diff).join("\n")).toBe(
      [
        "0 added · 1 changed · 1 removed (under `/v0.1`; `/v0` serves the same).",
        "",
        "**Changed**",
        "",
        "<details><summary><code>/v0.1/servers/a.b%2Fc/versions/latest</code> (3 changes)</summary>",
        "",
        '- `server.version`: `"1.0.0"` → `"1.1.0"`',
        "- … and 2 more",
        "",
        "</details>",
        "",
        "**Removed**",
        "",
        "- `/v0.1/servers/a.b%2Fc/versions`",
        "",
      ].join("\n"),
    );
  });
});
