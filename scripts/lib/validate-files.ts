// Validation of named files (a pull request's change) whose cost follows the change, not the registry.
//
// `npm run validate -- FILE...` reports what a whole-tree validation reports for those files (and folders),
// exactly, without loading the whole tree. Every rule is local to a version folder except three, and each
// needs only a small, exactly chosen part of the tree:
//   - version folders that differ only in case (layout/version-case-conflict), namespaces and server names
//     that differ only in case (tree/namespace-case-conflict, tree/name-case-conflict): the case variants of
//     the named servers' folders and of their namespace folders, found with a few folder listings;
//   - a remote URL used by another live server (tree/remote-url-duplicate): every server.json whose bytes
//     could hold one of the named documents' remote URLs. A document whose parsed remotes[].url equals U
//     either contains U's UTF-8 bytes verbatim or uses a JSON escape (a backslash), so a byte search for U
//     and for '\' over every server.json (one open/read/close each, no parsing) finds a superset; files over
//     the size cap are kept too. Only those few are loaded and parsed. The search is the one cost that grows
//     with the tree (every document is opened once): validate.ts shares it over one worker thread per core.
//   - namespaces that differ only in case (a tree rule across namespaces): every server of those namespace
//     folders, found with the same listings.
// The chosen folders are then loaded and validated by the same loadTree/validateLoaded as a full run, and
// the findings are given to the named paths exactly as for the whole tree (blame.ts attributeFindings): a
// finding of a named path, of a file under it or of a folder holding it (the tree rules report every member
// of a clash, each naming the others), and a finding on another file that the named path causes and has no
// finding of the same rule for (moved onto it, naming the other file). A named path that does not exist
// is an error of its own (file/not-found).

import fs from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { attributeFindings, decidingFolder, isFindingOf } from "./pr/blame.ts";
import { diag, sortDiagnostics, type Diagnostic } from "./diagnostics.ts";
import { MAX_SERVER_JSON_BYTES, SERVER_FILE, loadTree, type ItemType, type TreeItem, type TreeReader } from "./load.ts";
import { caseFoldKey } from "./rules.ts";
import { remoteUrlsOf, validateLoaded } from "./validate.ts";

/**
 * The findings about the named paths themselves: a named file, anything under a named folder, and the folders
 * (inside `displayRoot`) that hold a named path. Tree rules that a named path causes on other files come on
 * top (attributeFindings).
 */
export function shownFor(named: ReadonlySet<string>, displayRoot: string): (d: Diagnostic) => boolean {
  const subjects = [...named].map((f) => f.replace(/\/+$/, ""));
  return (d) => subjects.some((s) => isFindingOf(d.file, s, displayRoot));
}

export interface FilesCheck {
  /** Diagnostics of the named paths, exactly as a whole-tree run reports them. */
  readonly diagnostics: Diagnostic[];
  /** Version folders loaded (named, their case variants, possible remote-URL owners). */
  readonly loadedFolders: number;
  /** server.json files byte-searched for remote URLs (0 when the named documents have no remotes). */
  readonly scanned: number;
}

function itemType(st: fs.Stats): ItemType {
  return st.isDirectory() ? "directory" : st.isFile() ? "file" : st.isSymbolicLink() ? "symlink" : "other";
}

/**
 * A TreeReader over part of a tree: the given subtrees (relative paths), each with its ancestor folders.
 * Items are what fsTreeReader would list for those paths: never follows a symlink, stops at one.
 */
function subsetTreeReader(root: string, displayRoot: string, subtrees: Iterable<string>): TreeReader {
  const items = new Map<string, TreeItem>();
  const add = (rel: string, st: fs.Stats) => {
    const type = itemType(st);
    items.set(
      rel,
      type === "file"
        ? { path: rel, type, size: st.size, executable: (st.mode & 0o111) !== 0 }
        : { path: rel, type, size: 0 },
    );
    return type;
  };
  const walked = new Set<string>();
  const walk = (rel: string) => {
    if (walked.has(rel)) return;
    walked.add(rel);
    for (const d of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const p = `${rel}/${d.name}`;
      if (d.isDirectory()) {
        items.set(p, { path: p, type: "directory", size: 0 });
        walk(p);
      } else if (items.has(p)) continue;
      else if (d.isFile()) add(p, fs.statSync(path.join(root, p)));
      else items.set(p, { path: p, type: d.isSymbolicLink() ? "symlink" : "other", size: 0 });
    }
  };
  for (const sub of subtrees) {
    const parts = sub.split("/");
    let rel = "";
    for (const [i, part] of parts.entries()) {
      rel = rel === "" ? part : `${rel}/${part}`;
      const known = items.get(rel);
      let type: ItemType;
      if (known) type = known.type;
      else {
        let st: fs.Stats;
        try {
          st = fs.lstatSync(path.join(root, rel));
        } catch {
          break; // not there: nothing to report for it
        }
        type = add(rel, st);
      }
      if (type !== "directory") break;
      if (i === parts.length - 1) walk(rel);
    }
  }
  return {
    displayRoot: displayRoot.replace(/\\/g, "/").replace(/\/+$/, ""),
    items: () => [...items.values()],
    read: (relPath) => fs.readFileSync(path.join(root, relPath)),
  };
}

