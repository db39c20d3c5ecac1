// Files for clients that take a policy or a catalog instead of a registry API, written by the build under
// `v0.1/x/io.github.mcp-static-registry/clients/` (README "Policies and catalogs for clients"):
//
// - claude-code-managed-settings.json: Claude Code's managed `allowedMcpServers` (code.claude.com/docs/en/
//   managed-mcp): a `serverName` entry per server, a `serverCommand` per package version with a fixed command
//   line (exact match: command and every argument), a `serverUrl` per remote (`*` is Claude Code's wildcard).
// - vscode-registry-only.json: the server names VS Code / Copilot's "Registry only" policy lets run when this
//   deployment is the organisation's MCP registry URL (it matches by server name; VS Code reads the names from
//   `/v0.1/servers` itself, the file is the same list for review and diffing).
// - toolhive-registry.json: ToolHive's registry file in its upstream format (`thv config set-registry
//   <url ending in .json>`): `{ $schema, version, meta.last_updated, data.servers: [server.json…] }`.
//
// Deleted versions are in none of them. Every author-controlled string that could widen a policy is refused,
// not passed on: a `*` in a remote URL (it would be a wildcard), a URL variable in the scheme or host (it
// would become `*` there: any host), and the author's own `_meta` in the ToolHive file (ToolHive reads
// permissions, e.g. `privileged`, and provenance from `_meta…/io.github.stacklok`). Pure: no IO.

import { packageCommand, serverKey } from "../../site/snippets.ts";
import { listedRecords } from "./build.ts";
import {
  compareCodeUnits,
  PUBLISHER_META_KEY,
  REGISTRY_NAMESPACE,
  serverOf,
  type RegistryModel,
  type ServerJson,
} from "./model.ts";
import { stringifyJson } from "./safe-json.ts";

const DIR = `v0.1/x/${REGISTRY_NAMESPACE}/clients`;
export const CLAUDE_CODE_SETTINGS_PATH = `${DIR}/claude-code-managed-settings.json`;
export const VSCODE_REGISTRY_ONLY_PATH = `${DIR}/vscode-registry-only.json`;
export const TOOLHIVE_REGISTRY_PATH = `${DIR}/toolhive-registry.json`;

/** The ToolHive registry format followed: stacklok/toolhive pkg/registry/data/upstream-registry.schema.json. */
const TOOLHIVE_SCHEMA =
  "https://raw.githubusercontent.com/stacklok/toolhive/main/pkg/registry/data/upstream-registry.schema.json";

type ClaudeEntry = { serverName: string } | { serverCommand: readonly string[] } | { serverUrl: string };

/**
 * A remote URL as a Claude Code `serverUrl` pattern: `{variables}` in the path or query become `*`. Undefined
 * when the URL holds a `*` of its own or a variable before the path (scheme, host, port): either would let
 * the pattern match servers the registry never listed.
 */
export function remoteUrlPattern(url: string): string | undefined {
  if (url.includes("*")) return undefined;
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url)?.[0];
  if (origin === undefined || /[{}]/.test(origin)) return undefined;
  return origin + url.slice(origin.length).replace(/\{[^{}]*\}/g, "*");
}

/** Claude Code's entries for one version: its name, each fixed package command line, each remote URL. */
function claudeEntries(server: ServerJson): ClaudeEntry[] {
  const entries: ClaudeEntry[] = [{ serverName: serverKey(server) }];
  for (const pkg of Array.isArray(server.packages) ? server.packages : []) {
    const command = packageCommand(pkg);
    if (command !== undefined) entries.push({ serverCommand: command });
  }
  for (const remote of Array.isArray(server.remotes) ? server.remotes : []) {
    const pattern = typeof remote.url === "string" ? remoteUrlPattern(remote.url) : undefined;
    if (pattern !== undefined) entries.push({ serverUrl: pattern });
  }
  return entries;
}

/**
 * One key per distinct entry: its kind and its value (a command line as its JSON array, so no two lines share
 * a key). A whole entry's JSON says the same at twice the length; at 100,000 versions these keys are the
 * file's main cost.
 */
function entryKey(entry: ClaudeEntry): string {
  if ("serverName" in entry) return `n${entry.serverName}`;
  if ("serverUrl" in entry) return `u${entry.serverUrl}`;
  return `c${JSON.stringify(entry.serverCommand)}`;
}

function claudeCodeSettings(model: RegistryModel): object {
  const seen = new Set<string>();
  const allowed: ClaudeEntry[] = [];
  for (const record of model.versions) {
    if (record.official.status === "deleted") continue;
    for (const entry of claudeEntries(serverOf(record))) {
      const key = entryKey(entry);
      if (!seen.has(key)) allowed.push(entry);
      seen.add(key);
    }
  }
  return { allowManagedMcpServersOnly: true, allowedMcpServers: allowed };
}

function vscodeRegistryOnly(model: RegistryModel): object {
  const names = [...new Set(listedRecords(model).map((r) => r.name))].sort(compareCodeUnits);
  return { serverNames: names };
}

/** What ToolHive can run from an entry: exactly one OCI image (a container) or a remote. Others it skips. */
function toolhiveRunnable(server: ServerJson): string | undefined {
  const images = (Array.isArray(server.packages) ? server.packages : []).filter((p) => p.registryType === "oci");
  const remote = Array.isArray(server.remotes) ? server.remotes[0] : undefined;
  if (remote !== undefined && typeof remote.url === "string") return remote.url;
  return images.length === 1 ? images[0]!.identifier : undefined;
}

/**
 * The document as ToolHive gets it: the author's `_meta` replaced by the registry's own ToolHive extension
 * (`io.github.stacklok`, keyed by the image or URL it describes), which carries only status and tier.
 */
function toolhiveServer(server: ServerJson, key: string, deprecated: boolean): ServerJson {
  const { _meta: authorMeta, ...rest } = server;
  void authorMeta;
  const extension = { status: deprecated ? "Deprecated" : "Active", tier: "Community" };
  return { ...rest, _meta: { [PUBLISHER_META_KEY]: { "io.github.stacklok": { [key]: extension } } } };
}

function toolhiveRegistry(model: RegistryModel): object {
  const servers: ServerJson[] = [];
  for (const record of listedRecords(model)) {
    const server = serverOf(record);
    const key = toolhiveRunnable(server);
    if (key !== undefined) servers.push(toolhiveServer(server, key, record.official.status === "deprecated"));
  }
  return {
    $schema: TOOLHIVE_SCHEMA,
    version: "1.0.0",
    meta: { last_updated: model.info.generatedAt },
    data: { servers },
  };
}

/** The three client files, by path. Deterministic: the same model gives the same bytes. */
export function buildClientFiles(model: RegistryModel): Map<string, string> {
  const write = (value: object) => `${stringifyJson(value, 2)}\n`;
  return new Map([
    [CLAUDE_CODE_SETTINGS_PATH, write(claudeCodeSettings(model))],
    [VSCODE_REGISTRY_ONLY_PATH, write(vscodeRegistryOnly(model))],
    [TOOLHIVE_REGISTRY_PATH, write(toolhiveRegistry(model))],
  ]);
}
