// Import from another registry into the servers/ tree: from any registry speaking the official API
// (GET /v0.1/servers?limit=100&include_deleted=true, following metadata.nextCursor) or from a JSON array of
// server.json documents (the official seed format).
//
// Each entry is upgraded to the current schema (upgrade.ts), then validated by the core validator exactly as
// a committed version would be (the same loader and rules, on an in-memory tree), plus the tree rules
// against everything already in servers/ (names that differ only in case, remote URLs owned by another
// server). An entry that fails is reported with the reason and not written. Written per version folder:
//   server.json  2-space indent + trailing newline;  status.yaml  when not active;
//   import.yaml  upstream times, when the source had them (provenance.ts).
// Existing folders: identical server.json → only status.yaml/import.yaml are brought up to date, and only
// when the folder was imported before (has import.yaml); a different server.json is a conflict (versions
// are immutable); a folder published here (no import.yaml) is never touched.
//
// One run is one transaction. Every version folder is staged complete (server.json, status.yaml and
// import.yaml together) in a staging folder next to servers/ that carries our marker, and nothing reaches
// servers/ until the whole source was read without a failure; then each staged folder is renamed into
// place in one step (a new server or namespace as a whole). So a run that fails or is stopped while
// fetching writes nothing, and a run killed while committing leaves only complete versions: a version
// folder without import.yaml (which counts as published here) never comes from the importer. The next run
// removes the staging folders of runs that are no longer alive, and only folders that carry the marker. It
// also repairs what the importer before staging left: its `<file>.tmp-<pid>` files are removed and their
// version folder, which has no import.yaml but came from an import, is brought up to date from the source.
//
// An upstream controls every byte it sends: each response is capped in bytes while it streams, and so are
// the total bytes, the pages and the time; a redirect to another origin and a non-JSON content type are
// refused. Each failure is one line, and nothing is written.

import fs from "node:fs";
import path from "node:path";
import { parseJsonBytes } from "../json-source.ts";
import { visible } from "../terminal.ts";
import { describeOutcome, type HttpClient } from "../verify/http.ts";
import {
  fsTreeReader,
  IMPORT_FILE,
  loadTree,
  SERVER_FILE,
  STATUS_FILE,
  type LoadedVersion,
  type TreeItem,
  type TreeReader,
} from "../load.ts";
import { OFFICIAL_META_KEY } from "../model.ts";
import { formatImportYaml, type ImportInfo } from "../import-record.ts";
import { formatStatusYaml } from "../status-file.ts";
import { upgradeServerJson, type UpstreamFacts } from "./upgrade.ts";
import { TreeIndex, validateLoaded } from "../validate.ts";

/** One document to import, with what the source said about it outside the document. */
export interface ImportEntry {
  readonly doc: unknown;
  readonly facts: UpstreamFacts;
  /** Where it came from, for messages: `seed.json[12]`, `page 3 item 4`. */
  readonly origin: string;
}

export interface Rejected {
  readonly origin: string;
  readonly name?: string;
  readonly version?: string;
  readonly code: string;
  readonly reason: string;
}

export interface ImportCounts {
  written: number;
  updated: number;
  unchanged: number;
  skipped: number;
  rejected: number;
}

export interface ImportOptions {
  /** Only these namespaces (the part of the name before `/`), when given. */
  readonly namespaces?: readonly string[];
  /** Allow the lossy description repairs of upgrade.ts. */
  readonly repair?: boolean;
  /**
   * Version folders (`<name>/<version>`) that an earlier importer left half-written (Leftovers.repaired): they
   * have no import.yaml but were made by an import, so they are brought up to date like imported ones.
   */
  readonly adopt?: ReadonlySet<string>;
  /** Recorded as `source` in import.yaml. */
  readonly source: string;
}

/**
 * The servers tree as the importer sees it: read what is there, stage what should be, and commit the staged
 * changes at the end. Paths are relative to the servers root.
 */