const listNames = (abs: string): string[] => {
  try {
    return fs.readdirSync(abs);
  } catch {
    return []; // not a folder (or gone): holds no version
  }
};

/**
 * Folders that can clash with the named servers `keys` (exact `<namespace>/<server>` spellings) under the
 * tree rules' case fold (rules.ts caseFoldKey): a namespace folder spelled otherwise but equal after folding
 * clashes as a whole, and in a named namespace, the case variants of the named servers.
 */
function caseVariants(root: string, keys: ReadonlySet<string>): string[] {
  const namespaces = new Map<string, Set<string>>(); // folded namespace → named spellings
  for (const k of keys) {
    const ns = k.split("/")[0]!;
    namespaces.set(caseFoldKey(ns), (namespaces.get(caseFoldKey(ns)) ?? new Set()).add(ns));
  }
  const folded = new Set([...keys].map(caseFoldKey));
  const out: string[] = [];
  for (const ns of listNames(root)) {
    const named = namespaces.get(caseFoldKey(ns));
    if (!named) continue;
    if (!named.has(ns)) {
      out.push(ns);
      continue;
    }
    for (const s of listNames(path.join(root, ns))) if (folded.has(caseFoldKey(`${ns}/${s}`))) out.push(`${ns}/${s}`);
  }
  return out;
}

/** What one share of the remote-URL byte search covers (plain data: a worker thread takes it as it is). */
interface ScanInput {
  readonly root: string;
  /** Namespace folder names under `root`. */
  readonly namespaces: readonly string[];
  readonly needles: readonly string[];
  /** Version folders (relative) already loaded: not searched. */
  readonly skip: readonly string[];
  readonly serverFile: string;
  readonly maxBytes: number;
}
interface ScanOutput {
  readonly folders: string[];
  readonly scanned: number;
}

/**
 * The byte search of remoteUrlCandidates over some namespace folders. Self-contained (no imports, no inner
 * functions: `fs` and `path` are given) so that a worker thread can run its source text as it is.
 */
function scanNamespaces(fsm: typeof fs, pathm: typeof path, input: ScanInput): ScanOutput {
  const needles = input.needles.map((u) => Buffer.from(u, "utf8"));
  const skip = new Set(input.skip);
  const buf = Buffer.allocUnsafe(input.maxBytes + 1);
  const folders: string[] = [];
  let scanned = 0;
  // Paths are joined by hand: path.join's normalisation of 250,000 paths was a measurable part of the
  // search, and the names come from readdirSync (no separators, no dot segments) under a resolved root.
  const root = pathm.resolve(input.root);
  const serverFile = `/${input.serverFile}`;
  for (const ns of input.namespaces) {
    const nsDir = `${root}/${ns}`;
    let servers: string[];
    try {
      servers = fsm.readdirSync(nsDir);
    } catch {
      continue; // not a folder (or gone): holds no version
    }
    for (const s of servers) {
      const serverDir = `${nsDir}/${s}`;
      let versions: string[];
      try {
        versions = fsm.readdirSync(serverDir);
      } catch {
        continue;
      }
      for (const v of versions) {
        const rel = `${ns}/${s}/${v}`;
        if (skip.has(rel)) continue;
        let fd: number;
        try {
          fd = fsm.openSync(`${serverDir}/${v}${serverFile}`, "r");
        } catch {
          continue; // no server.json: not a remote owner
        }
        let n: number;
        try {
          n = fsm.readSync(fd, buf, 0, buf.length, 0);
        } catch {
          n = buf.length; // unreadable here (a folder named server.json…): let the loader say what it is
        } finally {
          fsm.closeSync(fd);
        }
        scanned++;
        const bytes = buf.subarray(0, n);
        let hit = n > input.maxBytes;
        for (let i = 0; !hit && i < needles.length; i++) hit = bytes.includes(needles[i]!);
        if (hit) folders.push(rel);
      }
    }
  }
  return { folders, scanned };
}

