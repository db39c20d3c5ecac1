// Bring a server.json of an older schema up to the current one (2025-12-11), as the official schema
// CHANGELOG and validators require (UPSTREAM.md §1.1, §1.5, §4.4). Pure; never throws on hostile input.
//
// What changes, by era (each step only touches what is there, so a current document passes unchanged
// except for `$schema`):
//   2025-07-09  snake_case keys → camelCase (registry_type → registryType, …); `version_detail.version`
//               → `version` (pre-release API shape).
//   ≤2025-09-16 top-level `status` and `_meta["io.modelcontextprotocol.registry/official"]` leave the
//               document: they become the version's status (status.yaml) and upstream times (import.yaml).
//   ≤2025-09-29 OCI: `version` moves into the identifier as its tag, the registry host of
//               `registryBaseUrl` moves into the identifier, `registryBaseUrl` is removed (forbidden for
//               oci and mcpb). `fileSha256` is removed from non-mcpb packages (official rules forbid it).
//   any         NuGet `registryBaseUrl` `https://api.nuget.org` → `https://api.nuget.org/v3/index.json`
//               (upstream migration 012); a trailing `/` on the npm/PyPI base URL is dropped; `_meta` keys
//               other than publisher-provided are dropped (upstream drops them on publish); `$schema` is
//               set to the current URL and moved first.
// Not changed: the server `version` (a `-seed` suffix is part of the version string, its identity), and
// anything that would invent data. `repair` (opt-in) fixes what no rule can: an over-long description is
// cut at a word boundary to 100 characters with "…", an empty one becomes "<name> MCP server".

import {
  CURRENT_SCHEMA_URL,
  CURRENT_SCHEMA_VERSION,
  OFFICIAL_META_KEY,
  PUBLISHER_META_KEY,
  type Status,
} from "../model.ts";
import { normalizeTime } from "../import-record.ts";

export interface UpstreamFacts {
  status?: Status;
  statusMessage?: string;
  publishedAt?: string;
  updatedAt?: string;
  statusChangedAt?: string;
}

export type Upgraded =
  | {
      readonly kind: "ok";
      readonly doc: Record<string, unknown>;
      /** The schema version the document declared (or looked like, when it had no `$schema`). */
      readonly from: string;
      /** One line per change, for import.yaml and the report. Empty when nothing but nothing changed. */
      readonly changes: string[];
      /** Status and times the old document carried inside itself. */
      readonly facts: UpstreamFacts;
    }
  | { readonly kind: "invalid"; readonly code: string; readonly reason: string };