export interface ServersStore {
  readonly reader: TreeReader;
  exists(rel: string): boolean;
  read(rel: string): Uint8Array | undefined;
  /** Stage a new version folder, complete; it appears in the tree only at commit. */
  stageVersion(files: VersionFiles): void;
  /** Stage replacing (text) or removing (undefined) one file of a version folder that exists. */
  stageFile(rel: string, text: string | undefined): void;
  /** Move everything staged into place; version folders that appeared meanwhile are left as they are. */
  commit(): CommitResult;
  /** Drop everything staged. */
  discard(): void;
}

export interface CommitResult {
  /** Staged version folders (relative) whose place was taken by the time of the commit; they were dropped. */
  readonly skipped: string[];
}

/** The staging folder's name is `${STAGING_PREFIX}<pid>`; the marker file inside says an import made it. */
export const STAGING_PREFIX = ".import-staging-";
export const STAGING_MARKER = ".mcp-registry-import-staging";
const MARKER_TOOL = "mcp-static-registry import";
const STAGING_NAME = /^\.import-staging-(\d+)$/;

export interface StagingIo {
  /** This process, written into the marker so a later run can tell whether the run is still alive. */
  readonly pid: number;
  readonly now?: () => Date;
}

/** Where a run stages: next to the servers folder (same file system, invisible to validate and build). */
function stagingFolder(root: string, pid: number): string {
  return path.join(path.dirname(path.resolve(root)), `${STAGING_PREFIX}${pid}`);
}

export function fsServersStore(root: string, io: StagingIo = { pid: 0 }): ServersStore {
  const stage = stagingFolder(root, io.pid);
  const fileOps: { rel: string; staged: string | undefined }[] = [];
  let made = false;
  const ensureStage = () => {
    if (made) return;
    fs.mkdirSync(stage);
    made = true;
    fs.writeFileSync(
      path.join(stage, STAGING_MARKER),
      JSON.stringify({
        tool: MARKER_TOOL,
        pid: io.pid,
        servers: path.resolve(root),
        createdAt: (io.now?.() ?? new Date()).toISOString(),
      }) + "\n",
    );
    // rename(2) is atomic only within one file system; refuse before anything was staged.
    const target = fs.existsSync(root) ? root : path.dirname(stage);
    if (fs.statSync(stage).dev !== fs.statSync(target).dev)
      throw new Error(`${stage} is on another file system than ${root}; cannot move versions into place atomically`);
    fs.mkdirSync(path.join(stage, "tree"));
    fs.mkdirSync(path.join(stage, "files"));
  };
  const lstatOf = (abs: string) => fs.lstatSync(abs, { throwIfNoEntry: false });
  return {
    reader: fsTreeReader(root, "servers"),
    exists: (rel) => fs.existsSync(path.join(root, rel)),
    read: (rel) => {
      try {
        return fs.readFileSync(path.join(root, rel));
      } catch {
        return undefined;
      }
    },
    stageVersion(files) {
      ensureStage();
      const dir = path.join(stage, "tree", ...files.name.split("/"), files.version);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, SERVER_FILE), files.serverJson);
      if (files.statusYaml !== undefined) fs.writeFileSync(path.join(dir, STATUS_FILE), files.statusYaml);
      if (files.importYaml !== undefined) fs.writeFileSync(path.join(dir, IMPORT_FILE), files.importYaml);
    },
    stageFile(rel, text) {
      ensureStage();
      let staged: string | undefined;
      if (text !== undefined) {
        staged = path.join(stage, "files", String(fileOps.length));
        fs.writeFileSync(staged, text);
      }
      fileOps.push({ rel, staged });
    },
    commit() {
      const skipped: string[] = [];
      if (!made) return { skipped };
      const tree = path.join(stage, "tree");
      fs.mkdirSync(root, { recursive: true });
      // The highest folder that does not exist yet moves in one rename: a new server arrives with all its
      // versions, a new version folder with all its files.
      const place = (rel: string, depth: number) => {
        for (const name of fs.readdirSync(path.join(tree, rel)).sort()) {
          const child = rel === "" ? name : `${rel}/${name}`;
          const there = lstatOf(path.join(root, child));
          if (there === undefined) fs.renameSync(path.join(tree, child), path.join(root, child));
          // Never into a symlink (it could point out of the tree) or anything else that is not a folder.
          else if (depth < 3 && there.isDirectory()) place(child, depth + 1);
          else skipped.push(...versionsUnder(child, depth));
        }
      };
      const versionsUnder = (rel: string, depth: number): string[] =>
        depth === 3
          ? [rel]
          : fs.readdirSync(path.join(tree, rel)).flatMap((n) => versionsUnder(`${rel}/${n}`, depth + 1));
      place("", 1);
      for (const op of fileOps) {
        if (op.staged === undefined) fs.rmSync(path.join(root, op.rel), { force: true });
        else fs.renameSync(op.staged, path.join(root, op.rel));
      }
      fileOps.length = 0;
      this.discard();
      return { skipped };
    },
    discard() {
      if (made) fs.rmSync(stage, { recursive: true, force: true });
      made = false;
      fileOps.length = 0;
    },
  };
}

