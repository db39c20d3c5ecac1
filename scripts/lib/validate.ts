// Validation of a loaded tree: per document (JSON Schema, the official semantic rules, status.yaml) and
// across the tree (namespaces and names equal after case folding, remote URLs shared by two servers).

import { diag, sortDiagnostics, type Diagnostic } from "./diagnostics.ts";
import { parseJsonBytes } from "./json-source.ts";
import type { LoadResult, LoadedVersion } from "./load.ts";
import { parseStrictYaml } from "./status-file.ts";
import type { ServerJson } from "./model.ts";
import { caseFoldKey, checkServerSemantics } from "./rules.ts";
import { checkServerSchema, checkStatusSchema, type Finding } from "./schema.ts";

/** Everything wrong with one version: its server.json and its status.yaml. */
export function validateVersion(v: LoadedVersion): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (v.doc !== undefined) {
    const findings = [...checkServerSchema(v.doc), ...checkServerSemantics(v.doc)];
    out.push(...locateJsonFindings(v.file, v.bytes, findings));
  }
  if (v.statusFile !== undefined && v.statusText !== undefined) {
    const findings = checkStatusSchema(v.statusDoc);
    if (findings.length > 0) out.push(...locateStatusFindings(v.statusFile, v.statusText, findings));
  }
  return out;
}

function locateJsonFindings(file: string, bytes: Uint8Array, findings: readonly Finding[]): Diagnostic[] {
  if (findings.length === 0) return [];
  // Positions cost a second parse, so only files with findings pay for it.
  const parsed = parseJsonBytes(bytes, file, true);
  const positions = parsed.kind === "ok" ? parsed.source.positions : new Map();
  return findings.map((f) => {
    const pos = nearestPosition(positions, f.pointer);
    return diag(f.severity, f.code, file, f.message, {
      pointer: f.pointer,
      ...pos,
      ...(f.hint ? { hint: f.hint } : {}),
    });
  });
}

function locateStatusFindings(file: string, text: string, findings: readonly Finding[]): Diagnostic[] {
  const parsed = parseStrictYaml(text, file);
  return findings.map((f) => {
    const pos = parsed.kind === "ok" ? (parsed.positionOf(f.pointer) ?? parsed.positionOf("")) : undefined;
    return diag(f.severity, f.code, file, f.message, {
      pointer: f.pointer,
      ...(pos ?? {}),
      ...(f.hint ? { hint: f.hint } : {}),
    });
  });
}

/** The pointer's own position, or its closest ancestor's (a missing property points at its parent). */
function nearestPosition(
  positions: ReadonlyMap<string, { line: number; column: number }>,
  pointer: string,
): { line?: number; column?: number } {
  for (let p = pointer; ; p = p.slice(0, p.lastIndexOf("/"))) {
    const pos = positions.get(p);
    if (pos) return { line: pos.line, column: pos.column };
    if (p === "") return {};
  }
}

// ---------------------------------------------------------------------------------------------------
// Tree rules (stable codes):
//   tree/namespace-case-conflict  two namespaces equal after case folding (io.github.HP, io.github.hp)
//   tree/name-case-conflict       two server names of one namespace equal after case folding
//   tree/remote-url-duplicate     a remote URL used by two servers (non-deleted versions)
// One index serves every entry point: validateLoaded (validate, build, PR check, verify, new) and the
// importer (which adds candidates one at a time). Every member of a clash is reported, each naming the
// other party's files, in the message and in `otherFiles`; which of them a change is to blame for is
// blame.ts's business (attributeFindings), for the PR check and validate FILE alike.

/** A tree rule's finding: the files of the versions it clashes with are in `otherFiles`. */
export interface TreeDiagnostic extends Diagnostic {
  readonly otherFiles: readonly string[];
}

/** What the tree rules need of a version. */
export interface IndexedVersion {
  readonly namespace: string;
  readonly name: string;
  readonly file: string;
  readonly doc: unknown;
  /**
   * remoteUrlsOf(doc), when it was taken where the document was parsed (a build worker: tasks.ts), so that the
   * tree rules do not parse every document again on the main thread.
   */
  readonly remoteUrls?: readonly string[];
  readonly status: { readonly status: string };
}

/** The remote URLs a document claims: every non-empty `remotes[].url` string. */
export function remoteUrlsOf(doc: unknown): string[] {
  const remotes = (doc as Partial<ServerJson> | undefined)?.remotes;
  if (!Array.isArray(remotes)) return [];
  return remotes.map((r) => (typeof r?.url === "string" ? r.url : "")).filter((u) => u !== "");
}

const urlsOf = (v: IndexedVersion): readonly string[] => v.remoteUrls ?? remoteUrlsOf(v.doc);

/** Upstream: remote URLs are unique among non-deleted versions of different servers. */
const claimsRemotes = (v: IndexedVersion): boolean => v.status.status !== "deleted";

type Spellings = Map<string, string[]>; // spelling → files