const SNAKE_TO_CAMEL: Readonly<Record<string, string>> = {
  website_url: "websiteUrl",
  registry_type: "registryType",
  registry_base_url: "registryBaseUrl",
  file_sha256: "fileSha256",
  runtime_hint: "runtimeHint",
  runtime_arguments: "runtimeArguments",
  package_arguments: "packageArguments",
  environment_variables: "environmentVariables",
  is_required: "isRequired",
  is_secret: "isSecret",
  value_hint: "valueHint",
  is_repeated: "isRepeated",
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v != null && !Array.isArray(v);
const SCHEMA_DATE = /\/schemas\/([0-9]{4}-[0-9]{2}-[0-9]{2})\/server\.schema\.json$/;
const OCI_DOCKER_HOSTS = new Set([
  "docker.io",
  "registry-1.docker.io",
  "index.docker.io",
  "registry.hub.docker.com",
  "hub.docker.com",
]);
const NUGET_BASE = "https://api.nuget.org/v3/index.json";

/** Which schema era a document is from: its `$schema` date, or a guess from its shape. */
export function detectSchemaVersion(doc: Record<string, unknown>): string {
  const url = doc["$schema"];
  if (typeof url === "string") {
    const m = SCHEMA_DATE.exec(url);
    if (m) return m[1]!;
  }
  if (hasSnakeCase(doc)) return "2025-07-09";
  if ("status" in doc || (isObj(doc["_meta"]) && OFFICIAL_META_KEY in doc["_meta"])) return "2025-09-16";
  return "2025-09-29";
}

function hasSnakeCase(v: unknown, depth = 0): boolean {
  if (depth > 8) return false;
  if (Array.isArray(v)) return v.some((x) => hasSnakeCase(x, depth + 1));
  if (!isObj(v)) return false;
  return Object.entries(v).some(([k, x]) => k in SNAKE_TO_CAMEL || (k !== "_meta" && hasSnakeCase(x, depth + 1)));
}

/** Rename snake_case keys (outside `_meta`), keeping key order. */
function camelize(v: unknown, changes: Set<string>, depth = 0): unknown {
  if (depth > 32) return v;
  if (Array.isArray(v)) return v.map((x) => camelize(x, changes, depth + 1));
  if (!isObj(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const key = SNAKE_TO_CAMEL[k];
    if (key !== undefined && !(key in v)) {
      changes.add(`renamed ${k} to ${key} (2025-09-16 camelCase)`);
      out[key] = camelize(x, changes, depth + 1);
    } else out[k] = k === "_meta" ? x : camelize(x, changes, depth + 1);
  }
  return out;
}

function readFacts(meta: unknown): UpstreamFacts {
  if (!isObj(meta)) return {};
  const facts: UpstreamFacts = {};
  const status = meta["status"];
  if (status === "active" || status === "deprecated" || status === "deleted") facts.status = status;
  if (typeof meta["statusMessage"] === "string" && meta["statusMessage"] !== "")
    facts.statusMessage = meta["statusMessage"];
  const time = (...keys: string[]) => keys.map((k) => normalizeTime(meta[k])).find((t) => t !== undefined);
  const publishedAt = time("publishedAt", "published_at");
  const updatedAt = time("updatedAt", "updated_at");
  const statusChangedAt = time("statusChangedAt", "status_changed_at");
  if (publishedAt !== undefined) facts.publishedAt = publishedAt;
  if (updatedAt !== undefined) facts.updatedAt = updatedAt;
  if (statusChangedAt !== undefined) facts.statusChangedAt = statusChangedAt;
  return facts;
}

/** Upgrade one document. `repair` allows the lossy description fixes described at the top. */
export function upgradeServerJson(input: unknown, opts: { repair?: boolean } = {}): Upgraded {
  if (!isObj(input)) return { kind: "invalid", code: "import/not-an-object", reason: "the entry is not a JSON object" };
  const from = detectSchemaVersion(input);
  const changeSet = new Set<string>();
  let doc = camelize(input, changeSet) as Record<string, unknown>;
  let facts: UpstreamFacts = {};

  if (!("version" in doc) && isObj(doc["version_detail"]) && typeof doc["version_detail"]["version"] === "string") {
    doc = { ...doc, version: doc["version_detail"]["version"] };
    changeSet.add("moved version_detail.version to version");
  }
  if ("version_detail" in doc) {
    delete doc["version_detail"];
    changeSet.add("removed version_detail");
  }
  if ("status" in doc) {
    facts = readFacts({ status: doc["status"] });
    delete doc["status"];
    changeSet.add("moved status out of server.json (2025-09-29)");
  }
  if (isObj(doc["_meta"])) {
    const meta = { ...doc["_meta"] };
    if (OFFICIAL_META_KEY in meta) {
      facts = { ...readFacts(meta[OFFICIAL_META_KEY]), ...facts };
      changeSet.add(`moved _meta["${OFFICIAL_META_KEY}"] out of server.json (2025-09-29)`);
      delete meta[OFFICIAL_META_KEY];
    }
    for (const key of Object.keys(meta)) {
      if (key === PUBLISHER_META_KEY) continue;
      delete meta[key];
      changeSet.add(`dropped _meta["${key}"] (only ${PUBLISHER_META_KEY} is kept)`);
    }
    if (Object.keys(meta).length === 0) delete doc["_meta"];
    else doc["_meta"] = meta;
  }

  if (Array.isArray(doc["packages"])) {
    doc["packages"] = doc["packages"].map((p: unknown, i: number) =>
      isObj(p) ? upgradePackage({ ...p }, i, changeSet) : p,
    );
  }

  if (opts.repair) repairDescription(doc, changeSet);

  const schema = doc["$schema"];
  if (schema !== CURRENT_SCHEMA_URL)
    changeSet.add(
      schema === undefined
        ? `set $schema to ${CURRENT_SCHEMA_VERSION}`
        : `$schema ${String(schema)} → ${CURRENT_SCHEMA_VERSION}`,
    );
  const rest: Record<string, unknown> = { ...doc };
  delete rest["$schema"];
  return { kind: "ok", doc: { $schema: CURRENT_SCHEMA_URL, ...rest }, from, changes: [...changeSet], facts };
}

function upgradePackage(p: Record<string, unknown>, i: number, changes: Set<string>): Record<string, unknown> {
  const type = p["registryType"];
  const at = `packages[${i}]`;
  const base = typeof p["registryBaseUrl"] === "string" ? p["registryBaseUrl"] : undefined;
  if (type === "oci") {
    let identifier = typeof p["identifier"] === "string" ? p["identifier"] : undefined;
    if (identifier !== undefined && base !== undefined) {
      const host = hostOf(base);
      const first = identifier.split("/")[0] ?? "";
      const hasHost = identifier.includes("/") && /[.:]|^localhost$/.test(first);
      if (host !== undefined && !hasHost && !OCI_DOCKER_HOSTS.has(host)) {
        identifier = `${host}/${identifier}`;
        changes.add(`${at}: moved the registry host ${host} into the OCI identifier`);
      }
    }
    if (identifier !== undefined && typeof p["version"] === "string" && p["version"] !== "") {
      const last = identifier.slice(identifier.lastIndexOf("/") + 1);
      if (!last.includes(":") && !identifier.includes("@")) {
        identifier = `${identifier}:${p["version"]}`;
        changes.add(`${at}: moved the OCI version into the identifier as its tag (2025-10-11)`);
      } else changes.add(`${at}: removed the OCI version (the identifier already names a tag or digest)`);
    }
    if (identifier !== undefined) p["identifier"] = identifier;
    if ("version" in p) delete p["version"];
    if ("registryBaseUrl" in p) {
      delete p["registryBaseUrl"];
      changes.add(`${at}: removed registryBaseUrl (not allowed for oci)`);
    }
  } else if (type === "mcpb") {
    if ("registryBaseUrl" in p) {
      delete p["registryBaseUrl"];
      changes.add(`${at}: removed registryBaseUrl (not allowed for mcpb)`);
    }
  } else if (type === "nuget" && base !== undefined && /^https:\/\/api\.nuget\.org\/?$/.test(base)) {
    p["registryBaseUrl"] = NUGET_BASE;
    changes.add(`${at}: registryBaseUrl ${base} → ${NUGET_BASE}`);
  } else if (
    (type === "npm" || type === "pypi") &&
    base !== undefined &&
    /^https:\/\/(registry\.npmjs\.org|pypi\.org)\/$/.test(base)
  ) {
    p["registryBaseUrl"] = base.slice(0, -1);
    changes.add(`${at}: removed the trailing / of registryBaseUrl`);
  }
  if (type !== "mcpb" && "fileSha256" in p) {
    delete p["fileSha256"];
    changes.add(`${at}: removed fileSha256 (only mcpb packages carry it)`);
  }
  return p;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

const MAX_DESCRIPTION = 100;

function repairDescription(doc: Record<string, unknown>, changes: Set<string>): void {
  const d = doc["description"];
  if (typeof d !== "string") return;
  const trimmed = d.replace(/\s+/g, " ").trim();
  if (trimmed === "" && typeof doc["name"] === "string") {
    const name = doc["name"];
    const short = name.slice(name.indexOf("/") + 1);
    doc["description"] = `${short} MCP server`.slice(0, MAX_DESCRIPTION);
    changes.add('repair: the empty description became the server name + " MCP server"');
    return;
  }
  const chars = [...trimmed];
  if (chars.length <= MAX_DESCRIPTION) {
    if (trimmed !== d && [...d].length > MAX_DESCRIPTION) {
      doc["description"] = trimmed;
      changes.add("repair: collapsed whitespace in the description");
    }
    return;
  }
  let cut = chars.slice(0, MAX_DESCRIPTION - 1).join("");
  const space = cut.lastIndexOf(" ");
  if (space > MAX_DESCRIPTION / 2) cut = cut.slice(0, space);
  doc["description"] = cut.replace(/[\s.,;:!-]+$/, "") + "…";
  changes.add(`repair: cut the description from ${chars.length} to 100 characters`);
}
