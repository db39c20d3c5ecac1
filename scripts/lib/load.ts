// Load the servers/ tree: servers/<namespace>/<server>/<version>/{server.json, status.yaml, server.json.sig}.
// The tree is read through a TreeReader so the same rules apply to a checkout on disk and to a git
// revision read as data (the PR verifier never checks out PR content).

import fs from "node:fs";
import path from "node:path";
import { diag, type Diagnostic } from "./diagnostics.ts";
import { gitBlobId } from "./git-blob.ts";
import { decodeUtf8, parseJsonBytes } from "./json-source.ts";
import type { ServerJson } from "./model.ts";
import { parseImportYaml, type ImportInfo } from "./import-record.ts";
import { parseStrictYaml, statusOfDoc, type StatusInfo } from "./status-file.ts";
import { caseFoldKey } from "./rules.ts";

export const SERVER_FILE = "server.json";
export const STATUS_FILE = "status.yaml";
const SIGNATURE_FILE = "server.json.sig";
/** Signature of status.yaml: proves a status change in a domain namespace (verify/namespace.ts). */
const STATUS_SIGNATURE_FILE = "status.yaml.sig";
/** Upstream provenance of an imported version (provenance.ts); written only by `npm run import`, never by a PR. */
export const IMPORT_FILE = "import.yaml";
/** The only files a version folder may hold. */
const VERSION_FILES: ReadonlySet<string> = new Set([
  SERVER_FILE,
  STATUS_FILE,
  SIGNATURE_FILE,
  STATUS_SIGNATURE_FILE,
  IMPORT_FILE,
]);

export const MAX_SERVER_JSON_BYTES = 64 * 1024;
const MAX_SIDE_FILE_BYTES = 4 * 1024;

export type ItemType = "file" | "directory" | "symlink" | "other";

export interface TreeItem {
  /** Path relative to the servers root, with forward slashes: `io.github.a/b/1.0.0/server.json`. */
  readonly path: string;
  readonly type: ItemType;
  readonly size: number;
  readonly executable?: boolean;
}

export interface TreeReader {
  /** How paths are shown in messages: the servers root as the user knows it, e.g. `servers`. */
  readonly displayRoot: string;
  items(): TreeItem[];
  read(relPath: string): Uint8Array;
}

export interface LoadedVersion {
  readonly namespace: string;
  readonly serverPart: string;
  /** `<namespace>/<server>` from the path. */
  readonly name: string;
  /** The version folder name. */
  readonly version: string;
  /** Display path of the version folder (`servers/io.github.a/b/1.0.0`). */
  readonly dir: string;
  /** Display path of server.json. */
  readonly file: string;
  /** The committed bytes of server.json: validation places its findings in them. Not kept past the model. */
  readonly bytes: Uint8Array;
  /** Their git blob id (git-blob.ts), computed where they are read (a worker thread in the pooled build). */
  readonly blob: string;
  /** The parsed document; undefined when it could not be parsed. */
  readonly doc: unknown;
  /** documentJson(doc), when it was made where the file was read (a worker thread: check-tree.ts). */
  readonly json?: string;
  /** remoteUrlsOf(doc) (validate.ts), likewise. */
  readonly remoteUrls?: readonly string[];
  readonly status: StatusInfo;
  /** Display path of status.yaml, when there is one. */
  readonly statusFile?: string;
  readonly statusDoc?: unknown;
  /** The text of status.yaml, for positions in messages. */
  readonly statusText?: string;
  readonly hasSignature: boolean;
  /** Upstream times from import.yaml, when the version was imported. */
  readonly imported?: ImportInfo;
}

export interface LoadResult {
  readonly versions: LoadedVersion[];
  readonly diagnostics: Diagnostic[];
  readonly fileCount: number;
}

/** How a servers folder is named in messages: relative to the working directory when inside it. */
export function displayPath(dir: string, cwd: string): string {
  const rel = path.relative(cwd, path.resolve(cwd, dir));
  return rel === "" ? "." : rel.startsWith("..") ? path.resolve(cwd, dir) : rel.split(path.sep).join("/");
}

