// The change rules of a publishing pull request, judged from the git diff alone (pure):
// - only new version folders and status files under servers/;
// - a merged server.json (and its signature) is never modified, deleted or renamed;
// - a version string once used is never used again for that server, even after deletion (compared
//   case-insensitively, like the loader's folder rule);
// - symlinks, submodules, executable bits and anything not a regular file are rejected;
// - anything outside servers/ needs a maintainer's review: never a pass;
// - maintainers' work (scripts/policy/, import.yaml) is allowed only in a pull request a maintainer opened,
//   and each such file gets a pass naming the maintainer rule that allowed it;
// - receipts/ (what the trusted side recorded after a merge) is never touched by a pull request.

import { check, type CheckResult } from "./check.ts";
import type { DiffEntry } from "./git.ts";
import { MAINTAINERS_FILE, POLICY_DIR } from "./maintainers.ts";
import { RECEIPTS_ROOT } from "../receipt.ts";

const SERVER_FILE = "server.json";
export const SERVER_SIG_FILE = "server.json.sig";
export const STATUS_FILE = "status.yaml";
/** The signature that proves a status change in a domain namespace. */
export const STATUS_SIG_FILE = "status.yaml.sig";

export interface ChangeInput {
  readonly entries: readonly DiffEntry[];
  /** `servers/<ns>/<name>/<version>/server.json` paths that ever existed in the base history. */
  readonly historicalServerFiles: readonly string[];
  /** Version folders (`servers/<ns>/<name>/<version>`) present in the base tree. */
  readonly baseVersionDirs: ReadonlySet<string>;
  /** The PR was opened by a maintainer (scripts/policy/maintainers.yaml of the base). */
  readonly maintainer?: boolean;
  /** What a change to the maintainers file does (`adds x; removes y`), for the reviewers. */
  readonly maintainersChange?: string;
}

interface Publication {
  /** `servers/<ns>/<name>/<version>` */
  readonly dir: string;
  readonly name: string;
  readonly version: string;
}

interface StatusChange {
  readonly dir: string;
  readonly name: string;
  readonly version: string;
  /** status.yaml is removed (back to active). */
  readonly removed: boolean;
}

export interface ChangePlan {
  readonly results: CheckResult[];
  readonly publications: Publication[];
  readonly statusChanges: StatusChange[];
  /** Files outside servers/ changed that no maintainer rule allows: a maintainer must review. */
  readonly needsReview: boolean;
  /** Version folders whose import.yaml a maintainer's PR adds or changes (an import). */
  readonly imports: ReadonlySet<string>;
}

const MODE_REGULAR = "100644";
const MODE_NONE = "000000";

/** Why a repository path is unsafe to treat as data, or undefined. */
function unsafePathProblem(path: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return "the path contains a control character";
  if (path.includes("\\")) return "the path contains a backslash";
  if (path.startsWith("/")) return "the path is absolute";
  for (const segment of path.split("/")) {
    if (segment === "") return "the path has an empty segment";
    if (segment === "." || segment === "..") return `the path has a '${segment}' segment that climbs out of its folder`;
  }
  return undefined;
}

function modeProblem(mode: string): { code: string; message: string } | undefined {
  if (mode === MODE_REGULAR || mode === MODE_NONE) return undefined;
  if (mode === "120000")
    return {
      code: "change/symlink",
      message: "a symbolic link: only regular files are allowed (a link can point outside the tree)",
    };
  if (mode === "160000")
    return { code: "change/submodule", message: "a git submodule: only regular files are allowed" };
  if (mode === "100755")
    return {
      code: "change/executable",
      message:
        "the file is executable (mode 100755); registry data must be mode 100644: run `chmod -x` and `git update-index --chmod=-x`",
    };
  return { code: "change/not-regular", message: `mode ${mode} is not a regular file` };
}

const versionKey = (path: string) => path.split("/").slice(0, 4).join("/").toLowerCase();

/** The receipts the trusted side commits after a merge (receipt.ts): no pull request may touch them. */
const RECEIPTS_DIR = `${RECEIPTS_ROOT}/`;

/** What every step of judgeChanges reads and appends to. */
interface Judging {
  readonly input: ChangeInput;
  readonly maintainer: boolean;
  readonly usedVersions: ReadonlyMap<string, string>;
  /** Version folders whose server.json this PR adds. */
  readonly addedServerDirs: ReadonlySet<string>;
  /** Added paths by blob, to say "renamed" rather than "deleted". */
  readonly addedBySha: ReadonlyMap<string, string>;
  readonly results: CheckResult[];
  readonly publications: Publication[];
  readonly statusByDir: Map<string, StatusChange>;
  readonly imports: Set<string>;
  needsReview: boolean;
}

