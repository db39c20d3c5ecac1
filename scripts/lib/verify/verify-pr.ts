// Verify a pull request: the change rules from the git diff, schema and semantic validation of the head
// tree (loadTree + validateLoaded, read from git objects), namespace ownership for every publication and
// status change, and the package back-references of every new server.json.
//
// Security: this code runs from the base checkout; the head is only data, read with `git cat-file`.
// Verify against the outside services and the base history, never against claims in the PR.

import { loadTree } from "../load.ts";
import type { Package, ServerJson } from "../model.ts";
import { attributeFindings, validateReader, type Attribution } from "../pr/blame.ts";
import type { Diagnostic } from "../diagnostics.ts";
import { validateLoaded } from "../validate.ts";
import { checkBackReference, PACKAGE_KINDS } from "./back-reference.ts";
import { check, type CheckResult, type PackageCheckInput } from "./check.ts";
import { judgeChanges, SERVER_SIG_FILE, STATUS_FILE, STATUS_SIG_FILE } from "./changes.ts";
import type { Endpoints } from "./endpoints.ts";
import {
  diffEntries,
  gitTreeReader,
  historicalServerFiles,
  listTree,
  readFileAt,
  resolveCommit,
  type GitRunner,
} from "./git.ts";
import type { HttpClient } from "./http.ts";
import { parseStrictYaml } from "../status-file.ts";
import { visible } from "../terminal.ts";
import {
  isMaintainer,
  maintainersChange,
  MAINTAINERS_FILE,
  parseMaintainers,
  type Maintainers,
} from "./maintainers.ts";
import { checkBlocklist, verifyNamespace, type NamespaceDeps, type OwnershipClaim } from "./namespace.ts";
import { packagePrecondition } from "./preconditions.ts";
import { findLookalikes, LOOKALIKE_CODE } from "./lookalike.ts";
import { checkProvenance } from "./provenance.ts";
import type { SigstoreVerifier } from "./sigstore.ts";

/** The verifier's verdict (`npm run verify`). needs-review: files outside servers/ changed; incomplete: some checks were skipped (--offline). */
type VerifyVerdict = "pass" | "fail" | "error" | "needs-review" | "incomplete";