/** Reads a directory on disk. Never follows symlinks: they are reported, not read. */
export function fsTreeReader(root: string, displayRoot = root): TreeReader {
  return {
    displayRoot: displayRoot.replace(/\\/g, "/").replace(/\/+$/, ""),
    items() {
      const out: TreeItem[] = [];
      if (fs.existsSync(root)) walkInto(root, "", out);
      return out;
    },
    read(relPath) {
      return fs.readFileSync(path.join(root, relPath));
    },
  };
}

/**
 * fsTreeReader's walk of the folder `rel` (relative to `root`; "" is the root): appends every item below it to
 * `out`, in no particular order (planTree sorts). With `deep` false, the folders inside are listed, not walked
 * (the build walks each of them on a worker thread: parallel/check-tree.ts).
 */
export function walkInto(root: string, rel: string, out: TreeItem[], deep = true): void {
  const abs = rel === "" ? root : path.join(root, rel);
  for (const d of fs.readdirSync(abs, { withFileTypes: true })) {
    const p = rel === "" ? d.name : `${rel}/${d.name}`;
    if (d.isDirectory()) {
      out.push({ path: p, type: "directory", size: 0 });
      if (deep) walkInto(root, p, out);
    } else if (d.isFile()) {
      const st = fs.statSync(path.join(root, p));
      out.push({ path: p, type: "file", size: st.size, executable: (st.mode & 0o111) !== 0 });
    } else {
      out.push({ path: p, type: d.isSymbolicLink() ? "symlink" : "other", size: 0 });
    }
  }
}

const NAMESPACE_RE = /^[a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9]$/;
const SERVER_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]*[a-zA-Z0-9]$/;

/**
 * Why a version folder name cannot be used, or null. The official rules accept almost any string as a
 * version; a folder name and a static URL path segment must also be safe. Deliberate deviations from
 * upstream (documented in the README): no `%`, `?`, `#` (they change the meaning of a URL on a static host),
 * no names ending in `.json` or `.html` (they would collide with the `.json` twins and pretty URLs).
 */
