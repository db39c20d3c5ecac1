// The registry as the MCP tools see it: every server with its versions (newest first, deleted ones included
// when the host publishes them), the site's search index over them, and the nightly health report.
//
// Loaded from the static files a deployment publishes, in one request when it can:
//   1. the mirror bundle (v0.1/x/<ns>/bundle/registry.ndjson.gz): every version and status, deleted included;
//   2. otherwise (a mirror's tree has no bundle) the list v0.1/servers.json (the latest non-deleted version of
//      every server), and each server's versions.json when a tool asks for its versions.
// `npm start` hands its in-memory model over instead (registryDataFromModel): the same data, nothing fetched.
//
// Every byte comes from the host: sizes are capped, and each document is checked for the fields the tools
// read (a name that could not be a registry name, a version that is not a string, an unknown status) before
// it is used; a host that serves anything else is refused with one line naming the file.

import { promisify } from "node:util";
import { gunzip as gunzipCallback } from "node:zlib";
import { RefusalError } from "../errors.ts";
import {
  OFFICIAL_META_KEY,
  REGISTRY_META_KEY,
  REGISTRY_NAMESPACE,
  STATUSES,
  compareCodeUnits,
  documentJson,
  type OfficialMeta,
  type RegistryModel,
  type VersionRecord,
} from "../model.ts";
import { buildSearchIndex } from "../../../site/search-index.ts";
import { groupServers, type ServerGroup } from "../../../site/servers.ts";
import { prepareIndex, type PreparedIndex } from "../../../site/src/search.ts";
import type { RegistrySource } from "./source.ts";
import { gitBlobId } from "../git-blob.ts";

const gunzip = promisify(gunzipCallback);

const EXT = `v0.1/x/${REGISTRY_NAMESPACE}`;
export const TREE_PATHS = {
  bundle: `${EXT}/bundle/registry.ndjson.gz`,
  list: "v0.1/servers.json",
  meta: `${EXT}/meta.json`,
  health: `${EXT}/health.json`,
} as const;

/** Download caps (bytes). The bundle of 100,000 versions is ~15 MB gzipped, ~90 MB of text. */
const LIMITS = {
  bundle: 128 << 20,
  bundleText: 512 << 20,
  list: 64 << 20,
  versions: 16 << 20,
  meta: 64 << 10,
  health: 32 << 20,
} as const;

/** The nightly re-verification of one version (site/data/health.json, scripts/lib/verify/reverify.ts). */
interface HealthFacts {
  readonly status: string;
  readonly checkedAt: string;
  readonly checks: readonly { readonly kind: string; readonly status: string; readonly message: string }[];
}

export interface RegistryData {
  /** The build's serial and commit (meta.json), when known: a changed one means a new deployment. */
  readonly serial: number | undefined;
  readonly gitCommit: string | null | undefined;
  /** Servers in name order, each with its versions newest first. */
  readonly groups: readonly ServerGroup[];
  readonly byName: ReadonlyMap<string, ServerGroup>;
  readonly index: PreparedIndex;
  /** Every version of a server, newest first, or undefined for an unknown name. */
  versionsOf(name: string): Promise<readonly VersionRecord[] | undefined>;
  /** False when the host publishes no bundle: only non-deleted versions are known, deleted ones never. */
  readonly complete: boolean;
  health(name: string, version: string): HealthFacts | undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Checking served documents

/** The registry's server names (upstream's `namespace/name` pattern). */
const NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?\/[a-zA-Z0-9](?:[a-zA-Z0-9._-]*[a-zA-Z0-9])?$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v != null && !Array.isArray(v);
}

function officialMeta(value: unknown): OfficialMeta | undefined {
  if (!isObject(value)) return undefined;
  const { status, publishedAt, isLatest, statusMessage } = value;
  if (!STATUSES.includes(status as OfficialMeta["status"])) return undefined;
  if (typeof publishedAt !== "string" || typeof isLatest !== "boolean") return undefined;
  if (statusMessage !== undefined && typeof statusMessage !== "string") return undefined;
  return value as unknown as OfficialMeta;
}

/** One served document (`{server, _meta}`), checked, as the record the site's code takes. */
function servedRecord(value: unknown, text: string, from: string): VersionRecord {
  const refuse = (why: string) => new RefusalError(`${from}: ${why}`, { code: "mcp/malformed" });
  if (!isObject(value) || !isObject(value.server)) throw refuse("not a server response ({server, _meta})");
  const server = value.server;
  if (typeof server.name !== "string" || !NAME.test(server.name) || server.name.length > 200)
    throw refuse(`server.name ${JSON.stringify(server.name)} is not a registry name`);
  if (typeof server.version !== "string" || server.version === "" || server.version.length > 255)
    throw refuse(`${server.name}: server.version is not a version string`);
  if (server.description !== undefined && typeof server.description !== "string")
    throw refuse(`${server.name}: server.description is not a string`);
  const official = officialMeta(isObject(value._meta) ? value._meta[OFFICIAL_META_KEY] : undefined);
  if (official === undefined) throw refuse(`${server.name}@${server.version}: no valid _meta["${OFFICIAL_META_KEY}"]`);
  const record: VersionRecord & { _meta?: Record<string, unknown> } = {
    name: server.name,
    version: server.version,
    file: from,
    json: documentJson(server),
    blob: gitBlobId(new TextEncoder().encode(text)),
    official,
  };
  // The registry's own evidence, where the site reads it (site/render.ts verificationOf), never server._meta.
  const meta = value._meta as Record<string, unknown>;
  if (Object.hasOwn(meta, REGISTRY_META_KEY)) record._meta = { [REGISTRY_META_KEY]: meta[REGISTRY_META_KEY] };
  return record;
}

