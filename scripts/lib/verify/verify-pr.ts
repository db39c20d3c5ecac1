// Verify a pull request: the change rules from the git diff, schema and semantic validation of the head
// tree (loadTree + validateLoaded, read from git objects), namespace ownership for every publication and
// status change, and the package back-references of every new server.json.
//
// Security: this code runs from the base checkout; the head is only data, read with `git cat-file`.
// Verify against the outside services and the base history, never against claims in the PR.

import { loadTree } from "../load.ts";
import type { Package, ServerJson } from "../model.ts";
import { validateLoaded } from "../validate.ts";
import { checkBackReference, PACKAGE_KINDS } from "./back-reference.ts";
import { check, type CheckResult, type PackageCheckInput } from "./check.ts";
import { judgeChanges, SERVER_SIG_FILE, STATUS_FILE, STATUS_SIG_FILE } from "./changes.ts";
import type { Endpoints } from "./endpoints.ts";
import { diffEntries, gitTreeReader, historicalServerFiles, listTree, readFileAt, resolveCommit, type GitRunner } from "./git.ts";
import type { HttpClient } from "./http.ts";
import { checkBlocklist, verifyNamespace, type NamespaceDeps, type OwnershipClaim } from "./namespace.ts";
import { packagePrecondition } from "./preconditions.ts";

/** needs-review: files outside servers/ changed; incomplete: some checks were skipped (--offline). */
export type Verdict = "pass" | "fail" | "error" | "needs-review" | "incomplete";

export interface VerifyReport {
  /** True only when every check passed. */
  readonly ok: boolean;
  readonly verdict: Verdict;
  readonly base: string;
  readonly head: string;
  readonly author: string;
  readonly checks: readonly CheckResult[];
}

export interface VerifyOptions {
  readonly base: string;
  readonly head: string;
  readonly author: string;
  /** Run only the checks that need no network; the others are reported as `skip`. */
  readonly offline: boolean;
}

export interface OnlineDeps {
  readonly http: HttpClient;
  readonly endpoints: Endpoints;
  readonly namespace: NamespaceDeps;
  readonly mcpbMaxBytes?: number;
  readonly ociTimeoutMs?: number;
}

export interface VerifyDeps {
  readonly git: GitRunner;
  /** Needed unless offline. */
  readonly online?: OnlineDeps;
  /** The namespace blocklist (checked offline too). */
  readonly blocklist: { readonly namespaces: readonly string[] };
}