export interface Leftovers {
  /** Staging folders of runs that are no longer alive, removed. */
  readonly removed: string[];
  /** Folders with our prefix that we did not make (no marker) or whose run is alive: left alone. */
  readonly kept: { readonly path: string; readonly why: string }[];
  /**
   * Version folders (relative, `<ns>/<server>/<version>`) in which an importer before staging was killed:
   * its `<file>.tmp-<pid>` files were removed, and the folder is to be brought up to date (ImportOptions.adopt).
   */
  readonly repaired: string[];
}

// What the importer wrote before it staged: `server.json.tmp-<pid>` and the like, renamed into place after.
const LEGACY_TMP = /^(?:server\.json|status\.yaml|import\.yaml)\.tmp-(\d+)$/;

/**
 * Remove what stopped runs left next to `root`: staging folders whose marker names a process that is no
 * longer alive. A folder without our marker is never removed (unless it is empty: a run killed between
 * creating it and writing the marker), and neither is one whose run still works.
 */
export function cleanImportLeftovers(
  root: string,
  io: { readonly pid: number; isAlive(pid: number): boolean },
): Leftovers {
  const parent = path.dirname(path.resolve(root));
  const removed: string[] = [];
  const kept: { path: string; why: string }[] = [];
  const repaired = cleanLegacyTmpFiles(root, io, removed);
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return { removed, kept, repaired };
  }
  for (const name of names.sort()) {
    const m = STAGING_NAME.exec(name);
    if (!m) continue;
    const abs = path.join(parent, name);
    const pid = Number(m[1]);
    if (!fs.lstatSync(abs).isDirectory()) {
      kept.push({ path: abs, why: "not a folder" });
      continue;
    }
    const marker = readMarker(path.join(abs, STAGING_MARKER));
    if (marker === undefined) {
      if (fs.readdirSync(abs).length === 0) {
        fs.rmdirSync(abs);
        removed.push(abs);
      } else kept.push({ path: abs, why: `no ${STAGING_MARKER} marker: not made by the importer` });
      continue;
    }
    if (marker.pid !== pid) kept.push({ path: abs, why: "the marker names another process" });
    else if (pid !== io.pid && io.isAlive(pid)) kept.push({ path: abs, why: `process ${pid} is still running` });
    else {
      fs.rmSync(abs, { recursive: true, force: true });
      removed.push(abs);
    }
  }
  return { removed, kept, repaired };
}

/**
 * Remove the `*.tmp-<pid>` files of dead importer runs from version folders (real folders only, symlinks are
 * never followed), and a version folder that is then empty. Returns the folders that still hold a version.
 */