function parseJson(bytes: Uint8Array, from: string): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as unknown;
  } catch {
    throw new RefusalError(`${from}: not UTF-8 JSON`, { code: "mcp/malformed" });
  }
}

function sortRecords(records: VersionRecord[]): VersionRecord[] {
  const seen = new Set<string>();
  for (const r of records) {
    const key = `${r.name}\u0000${r.version}`;
    if (seen.has(key))
      throw new RefusalError(`${r.file}: ${r.name}@${r.version} appears twice`, { code: "mcp/malformed" });
    seen.add(key);
  }
  return records.sort((a, b) => compareCodeUnits(a.name, b.name) || compareCodeUnits(a.version, b.version));
}

// ---------------------------------------------------------------------------------------------------------
// Reading the static files

async function readBundle(gz: Uint8Array, from: string): Promise<VersionRecord[]> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(await gunzip(gz, { maxOutputLength: LIMITS.bundleText }));
  } catch (e) {
    throw new RefusalError(
      `${from}: not a readable gzip file of UTF-8 under ${LIMITS.bundleText} bytes (${(e as Error).message})`,
      { code: "mcp/malformed" },
    );
  }
  const lines = text.split("\n");
  if (lines.pop() !== "")
    throw new RefusalError(`${from}: the last line does not end with a newline`, { code: "mcp/malformed" });
  const header = parseJson(new TextEncoder().encode(lines[0] ?? ""), `${from} line 1`);
  if (!isObject(header) || !isObject(header.bundle))
    throw new RefusalError(`${from}: line 1 is not the bundle header`, { code: "mcp/malformed" });
  const records = lines
    .slice(1)
    .map((line, i) =>
      servedRecord(parseJson(new TextEncoder().encode(line), `${from} line ${i + 2}`), line, `${from} line ${i + 2}`),
    );
  return sortRecords(records);
}

async function readList(source: RegistrySource): Promise<VersionRecord[] | undefined> {
  const bytes = await source.read(TREE_PATHS.list, LIMITS.list);
  if (bytes === undefined) return undefined;
  const from = `${source.label} ${TREE_PATHS.list}`;
  const list = parseJson(bytes, from);
  if (!isObject(list) || !Array.isArray(list.servers))
    throw new RefusalError(`${from}: not a server list ({servers: […]})`, { code: "mcp/malformed" });
  return sortRecords(
    list.servers.map((entry, i) => servedRecord(entry, JSON.stringify(entry), `${from} servers[${i}]`)),
  );
}

/** The health report's entries by `name\0version`; an unreadable report is left out (it is optional). */
function healthEntries(value: unknown): Map<string, HealthFacts> {
  const out = new Map<string, HealthFacts>();
  if (!isObject(value) || !Array.isArray(value.servers)) return out;
  const checkedAt = typeof value.checkedAt === "string" ? value.checkedAt : "";
  for (const entry of value.servers) {
    if (!isObject(entry) || typeof entry.name !== "string" || typeof entry.version !== "string") continue;
    const checks = (Array.isArray(entry.checks) ? entry.checks : []).filter(isObject).map((c) => ({
      kind: String(c.kind ?? ""),
      status: String(c.status ?? ""),
      message: String(c.message ?? ""),
    }));
    out.set(`${entry.name}\u0000${entry.version}`, { status: String(entry.status ?? ""), checkedAt, checks });
  }
  return out;
}

interface DataParts {
  readonly records: readonly VersionRecord[];
  readonly serial: number | undefined;
  readonly gitCommit: string | null | undefined;
  readonly health: ReadonlyMap<string, HealthFacts>;
  /** For a host without the bundle: a server's versions, fetched when asked for. */
  readonly fetchVersions?: (name: string) => Promise<readonly VersionRecord[]>;
}

function assemble(parts: DataParts): RegistryData {
  const model: RegistryModel = {
    versions: parts.records,
    info: { serial: parts.serial ?? 0, gitCommit: parts.gitCommit ?? null, generatedAt: "" },
  };
  const groups = groupServers(model);
  const byName = new Map(groups.map((g) => [g.name, g]));
  const fetched = new Map<string, Promise<readonly VersionRecord[]>>();
  const fetchVersions = parts.fetchVersions;
  return {
    serial: parts.serial,
    gitCommit: parts.gitCommit,
    groups,
    byName,
    index: prepareIndex(buildSearchIndex(model, groups)),
    complete: fetchVersions === undefined,
    async versionsOf(name) {
      const group = byName.get(name);
      if (group === undefined) return undefined;
      if (fetchVersions === undefined) return group.versions;
      let pending = fetched.get(name);
      if (pending === undefined) {
        pending = fetchVersions(name);
        fetched.set(name, pending);
        pending.catch(() => fetched.delete(name));
      }
      return pending;
    },
    health: (name, version) => parts.health.get(`${name}\u0000${version}`),
  };
}

