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
// Resume: after each API page the next cursor is saved to a small state file (outside servers/); a new run
// with the same source starts from there. Pages are idempotent, so replaying one is harmless.

import fs from "node:fs";
import path from "node:path";
import { NetworkError, RefusalError } from "./errors.ts";
import { parseJsonBytes } from "./json-source.ts";
import { fsTreeReader, IMPORT_FILE, loadTree, SERVER_FILE, STATUS_FILE, type LoadedVersion, type TreeItem, type TreeReader } from "./load.ts";
import { OFFICIAL_META_KEY, type ServerJson, type Status } from "./model.ts";
import { formatImportYaml, type ImportInfo } from "./provenance.ts";
import { upgradeServerJson, type UpstreamFacts } from "./upgrade.ts";
import { validateLoaded } from "./validate.ts";

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
  /** Recorded as `source` in import.yaml. */
  readonly source: string;
}

/** Where versions are written: a folder on disk by default. Paths are relative to the servers root. */
export interface ServersStore {
  readonly reader: TreeReader;
  exists(rel: string): boolean;
  read(rel: string): Uint8Array | undefined;
  write(rel: string, text: string): void;
  remove(rel: string): void;
}

export function fsServersStore(root: string): ServersStore {
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
    write: (rel, text) => {
      const abs = path.join(root, rel);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      const tmp = `${abs}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, abs);
    },
    remove: (rel) => fs.rmSync(path.join(root, rel), { force: true }),
  };
}

/** The text of each file of a version folder, as the importer writes them. */
export interface VersionFiles {
  readonly name: string;
  readonly version: string;
  readonly serverJson: string;
  readonly statusYaml?: string;
  readonly importYaml?: string;
}

export function formatStatusYaml(status: Status, message: string | undefined): string | undefined {
  if (status === "active") return undefined;
  return `status: ${status}\n` + (message === undefined ? "" : `statusMessage: ${JSON.stringify(message)}\n`);
}

/** Upgrade and validate one entry on its own. Tree rules come later (Importer). */
export function prepareEntry(entry: ImportEntry, opts: ImportOptions): { kind: "ok"; files: VersionFiles; loaded: LoadedVersion; changes: string[] } | { kind: "rejected"; rejected: Rejected } {
  const up = upgradeServerJson(entry.doc, opts.repair ? { repair: true } : {});
  const nameOf = (d: unknown) => (typeof (d as { name?: unknown })?.name === "string" ? (d as { name: string }).name : undefined);
  const versionOf = (d: unknown) => (typeof (d as { version?: unknown })?.version === "string" ? (d as { version: string }).version : undefined);
  const who = { origin: entry.origin, ...(nameOf(entry.doc) === undefined ? {} : { name: nameOf(entry.doc)! }), ...(versionOf(entry.doc) === undefined ? {} : { version: versionOf(entry.doc)! }) };
  if (up.kind === "invalid") return { kind: "rejected", rejected: { ...who, code: up.code, reason: up.reason } };
  const name = nameOf(up.doc);
  const version = versionOf(up.doc);
  if (name === undefined || version === undefined || name.split("/").length !== 2) {
    return { kind: "rejected", rejected: { ...who, code: "import/no-identity", reason: "the document has no string name of the form namespace/server or no string version" } };
  }
  const facts = { ...up.facts, ...definedOnly(entry.facts) };
  const status = facts.status ?? "active";
  const serverJson = JSON.stringify(up.doc, null, 2) + "\n";
  const statusYaml = formatStatusYaml(status, status === "active" ? undefined : facts.statusMessage);
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
  const files: VersionFiles = { name, version, serverJson, ...(statusYaml === undefined ? {} : { statusYaml }), ...(importInfo === undefined ? {} : { importYaml: formatImportYaml(importInfo) }) };
  const loaded = loadTree(memoryReader(files));
  const errors = validateLoaded(loaded).filter((d) => d.severity === "error");
  const version0 = loaded.versions[0];
  if (errors.length > 0 || version0 === undefined) {
    const reason = errors.length > 0 ? errors.map((d) => `${d.pointer ? d.pointer + ": " : ""}${d.message}`).join("; ") : "the version could not be loaded";
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

const remoteUrlsOf = (doc: unknown): string[] =>
  Array.isArray((doc as Partial<ServerJson> | undefined)?.remotes) ? (doc as ServerJson).remotes!.map((r) => (typeof r?.url === "string" ? r.url : "")).filter((u) => u !== "") : [];

/** Applies entries to a servers store, keeping the tree-wide indexes (name case, remote URL owners). */
export class Importer {
  readonly counts: ImportCounts = { written: 0, updated: 0, unchanged: 0, skipped: 0, rejected: 0 };
  readonly rejected: Rejected[] = [];
  private readonly store: ServersStore;
  private readonly opts: ImportOptions;
  private readonly names = new Map<string, string>(); // lower-case name → name
  private readonly remoteOwners = new Map<string, string>(); // remote URL of a live version → server name
  private readonly seen = new Set<string>();

  constructor(store: ServersStore, opts: ImportOptions) {
    this.store = store;
    this.opts = opts;
    for (const v of loadTree(store.reader).versions) this.index(v.name, v.doc, v.status.status);
  }

  private index(name: string, doc: unknown, status: Status): void {
    this.names.set(name.toLowerCase(), name);
    if (status === "deleted") return;
    for (const url of remoteUrlsOf(doc)) if (!this.remoteOwners.has(url)) this.remoteOwners.set(url, name);
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
    if (this.seen.has(key)) return this.reject({ ...who, code: "import/duplicate", reason: "the source lists this name and version twice; the first one was kept" });
    this.seen.add(key);
    const known = this.names.get(files.name.toLowerCase());
    if (known !== undefined && known !== files.name) {
      return this.reject({ ...who, code: "tree/name-case-conflict", reason: `the name differs only in letter case from the existing server ${known}` });
    }
    const dir = key;
    const current = this.store.read(`${dir}/${SERVER_FILE}`);
    if (current !== undefined) return this.update(entry, files, current);
    if (loaded.status.status !== "deleted") {
      for (const url of remoteUrlsOf(loaded.doc)) {
        const owner = this.remoteOwners.get(url);
        if (owner !== undefined && owner !== files.name) return this.reject({ ...who, code: "tree/remote-url-duplicate", reason: `remote URL ${url} is already used by server ${owner}` });
      }
    }
    this.store.write(`${dir}/${SERVER_FILE}`, files.serverJson);
    if (files.statusYaml !== undefined) this.store.write(`${dir}/${STATUS_FILE}`, files.statusYaml);
    if (files.importYaml !== undefined) this.store.write(`${dir}/${IMPORT_FILE}`, files.importYaml);
    this.index(files.name, loaded.doc, loaded.status.status);
    this.counts.written++;
  }

  /** A folder that exists already: sync status and provenance of an imported version, never server.json. */
  private update(entry: ImportEntry, files: VersionFiles, current: Uint8Array): void {
    const dir = folderOf(files);
    const who = { origin: entry.origin, name: files.name, version: files.version };
    if (!this.store.exists(`${dir}/${IMPORT_FILE}`)) {
      if (Buffer.from(current).toString("utf8") === files.serverJson) this.counts.unchanged++;
      else this.reject({ ...who, code: "import/exists-locally", reason: "this version was published here (no import.yaml) with a different server.json; it was left alone" });
      return;
    }
    if (!sameJson(current, files.serverJson)) {
      return this.reject({ ...who, code: "import/conflict", reason: "server.json differs from the imported copy; versions are immutable, so it was not overwritten" });
    }
    let changed = false;
    const sync = (rel: string, text: string | undefined) => {
      const old = this.store.read(rel);
      const oldText = old === undefined ? undefined : Buffer.from(old).toString("utf8");
      if (oldText === text) return;
      if (text === undefined) this.store.remove(rel);
      else this.store.write(rel, text);
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
export function entriesFromFile(bytes: Uint8Array, file: string): { kind: "ok"; entries: ImportEntry[] } | { kind: "invalid"; reason: string } {
  const parsed = parseJsonBytes(bytes, file);
  if (parsed.kind === "invalid") {
    const d = parsed.diagnostics[0];
    return { kind: "invalid", reason: d ? `${file}${d.line ? `:${d.line}:${d.column ?? 1}` : ""}: ${d.message}` : `${file}: not JSON` };
  }
  const value = parsed.source.value;
  const base = path.basename(file);
  if (Array.isArray(value)) return { kind: "ok", entries: value.map((v, i) => entryOf(v, `${base}[${i}]`)) };
  const servers = (value as { servers?: unknown } | null)?.servers;
  if (Array.isArray(servers)) return { kind: "ok", entries: servers.map((v, i) => entryOf(v, `${base} servers[${i}]`)) };
  return { kind: "invalid", reason: `${file}: expected a JSON array of server.json documents (the seed format) or an API response with "servers"` };
}

/** A list item: an API ServerResponse `{server, _meta}` or a bare server.json. */
export function entryOf(item: unknown, origin: string): ImportEntry {
  const o = item as { server?: unknown; _meta?: Record<string, unknown> } | null;
  if (o != null && typeof o === "object" && !Array.isArray(o) && typeof o.server === "object" && o.server != null && !("name" in o)) {
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

export interface FetchResponse {
  readonly status: number;
  readonly text: string;
  readonly retryAfter?: string;
}
export type Fetcher = (url: string) => Promise<FetchResponse>;

export interface RetryOptions {
  readonly retries?: number;
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRetry?: (url: string, attempt: number, why: string) => void;
}

/** GET with retry on network errors, 429 and 5xx: exponential backoff (or Retry-After), then give up. */
export async function fetchWithRetry(fetcher: Fetcher, url: string, opts: RetryOptions = {}): Promise<FetchResponse> {
  const retries = opts.retries ?? 5;
  const base = opts.baseDelayMs ?? 1000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt++) {
    let why: string;
    let wait = base * 2 ** attempt;
    try {
      const res = await fetcher(url);
      if (res.status < 500 && res.status !== 429) return res;
      why = `HTTP ${res.status}`;
      const ra = Number(res.retryAfter);
      if (Number.isFinite(ra) && ra >= 0) wait = Math.min(ra * 1000, 60_000);
    } catch (e) {
      why = e instanceof NetworkError ? e.reason : e instanceof Error ? e.message : String(e);
    }
    if (attempt >= retries) throw new RefusalError(`${url}: ${why} (gave up after ${retries + 1} attempts)`);
    opts.onRetry?.(url, attempt + 1, why);
    await sleep(Math.min(wait, 30_000));
  }
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

export interface ImportState {
  readonly source: string;
  /** The cursor of the next page to fetch; "" for the first page. */
  readonly cursor: string;
  readonly pages: number;
}

export interface ApiImportHooks extends RetryOptions {
  /** HTTP GET (the CLI passes one over fetch; tests talk to a server on 127.0.0.1). */
  readonly fetcher: Fetcher;
  /** Where to resume from (a saved state of the same source), and where to save progress. */
  readonly state?: ImportState;
  readonly saveState?: (state: ImportState) => void;
  readonly onPage?: (page: number, entries: number) => void;
  readonly limit?: number;
}

/** Page through a registry's list and apply every entry; saves the next cursor after each page. */
export async function importFromApi(from: string, importer: Importer, hooks: ApiImportHooks): Promise<{ pages: number }> {
  const fetcher = hooks.fetcher;
  const list = listUrl(from);
  let cursor = hooks.state?.source === list ? hooks.state.cursor : "";
  let pages = hooks.state?.source === list ? hooks.state.pages : 0;
  const seenCursors = new Set<string>();
  for (;;) {
    const q = new URLSearchParams({ limit: String(hooks.limit ?? 100), include_deleted: "true" });
    if (cursor !== "") q.set("cursor", cursor);
    const url = `${list}?${q}`;
    const res = await fetchWithRetry(fetcher, url, hooks);
    if (res.status !== 200) throw new RefusalError(`${url}: HTTP ${res.status}: ${res.text.slice(0, 200)}`);
    const parsed = parseJsonBytes(Buffer.from(res.text), url);
    const body = parsed.kind === "ok" ? (parsed.source.value as { servers?: unknown; metadata?: { nextCursor?: unknown } } | null) : null;
    if (!body || !Array.isArray(body.servers)) throw new RefusalError(`${url}: the response is not a server list ({"servers": [...], "metadata": {...}})`);
    pages++;
    body.servers.forEach((item, i) => importer.apply(entryOf(item, `page ${pages} item ${i + 1}`)));
    hooks.onPage?.(pages, body.servers.length);
    const next = body.metadata?.nextCursor;
    if (typeof next !== "string" || next === "" || body.servers.length === 0) break;
    if (seenCursors.has(next) || next === cursor) throw new RefusalError(`${url}: the registry returned the cursor ${JSON.stringify(next)} again; stopping instead of looping`);
    seenCursors.add(next);
    cursor = next;
    hooks.saveState?.({ source: list, cursor, pages });
  }
  return { pages };
}