function cleanLegacyTmpFiles(
  root: string,
  io: { readonly pid: number; isAlive(pid: number): boolean },
  removed: string[],
): string[] {
  const repaired: string[] = [];
  const dirs = (abs: string) => {
    try {
      return fs
        .readdirSync(abs, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      return [];
    }
  };
  for (const ns of dirs(root))
    for (const srv of dirs(path.join(root, ns)))
      for (const ver of dirs(path.join(root, ns, srv))) {
        const abs = path.join(root, ns, srv, ver);
        let found = false;
        for (const d of fs.readdirSync(abs, { withFileTypes: true })) {
          const m = LEGACY_TMP.exec(d.name);
          if (!m || !d.isFile()) continue;
          const pid = Number(m[1]);
          if (pid !== io.pid && io.isAlive(pid)) continue;
          fs.rmSync(path.join(abs, d.name));
          removed.push(path.join(abs, d.name));
          found = true;
        }
        if (!found) continue;
        if (fs.readdirSync(abs).length > 0) {
          repaired.push(`${ns}/${srv}/${ver}`);
          continue;
        }
        // Emptied by us: remove it, and the server and namespace folders it leaves empty.
        for (const dir of [abs, path.join(root, ns, srv), path.join(root, ns)]) {
          if (fs.readdirSync(dir).length > 0) break;
          fs.rmdirSync(dir);
        }
      }
  return repaired;
}

function readMarker(file: string): { pid: number } | undefined {
  try {
    if (!fs.lstatSync(file).isFile()) return undefined;
    const m = JSON.parse(fs.readFileSync(file, "utf8")) as { tool?: unknown; pid?: unknown };
    return m.tool === MARKER_TOOL && typeof m.pid === "number" ? { pid: m.pid } : undefined;
  } catch {
    return undefined;
  }
}

/** The text of each file of a version folder, as the importer writes them. */
export interface VersionFiles {
  readonly name: string;
  readonly version: string;
  readonly serverJson: string;
  readonly statusYaml?: string;
  readonly importYaml?: string;
}

/** Upgrade and validate one entry on its own. Tree rules come later (Importer). */
export function prepareEntry(
  entry: ImportEntry,
  opts: ImportOptions,
):
  | { kind: "ok"; files: VersionFiles; loaded: LoadedVersion; changes: string[] }
  | { kind: "rejected"; rejected: Rejected } {
  const up = upgradeServerJson(entry.doc, opts.repair ? { repair: true } : {});
  const nameOf = (d: unknown) =>
    typeof (d as { name?: unknown })?.name === "string" ? (d as { name: string }).name : undefined;
  const versionOf = (d: unknown) =>
    typeof (d as { version?: unknown })?.version === "string" ? (d as { version: string }).version : undefined;
  const who = {
    origin: entry.origin,
    ...(nameOf(entry.doc) === undefined ? {} : { name: nameOf(entry.doc)! }),
    ...(versionOf(entry.doc) === undefined ? {} : { version: versionOf(entry.doc)! }),
  };
  if (up.kind === "invalid") return { kind: "rejected", rejected: { ...who, code: up.code, reason: up.reason } };
  const name = nameOf(up.doc);
  const version = versionOf(up.doc);
  if (name === undefined || version === undefined || name.split("/").length !== 2) {
    return {
      kind: "rejected",
      rejected: {
        ...who,
        code: "import/no-identity",
        reason: "the document has no string name of the form namespace/server or no string version",
      },
    };
  }
  const facts = { ...up.facts, ...definedOnly(entry.facts) };
  const status = facts.status ?? "active";
  const serverJson = JSON.stringify(up.doc, null, 2) + "\n";
  const statusYaml = status === "active" ? undefined : formatStatusYaml(status, facts.statusMessage);
  const importInfo: ImportInfo | undefined =
    facts.publishedAt === undefined
      ? undefined
      : {
          source: opts.source,
          publishedAt: facts.publishedAt,
          updatedAt: facts.updatedAt ?? facts.publishedAt,
          statusChangedAt: facts.statusChangedAt ?? facts.publishedAt,
          ...(up.from === "2025-12-11" ? {} : { upgradedFrom: up.from }),
          ...(up.changes.length > 0 ? { changes: up.changes } : {}),
        };
  const files: VersionFiles = {
    name,
    version,
    serverJson,
    ...(statusYaml === undefined ? {} : { statusYaml }),
    ...(importInfo === undefined ? {} : { importYaml: formatImportYaml(importInfo) }),
  };
  const loaded = loadTree(memoryReader(files));
  const errors = validateLoaded(loaded).filter((d) => d.severity === "error");
  const version0 = loaded.versions[0];
  if (errors.length > 0 || version0 === undefined) {
    const reason =
      errors.length > 0
        ? errors.map((d) => `${d.pointer ? d.pointer + ": " : ""}${d.message}`).join("; ")
        : "the version could not be loaded";
    return { kind: "rejected", rejected: { ...who, name, version, code: errors[0]?.code ?? "import/invalid", reason } };
  }
  return { kind: "ok", files, loaded: version0, changes: up.changes };
}

function definedOnly(facts: UpstreamFacts): UpstreamFacts {
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)) as UpstreamFacts;
}

