// The change rules of a publishing pull request, judged from the git diff alone (pure):
// - only new version folders and status files under servers/;
// - a merged server.json (and its signature) is never modified, deleted or renamed;
// - a version string once used is never used again for that server, even after deletion (compared
//   case-insensitively, like the loader's folder rule);
// - symlinks, submodules, executable bits and anything not a regular file are rejected;
// - anything outside servers/ needs a maintainer's review: never a pass;
// - maintainers' work (scripts/policy/, import.yaml) is allowed only in a pull request a maintainer opened,
//   and each such file gets a pass naming the maintainer rule that allowed it.

import { check, type CheckResult } from "./check.ts";
import type { DiffEntry } from "./git.ts";
import { MAINTAINERS_FILE, POLICY_DIR } from "./maintainers.ts";

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

export function judgeChanges(input: ChangeInput): ChangePlan {
  const results: CheckResult[] = [];
  const publications: Publication[] = [];
  const statusByDir = new Map<string, StatusChange>();
  let needsReview = false;
  const imports = new Set<string>();
  const maintainer = input.maintainer === true;
  const usedVersions = new Map(input.historicalServerFiles.map((p) => [versionKey(p), p]));
  const addedServerDirs = new Set(
    input.entries
      .filter((e) => e.status === "A" && e.path.startsWith("servers/") && e.path.endsWith(`/${SERVER_FILE}`))
      .map((e) => e.path.slice(0, -SERVER_FILE.length - 1)),
  );
  // Pair deletions and additions of the same blob, to say "renamed" rather than "deleted".
  const addedBySha = new Map(input.entries.filter((e) => e.status === "A").map((e) => [e.dstSha, e.path]));

  for (const e of input.entries) {
    const fail = (code: string, message: string, evidence: Record<string, unknown> = {}) =>
      results.push(
        check("change", e.path, "fail", code, message, {
          status: e.status,
          srcMode: e.srcMode,
          dstMode: e.dstMode,
          ...evidence,
        }),
      );
    const unsafe = unsafePathProblem(e.path);
    if (unsafe) {
      fail("change/unsafe-path", `${unsafe}; such a path is refused as data`);
      continue;
    }
    const mode = modeProblem(e.dstMode);
    if (e.path.startsWith(POLICY_DIR)) {
      if (mode) fail(mode.code, mode.message);
      if (!maintainer) {
        fail(
          "maintainer/required",
          `${POLICY_DIR} is the maintainers' policy: only a maintainer (${MAINTAINERS_FILE}) may change it. A maintainer must make this change; to propose one, open an issue`,
        );
      } else if (e.path === MAINTAINERS_FILE) {
        results.push(
          check(
            "change",
            e.path,
            "pass",
            "maintainer/maintainers-file",
            `a maintainer changes who the maintainers are (${input.maintainersChange ?? "see the diff"}): allowed by maintainer rule maintainer/maintainers-file, and another maintainer must review it`,
            {
              status: e.status,
            },
          ),
        );
      } else {
        results.push(
          check(
            "change",
            e.path,
            "pass",
            "maintainer/policy",
            `a maintainer edits the policy: allowed by maintainer rule maintainer/policy`,
            { status: e.status },
          ),
        );
      }
      continue;
    }
    if (!e.path.startsWith("servers/")) {
      needsReview = true;
      results.push(
        check(
          "change",
          e.path,
          "fail",
          "change/outside-servers",
          "changes a file outside servers/: a maintainer must review this pull request (verification never passes it on its own)",
          {
            status: e.status,
          },
        ),
      );
      if (mode) fail(mode.code, mode.message);
      continue;
    }
    if (mode) {
      fail(mode.code, mode.message);
      continue;
    }
    const parts = e.path.split("/");
    if (parts.length !== 5) {
      fail(
        "change/unexpected-path",
        "files under servers/ belong in servers/<namespace>/<server>/<version>/ (server.json, server.json.sig, status.yaml, status.yaml.sig)",
      );
      continue;
    }
    const [, ns, server, version, file] = parts as [string, string, string, string, string];
    const dir = `servers/${ns}/${server}/${version}`;
    const name = `${ns}/${server}`;
    const inBase = input.baseVersionDirs.has(dir);
    const publishedHere = addedServerDirs.has(dir);

    if (file === SERVER_FILE) {
      if (e.status === "A") {
        const prior = usedVersions.get(versionKey(e.path));
        if (prior !== undefined) {
          fail(
            "change/version-reused",
            `version "${version}" of ${name} was published before (${prior}); a version string is never used again, also after deletion. Choose a new version`,
            { previously: prior },
          );
          continue;
        }
        publications.push({ dir, name, version });
        results.push(
          check("change", e.path, "pass", "change/new-version", `adds version ${version} of ${name}`, { status: "A" }),
        );
        continue;
      }
      if (e.status === "D") {
        const renamedTo = addedBySha.get(e.srcSha);
        fail(
          "change/immutable",
          renamedTo
            ? `a merged server.json is never renamed (moved to ${renamedTo}); publish a new version instead`
            : `a merged server.json is never deleted; to withdraw it, set "status: deleted" in ${dir}/${STATUS_FILE}`,
          renamedTo ? { renamedTo } : {},
        );
        continue;
      }
      fail(
        "change/immutable",
        `a merged server.json is never modified; publish a new version folder instead (e.g. servers/${name}/<new-version>/server.json)`,
      );
      continue;
    }
    if (file === SERVER_SIG_FILE) {
      if (e.status === "A" && publishedHere) {
        results.push(
          check(
            "change",
            e.path,
            "pass",
            "change/new-signature",
            `adds the signature of the new ${dir}/${SERVER_FILE}`,
            { status: "A" },
          ),
        );
      } else {
        fail(
          "change/immutable",
          `${SERVER_SIG_FILE} belongs to its server.json and changes only with a new version; a status change is signed in ${STATUS_SIG_FILE}`,
        );
      }
      continue;
    }
    if (file === STATUS_FILE || file === STATUS_SIG_FILE) {
      if (!inBase && !publishedHere) {
        fail(
          "change/status-without-version",
          `${dir} has no server.json, neither merged nor added by this pull request`,
        );
        continue;
      }
      const prior = statusByDir.get(dir);
      const removed = file === STATUS_FILE ? e.status === "D" : (prior?.removed ?? false);
      statusByDir.set(dir, { dir, name, version, removed });
      results.push(
        check(
          "change",
          e.path,
          "pass",
          "change/status",
          `${e.status === "D" ? "removes" : e.status === "A" ? "adds" : "changes"} ${file} of ${name} ${version}`,
          { status: e.status },
        ),
      );
      continue;
    }
    if (file === "import.yaml") {
      if (!maintainer) {
        fail(
          "change/maintainer-file",
          "import.yaml is written only by a maintainer's import (npm run import): a maintainer must open this pull request. Remove import.yaml from your pull request",
        );
        continue;
      }
      if (e.status !== "D") imports.add(dir);
      results.push(
        check(
          "change",
          e.path,
          "pass",
          "maintainer/import",
          `${e.status === "D" ? "removes" : "writes"} the import record of ${name} ${version}: allowed by maintainer rule maintainer/import`,
          { status: e.status },
        ),
      );
      continue;
    }
    fail(
      "change/unexpected-file",
      `unexpected file "${file}": a version folder holds server.json, server.json.sig, status.yaml and status.yaml.sig`,
    );
  }
  // A status change of a version published in the same PR is part of that publication.
  const statusChanges = [...statusByDir.values()].filter((s) => !addedServerDirs.has(s.dir));
  return { results, publications, statusChanges, needsReview, imports };
}