/** One changed file in its version folder, with the helpers its step reports through. */
interface VersionFileChange {
  readonly e: DiffEntry;
  readonly dir: string;
  readonly name: string;
  readonly version: string;
  readonly file: string;
  readonly fail: (code: string, message: string, evidence?: Record<string, unknown>) => void;
  readonly pass: (code: string, message: string) => void;
}

export function judgeChanges(input: ChangeInput): ChangePlan {
  const j = startJudging(input);
  for (const e of input.entries) judgeEntry(j, e);
  // A status change of a version published in the same PR is part of that publication.
  const statusChanges = [...j.statusByDir.values()].filter((s) => !j.addedServerDirs.has(s.dir));
  return {
    results: j.results,
    publications: j.publications,
    statusChanges,
    needsReview: j.needsReview,
    imports: j.imports,
  };
}

function startJudging(input: ChangeInput): Judging {
  return {
    input,
    maintainer: input.maintainer === true,
    usedVersions: new Map(input.historicalServerFiles.map((p) => [versionKey(p), p])),
    addedServerDirs: new Set(
      input.entries
        .filter((e) => e.status === "A" && e.path.startsWith("servers/") && e.path.endsWith(`/${SERVER_FILE}`))
        .map((e) => e.path.slice(0, -SERVER_FILE.length - 1)),
    ),
    addedBySha: new Map(input.entries.filter((e) => e.status === "A").map((e) => [e.dstSha, e.path])),
    results: [],
    publications: [],
    statusByDir: new Map(),
    imports: new Set(),
    needsReview: false,
  };
}

/** A failing change check on this entry, its modes and status in the evidence. */
const failer =
  (j: Judging, e: DiffEntry) =>
  (code: string, message: string, evidence: Record<string, unknown> = {}): void => {
    j.results.push(
      check("change", e.path, "fail", code, message, {
        status: e.status,
        srcMode: e.srcMode,
        dstMode: e.dstMode,
        ...evidence,
      }),
    );
  };

/** Route one changed path to the step for its place in the repository. */
function judgeEntry(j: Judging, e: DiffEntry): void {
  const fail = failer(j, e);
  const unsafe = unsafePathProblem(e.path);
  if (unsafe) return fail("change/unsafe-path", `${unsafe}; such a path is refused as data`);
  const mode = modeProblem(e.dstMode);
  if (e.path.startsWith(POLICY_DIR)) return judgePolicyFile(j, e, mode);
  if (e.path.startsWith(RECEIPTS_DIR)) return judgeReceiptFile(e, fail);
  if (!e.path.startsWith("servers/")) return judgeOutsideServers(j, e, mode);
  if (mode) return fail(mode.code, mode.message);
  const parts = e.path.split("/");
  if (parts.length !== 5)
    return fail(
      "change/unexpected-path",
      "files under servers/ belong in servers/<namespace>/<server>/<version>/ (server.json, server.json.sig, status.yaml, status.yaml.sig)",
    );
  const [, ns, server, version, file] = parts as [string, string, string, string, string];
  const dir = `servers/${ns}/${server}/${version}`;
  const pass = (code: string, message: string) =>
    j.results.push(check("change", e.path, "pass", code, message, { status: e.status }));
  const change: VersionFileChange = { e, dir, name: `${ns}/${server}`, version, file, fail, pass };
  if (file === SERVER_FILE) return judgeServerFile(j, change);
  if (file === SERVER_SIG_FILE) return judgeServerSignature(j, change);
  if (file === STATUS_FILE || file === STATUS_SIG_FILE) return judgeStatusFile(j, change);
  if (file === "import.yaml") return judgeImportRecord(j, change);
  fail(
    "change/unexpected-file",
    `unexpected file "${file}": a version folder holds server.json, server.json.sig, status.yaml and status.yaml.sig`,
  );
}

/** scripts/policy/: a maintainer's, the maintainers file with a second maintainer's review. */
function judgePolicyFile(j: Judging, e: DiffEntry, mode: { code: string; message: string } | undefined): void {
  const fail = failer(j, e);
  if (mode) fail(mode.code, mode.message);
  if (!j.maintainer) {
    fail(
      "maintainer/required",
      `${POLICY_DIR} is the maintainers' policy: only a maintainer (${MAINTAINERS_FILE}) may change it. A maintainer must make this change; to propose one, open an issue`,
    );
    return;
  }
  const [code, message] =
    e.path === MAINTAINERS_FILE
      ? [
          "maintainer/maintainers-file",
          `a maintainer changes who the maintainers are (${j.input.maintainersChange ?? "see the diff"}): allowed by maintainer rule maintainer/maintainers-file, and another maintainer must review it`,
        ]
      : ["maintainer/policy", `a maintainer edits the policy: allowed by maintainer rule maintainer/policy`];
  j.results.push(check("change", e.path, "pass", code, message, { status: e.status }));
}

