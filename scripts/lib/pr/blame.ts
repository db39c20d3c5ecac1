// Whose finding is it? The whole tree is validated (as the build does); this decides which of its findings
// belong to some paths: the files a pull request changes, or the files `npm run validate -- FILE…` names.
//
// A finding belongs to a path when it is about that path, a file under it, or a folder that holds it (a
// version folder named `latest` is a finding of the server.json inside it). A rule can also report a finding
// on ANOTHER file because of the path. Which rule does what is the rules' business (validate.ts, load.ts);
// this module does not know them. It asks the tree instead: a finding on another file is caused by a path
// when it goes away once the path's version folder is removed (validate FILE) or put back as it is on the
// base branch (a pull request).
//   - The tree rules (tree/*-case-conflict, tree/remote-url-duplicate, layout/version-case-conflict) report
//     every member of a clash, each naming the others. When the path has its own finding of the same rule,
//     that one is the path's verdict (it names the other file as the other party) and the other file's
//     finding is not the path's to show: in a pull request an existing file is never blamed for it.
//   - Otherwise (the path has no finding of that rule, e.g. a status.yaml that brings a version back) the
//     finding is moved onto the path, naming the other file only as the other party, so the author is told
//     to change their own file and never someone else's.
//
// The extra validations run only when another file has a finding that the base does not have, and only once
// per version folder in question: the common case costs nothing.

import { diag, sortDiagnostics, type Diagnostic } from "../diagnostics.ts";
import { loadTree, type TreeItem, type TreeReader } from "../load.ts";
import { validateLoaded } from "../validate.ts";

/** The whole-tree validation, as the build and every entry point run it. */
export const validateReader = (reader: TreeReader): Diagnostic[] => validateLoaded(loadTree(reader));

/** Identity of a finding (positions left out: they follow from the rest). */
const findingKey = (d: Diagnostic): string => `${d.file}\0${d.code}\0${d.pointer ?? ""}\0${d.message}`;

/** Is a finding on `file` about `subject`: the same path, under it, or a folder (inside the root) that holds it? */
export function isFindingOf(file: string, subject: string, displayRoot: string): boolean {
  if (file === subject || file.startsWith(subject + "/")) return true;
  return subject.startsWith(file + "/") && file.startsWith(displayRoot + "/");
}

/** The folder whose contents decide a path's rules: at most `<namespace>/<server>/<version>` (relative to the root). */
export function decidingFolder(relPath: string): string {
  return relPath.split("/").slice(0, 3).join("/");
}

/**
 * The tree with one folder (relative path) taken out, or replaced by the same folder of `replacement`
 * (with its parent folders when the tree lacks them).
 */
function replaceFolder(tree: TreeReader, rel: string, replacement?: TreeReader): TreeReader {
  const inside = (p: string) => p === rel || p.startsWith(rel + "/");
  return {
    displayRoot: tree.displayRoot,
    items() {
      let kept = tree.items().filter((i) => !inside(i.path));
      const added: TreeItem[] = [];
      if (replacement) {
        const have = new Set(kept.map((i) => i.path));
        added.push(
          ...replacement.items().filter((i) => inside(i.path) || (rel.startsWith(i.path + "/") && !have.has(i.path))),
        );
      }
      // Parent folders left empty go too, as in git, which has no empty folders: without its only server, a
      // namespace folder is not there either.
      const all = [...kept, ...added];
      const parts = rel.split("/");
      for (let n = parts.length - 1; n >= 1; n--) {
        const parent = parts.slice(0, n).join("/");
        if (all.some((i) => i.path.startsWith(parent + "/"))) break;
        kept = kept.filter((i) => i.path !== parent);
      }
      return [...kept, ...added];
    },
    read: (p) => {
      if (!inside(p)) return tree.read(p);
      if (!replacement) throw new Error(`${tree.displayRoot}/${p} was taken out of the tree`);
      return replacement.read(p);
    },
  };
}