function folderOf(files: { name: string; version: string }): string {
  return `${files.name}/${files.version}`;
}

/** A one-version tree in memory, so the core loader and validator judge an entry before it is written. */
function memoryReader(files: VersionFiles): TreeReader {
  const [ns, server] = files.name.split("/") as [string, string];
  const dir = `${ns}/${server}/${files.version}`;
  const bodies = new Map<string, string>([[`${dir}/${SERVER_FILE}`, files.serverJson]]);
  if (files.statusYaml !== undefined) bodies.set(`${dir}/${STATUS_FILE}`, files.statusYaml);
  if (files.importYaml !== undefined) bodies.set(`${dir}/${IMPORT_FILE}`, files.importYaml);
  const items: TreeItem[] = [ns, `${ns}/${server}`, dir].map((p) => ({ path: p, type: "directory", size: 0 }));
  for (const [p, b] of bodies) items.push({ path: p, type: "file", size: Buffer.byteLength(b) });
  return { displayRoot: "servers", items: () => items, read: (p) => Buffer.from(bodies.get(p) ?? "") };
}

/** Applies entries to a servers store, keeping the tree-wide indexes (name case, remote URL owners). */
export class Importer {
  readonly counts: ImportCounts = { written: 0, updated: 0, unchanged: 0, skipped: 0, rejected: 0 };
  readonly rejected: Rejected[] = [];
  private readonly store: ServersStore;
  private readonly opts: ImportOptions;
  /** The core's tree rules (validate.ts), fed the tree and then every written entry. */
  private readonly tree = new TreeIndex();
  private readonly seen = new Set<string>();

  constructor(store: ServersStore, opts: ImportOptions) {
    this.store = store;
    this.opts = opts;
    for (const v of loadTree(store.reader).versions) this.tree.add(v);
  }

  private reject(r: Rejected): void {
    this.counts.rejected++;
    this.rejected.push(r);
  }

  /** Whether the namespace filter lets `doc` through (entries without a name go on to be rejected). */
  wants(doc: unknown): boolean {
    const ns = this.opts.namespaces;
    if (ns === undefined || ns.length === 0) return true;
    const name = (doc as { name?: unknown } | null)?.name;
    return typeof name !== "string" || ns.includes(name.split("/")[0] ?? "");
  }

  apply(entry: ImportEntry): void {
    if (!this.wants(entry.doc)) {
      this.counts.skipped++;
      return;
    }
    const prepared = prepareEntry(entry, this.opts);
    if (prepared.kind === "rejected") return this.reject(prepared.rejected);
    const { files, loaded } = prepared;
    const key = folderOf(files);
    const who = { origin: entry.origin, name: files.name, version: files.version };
    if (this.seen.has(key))
      return this.reject({
        ...who,
        code: "import/duplicate",
        reason: "the source lists this name and version twice; the first one was kept",
      });
    this.seen.add(key);
    const conflict = this.tree.conflictsOf(loaded)[0];
    if (conflict?.code === "tree/namespace-case-conflict" || conflict?.code === "tree/name-case-conflict")
      return this.reject({ ...who, code: conflict.code, reason: conflict.message });
    const dir = key;
    const current = this.store.read(`${dir}/${SERVER_FILE}`);
    if (current !== undefined) return this.update(entry, files, current);
    if (conflict) return this.reject({ ...who, code: conflict.code, reason: conflict.message });
    this.store.stageVersion(files);
    this.tree.add(loaded);
    this.counts.written++;
  }