export function versionFolderProblem(name: string): string | null {
  if (name.length === 0) return "the version folder name is empty";
  if (name.length > 255) return "the version is longer than 255 characters";
  if (name === "." || name === "..") return `"${name}" would climb out of the server folder`;
  if (name.startsWith(".")) return "a version folder must not start with '.' (hidden files and path tricks)";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return "the version contains a NUL or control character";
  if (/[/\\]/.test(name)) return "the version contains a path separator ('/' or '\\')";
  if (/[%?#]/.test(name)) return "the version contains '%', '?' or '#', which a static host cannot serve in a path";
  if (/[\s"*:<>|]/.test(name))
    return 'the version contains whitespace or one of " * : < > |, which are not portable in file names';
  if (/\.(json|html)$/i.test(name))
    return "the version ends in .json or .html, which collides with the API's .json twins and .html pretty URLs";
  if (name === "latest") return "version string 'latest' is reserved and cannot be used";
  return null;
}

/** Load every version under the reader's root. Collects all problems; never throws on bad input. */
export function loadTree(reader: TreeReader): LoadResult {
  return loadPlanned(reader, planTree(reader));
}

/** loadTree after its layout step: read every version folder the plan lists, in order. */
export function loadPlanned(reader: TreeReader, plan: TreePlan): LoadResult {
  const versions: LoadedVersion[] = [];
  for (const job of plan.jobs) {
    const loaded = loadVersionJob(reader, job, plan.diagnostics);
    if (loaded) versions.push(loaded);
  }
  return { versions, diagnostics: plan.diagnostics, fileCount: plan.fileCount };
}

/** One version folder to load: its files, as the tree walk found them. Plain data (a worker can take it). */
export interface VersionJob {
  readonly namespace: string;
  readonly serverPart: string;
  readonly version: string;
  readonly files: TreeItem[];
  readonly serverItem: TreeItem;
}

/** The tree walked: the layout's findings and the version folders left to load, in path order. */
export interface TreePlan {
  readonly jobs: VersionJob[];
  readonly diagnostics: Diagnostic[];
  readonly fileCount: number;
}

/** The layout step of loadTree: every finding about folders and file names, and the version folders to read. */
export function planTree(reader: TreeReader): TreePlan {
  const root = reader.displayRoot;
  const shown = (rel: string) => `${root}/${rel}`;
  const diagnostics: Diagnostic[] = [];
  const jobs: VersionJob[] = [];
  const items = reader.items().sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const byDir = new Map<string, TreeItem[]>();
  let fileCount = 0;

  for (const item of items) {
    const parts = item.path.split("/");
    const depth = parts.length;
    if (item.type === "symlink" || item.type === "other") {
      fileCount++;
      diagnostics.push(
        diag(
          "error",
          item.type === "symlink" ? "file/symlink" : "file/not-regular",
          shown(item.path),
          `${item.type === "symlink" ? "a symbolic link" : "not a regular file or folder"}: only regular files are allowed under ${root}/.`,
          {
            hint: "replace it with a regular file (copy the content); links can point outside the tree.",
          },
        ),
      );
      continue;
    }
    if (item.type === "directory") {
      const name = parts[depth - 1]!;
      if (depth === 1 && !NAMESPACE_RE.test(name)) {
        diagnostics.push(
          diag(
            "error",
            "layout/bad-namespace-folder",
            shown(item.path),
            `namespace folder "${name}" is not a valid namespace: it must start and end with a letter or digit and contain only letters, digits, '.' and '-'.`,
            { hint: "name the folder after the namespace part of the server name, e.g. io.github.<login>." },
          ),
        );
      } else if (depth === 2 && !SERVER_RE.test(name)) {
        diagnostics.push(
          diag(
            "error",
            "layout/bad-server-folder",
            shown(item.path),
            `server folder "${name}" is not a valid server name part: it must start and end with a letter or digit and contain only letters, digits, '.', '_' and '-'.`,
            { hint: "name the folder after the part of the server name after the '/'." },
          ),
        );
      } else if (depth === 3) {
        const problem = versionFolderProblem(name);
        if (problem)
          diagnostics.push(
            diag(
              "error",
              "layout/bad-version-folder",
              shown(item.path),
              `version folder ${JSON.stringify(name)}: ${problem}.`,
              { hint: "use the exact version string of server.json, e.g. 1.0.0." },
            ),
          );
      } else if (depth > 3) {
        diagnostics.push(
          diag(
            "error",
            "layout/unexpected-folder",
            shown(item.path),
            `unexpected folder: a version folder holds only ${[...VERSION_FILES].join(", ")}.`,
            { hint: `the layout is ${root}/<namespace>/<server>/<version>/server.json.` },
          ),
        );
      }
      continue;
    }
    fileCount++;
    if (depth !== 4 || !VERSION_FILES.has(parts[3]!)) {
      diagnostics.push(
        diag(
          "error",
          "layout/unexpected-file",
          shown(item.path),
          depth === 4
            ? `unexpected file "${parts[3]}": a version folder holds only ${[...VERSION_FILES].join(", ")}.`
            : "unexpected file: files belong in version folders.",
          {
            hint: `the layout is ${root}/<namespace>/<server>/<version>/server.json (plus an optional status.yaml).`,
          },
        ),
      );
      continue;
    }
    if (item.executable) {
      diagnostics.push(
        diag(
          "error",
          "file/executable",
          shown(item.path),
          "the file has its executable bit set; registry data must not be executable.",
          { hint: `run: chmod -x ${shown(item.path)}` },
        ),
      );
    }
    const dir = `${parts[0]}/${parts[1]}/${parts[2]}`;
    const inDir = byDir.get(dir);
    if (inDir) inDir.push(item);
    else byDir.set(dir, [item]);
  }

  // Version folders that differ only in case (or normal form) collide on case-insensitive file systems
  // (macOS, Windows): the same fold as the tree rules for names (rules.ts caseFoldKey).
  // Every member of a clash is reported, naming the others: which one is new is the PR check's to say.
  const folded = new Map<string, string[]>();
  for (const item of items) {
    if (item.type !== "directory") continue;
    const parts = item.path.split("/");
    if (parts.length !== 3) continue;
    const key = `${parts[0]}/${parts[1]}/${caseFoldKey(parts[2]!)}`;
    folded.set(key, [...(folded.get(key) ?? []), item.path]);
  }
  for (const group of folded.values()) {
    if (group.length < 2) continue;
    for (const member of group) {
      const others = group.filter((p) => p !== member).map((p) => JSON.stringify(p.split("/")[2]));
      diagnostics.push(
        diag(
          "error",
          "layout/version-case-conflict",
          shown(member),
          `version folder ${JSON.stringify(member.split("/")[2])} differs only in letter case or Unicode normal form from ${others.join(", ")} (${group
            .filter((p) => p !== member)
            .map(shown)
            .join(", ")}).`,
          { hint: "versions of one server must differ by more than letter case; choose another version string." },
        ),
      );
    }
  }

  for (const item of items) {
    if (item.type !== "directory") continue;
    const parts = item.path.split("/");
    if (parts.length !== 3) continue;
    const files = byDir.get(item.path) ?? [];
    const [namespace, serverPart, version] = parts as [string, string, string];
    if (versionFolderProblem(version) || !NAMESPACE_RE.test(namespace) || !SERVER_RE.test(serverPart)) continue;
    const serverItem = files.find((f) => f.path.endsWith("/" + SERVER_FILE));
    if (!serverItem) {
      diagnostics.push(
        diag("error", "layout/missing-server-json", shown(item.path), "version folder without a server.json.", {
          hint: "add server.json, or remove the folder.",
        }),
      );
      continue;
    }
    jobs.push({ namespace, serverPart, version, files, serverItem });
  }
  return { jobs, diagnostics, fileCount };
}

/** Read and parse one version folder (server.json, status.yaml, import.yaml), adding its findings. */
export function loadVersionJob(
  reader: TreeReader,
  v: VersionJob,
  diagnostics: Diagnostic[],
): LoadedVersion | undefined {
  const { namespace, serverPart, version } = v;
  const shown = (rel: string) => `${reader.displayRoot}/${rel}`;
  const name = `${namespace}/${serverPart}`;
  const dirRel = `${namespace}/${serverPart}/${version}`;
  const file = shown(v.serverItem.path);
  if (v.serverItem.size > MAX_SERVER_JSON_BYTES) {
    diagnostics.push(
      diag(
        "error",
        "file/too-large",
        file,
        `server.json is ${v.serverItem.size} bytes; the limit is ${MAX_SERVER_JSON_BYTES} bytes (64 KiB).`,
        { hint: "server.json describes a server; move long texts to the repository README." },
      ),
    );
    return undefined;
  }
  const bytes = reader.read(v.serverItem.path);
  const parsed = parseJsonBytes(bytes, file);
  let doc: unknown;
  if (parsed.kind === "invalid") {
    diagnostics.push(...parsed.diagnostics);
  } else {
    doc = parsed.source.value;
    checkPathAgreement(doc, name, version, file, bytes, diagnostics);
  }

  let status: StatusInfo = { status: "active" };
  let statusFile: string | undefined;
  let statusDoc: unknown;
  let statusText: string | undefined;
  const statusItem = v.files.find((f) => f.path.endsWith("/" + STATUS_FILE));
  if (statusItem) {
    statusFile = shown(statusItem.path);
    const read = readStatusFile(reader, statusItem, statusFile, diagnostics);
    if (read) {
      statusDoc = read.doc;
      statusText = read.text;
      status = read.status;
    }
  }
  const hasSignature = v.files.some((f) => f.path.endsWith("/" + SIGNATURE_FILE));
  const imported = readImportFile(reader, v.files, shown, diagnostics);
  return {
    namespace,
    serverPart,
    name,
    version,
    dir: shown(dirRel),
    file,
    bytes,
    blob: gitBlobId(bytes),
    doc,
    status,
    ...(statusFile === undefined ? {} : { statusFile, statusDoc, statusText }),
    hasSignature,
    ...(imported === undefined ? {} : { imported }),
  };
}

function readImportFile(
  reader: TreeReader,
  files: readonly TreeItem[],
  shown: (rel: string) => string,
  diagnostics: Diagnostic[],
): ImportInfo | undefined {
  const item = files.find((f) => f.path.endsWith("/" + IMPORT_FILE));
  if (!item) return undefined;
  const file = shown(item.path);
  if (item.size > MAX_SIDE_FILE_BYTES) {
    diagnostics.push(
      diag(
        "error",
        "file/too-large",
        file,
        `import.yaml is ${item.size} bytes; the limit is ${MAX_SIDE_FILE_BYTES} bytes.`,
        { hint: "re-run npm run import." },
      ),
    );
    return undefined;
  }
  const decoded = decodeUtf8(reader.read(item.path), file);
  if (decoded.kind === "invalid") {
    diagnostics.push(...decoded.diagnostics);
    return undefined;
  }
  const parsed = parseImportYaml(decoded.text, file);
  if (parsed.kind === "invalid") {
    diagnostics.push(...parsed.diagnostics);
    return undefined;
  }
  return parsed.info;
}

/** The path is the identity: `name` and `version` inside must agree with it exactly. */
function checkPathAgreement(
  doc: unknown,
  name: string,
  version: string,
  file: string,
  bytes: Uint8Array,
  diagnostics: Diagnostic[],
): void {
  if (typeof doc !== "object" || doc == null || Array.isArray(doc)) {
    diagnostics.push(diag("error", "schema/type", file, "document: must be a JSON object.", { line: 1, column: 1 }));
    return;
  }
  const d = doc as Partial<Record<keyof ServerJson, unknown>>;
  if (typeof d.name === "string" && d.name !== name) {
    diagnostics.push(
      diag("error", "layout/name-mismatch", file, `name "${d.name}" does not match its path, which says "${name}".`, {
        pointer: "/name",
        ...findKeyPosition(bytes, "name"),
        hint: `move the file to servers/${d.name}/${version}/server.json, or set "name": "${name}".`,
      }),
    );
  }
  if (typeof d.version === "string" && d.version !== version) {
    diagnostics.push(
      diag(
        "error",
        "layout/version-mismatch",
        file,
        `version "${d.version}" does not match its folder, which says "${version}".`,
        {
          pointer: "/version",
          ...findKeyPosition(bytes, "version"),
          hint: `rename the folder to "${d.version}", or set "version": "${version}".`,
        },
      ),
    );
  }
}

/** Position of a top-level key's value, found by a positioned re-parse (only on the error path). */
function findKeyPosition(bytes: Uint8Array, key: string): { line?: number; column?: number } {
  const parsed = parseJsonBytes(bytes, "", true);
  if (parsed.kind !== "ok") return {};
  const pos = parsed.source.positions.get("/" + key);
  return pos ? { line: pos.line, column: pos.column } : {};
}

function readStatusFile(
  reader: TreeReader,
  item: TreeItem,
  file: string,
  diagnostics: Diagnostic[],
): { doc: unknown; text: string; status: StatusInfo } | undefined {
  if (item.size > MAX_SIDE_FILE_BYTES) {
    diagnostics.push(
      diag(
        "error",
        "file/too-large",
        file,
        `status.yaml is ${item.size} bytes; the limit is ${MAX_SIDE_FILE_BYTES} bytes.`,
        { hint: "status.yaml holds only status and statusMessage (≤ 500 characters)." },
      ),
    );
    return undefined;
  }
  const decoded = decodeUtf8(reader.read(item.path), file);
  if (decoded.kind === "invalid") {
    diagnostics.push(...decoded.diagnostics);
    return undefined;
  }
  const parsed = parseStrictYaml(decoded.text, file);
  if (parsed.kind === "invalid") {
    diagnostics.push(...parsed.diagnostics);
    return undefined;
  }
  return { doc: parsed.doc, text: decoded.text, status: statusOfDoc(parsed.doc) };
}