function addTo(index: Map<string, Spellings>, key: string, spelling: string, file: string): void {
  const spellings = index.get(key) ?? new Map<string, string[]>();
  const files = spellings.get(spelling) ?? [];
  if (!files.includes(file)) files.push(file);
  spellings.set(spelling, files);
  index.set(key, spellings);
}

/** The other spellings under `key`, sorted, with their files. */
function othersIn(
  index: Map<string, Spellings>,
  key: string,
  spelling: string,
): { spelling: string; files: string[] }[] {
  return [...(index.get(key) ?? [])]
    .filter(([s]) => s !== spelling)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([s, files]) => ({ spelling: s, files: [...files].sort() }));
}

const listFiles = (files: readonly string[]): string =>
  files.length <= 2 ? files.join(", ") : `${files.slice(0, 2).join(", ")} and ${files.length - 2} more`;

/** The tree-wide claims of a set of versions: namespaces and names by case fold, remote URLs by server. */
export class TreeIndex {
  private readonly namespaces = new Map<string, Spellings>();
  private readonly names = new Map<string, Spellings>();
  private readonly remotes = new Map<string, Spellings>();

  add(v: IndexedVersion): void {
    addTo(this.namespaces, caseFoldKey(v.namespace), v.namespace, v.file);
    addTo(this.names, caseFoldKey(v.name), v.name, v.file);
    if (!claimsRemotes(v)) return;
    for (const url of urlsOf(v)) addTo(this.remotes, url, v.name, v.file);
  }

  /** Everything `v` clashes with in this index (v itself may or may not have been added). */
  conflictsOf(v: IndexedVersion): TreeDiagnostic[] {
    const out: TreeDiagnostic[] = [];
    const namespaceClash = othersIn(this.namespaces, caseFoldKey(v.namespace), v.namespace);
    for (const other of namespaceClash) {
      out.push({
        ...diag(
          "error",
          "tree/namespace-case-conflict",
          v.file,
          `namespace "${v.namespace}" differs only in letter case from namespace "${other.spelling}" (${listFiles(other.files)}): on a case-insensitive checkout (macOS, Windows) both are one folder.`,
          {
            pointer: "/name",
            hint: `spell the namespace one way across the registry: use "${other.spelling}" if it is yours, or another namespace.`,
          },
        ),
        otherFiles: other.files,
      });
    }
    // A name clash is within one namespace spelling; across spellings the namespace clash says it.
    const sameNamespace = (o: { spelling: string }) => o.spelling.startsWith(`${v.namespace}/`);
    for (const other of othersIn(this.names, caseFoldKey(v.name), v.name).filter(sameNamespace)) {
      out.push({
        ...diag(
          "error",
          "tree/name-case-conflict",
          v.file,
          `server name "${v.name}" differs only in letter case from the server "${other.spelling}" (${listFiles(other.files)}): on a case-insensitive checkout (macOS, Windows) both are one folder.`,
          {
            pointer: "/name",
            hint: `use "${other.spelling}" (publish a new version of that server) or a clearly different name.`,
          },
        ),
        otherFiles: other.files,
      });
    }
    if (claimsRemotes(v)) {
      urlsOf(v).forEach((url, i) => {
        const others = othersIn(this.remotes, url, v.name);
        if (others.length === 0) return;
        out.push({
          ...diag(
            "error",
            "tree/remote-url-duplicate",
            v.file,
            `remote URL ${url} is already used by server ${others.map((o) => o.spelling).join(", ")} (${listFiles(others.flatMap((o) => o.files))})`,
            {
              pointer: `/remotes/${i}/url`,
              hint: "each remote endpoint belongs to one server; publish new versions of that server instead, or use your own URL.",
            },
          ),
          otherFiles: others.flatMap((o) => o.files),
        });
      });
    }
    return out;
  }
}

/** Rules that need the whole tree. */
function validateTreeRules(versions: readonly IndexedVersion[]): TreeDiagnostic[] {
  const index = new TreeIndex();
  for (const v of versions) index.add(v);
  return versions.flatMap((v) => index.conflictsOf(v));
}

/** Loader problems, every document's problems and the tree rules, in a stable order. */
export function validateLoaded(result: LoadResult): Diagnostic[] {
  const out: Diagnostic[] = [...result.diagnostics];
  for (const v of result.versions) out.push(...validateVersion(v));
  out.push(...treeDiagnostics(result.versions));
  return sortDiagnostics(out);
}

/** The tree rules' findings, each placed at its line and column (validateLoaded's last step). */
export function treeDiagnostics(versions: readonly LoadedVersion[]): Diagnostic[] {
  return locateTreeDiagnostics(versions, validateTreeRules(versions));
}

function locateTreeDiagnostics(versions: readonly LoadedVersion[], diagnostics: Diagnostic[]): Diagnostic[] {
  const byFile = new Map(versions.map((v) => [v.file, v]));
  return diagnostics.map((d) => {
    const v = byFile.get(d.file);
    if (!v || d.pointer === undefined) return d;
    const parsed = parseJsonBytes(v.bytes, v.file, true);
    if (parsed.kind !== "ok") return d;
    return { ...d, ...nearestPosition(parsed.source.positions, d.pointer) };
  });
}
