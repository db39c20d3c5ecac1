// The registry's data model: what the loader produces and what the build, the server, the site and the
// mirror tools consume. Shapes follow the official server.json (schema 2025-12-11) and API (§2.3 of
// UPSTREAM.md).

import type { Receipt } from "./receipt.ts";
import { stringifyJson } from "./safe-json.ts";

export const CURRENT_SCHEMA_VERSION = "2025-12-11";
export const CURRENT_SCHEMA_URL = `https://static.modelcontextprotocol.io/schemas/${CURRENT_SCHEMA_VERSION}/server.schema.json`;
export const OFFICIAL_META_KEY = "io.modelcontextprotocol.registry/official";
export const PUBLISHER_META_KEY = "io.modelcontextprotocol.registry/publisher-provided";
/** This registry's own reverse-DNS namespace, for `/v0.1/x/<ns>/…` extensions and its `_meta` key. */
export const REGISTRY_NAMESPACE = "io.github.mcp-static-registry";
/** The API versions served, each under its own path prefix with identical responses (as upstream). */
export const API_PREFIXES = ["v0", "v0.1"] as const;
export const REGISTRY_META_KEY = `${REGISTRY_NAMESPACE}/registry`;

export type Status = "active" | "deprecated" | "deleted";
export const STATUSES: readonly Status[] = ["active", "deprecated", "deleted"];

export interface Input {
  description?: string;
  isRequired?: boolean;
  format?: "string" | "number" | "boolean" | "filepath";
  value?: string;
  isSecret?: boolean;
  default?: string;
  placeholder?: string;
  choices?: string[];
  variables?: Record<string, Input>;
}
export interface KeyValueInput extends Input {
  name: string;
}
export interface Argument extends Input {
  type: "positional" | "named";
  name?: string;
  valueHint?: string;
  isRepeated?: boolean;
}
export interface Transport {
  type: string;
  url?: string;
  headers?: KeyValueInput[];
  variables?: Record<string, Input>;
}
export interface Package {
  registryType: string;
  registryBaseUrl?: string;
  identifier: string;
  version?: string;
  fileSha256?: string;
  runtimeHint?: string;
  transport: Transport;
  runtimeArguments?: Argument[];
  packageArguments?: Argument[];
  environmentVariables?: KeyValueInput[];
}
export interface Icon {
  src: string;
  mimeType?: string;
  sizes?: string[];
  theme?: "light" | "dark";
}
/** A server.json document (current schema). Only trust these types after validation. */
export interface ServerJson {
  $schema?: string;
  name: string;
  description: string;
  version: string;
  title?: string;
  websiteUrl?: string;
  repository?: { url: string; source: string; id?: string; subfolder?: string };
  icons?: Icon[];
  packages?: Package[];
  remotes?: Transport[];
  _meta?: Record<string, unknown>;
}

/** Registry-managed data of one version, exactly the official `_meta[OFFICIAL_META_KEY]` object. */
export interface OfficialMeta {
  status: Status;
  statusMessage?: string;
  statusChangedAt: string;
  publishedAt: string;
  updatedAt: string;
  isLatest: boolean;
}

/** One version of one server, as the build sees it: the document, its status and its times. */
export interface VersionRecord {
  readonly name: string;
  readonly version: string;
  /** Path of the server.json, relative to the repository root (e.g. `servers/io.github.a/b/1.0.0/server.json`). */
  readonly file: string;
  /**
   * The document as canonical JSON text: stringifyJson of the parsed document (compact, `<>&` and U+2028/9
   * escaped), exactly the bytes the API serves inside `{"server":…}`. Kept as text, not as the parsed object:
   * at 100,000 versions the parsed documents took ~3.4 KB of heap each against ~1 KB of text, and the API,
   * the bundle and the change feed need the text, not the object. Stages that read fields call serverOf(),
   * once per version per pass.
   */
  readonly json: string;
  /**
   * The git blob id of the committed bytes (sha1 hex of `blob <size>\0` + bytes, what `git hash-object` prints),
   * computed where the file is read. Receipts and the change feed refer to a version by it; the bytes
   * themselves are not kept (about as much again as the document, per version).
   */
  readonly blob: string;
  readonly official: OfficialMeta;
  /** The verification receipt committed for this version (receipt-files.ts), when there is one. */
  readonly receipt?: Receipt;
}

/** Facts about the source the build came from: all derived from git, never from the clock. */
export interface BuildInfo {
  /** HEAD commit, or null outside a git repository. */
  readonly gitCommit: string | null;
  /** Committer time of HEAD (RFC 3339 UTC); the fallback time outside git. */
  readonly generatedAt: string;
  /** Number of commits on HEAD's first-parent line: grows with every merge to main. */
  readonly serial: number;
}

export interface RegistryModel {
  /** Every version, deleted ones included, sorted by (name, version) in code-unit order. */
  readonly versions: readonly VersionRecord[];
  readonly info: BuildInfo;
}

/** The official API's ServerResponse. */
export interface ServerResponse {
  server: ServerJson;
  _meta: { [OFFICIAL_META_KEY]: OfficialMeta; [key: string]: unknown };
}

/** The document of a version, parsed from its canonical text (a new object each call: parse once per pass). */
export function serverOf(record: Pick<VersionRecord, "json">): ServerJson {
  return JSON.parse(record.json) as ServerJson;
}

/** A document's canonical text (VersionRecord.json): what the API serves for it. */
export function documentJson(doc: unknown): string {
  return stringifyJson(doc);
}

export function toServerResponse(record: VersionRecord): ServerResponse {
  return serverResponse(record.name, record.version, serverOf(record), record.official);
}

/**
 * A version's response: the document, the official metadata, and under the registry's own key the path of
 * its verification receipt (receipt.ts), relative to the registry's base URL. The path is a function of name
 * and version alone, so a receipt committed after the merge does not change the served bytes (the change
 * feed, the bundle and the signed index replay history without receipts); a version without a receipt
 * (published before receipts were kept, or imported) answers 404 there.
 */
export function serverResponse(
  name: string,
  version: string,
  server: ServerJson,
  official: OfficialMeta,
): ServerResponse {
  return { server, _meta: responseMeta(name, version, official) };
}

function responseMeta(name: string, version: string, official: OfficialMeta): ServerResponse["_meta"] {
  return { [OFFICIAL_META_KEY]: official, [REGISTRY_META_KEY]: { receipt: receiptRoute(name, version) } };
}

/**
 * The served bytes of a version (its `versions/<v>.json`): stringifyJson(serverResponse(…)) made from the
 * document's canonical text without parsing or serialising the document again. The same bytes, because
 * JSON.stringify writes a nested object exactly as it writes it alone, and the HTML escaping is per character
 * (model.test.ts checks hostile documents both ways).
 */
export function servedBody(name: string, version: string, json: string, official: OfficialMeta): string {
  return `{"server":${json},"_meta":${stringifyJson(responseMeta(name, version, official))}}`;
}

/** servedBody of a record. */
export function servedDocument(r: VersionRecord): string {
  return servedBody(r.name, r.version, r.json, r.official);
}

/** Where the build publishes the receipt of a version (a static path, like every other route). */
export function receiptRoute(name: string, version: string): string {
  return `v0.1/x/${REGISTRY_NAMESPACE}/receipts/${name}/${version}.json`;
}

/** Code-unit order, the same on every machine and locale (Postgres' "C" collation). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