export interface AttributionInput {
  /** The tree judged (a checkout, or a pull request's head). */
  readonly reader: TreeReader;
  /** validateReader(reader). */
  readonly diagnostics: readonly Diagnostic[];
  /** Display paths (`servers/…`): the named files or folders, or every path a pull request changes. */
  readonly subjects: readonly string[];
  /** A pull request's base: its findings are not the PR's, and a subject's folder is put back as the base has it. */
  readonly base?: { readonly reader: TreeReader; readonly diagnostics: readonly Diagnostic[] };
  /** Defaults to validateReader (tests may count calls). */
  readonly validate?: (reader: TreeReader) => Diagnostic[];
}

export interface Attribution {
  /** The subjects' findings: their own, and the ones they cause on other files that they have no finding of the same rule for (moved onto them). Sorted. */
  readonly findings: Diagnostic[];
  /** Findings on other files that the base has as well: not the subjects' doing (only with a base). */
  readonly preExisting: Diagnostic[];
  /** Findings on other files that are new but that no single subject causes (only with a base): left where they are. */
  readonly unattributed: Diagnostic[];
}

/** The subject to report a moved finding on, among those in one folder: server.json first, then status.yaml. */
function preferredTarget(paths: readonly string[]): string {
  const rank = (p: string) => (p.endsWith("/server.json") ? 0 : p.endsWith("/status.yaml") ? 1 : 2);
  return [...paths].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))[0]!;
}

/** A finding of another file, moved onto the subject that causes it. */
function movedFinding(d: Diagnostic, target: string, existing: boolean): Diagnostic {
  const other = `${existing ? "the existing " : ""}${d.file}`;
  return diag(d.severity, d.code, target, `clashes with ${other}, for which the rule reports: ${d.message}`, {
    hint: `change this file so that it no longer clashes with ${d.file}${existing ? ", which stays as it is" : ""}.`,
  });
}

export function attributeFindings(input: AttributionInput): Attribution {
  const root = input.reader.displayRoot;
  const validate = input.validate ?? validateReader;
  const subjects = [...new Set(input.subjects)];
  const isOwn = (d: Diagnostic) => subjects.some((s) => isFindingOf(d.file, s, root));
  const own = input.diagnostics.filter(isOwn);
  const baseKeys = input.base ? new Set(input.base.diagnostics.map(findingKey)) : undefined;
  const preExisting: Diagnostic[] = [];
  const candidates: Diagnostic[] = [];
  for (const d of input.diagnostics) {
    if (isOwn(d)) continue;
    if (baseKeys?.has(findingKey(d))) preExisting.push(d);
    else candidates.push(d);
  }

  // Subjects by the folder that decides them (only paths inside the root can change a tree rule).
  const byFolder = new Map<string, string[]>();
  for (const s of subjects) {
    if (!s.startsWith(root + "/")) continue;
    const folder = decidingFolder(s.slice(root.length + 1));
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), s]);
  }
  const moved: Diagnostic[] = [];
  const unattributed: Diagnostic[] = [];
  if (candidates.length > 0) {
    const withoutKeys = new Map<string, Set<string>>();
    const keysWithout = (folder: string) => {
      let keys = withoutKeys.get(folder);
      if (!keys) {
        keys = new Set(validate(replaceFolder(input.reader, folder, input.base?.reader)).map(findingKey));
        withoutKeys.set(folder, keys);
      }
      return keys;
    };
    for (const d of candidates) {
      let caused = false;
      for (const [folder, paths] of byFolder) {
        if (keysWithout(folder).has(findingKey(d))) continue;
        caused = true;
        const target = preferredTarget(paths);
        // The tree rules report every member of a clash, each naming the others: the subject's own finding
        // (on its file or on its version folder) already says it there, naming this file as the other party.
        if (own.some((o) => o.code === d.code && paths.some((p) => isFindingOf(o.file, p, root)))) continue;
        moved.push(movedFinding(d, target, input.base !== undefined));
      }
      if (!caused) unattributed.push(d);
    }
  }
  const seen = new Set<string>();
  const findings = sortDiagnostics([...own, ...moved]).filter((d) => {
    const k = findingKey(d);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { findings, preExisting, unattributed: input.base ? unattributed : [] };
}