export async function verifyPullRequest(options: VerifyOptions, deps: VerifyDeps): Promise<VerifyReport> {
  const { git } = deps;
  const base = resolveCommit(git, options.base);
  const head = resolveCommit(git, options.head);
  const checks: CheckResult[] = [];

  // 1. The change rules, from the diff and the base history.
  const baseEntries = listTree(git, base, "servers");
  const baseVersionDirs = new Set(baseEntries.filter((e) => e.type === "tree" && e.path.split("/").length === 4).map((e) => e.path));
  const plan = judgeChanges({ entries: diffEntries(git, base, head), historicalServerFiles: historicalServerFiles(git, base), baseVersionDirs });
  checks.push(...plan.results);

  // 2. Schema, semantics and tree rules on the head tree, reported for the files this PR touches.
  const loaded = loadTree(gitTreeReader(git, head));
  // Problems of the files this PR touches, and of the folders that hold them (a bad folder name).
  const touched = new Set(plan.results.map((r) => r.file));
  const isTouched = (file: string) => touched.has(file) || [...touched].some((t) => t.startsWith(`${file}/`));
  const diagnostics = validateLoaded(loaded).filter((d) => isTouched(d.file));
  const byFile = new Map<string, typeof diagnostics>();
  for (const d of diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  for (const [file, list] of byFile) {
    for (const d of list) {
      checks.push(
        check("schema", file, d.severity === "error" ? "fail" : "pass", d.code, `${d.severity === "warning" ? "warning: " : ""}${d.message}${d.hint ? ` (${d.hint})` : ""}`, {}, {
          ...(d.pointer !== undefined ? { pointer: d.pointer } : {}),
          ...(d.line !== undefined ? { line: d.line } : {}),
        }),
      );
    }
  }
  const versionsByDir = new Map(loaded.versions.map((v) => [v.dir, v]));
  for (const p of plan.publications) {
    const file = `${p.dir}/server.json`;
    if (!byFile.get(file)?.some((d) => d.severity === "error")) checks.push(check("schema", file, "pass", "schema/ok", `${file} is valid (JSON Schema, official rules, path agreement)`));
  }

  // 3. Ownership and back-references. (Remote URL rules and remote URL ownership are offline tree rules:
  // validateLoaded above reports them.)
  for (const p of plan.publications) {
    const v = versionsByDir.get(p.dir);
    const file = `${p.dir}/server.json`;
    if (!v || typeof v.doc !== "object" || v.doc == null) continue; // reported by the schema checks
    const doc = v.doc as Partial<ServerJson>;
    const serverName = typeof doc.name === "string" && doc.name === p.name ? doc.name : p.name;
    const signature = readFileAt(git, head, `${p.dir}/${SERVER_SIG_FILE}`)?.toString("utf8");
    checks.push(
      await ownership(
        { file, serverName, author: options.author, action: "publish", signed: { path: file, bytes: v.bytes, signature } },
        options,
        deps,
      ),
    );
    const packages = Array.isArray(doc.packages) ? doc.packages : [];
    for (const [i, pkg] of packages.entries()) {
      checks.push(await backReference({ file, serverName, pkg, pointer: `/packages/${i}` }, options, deps));
    }
  }
  for (const s of plan.statusChanges) {
    const statusPath = `${s.dir}/${STATUS_FILE}`;
    const bytes = s.removed ? undefined : readFileAt(git, head, statusPath);
    const signature = readFileAt(git, head, `${s.dir}/${STATUS_SIG_FILE}`)?.toString("utf8");
    const claim: OwnershipClaim = {
      file: statusPath,
      serverName: s.name,
      author: options.author,
      action: "status",
      ...(bytes ? { signed: { path: statusPath, bytes, signature } } : {}),
    };
    checks.push(await ownership(claim, options, deps));
  }

  const verdict = verdictOf(checks, plan.needsReview);
  return { ok: verdict === "pass", verdict, base, head, author: options.author, checks };
}

async function ownership(claim: OwnershipClaim, options: VerifyOptions, deps: VerifyDeps): Promise<CheckResult> {
  if (options.offline || !deps.online) {
    const blocked = checkBlocklist(claim, deps.blocklist);
    return blocked ?? check("namespace", claim.file, "skip", "namespace/skipped", `namespace ownership of ${claim.serverName} not checked (--offline)`);
  }
  return await verifyNamespace(claim, deps.online.namespace);
}

async function backReference(input: PackageCheckInput, options: VerifyOptions, deps: VerifyDeps): Promise<CheckResult> {
  const pkg = input.pkg as Partial<Package>;
  const type = typeof pkg.registryType === "string" ? pkg.registryType : "";
  const kind = PACKAGE_KINDS[type];
  // Whether the package can be looked up is the core's offline verdict (reported above as schema checks).
  if (!kind || packagePrecondition(input.pkg) !== undefined) {
    return check(kind ?? "schema", input.file, "skip", `${kind ?? "package"}/not-checked`, `back-reference of the package at ${input.pointer} not checked: the offline rules refuse the package (see its schema check)`, {}, { pointer: input.pointer });
  }
  if (options.offline || !deps.online) return check(kind, input.file, "skip", `${kind}/skipped`, `${type} back-reference of '${pkg.identifier}' not checked (--offline)`, {}, { pointer: input.pointer });
  return checkBackReference(kind, input, deps.online);
}

/** pass only if everything passed; files outside servers/ make it needs-review at best. */
export function verdictOf(checks: readonly CheckResult[], needsReview: boolean): Verdict {
  const hard = checks.filter((c) => c.status !== "pass" && c.code !== "change/outside-servers" && c.code !== "change/maintainer-file");
  if (hard.some((c) => c.status === "fail")) return "fail";
  if (hard.some((c) => c.status === "error")) return "error";
  if (needsReview) return "needs-review";
  if (hard.some((c) => c.status === "skip")) return "incomplete";
  return "pass";
}