  /** Write everything staged by apply() (nothing reaches the tree before). */
  commit(): CommitResult {
    const result = this.store.commit();
    this.counts.written -= result.skipped.length;
    return result;
  }

  /** Drop everything staged by apply(). */
  discard(): void {
    this.store.discard();
  }

  /** A folder that exists already: sync status and provenance of an imported version, never server.json. */
  private update(entry: ImportEntry, files: VersionFiles, current: Uint8Array): void {
    const dir = folderOf(files);
    const who = { origin: entry.origin, name: files.name, version: files.version };
    if (!this.store.exists(`${dir}/${IMPORT_FILE}`) && !this.opts.adopt?.has(dir)) {
      if (Buffer.from(current).toString("utf8") === files.serverJson) this.counts.unchanged++;
      else
        this.reject({
          ...who,
          code: "import/exists-locally",
          reason: "this version was published here (no import.yaml) with a different server.json; it was left alone",
        });
      return;
    }
    if (!sameJson(current, files.serverJson)) {
      return this.reject({
        ...who,
        code: "import/conflict",
        reason: "server.json differs from the imported copy; versions are immutable, so it was not overwritten",
      });
    }
    let changed = false;
    const sync = (rel: string, text: string | undefined) => {
      const old = this.store.read(rel);
      const oldText = old === undefined ? undefined : Buffer.from(old).toString("utf8");
      if (oldText === text) return;
      this.store.stageFile(rel, text);
      changed = true;
    };
    sync(`${dir}/${STATUS_FILE}`, files.statusYaml);
    if (files.importYaml !== undefined) sync(`${dir}/${IMPORT_FILE}`, files.importYaml);
    if (changed) this.counts.updated++;
    else this.counts.unchanged++;
  }
}

function sameJson(bytes: Uint8Array, text: string): boolean {
  const a = parseJsonBytes(bytes, "");
  return a.kind === "ok" && JSON.stringify(a.source.value) === JSON.stringify(JSON.parse(text));
}

// ---- sources --------------------------------------------------------------------------------------

/** A JSON array of server.json documents (the official seed format), or an API list response. */
export function entriesFromFile(
  bytes: Uint8Array,
  file: string,
): { kind: "ok"; entries: ImportEntry[] } | { kind: "invalid"; reason: string } {
  const parsed = parseJsonBytes(bytes, file);
  if (parsed.kind === "invalid") {
    const d = parsed.diagnostics[0];
    return {
      kind: "invalid",
      reason: d ? `${file}${d.line ? `:${d.line}:${d.column ?? 1}` : ""}: ${d.message}` : `${file}: not JSON`,
    };
  }
  const value = parsed.source.value;
  const base = path.basename(file);
  if (Array.isArray(value)) return { kind: "ok", entries: value.map((v, i) => entryOf(v, `${base}[${i}]`)) };
  const servers = (value as { servers?: unknown } | null)?.servers;
  if (Array.isArray(servers))
    return { kind: "ok", entries: servers.map((v, i) => entryOf(v, `${base} servers[${i}]`)) };
  return {
    kind: "invalid",
    reason: `${file}: expected a JSON array of server.json documents (the seed format) or an API response with "servers"`,
  };
}

/** A list item: an API ServerResponse `{server, _meta}` or a bare server.json. */
function entryOf(item: unknown, origin: string): ImportEntry {
  const o = item as { server?: unknown; _meta?: Record<string, unknown> } | null;
  if (
    o != null &&
    typeof o === "object" &&
    !Array.isArray(o) &&
    typeof o.server === "object" &&
    o.server != null &&
    !("name" in o)
  ) {
    const meta = o._meta && typeof o._meta === "object" ? o._meta[OFFICIAL_META_KEY] : undefined;
    return { doc: o.server, facts: factsOf(meta), origin };
  }
  return { doc: item, facts: {}, origin };
}

