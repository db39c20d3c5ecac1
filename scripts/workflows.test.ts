// The workflow lint: every file in .github/workflows passes the action-validator schema check and the
// project rules (workflow-lint.ts); each rule has a passing and a failing fixture workflow; and the
// workflows keep the shape the registry's security rests on (base checkout judges, PR head is data,
// deploys one at a time, every script they call exists).
import { validateWorkflow } from "@action-validator/core";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { lintWorkflow } from "./test/workflow-lint.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const WORKFLOWS = path.join(ROOT, ".github/workflows");
const FIXTURES = path.join(ROOT, "scripts/test/fixtures/workflows");

const read = (file: string) => fs.readFileSync(file, "utf8");
const workflowFiles = fs
  .readdirSync(WORKFLOWS)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const load = (name: string): Obj => parse(read(path.join(WORKFLOWS, name))) as Obj;

function schemaErrors(text: string): string[] {
  return validateWorkflow(text).errors.map(
    (e) => `${"path" in e ? e.path : ""} ${e.title}${e.detail ? `: ${e.detail}` : ""}`,
  );
}

describe("the repository's workflows", () => {
  it("are the expected set", () => {
    expect(workflowFiles).toEqual([
      "deploy.yml",
      "edge.yml",
      "nightly.yml",
      "pr-check.yml",
      "pr-comment.yml",
      "receipts.yml",
      "test.yml",
    ]);
  });
  it.each(workflowFiles)("%s passes action-validator", (f) => {
    expect(schemaErrors(read(path.join(WORKFLOWS, f)))).toEqual([]);
  });
  it.each(workflowFiles)("%s passes the project rules", (f) => {
    expect(lintWorkflow(f, read(path.join(WORKFLOWS, f)))).toEqual([]);
  });
  it.each(workflowFiles)("%s calls only scripts and npm scripts that exist", (f) => {
    const text = read(path.join(WORKFLOWS, f));
    const pkg = JSON.parse(read(path.join(ROOT, "package.json"))) as { scripts: Record<string, string> };
    for (const m of text.matchAll(/scripts\/[\w./-]+\.ts/g))
      expect(fs.existsSync(path.join(ROOT, m[0])), m[0]).toBe(true);
    for (const m of text.matchAll(/npm run ([\w:-]+)/g)) expect(Object.keys(pkg.scripts), m[0]).toContain(m[1]);
  });
});

describe("dependabot", () => {
  it("updates the pinned actions", () => {
    const cfg = parse(read(path.join(ROOT, ".github/dependabot.yml"))) as Obj;
    expect(cfg.version).toBe(2);
    expect((cfg.updates as Obj[]).map((u) => u["package-ecosystem"])).toContain("github-actions");
  });
});

describe("workflow shapes", () => {
  it("pr-check judges with the base branch's tools and reads the PR head only as data", () => {
    const wf = load("pr-check.yml");
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    expect(wf.permissions).toEqual({ contents: "read" });
    const steps = wf.jobs.check.steps as Obj[];
    const checkouts = steps.filter((s) => String(s.uses).startsWith("actions/checkout@"));
    expect(checkouts.map((s) => [s.with.ref, s.with.path])).toEqual([
      ["${{ github.event.pull_request.base.sha }}", "base"],
      ["${{ github.event.pull_request.head.sha }}", "pr"],
    ]);
    const runs = steps.filter((s) => typeof s.run === "string");
    // Every command runs in base/; nothing runs inside pr/.
    for (const s of runs) expect(s["working-directory"]).toBe("base");
    expect(runs.map((s) => s.run).join("\n")).not.toMatch(/cd \.\.\/pr|working-directory: pr/);
    expect(runs.some((s) => /npm run pr-check --[\s\S]*--data \.\.\/pr/.test(s.run))).toBe(true);
    const upload = steps.find((s) => String(s.uses).startsWith("actions/upload-artifact@"));
    expect(upload?.if).toContain("!cancelled()");
  });
  it("pr-comment runs on workflow_run, posts with pull-requests: write and merges only in an opt-in job", () => {
    const wf = load("pr-comment.yml");
    expect(wf.on.workflow_run.workflows).toEqual(["PR check"]);
    expect(wf.jobs.comment.permissions["pull-requests"]).toBe("write");
    expect(wf.jobs.comment.permissions.contents).toBe("read");
    expect(wf.jobs.merge.if).toContain("vars.REGISTRY_AUTO_MERGE == 'true'");
    const download = (wf.jobs.comment.steps as Obj[]).find((s) =>
      String(s.uses).startsWith("actions/download-artifact@"),
    );
    expect(download?.with["run-id"]).toBe("${{ github.event.workflow_run.id }}");
  });
  it("deploy builds with the full history, deploys one at a time, and only after a successful build", () => {
    const wf = load("deploy.yml");
    expect(wf.on.push.branches).toEqual(["main"]);
    expect(wf.concurrency).toEqual({ group: "pages", "cancel-in-progress": false });
    const build = wf.jobs.build.steps as Obj[];
    expect(build[0]?.with["fetch-depth"]).toBe(0);
    const names = build.map((s) => s.run ?? String(s.uses).split("@")[0]);
    expect(names.indexOf("npm run build")).toBeLessThan(names.indexOf("actions/upload-pages-artifact"));
    expect(build.every((s) => s.if === undefined && s["continue-on-error"] === undefined)).toBe(true);
    expect(wf.jobs.deploy.needs).toBe("build");
    expect(wf.jobs.deploy.permissions).toEqual({ pages: "write", "id-token": "write" });
  });
  it("nightly runs on a schedule and on demand for one server", () => {
    const wf = load("nightly.yml");
    expect(wf.on.schedule).toHaveLength(1);
    expect(wf.on.workflow_dispatch.inputs.server.type).toBe("string");
    expect(wf.jobs.reverify.permissions.issues).toBe("write");
  });
  it("receipts runs trusted code after a merge, reads the artifact of the run it found, and writes only receipts", () => {
    const wf = load("receipts.yml");
    expect(Object.keys(wf.on).sort()).toEqual(["push", "workflow_dispatch"]);
    expect(wf.on.push.branches).toEqual(["main"]);
    expect(wf.permissions).toEqual({ contents: "read" });
    const steps = wf.jobs.receipts.steps as Obj[];
    expect(steps.filter((s) => String(s.uses).startsWith("actions/checkout")).map((s) => (s.with as Obj).ref)).toEqual([
      undefined,
    ]); // the default branch, never the PR
    const download = steps.find((s) => String(s.uses).startsWith("actions/download-artifact"));
    expect((download?.with as Obj)["run-id"]).toBe("${{ steps.find.outputs.run_id }}");
    expect(steps.map((s) => s.run).filter(Boolean)).toEqual([
      "npm ci --ignore-scripts --no-audit --no-fund",
      'npm run commit-receipts -- --find "$SHA"',
      expect.stringContaining("npm run commit-receipts --"),
    ]);
  });

  it("test typechecks and runs the tests on push and pull request", () => {
    const wf = load("test.yml");
    expect(Object.keys(wf.on).sort()).toEqual(["pull_request", "push"]);
    const runs = (wf.jobs.test.steps as Obj[]).map((s) => s.run).filter(Boolean);
    expect(runs).toEqual(expect.arrayContaining(["npm run typecheck", "npx vitest run"]));
  });
});