/** receipts/: written only by the trusted workflow after a merge; a PR (a maintainer's too) may not touch one. */
function judgeReceiptFile(e: DiffEntry, fail: ReturnType<typeof failer>): void {
  fail(
    "change/receipt-file",
    `${RECEIPTS_DIR} holds the verification receipts the registry's own workflow commits after a merge: no pull request may add, change or delete one (a maintainer's neither). Remove ${e.path} from your pull request`,
  );
}

/** Anything else outside servers/: a maintainer reviews it, the check never passes it. */
function judgeOutsideServers(j: Judging, e: DiffEntry, mode: { code: string; message: string } | undefined): void {
  j.needsReview = true;
  j.results.push(
    check(
      "change",
      e.path,
      "fail",
      "change/outside-servers",
      "changes a file outside servers/: a maintainer must review this pull request (verification never passes it on its own)",
      { status: e.status },
    ),
  );
  if (mode) failer(j, e)(mode.code, mode.message);
}

/** server.json: only added, and never with a version string used before. */
function judgeServerFile(j: Judging, c: VersionFileChange): void {
  const { e, dir, name, version } = c;
  if (e.status === "A") {
    const prior = j.usedVersions.get(versionKey(e.path));
    if (prior !== undefined)
      return c.fail(
        "change/version-reused",
        `version "${version}" of ${name} was published before (${prior}); a version string is never used again, also after deletion. Choose a new version`,
        { previously: prior },
      );
    j.publications.push({ dir, name, version });
    return c.pass("change/new-version", `adds version ${version} of ${name}`);
  }
  if (e.status === "D") {
    const renamedTo = j.addedBySha.get(e.srcSha);
    return c.fail(
      "change/immutable",
      renamedTo
        ? `a merged server.json is never renamed (moved to ${renamedTo}); publish a new version instead`
        : `a merged server.json is never deleted; to withdraw it, set "status: deleted" in ${dir}/${STATUS_FILE}`,
      renamedTo ? { renamedTo } : {},
    );
  }
  c.fail(
    "change/immutable",
    `a merged server.json is never modified; publish a new version folder instead (e.g. servers/${name}/<new-version>/server.json)`,
  );
}

/** server.json.sig: only with the server.json it signs. */
function judgeServerSignature(j: Judging, c: VersionFileChange): void {
  if (c.e.status === "A" && j.addedServerDirs.has(c.dir))
    return c.pass("change/new-signature", `adds the signature of the new ${c.dir}/${SERVER_FILE}`);
  c.fail(
    "change/immutable",
    `${SERVER_SIG_FILE} belongs to its server.json and changes only with a new version; a status change is signed in ${STATUS_SIG_FILE}`,
  );
}

/** status.yaml and its signature: a status change of a version that exists (or is added here). */
function judgeStatusFile(j: Judging, c: VersionFileChange): void {
  const { e, dir, name, version, file } = c;
  if (!j.input.baseVersionDirs.has(dir) && !j.addedServerDirs.has(dir))
    return c.fail(
      "change/status-without-version",
      `${dir} has no server.json, neither merged nor added by this pull request`,
    );
  const prior = j.statusByDir.get(dir);
  const removed = file === STATUS_FILE ? e.status === "D" : (prior?.removed ?? false);
  j.statusByDir.set(dir, { dir, name, version, removed });
  c.pass(
    "change/status",
    `${e.status === "D" ? "removes" : e.status === "A" ? "adds" : "changes"} ${file} of ${name} ${version}`,
  );
}

/** import.yaml: a maintainer's import only. */
function judgeImportRecord(j: Judging, c: VersionFileChange): void {
  const { e, dir, name, version } = c;
  if (!j.maintainer)
    return c.fail(
      "change/maintainer-file",
      "import.yaml is written only by a maintainer's import (npm run import): a maintainer must open this pull request. Remove import.yaml from your pull request",
    );
  if (e.status !== "D") j.imports.add(dir);
  c.pass(
    "maintainer/import",
    `${e.status === "D" ? "removes" : "writes"} the import record of ${name} ${version}: allowed by maintainer rule maintainer/import`,
  );
}