function factsOf(meta: unknown): UpstreamFacts {
  // The same reading as an old document's embedded meta.
  const up = upgradeServerJson({ _meta: { [OFFICIAL_META_KEY]: meta } });
  return up.kind === "ok" ? up.facts : {};
}

/** The list URL of a registry: `<base>/v0.1/servers`, whether given the base or the list URL itself. */
export function listUrl(from: string): string {
  const u = new URL(from);
  u.search = "";
  u.hash = "";
  const p = u.pathname.replace(/\/+$/, "");
  u.pathname = /\/v0(\.1)?\/servers$/.test(p) ? p : `${p}/v0.1/servers`;
  return u.toString();
}

/** How much of an upstream one run may read. Each has a CLI option (scripts/import.ts). */
export interface ImportLimits {
  /** Pages; the official registry's full list is a few hundred pages of 100. */
  readonly maxPages: number;
  /** Bytes of one response, counted while it streams (the transfer stops there). */
  readonly maxResponseBytes: number;
  /** Bytes of all responses together. */
  readonly maxTotalBytes: number;
  /** Per request (headers and body), each attempt. */
  readonly requestTimeoutMs: number;
  /** The whole run, retries and their waits included. */
  readonly totalTimeoutMs: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = {
  maxPages: 2000,
  maxResponseBytes: 16 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
  requestTimeoutMs: 60_000,
  totalTimeoutMs: 60 * 60_000,
};

export interface ApiImportHooks {
  /** The shared HTTP helper (verify/http.ts): retries, backoff, the byte cap while streaming. */
  readonly http: HttpClient;
  readonly limits?: Partial<ImportLimits>;
  /** Epoch milliseconds; the same clock the HTTP helper was given. */
  readonly now?: () => number;
  readonly onPage?: (page: number, entries: number) => void;
  /** Page size asked for (the official maximum is 100). */
  readonly limit?: number;
}

export type ApiImportResult =
  | { readonly kind: "ok"; readonly pages: number; readonly bytes: number }
  | { readonly kind: "failed"; readonly reason: string; readonly pages: number };

const JSON_TYPE = /^\s*application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Page through a registry's list and apply (stage) every entry. Stops when the upstream's own answer says
 * the list is done: no nextCursor, or a page that is not full (upstream emits nextCursor only on a full page,
 * UPSTREAM.md §2.2), or an empty page. Every limit that is reached, and every response that is not a
 * JSON server list, is a failure: the caller then discards what was staged.
 */
export async function importFromApi(from: string, importer: Importer, hooks: ApiImportHooks): Promise<ApiImportResult> {
  const limits = { ...DEFAULT_IMPORT_LIMITS, ...hooks.limits };
  const now = hooks.now ?? Date.now;
  const deadline = now() + limits.totalTimeoutMs;
  const pageSize = hooks.limit ?? 100;
  const list = listUrl(from);
  let cursor = "";
  let pages = 0;
  let bytes = 0;
  const seenCursors = new Set<string>();
  const seenVersions = new Set<string>();
  const failed = (reason: string): ApiImportResult => ({ kind: "failed", reason: visible(reason), pages });
  for (;;) {
    if (pages >= limits.maxPages)
      return failed(`stopped after ${limits.maxPages} pages (--max-pages), the upstream still returned a next cursor`);
    const q = new URLSearchParams({ limit: String(pageSize), include_deleted: "true" });
    if (cursor !== "") q.set("cursor", cursor);
    const url = `${list}?${q}`;
    const left = limits.maxTotalBytes - bytes;
    if (now() >= deadline)
      return failed(`stopped after ${limits.totalTimeoutMs / 1000} s (--total-timeout) at page ${pages + 1}`);
    const outcome = await hooks.http.request(url, {
      headers: { accept: "application/json" },
      timeoutMs: limits.requestTimeoutMs,
      deadline,
      maxBodyBytes: Math.min(limits.maxResponseBytes, left),
      redirect: "same-origin",
      contentType: JSON_TYPE,
    });
    if (outcome.kind === "too-large") {
      return failed(
        left < limits.maxResponseBytes
          ? `${url}: more than ${limits.maxTotalBytes} bytes in total (--max-total-bytes) by page ${pages + 1}`
          : `${url}: the response is larger than ${limits.maxResponseBytes} bytes (--max-response-bytes)`,
      );
    }
    if (outcome.kind === "timeout") {
      return failed(
        now() >= deadline
          ? `${url}: stopped after ${limits.totalTimeoutMs / 1000} s (--total-timeout)`
          : `${url}: no complete answer within ${limits.requestTimeoutMs / 1000} s (--timeout), ${outcome.attempts} attempt(s)`,
      );
    }
    if (outcome.kind === "refused") return failed(`${url}: ${outcome.reason}`);
    if (outcome.kind !== "response") return failed(describeOutcome(outcome));
    if (outcome.status !== 200)
      return failed(`${url}: HTTP ${outcome.status}: ${Buffer.from(outcome.body.subarray(0, 200)).toString("utf8")}`);
    bytes += outcome.body.byteLength;
    const parsed = parseJsonBytes(outcome.body, url);
    const body =
      parsed.kind === "ok"
        ? (parsed.source.value as { servers?: unknown; metadata?: { nextCursor?: unknown; count?: unknown } } | null)
        : null;
    if (!body || !Array.isArray(body.servers))
      return failed(`${url}: the response is not a server list ({"servers": [...], "metadata": {...}})`);
    const count = body.metadata?.count;
    if (count !== undefined && count !== body.servers.length)
      return failed(
        `${url}: metadata.count says ${JSON.stringify(count)} but the page has ${body.servers.length} servers`,
      );
    pages++;
    let fresh = 0;
    body.servers.forEach((item, i) => {
      const entry = entryOf(item, `page ${pages} item ${i + 1}`);
      const key = identityOf(entry.doc);
      if (key === undefined || !seenVersions.has(key)) fresh++;
      if (key !== undefined) seenVersions.add(key);
      importer.apply(entry);
    });
    hooks.onPage?.(pages, body.servers.length);
    const next = body.metadata?.nextCursor;
    if (typeof next !== "string" || next === "" || body.servers.length === 0 || body.servers.length < pageSize) break;
    if (seenCursors.has(next) || next === cursor)
      return failed(
        `${url}: the registry returned the cursor ${JSON.stringify(next)} again; stopping instead of looping`,
      );
    if (fresh === 0)
      return failed(`${url}: page ${pages} repeats versions of earlier pages only; stopping instead of looping`);
    seenCursors.add(next);
    cursor = next;
  }
  return { kind: "ok", pages, bytes };
}

function identityOf(doc: unknown): string | undefined {
  const d = doc as { name?: unknown; version?: unknown } | null;
  return typeof d?.name === "string" && typeof d.version === "string" ? `${d.name}@${d.version}` : undefined;
}

// ---- rendering (human-facing: every upstream string through visible()) --------------------------------

export function formatRejected(r: Rejected): string {
  return visible(
    `not imported: ${r.origin}${r.name ? ` ${r.name}` : ""}${r.version ? `@${r.version}` : ""}: ${r.code}: ${r.reason}`,
  );
}

export function formatCounts(c: ImportCounts): string {
  return `${c.written} written, ${c.updated} updated, ${c.unchanged} unchanged, ${c.skipped} skipped (namespace), ${c.rejected} rejected`;
}

/**
 * The --json report. JSON.stringify already escapes C0 controls; C1 controls, DEL and the bidi/zero-width
 * characters terminals act on are escaped too, so the text is safe to print and still the same JSON value.
 */
export function formatImportJson(counts: ImportCounts, rejected: readonly Rejected[]): string {
  return JSON.stringify({ counts, rejected }, null, 2).replace(
    /[\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