/** The data of `npm start`'s own build: its model, and the health report it publishes when there is one. */
export function registryDataFromModel(model: RegistryModel, healthReport?: unknown): RegistryData {
  return assemble({
    records: model.versions,
    serial: model.info.serial,
    gitCommit: model.info.gitCommit,
    health: healthEntries(healthReport),
  });
}

interface Meta {
  readonly serial: number | undefined;
  readonly gitCommit: string | null | undefined;
}

async function readMeta(source: RegistrySource): Promise<Meta> {
  const bytes = await source.read(TREE_PATHS.meta, LIMITS.meta);
  const meta = bytes === undefined ? undefined : parseJson(bytes, `${source.label} ${TREE_PATHS.meta}`);
  if (!isObject(meta)) return { serial: undefined, gitCommit: undefined };
  return {
    serial: typeof meta.serial === "number" ? meta.serial : undefined,
    gitCommit: typeof meta.gitCommit === "string" || meta.gitCommit == null ? meta.gitCommit : undefined,
  };
}

function versionsPath(name: string): string {
  // Names were checked against NAME when read: two segments of [A-Za-z0-9._-], never `.` or `..` alone.
  return `v0.1/servers/${name}/versions.json`;
}

async function readVersions(source: RegistrySource, name: string): Promise<readonly VersionRecord[]> {
  const treePath = versionsPath(name);
  const from = `${source.label} ${treePath}`;
  const bytes = await source.read(treePath, LIMITS.versions);
  if (bytes === undefined)
    throw new RefusalError(`${from}: not found, though the list names ${name}`, { code: "mcp/malformed" });
  const list = parseJson(bytes, from);
  if (!isObject(list) || !Array.isArray(list.servers))
    throw new RefusalError(`${from}: not a version list ({servers: […]})`, { code: "mcp/malformed" });
  const records = list.servers.map((entry, i) => servedRecord(entry, JSON.stringify(entry), `${from} servers[${i}]`));
  const other = records.find((r) => r.name !== name);
  if (other !== undefined)
    throw new RefusalError(`${from}: lists ${other.name}, not ${name}`, { code: "mcp/malformed" });
  // The file is newest first already; the site's order makes that a fact rather than a promise.
  const group = groupServers({
    versions: sortRecords(records),
    info: { serial: 0, gitCommit: null, generatedAt: "" },
  })[0];
  return group?.versions ?? [];
}

/** Reads a deployment or a built tree: the bundle when published, else the list (and versions on demand). */
export async function loadRegistryData(source: RegistrySource): Promise<RegistryData> {
  const [meta, healthBytes] = await Promise.all([readMeta(source), source.read(TREE_PATHS.health, LIMITS.health)]);
  let healthReport: unknown;
  try {
    healthReport = healthBytes === undefined ? undefined : parseJson(healthBytes, TREE_PATHS.health);
  } catch {
    healthReport = undefined;
  }
  const health = healthEntries(healthReport);
  const gz = await source.read(TREE_PATHS.bundle, LIMITS.bundle);
  if (gz !== undefined) {
    const records = await readBundle(gz, `${source.label} ${TREE_PATHS.bundle}`);
    return assemble({ records, ...meta, health });
  }
  const listed = await readList(source);
  if (listed === undefined)
    throw new RefusalError(
      `${source.label}: no registry here (neither ${TREE_PATHS.bundle} nor ${TREE_PATHS.list} exists)`,
      { code: "mcp/not-a-registry" },
    );
  return assemble({ records: listed, ...meta, health, fetchVersions: (name) => readVersions(source, name) });
}

export interface RegistryCacheOptions {
  /** How long loaded data is used before meta.json is asked whether the deployment changed. */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/**
 * The data of `source`, loaded on first use and kept: after `ttlMs` the next call reads meta.json (a few
 * bytes) and reloads only when the serial or commit changed. When the host stops answering, the data already
 * loaded keeps being served; the first load's failure is the caller's error.
 */
export function createRegistryCache(
  source: RegistrySource,
  options: RegistryCacheOptions = {},
): () => Promise<RegistryData> {
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  let data: RegistryData | undefined;
  let checkedAt = 0;
  let pending: Promise<RegistryData> | undefined;

  async function refresh(current: RegistryData | undefined): Promise<RegistryData> {
    if (current === undefined) return loadRegistryData(source);
    try {
      const meta = await readMeta(source);
      if (meta.serial !== undefined && meta.serial === current.serial && meta.gitCommit === current.gitCommit)
        return current;
      return await loadRegistryData(source);
    } catch {
      return current;
    }
  }

  return async () => {
    if (data !== undefined && now() - checkedAt < ttlMs) return data;
    pending ??= refresh(data).finally(() => {
      pending = undefined;
    });
    const next = await pending;
    data = next;
    checkedAt = now();
    return next;
  };
}