describe("each project rule has a passing and a failing fixture", () => {
  const fixtures = fs.readdirSync(FIXTURES).sort();
  const failing = fixtures.filter((f) => f.endsWith(".fail.yml") && f !== "schema.fail.yml");
  const passing = fixtures.filter((f) => f.endsWith(".pass.yml"));
  const codeOf = (f: string) => `workflow/${f.replace(/\.(pass|fail)\.yml$/, "").replace(/--.*$/, "")}`; // `rule--variant.fail.yml`

  it.each(passing)("%s is clean (schema and rules)", (f) => {
    const text = read(path.join(FIXTURES, f));
    expect(schemaErrors(text)).toEqual([]);
    expect(lintWorkflow(f, text)).toEqual([]);
  });
  it.each(failing)("%s fails with exactly its rule", (f) => {
    const text = read(path.join(FIXTURES, f));
    expect(schemaErrors(text)).toEqual([]); // schema-valid: only the project rule catches it
    const findings = lintWorkflow(f, text);
    expect([...new Set(findings.map((x) => x.code))]).toEqual([codeOf(f)]);
    expect(findings.every((x) => x.file === f)).toBe(true);
  });
  it("every rule has both fixtures", () => {
    const codes = (list: string[]) => new Set(list.map(codeOf));
    expect([...codes(failing)].sort()).toEqual([...codes(passing)].sort());
    expect(codes(failing).size).toBe(7);
  });
  it("action-validator rejects a schema-invalid workflow", () => {
    const { errors } = validateWorkflow(read(path.join(FIXTURES, "schema.fail.yml")));
    expect(JSON.stringify(errors)).toContain("Additional property 'runz-on' is not allowed");
  });
  it("reports the line of the offending step", () => {
    const [f] = lintWorkflow("x.yml", read(path.join(FIXTURES, "persist-credentials.fail.yml")));
    expect(f?.line).toBe(9);
  });
  it("reports broken YAML as a finding, not a crash", () => {
    expect(lintWorkflow("x.yml", "on: [push\njobs: {").map((f) => f.code)).toEqual(["workflow/yaml"]);
  });
});

describe("edge.yml", () => {
  it("runs after a successful Pages deploy from main, and deploys only when the Cloudflare secrets exist", () => {
    const wf = load("edge.yml");
    expect(wf.on.workflow_run).toEqual({ workflows: ["Deploy"], types: ["completed"], branches: ["main"] });
    expect(wf.concurrency).toEqual({ group: "edge", "cancel-in-progress": false });
    expect(wf.jobs.configured.if).toContain("github.event.workflow_run.conclusion == 'success'");
    expect(wf.jobs.configured.steps[0].env.HAS_SECRETS).toBe(
      "${{ secrets.CLOUDFLARE_API_TOKEN != '' && secrets.CLOUDFLARE_ACCOUNT_ID != '' }}",
    );
    expect(wf.jobs.deploy.if).toBe("needs.configured.outputs.cloudflare == 'true'");
    expect(wf.jobs.deploy.steps.at(-1).run).toBe("npm run deploy:edge");
  });
});