/** How the remote-URL search is shared out: over `threads` worker threads from `parallelFrom` namespaces on. */
export interface ScanOptions {
  /** 1 or absent: no threads (validate.ts passes os.availableParallelism()). */
  readonly threads?: number;
  /** Below this many namespace folders the threads are not started (starting them costs more). Default 512. */
  readonly parallelFrom?: number;
}

const SCAN_IN_PARALLEL_FROM = 512;

/** scanNamespaces on a worker thread: its source and a few lines of CommonJS, no bundling, no TypeScript. */
function scanOnThread(input: ScanInput): Promise<ScanOutput> {
  const code = `const { parentPort, workerData } = require("node:worker_threads");
parentPort.postMessage((${scanNamespaces.toString()})(require("node:fs"), require("node:path"), workerData));`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: input });
    worker.once("message", (out: ScanOutput) => resolve(out));
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the remote-URL search thread exited (code ${code})`)));
  });
}

/**
 * Version folders (relative) whose server.json could hold one of `urls` as a remote URL; see the header.
 * With threads, the namespaces are dealt out in turn (every `threads`-th to one thread) and the shares'
 * findings joined: the same set of folders and the same count as one pass.
 */
async function remoteUrlCandidates(
  root: string,
  urls: readonly string[],
  skip: ReadonlySet<string>,
  options: ScanOptions,
): Promise<ScanOutput> {
  const namespaces = listNames(root);
  const base = {
    root,
    needles: [...urls, "\\"],
    skip: [...skip],
    serverFile: SERVER_FILE,
    maxBytes: MAX_SERVER_JSON_BYTES,
  };
  const threads = Math.min(options.threads ?? 1, namespaces.length);
  if (threads <= 1 || namespaces.length < (options.parallelFrom ?? SCAN_IN_PARALLEL_FROM))
    return scanNamespaces(fs, path, { ...base, namespaces });
  const shares = await Promise.all(
    Array.from({ length: threads }, (_, t) =>
      scanOnThread({ ...base, namespaces: namespaces.filter((_ns, i) => i % threads === t) }),
    ),
  );
  return {
    folders: shares.flatMap((s) => s.folders),
    scanned: shares.reduce((sum, s) => sum + s.scanned, 0),
  };
}

/**
 * Validate the named paths (relative to the servers root, forward slashes; none may be the root itself).
 * `displayRoot` is how the root is shown in messages, `named` are the paths as shown (`servers/…`).
 */
export async function checkFiles(
  root: string,
  displayRoot: string,
  relPaths: readonly string[],
  named: ReadonlySet<string>,
  options: ScanOptions = {},
): Promise<FilesCheck> {
  const shown = shownFor(named, displayRoot);
  const missing: Diagnostic[] = [];
  const present = relPaths.filter((r) => {
    if (fs.lstatSync(path.join(root, r), { throwIfNoEntry: false })) return true;
    missing.push(
      diag("error", "file/not-found", `${displayRoot}/${r}`, "no such file or folder: nothing to validate.", {
        hint: `check the path; name files or folders under ${displayRoot}/, e.g. ${displayRoot}/<namespace>/<server>/<version>/server.json.`,
      }),
    );
    return false;
  });
  const base = new Set(present.map(decidingFolder));
  // Case variants of every server a named path reaches (a named namespace folder reaches all of its servers).
  const serverKeys = new Set<string>();
  for (const r of base) {
    const parts = r.split("/");
    if (parts.length >= 2) serverKeys.add(`${parts[0]}/${parts[1]}`);
    else for (const s of listNames(path.join(root, r))) serverKeys.add(`${r}/${s}`);
  }
  for (const variant of caseVariants(root, serverKeys)) base.add(variant);

  // Remote URLs of the named documents decide which other documents matter.
  const first = loadTree(subsetTreeReader(root, displayRoot, base));
  const urls = new Set<string>();
  for (const v of first.versions)
    if (v.status.status !== "deleted" && shown({ file: v.file } as Diagnostic))
      for (const u of remoteUrlsOf(v.doc)) urls.add(u);
  let scanned = 0;
  let folders = [...base];
  if (urls.size > 0) {
    const versionFolders = new Set(first.versions.map((v) => `${v.namespace}/${v.serverPart}/${v.version}`));
    const found = await remoteUrlCandidates(root, [...urls], versionFolders, options);
    scanned = found.scanned;
    folders = [...base, ...found.folders];
  }
  const reader = subsetTreeReader(root, displayRoot, folders);
  const loaded = folders.length === base.size ? first : loadTree(reader);
  const { findings } = attributeFindings({ reader, diagnostics: validateLoaded(loaded), subjects: [...named] });
  return { diagnostics: sortDiagnostics([...missing, ...findings]), loadedFolders: loaded.versions.length, scanned };
}
