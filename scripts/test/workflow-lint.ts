// Project rules for the GitHub Actions workflows, checked in the test suite (GitHub Actions cannot run
// here, so the rules that keep hostile pull requests harmless are tested as data):
//
//   workflow/pull-request-target   no `pull_request_target` trigger at all
//   workflow/pr-code-checkout      a privileged job (workflow_run, pull_request_target) never checks out,
//                                  fetches or runs the PR's code
//   workflow/expression-in-run     no `${{ github.event… }}` / `${{ inputs… }}` inside `run:` (script
//                                  injection); pass them through `env:`
//   workflow/unpinned-action       every `uses:` is a 40-hex commit SHA with a `# vX` comment
//   workflow/permissions           `permissions` explicit at the top level, never `write-all`
//   workflow/persist-credentials   every actions/checkout sets `persist-credentials: false`
//   workflow/secrets-on-pr         a workflow that runs on pull_request reads no `secrets.`
//
// Pure: workflow text in, findings out. The schema check (action-validator) runs beside it in the test.

import { LineCounter, parseDocument, type Node } from "yaml";

export interface WorkflowFinding {
  readonly code: string;
  readonly file: string;
  readonly line?: number;
  readonly message: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v != null && !Array.isArray(v);

/** Expressions naming the PR's head: a ref, SHA or repository that holds the PR author's code. */
const PR_HEAD =
  /github\.event\.(pull_request\.head\.|workflow_run\.head_(sha|branch|repository|commit))|github\.head_ref/;
const SHA_PIN = /^[^@\s]+@[0-9a-f]{40}$/;
const UNTRUSTED_IN_RUN = /\$\{\{[^}]*\b(github\.event\.|inputs\.|github\.head_ref)/;

function triggersOf(doc: Obj): string[] {
  const on = doc["on"] ?? doc["true"]; // YAML 1.1 readers turn a bare `on` into true; the `yaml` package does not, but be safe
  if (typeof on === "string") return [on];
  if (Array.isArray(on)) return on.filter((t): t is string => typeof t === "string");
  if (isObj(on)) return Object.keys(on);
  return [];
}

interface Step {
  readonly job: string;
  readonly index: number;
  readonly step: Obj;
  readonly line?: number;
}

export function lintWorkflow(file: string, text: string): WorkflowFinding[] {
  const lines = new LineCounter();
  const parsed = parseDocument(text, { lineCounter: lines });
  if (parsed.errors.length > 0) {
    const e = parsed.errors[0];
    return [
      {
        code: "workflow/yaml",
        file,
        ...(e?.linePos ? { line: e.linePos[0].line } : {}),
        message: `not valid YAML: ${e?.message ?? "parse error"}`,
      },
    ];
  }
  const doc: unknown = parsed.toJS();
  if (!isObj(doc)) return [{ code: "workflow/yaml", file, message: "a workflow must be a YAML mapping" }];
  const lineOf = (path: (string | number)[]): number | undefined => {
    const node = parsed.getIn(path, true) as Node | undefined;
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : lines.linePos(offset).line;
  };
  const out: WorkflowFinding[] = [];
  const add = (code: string, message: string, line?: number) =>
    out.push({ code, file, message, ...(line === undefined ? {} : { line }) });

  const triggers = triggersOf(doc);
  if (triggers.includes("pull_request_target")) {
    add(
      "workflow/pull-request-target",
      "the pull_request_target trigger runs with write access on PR events; use pull_request for checks and workflow_run for writes",
      lineOf(["on"]),
    );
  }
  const privileged = triggers.includes("workflow_run") || triggers.includes("pull_request_target");

  const perms = doc["permissions"];
  if (perms === undefined)
    add(
      "workflow/permissions",
      "set `permissions` at the top level (e.g. contents: read) so every job starts from least privilege",
    );
  else if (perms === "write-all")
    add(
      "workflow/permissions",
      "`permissions: write-all` grants every scope; list the scopes each job needs",
      lineOf(["permissions"]),
    );

  const jobs = isObj(doc["jobs"]) ? doc["jobs"] : {};
  const steps: Step[] = [];
  for (const [job, body] of Object.entries(jobs)) {
    if (!isObj(body)) continue;
    if (body["permissions"] === "write-all")
      add(
        "workflow/permissions",
        `job ${job}: \`permissions: write-all\` grants every scope`,
        lineOf(["jobs", job, "permissions"]),
      );
    if (typeof body["uses"] === "string") checkUses(body["uses"], ["jobs", job, "uses"]);
    const list = Array.isArray(body["steps"]) ? body["steps"] : [];
    list.forEach((step, index) => {
      if (!isObj(step)) return;
      const line = lineOf(["jobs", job, "steps", index]);
      steps.push({ job, index, step, ...(line === undefined ? {} : { line }) });
    });
  }

  function checkUses(uses: string, path: (string | number)[]): void {
    const line = lineOf(path);
    if (uses.startsWith("./")) return; // a local action is code from this same checkout
    if (uses.startsWith("docker://")) {
      if (!/@sha256:[0-9a-f]{64}$/.test(uses))
        add("workflow/unpinned-action", `${uses}: pin the image by digest (docker://image@sha256:…)`, line);
      return;
    }
    if (!SHA_PIN.test(uses)) {
      add(
        "workflow/unpinned-action",
        `${uses}: pin the action to a full 40-hex commit SHA with a version comment, e.g. actions/checkout@<sha> # v4.2.2`,
        line,
      );
      return;
    }
    const src = line === undefined ? "" : (text.split(/\r?\n/)[line - 1] ?? "");
    if (!/#\s*v\d/.test(src))
      add(
        "workflow/unpinned-action",
        `${uses}: add the version the SHA stands for as a comment (# vX.Y.Z) so updates can be reviewed`,
        line,
      );
  }

  const secretsOnPr = triggers.includes("pull_request") && /\bsecrets\./.test(text);
  if (secretsOnPr)
    add(
      "workflow/secrets-on-pr",
      "this workflow runs on pull_request (hostile input) and reads secrets; move the step that needs them to a workflow_run job",
      lineOf(["on"]),
    );

  for (const { job, index, step, line } of steps) {
    const where = `job ${job}, step ${index + 1}`;
    const uses = typeof step["uses"] === "string" ? step["uses"] : undefined;
    const withs = isObj(step["with"]) ? step["with"] : {};
    const run = typeof step["run"] === "string" ? step["run"] : undefined;
    if (uses !== undefined) checkUses(uses, ["jobs", job, "steps", index, "uses"]);
    const isCheckout = uses !== undefined && /^actions\/checkout@/.test(uses);
    if (isCheckout && withs["persist-credentials"] !== false) {
      add(
        "workflow/persist-credentials",
        `${where}: set \`persist-credentials: false\` on actions/checkout so the token is not left in .git/config`,
        line,
      );
    }
    if (run !== undefined && UNTRUSTED_IN_RUN.test(run)) {
      add(
        "workflow/expression-in-run",
        `${where}: an expression with event data inside run: is script injection; pass the value through env: and use "$VAR"`,
        line,
      );
    }
    if (!privileged) continue;
    if (
      isCheckout &&
      (PR_HEAD.test(String(withs["ref"] ?? "")) ||
        PR_HEAD.test(String(withs["repository"] ?? "")) ||
        /refs\/pull\//.test(String(withs["ref"] ?? "")))
    ) {
      add(
        "workflow/pr-code-checkout",
        `${where}: a ${triggers.includes("workflow_run") ? "workflow_run" : "pull_request_target"} job has write access and must not check out the PR's code (ref/repository of the PR head)`,
        line,
      );
    }
    if (
      run !== undefined &&
      (/\bgh\s+pr\s+checkout\b/.test(run) ||
        /\bgit\s+(fetch|checkout|switch|pull|worktree)\b/.test(run) ||
        PR_HEAD.test(run))
    ) {
      add(
        "workflow/pr-code-checkout",
        `${where}: a privileged job must not fetch, check out or run the PR's code`,
        line,
      );
    }
    if (
      uses !== undefined &&
      !isCheckout &&
      Object.entries(withs).some(([k, v]) => /ref|repository/.test(k) && PR_HEAD.test(String(v)))
    ) {
      // e.g. a third-party action given the PR head as `ref:`: treated as a checkout
      add("workflow/pr-code-checkout", `${where}: a privileged job passes the PR head to ${uses}`, line);
    }
  }
  return out;
}