export interface VerifyReport {
  /** True only when every check passed. */
  readonly ok: boolean;
  readonly verdict: VerifyVerdict;
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

interface OnlineDeps {
  readonly http: HttpClient;
  readonly endpoints: Endpoints;
  readonly namespace: NamespaceDeps;
  readonly mcpbMaxBytes?: number;
  readonly ociTimeoutMs?: number;
  /** Verifies build provenance (npm, PyPI) when given; without it no provenance check runs. */
  readonly sigstore?: SigstoreVerifier;
}

export interface VerifyDeps {
  readonly git: GitRunner;
  /** Needed unless offline. */
  readonly online?: OnlineDeps;
  /** The namespace blocklist (checked offline too). */
  readonly blocklist: { readonly namespaces: readonly string[] };
  /** The maintainers, from the base checkout's scripts/policy/maintainers.yaml (none when absent). */
  readonly maintainers?: Maintainers;
}

/**
 * Why there is nothing to verify yet, or undefined. `npm run verify` runs on commits: before the change is
 * committed it would report "0 passed, 0 failed" and pass, which says nothing. `checkWorktree` when the
 * head is the working copy's HEAD (uncommitted files under servers/ are then the author's real change).
 */
export function nothingToVerify(
  git: GitRunner,
  o: { readonly base: string; readonly head: string; readonly checkWorktree: boolean },
): string | undefined {
  const base = resolveCommit(git, o.base);
  const head = resolveCommit(git, o.head);
  if (o.checkWorktree) {
    const dirty = git(["status", "--porcelain=v1", "-z", "--untracked-files=all", "--", "servers/"])
      .toString("utf8")
      .split("\0")
      .filter((l) => /^[ MADRCU?!]{2} /.test(l));
    if (dirty.length > 0) {
      return `${dirty.length} uncommitted change(s) under servers/ (first: ${visible(dirty[0]!.slice(3))}): verify checks commits, not the working tree. Commit them (git add servers && git commit), then run npm run verify again.`;
    }
  }
  if (base === head)
    return `nothing to verify: ${visible(o.head)} is the base ${visible(o.base)} (${base.slice(0, 12)}). Commit your change on a branch, then run npm run verify -- --base ${visible(o.base)} --author <login>.`;
  if (diffEntries(git, base, head).length === 0)
    return `nothing to verify: ${visible(o.head)} changes no file against ${visible(o.base)} (already merged, or behind it).`;
  return undefined;
}

export async function verifyPullRequest(options: VerifyOptions, deps: VerifyDeps): Promise<VerifyReport> {
  const { git } = deps;
  const base = resolveCommit(git, options.base);
  const head = resolveCommit(git, options.head);
  const checks: CheckResult[] = [];

  // 1. The change rules, from the diff and the base history.
  const baseEntries = listTree(git, base, "servers");
  const baseVersionDirs = new Set(
    baseEntries.filter((e) => e.type === "tree" && e.path.split("/").length === 4).map((e) => e.path),
  );
  const maintainers = deps.maintainers ?? { logins: [] };
  const maintainer = isMaintainer(options.author, maintainers);
  const entries = diffEntries(git, base, head);
  const maintainersEdit = entries.some((e) => e.path === MAINTAINERS_FILE)
    ? maintainersChange(
        parsedMaintainersAt(git, base),
        parseMaintainers(readFileAt(git, head, MAINTAINERS_FILE)?.toString("utf8") ?? ""),
      )
    : undefined;
  const plan = judgeChanges({
    entries,
    historicalServerFiles: historicalServerFiles(git, base),
    baseVersionDirs,
    maintainer,
    ...(maintainersEdit === undefined ? {} : { maintainersChange: maintainersEdit }),
  });
  checks.push(...plan.results);

  // 2. The build's verdict: the whole head tree validated as the build validates it. Every finding the PR
  // introduces counts, also a clash with an existing file (blame.ts: the PR's file has the finding, the
  // existing file is only the other party).
  const headReader = gitTreeReader(git, head);
  const loaded = loadTree(headReader);
  const baseReader = gitTreeReader(git, base);
  const attribution = attributeFindings({
    reader: headReader,
    diagnostics: validateLoaded(loaded),
    subjects: plan.results.map((r) => r.file),
    base: { reader: baseReader, diagnostics: validateReader(baseReader) },
  });
  checks.push(...validationResults(attribution, plan.publications));
  const versionsByDir = new Map(loaded.versions.map((v) => [v.dir, v]));

  // 3. Ownership and back-references. (Remote URL rules and remote URL ownership are offline tree rules:
  // validateLoaded above reports them.)
  for (const p of plan.publications) {
    const v = versionsByDir.get(p.dir);
    const file = `${p.dir}/server.json`;
    if (!v || typeof v.doc !== "object" || v.doc == null) continue; // reported by the schema checks
    const doc = v.doc as Partial<ServerJson>;
    const serverName = typeof doc.name === "string" && doc.name === p.name ? doc.name : p.name;
    const signature = readFileAt(git, head, `${p.dir}/${SERVER_SIG_FILE}`)?.toString("utf8");
    const claim: OwnershipClaim = {
      file,
      serverName,
      author: options.author,
      action: "publish",
      signed: { path: file, bytes: v.bytes, signature },
    };
    if (maintainer && plan.imports.has(p.dir)) {
      // An import: the source registry proved the namespace; the maintainer vouches for the source. The
      // blocklist still applies.
      checks.push(
        checkBlocklist(claim, deps.blocklist) ??
          check(
            "namespace",
            file,
            "pass",
            "maintainer/import",
            `imported by maintainer '${options.author}' (import.yaml records the source): allowed by maintainer rule maintainer/import instead of a namespace proof`,
            {
              maintainer: options.author,
            },
          ),
      );
    } else {
      checks.push(await ownership(claim, options, deps));
    }
    const packages = Array.isArray(doc.packages) ? doc.packages : [];
    for (const [i, pkg] of packages.entries()) {
      const input = { file, serverName, pkg, pointer: `/packages/${i}` };
      const backRef = await backReference(input, options, deps);
      checks.push(backRef);
      if (backRef.status !== "skip") checks.push(...(await provenance(input, doc, deps)));
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
    if (maintainer) {
      checks.push(maintainerStatusCheck(statusPath, s.removed ? undefined : bytes, options.author));
      continue;
    }
    const owned = await ownership(claim, options, deps);
    checks.push(
      owned.status === "fail"
        ? {
            ...owned,
            message: `${owned.message}. A status change in a namespace that is not yours (a takedown, a restore) is done by a maintainer: ask one (MAINTAINERS.md)`,
          }
        : owned,
    );
  }

  checks.push(...lookalikeWarnings(plan.publications, baseVersionDirs));

  const verdict = verdictOf(checks, plan.needsReview);
  return { ok: verdict === "pass", verdict, base, head, author: options.author, checks };
}

/**
 * A new server (a name the base tree does not have) whose folded name is close to an existing server's in
 * another namespace gets one warning, on its first new server.json, naming the server it resembles.
 */
function lookalikeWarnings(
  publications: readonly { readonly dir: string; readonly name: string }[],
  baseVersionDirs: ReadonlySet<string>,
): CheckResult[] {
  const existing = new Set([...baseVersionDirs].map((d) => d.split("/").slice(1, 3).join("/")));
  const seen = new Set<string>();
  const out: CheckResult[] = [];
  for (const p of publications) {
    if (existing.has(p.name) || seen.has(p.name)) continue;
    seen.add(p.name);
    const found = findLookalikes(p.name, existing);
    if (found.length === 0) continue;
    const names = found.map(
      (f) =>
        `${f.resembles} (${f.distance === 0 ? "the same after folding" : `${f.distance} edit${f.distance === 1 ? "" : "s"} apart after folding`})`,
    );
    out.push(
      check(
        "lookalike",
        `${p.dir}/server.json`,
        "pass",
        LOOKALIKE_CODE,
        `warning: the name ${p.name} looks like ${names.join(", ")}, a server in another namespace (Unicode confusables and case folded): a maintainer checks that it does not impersonate it`,
        {
          resembles: found.map((f) => ({ name: f.resembles, distance: f.distance, folded: f.resemblesFolded })),
          folded: found[0]!.folded,
        },
      ),
    );
  }
  return out;
}

const where = (d: Diagnostic) => ({
  ...(d.pointer !== undefined ? { pointer: d.pointer } : {}),
  ...(d.line !== undefined ? { line: d.line } : {}),
});
const text = (d: Diagnostic) => `${d.message}${d.hint ? ` (${d.hint})` : ""}`;

/**
 * The validation findings as checks. The PR's own findings (errors fail, warnings pass with a note); errors
 * the base branch has too are not the PR's doing but still stop the verdict (status error: the head would
 * not build either); new errors on other files that no single changed file causes fail where they are.
 * Every new server.json without an error gets one `schema/ok` pass.
 */
export function validationResults(
  attribution: Attribution,
  publications: readonly { readonly dir: string }[],
): CheckResult[] {
  const out: CheckResult[] = [];
  for (const d of attribution.findings) {
    out.push(
      check(
        "schema",
        d.file,
        d.severity === "error" ? "fail" : "pass",
        d.code,
        `${d.severity === "warning" ? "warning: " : ""}${text(d)}`,
        {},
        where(d),
      ),
    );
  }
  for (const d of attribution.preExisting) {
    if (d.severity !== "error") continue;
    out.push(
      check(
        "schema",
        d.file,
        "error",
        d.code,
        `already wrong on the base branch, not caused by this pull request: ${text(d)}. The tree does not build until a maintainer fixes the base branch; then re-run this check`,
        {},
        where(d),
      ),
    );
  }
  for (const d of attribution.unattributed) {
    if (d.severity !== "error") continue;
    out.push(
      check(
        "schema",
        d.file,
        "fail",
        d.code,
        `this pull request's changes together make this existing file fail: ${text(d)}. Change your files so that they no longer clash with it`,
        {},
        where(d),
      ),
    );
  }
  const failed = new Set(attribution.findings.filter((d) => d.severity === "error").map((d) => d.file));
  for (const p of publications) {
    const file = `${p.dir}/server.json`;
    if (!failed.has(file))
      out.push(
        check(
          "schema",
          file,
          "pass",
          "schema/ok",
          `${file} is valid (JSON Schema, official rules, path agreement, tree rules)`,
        ),
      );
  }
  return out;
}

async function ownership(claim: OwnershipClaim, options: VerifyOptions, deps: VerifyDeps): Promise<CheckResult> {
  if (options.offline || !deps.online) {
    const blocked = checkBlocklist(claim, deps.blocklist);
    return (
      blocked ??
      check(
        "namespace",
        claim.file,
        "skip",
        "namespace/skipped",
        `namespace ownership of ${claim.serverName} not checked (--offline)`,
      )
    );
  }
  return await verifyNamespace(claim, deps.online.namespace);
}

async function backReference(input: PackageCheckInput, options: VerifyOptions, deps: VerifyDeps): Promise<CheckResult> {
  const pkg = input.pkg as Partial<Package>;
  const type = typeof pkg.registryType === "string" ? pkg.registryType : "";
  const kind = PACKAGE_KINDS[type];
  // Whether the package can be looked up is the core's offline verdict (reported above as schema checks).
  if (!kind || packagePrecondition(input.pkg) !== undefined) {
    return check(
      kind ?? "schema",
      input.file,
      "skip",
      `${kind ?? "package"}/not-checked`,
      `back-reference of the package at ${input.pointer} not checked: the offline rules refuse the package (see its schema check)`,
      {},
      { pointer: input.pointer },
    );
  }
  if (options.offline || !deps.online)
    return check(
      kind,
      input.file,
      "skip",
      `${kind}/skipped`,
      `${type} back-reference of '${pkg.identifier}' not checked (--offline)`,
      {},
      { pointer: input.pointer },
    );
  return checkBackReference(kind, input, deps.online);
}

/** Build provenance of a package the back-reference check looked up, tied to the server's repository.url. */
async function provenance(
  input: PackageCheckInput,
  doc: Partial<ServerJson>,
  deps: VerifyDeps,
): Promise<CheckResult[]> {
  const online = deps.online;
  if (!online?.sigstore) return [];
  const repositoryUrl = typeof doc.repository?.url === "string" ? doc.repository.url : undefined;
  const result = await checkProvenance(
    { ...input, ...(repositoryUrl === undefined ? {} : { repositoryUrl }) },
    {
      http: online.http,
      sigstore: online.sigstore,
      npmBaseUrl: online.endpoints.npm,
      pypiBaseUrl: online.endpoints.pypi,
      oci: { endpoints: online.endpoints.oci, ...(online.ociTimeoutMs ? { timeoutMs: online.ociTimeoutMs } : {}) },
    },
  );
  return result ? [result] : [];
}

function parsedMaintainersAt(git: GitRunner, rev: string): Maintainers {
  const parsed = parseMaintainers(readFileAt(git, rev, MAINTAINERS_FILE)?.toString("utf8") ?? "");
  return parsed.kind === "ok" ? parsed.maintainers : { logins: [] };
}

/**
 * A maintainer may change the status of any version. A takedown (`deleted`) must say why, in statusMessage:
 * the reason is published with the tombstone and is what the publisher sees.
 */
function maintainerStatusCheck(file: string, bytes: Uint8Array | undefined, author: string): CheckResult {
  const evidence = { maintainer: author };
  if (bytes === undefined)
    return check(
      "namespace",
      file,
      "pass",
      "maintainer/status",
      `maintainer '${author}' restores this version (status.yaml removed): allowed by maintainer rule maintainer/status`,
      evidence,
    );
  const doc = statusDocOf(bytes);
  const status = typeof doc?.status === "string" ? doc.status : "?";
  if (status === "deleted" && (typeof doc?.statusMessage !== "string" || doc.statusMessage.trim() === "")) {
    return check(
      "namespace",
      file,
      "fail",
      "maintainer/takedown-reason",
      `a takedown (status: deleted) by a maintainer must say why: add statusMessage, e.g. "Takedown: malware reported in #123" (npm run status -- --status deleted --message …)`,
      evidence,
    );
  }
  return check(
    "namespace",
    file,
    "pass",
    "maintainer/status",
    `maintainer '${author}' sets status ${status}: allowed by maintainer rule maintainer/status (any namespace)`,
    evidence,
  );
}

function statusDocOf(bytes: Uint8Array): { status?: unknown; statusMessage?: unknown } | null {
  const parsed = parseStrictYaml(Buffer.from(bytes).toString("utf8"), "status.yaml");
  // the validation reports the syntax error
  return parsed.kind === "ok" ? (parsed.doc as { status?: unknown; statusMessage?: unknown } | null) : null;
}

/** pass only if everything passed; files outside servers/ make it needs-review at best. */
function verdictOf(checks: readonly CheckResult[], needsReview: boolean): VerifyVerdict {
  const hard = checks.filter((c) => c.status !== "pass" && c.code !== "change/outside-servers");
  if (hard.some((c) => c.status === "fail")) return "fail";
  if (hard.some((c) => c.status === "error")) return "error";
  if (needsReview) return "needs-review";
  if (hard.some((c) => c.status === "skip")) return "incomplete";
  return "pass";
}
