// The registry's MCP server: its tools and resources, over whatever transport the caller connects
// (stdio in scripts/mcp.ts, streamable HTTP in http.ts). It only reads RegistryData (data.ts); search is the
// site's own engine (site/src/search.ts) and every install configuration comes from site/snippets.ts.
//
// Tool errors (an unknown server, a deleted version, a registry that does not answer) are tool results with
// isError and one sentence, so the model can read them and try again; bad arguments are refused by the SDK
// against each tool's input schema, the same way. Every text result is the structured result as JSON
// written by safe-json.ts (`<`, `>`, `&` escaped), since clients may render it.

import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { RefusalError } from "../errors.ts";
import { REGISTRY_META_KEY, STATUSES, serverOf, toServerResponse, type VersionRecord } from "../model.ts";
import { stringifyJson } from "../safe-json.ts";
import { buildInstallOptions, type Snippet, type SnippetClient } from "../../../site/snippets.ts";
import { STATUS_CODES, TRANSPORT_LOCAL, TRANSPORT_REMOTE, search } from "../../../site/src/search.ts";
import type { RegistryData } from "./data.ts";

const MCP_SERVER_INFO = { name: "mcp-static-registry", version: "0.1.0" } as const;

/** A refusal the model should read: returned as an isError tool result. */
class ToolFailure extends Error {}

type GetData = () => Promise<RegistryData>;

const INSTRUCTIONS =
  "Search this MCP server registry (search_servers), read a server's document and status (get_server), its " +
  "versions (list_versions), and get a ready configuration for a client (install_config). Secrets in a " +
  "configuration are placeholders the client or the user fills in; deleted versions are never offered.";

// ---------------------------------------------------------------------------------------------------------
// Schemas

const statusSchema = z.enum(STATUSES as unknown as ["active", "deprecated", "deleted"]);
const nameSchema = z.string().min(1).max(200).describe("The server's full name, e.g. io.github.user/weather");
const versionSchema = z.string().min(1).max(255);

const TRANSPORTS = ["local", "remote", "stdio", "streamable-http", "sse"] as const;
const CLIENTS = ["vscode", "claude-desktop", "cursor", "claude-code", "command-line"] as const;
const SNIPPET_CLIENT: Readonly<Record<(typeof CLIENTS)[number], SnippetClient>> = {
  vscode: "vscode",
  "claude-desktop": "claude-desktop",
  cursor: "cursor",
  "claude-code": "claude-code",
  "command-line": "shell",
};

const searchHit = z.object({
  name: z.string(),
  title: z.string().optional(),
  description: z.string(),
  latestVersion: z.string(),
  status: statusSchema,
  versions: z.number().int().describe("Versions published, deleted ones included"),
  local: z.boolean().describe("Has a package that runs on the user's machine"),
  remote: z.boolean().describe("Has a hosted (remote) endpoint"),
  transports: z.array(z.string()).describe("Transport types of its packages and remotes: stdio, streamable-http, sse"),
  packageTypes: z.array(z.string()),
});

const versionSummary = z.object({
  version: z.string(),
  status: statusSchema,
  statusMessage: z.string().optional(),
  publishedAt: z.string(),
  isLatest: z.boolean(),
});

const nightlySchema = z.object({
  status: z.string().describe("ok, broken (a check failed) or error (a service did not answer)"),
  checkedAt: z.string(),
  checks: z.array(z.object({ kind: z.string(), status: z.string(), message: z.string() })),
});

const verificationSchema = z.object({
  atMerge: z
    .string()
    .describe("What the registry proved before this version was merged (its pull request check passed)"),
  nightly: nightlySchema.optional().describe("The latest nightly re-check of the server's latest version"),
  evidence: z
    .unknown()
    .optional()
    .describe(
      "What the registry recorded for this version (its own _meta block: where the verification receipt is published)",
    ),
});

const settingSchema = z.object({
  kind: z.string(),
  name: z.string(),
  description: z.string().optional(),
  isRequired: z.boolean(),
  isSecret: z.boolean(),
  default: z.string().optional(),
  choices: z.array(z.string()).optional(),
});

// ---------------------------------------------------------------------------------------------------------
// Lookups

function json(value: unknown): string {
  return stringifyJson(value, 2);
}

function ok<T extends Record<string, unknown>>(structured: T): CallToolResult {
  return { content: [{ type: "text", text: json(structured) }], structuredContent: structured };
}

function failed(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

/** Runs a tool body: its refusals (and the registry's: network, malformed files) become isError results. */
async function guarded(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof ToolFailure || e instanceof RefusalError) return failed(e.message);
    throw e;
  }
}

async function loadData(getData: GetData): Promise<RegistryData> {
  try {
    return await getData();
  } catch (e) {
    if (e instanceof RefusalError) throw new ToolFailure(`The registry could not be read: ${e.message}`);
    throw e;
  }
}

function unknownServer(data: RegistryData, name: string): ToolFailure {
  const similar = search(data.index, name.replace("/", " "), { status: "any" })
    .slice(0, 3)
    .map((hit) => data.groups[hit.index]?.name)
    .filter((n) => n !== undefined);
  const hint = similar.length === 0 ? " Use search_servers to find one." : ` Did you mean ${similar.join(", ")}?`;
  return new ToolFailure(`No server named ${JSON.stringify(name)} in this registry.${hint}`);
}

async function versionsOf(data: RegistryData, name: string): Promise<readonly VersionRecord[]> {
  const versions = await data.versionsOf(name);
  if (versions === undefined) throw unknownServer(data, name);
  return versions;
}

/** The version asked for; "latest" (or none) is the server's latest, as the API's `/versions/latest`. */
async function pickVersion(data: RegistryData, name: string, version: string | undefined): Promise<VersionRecord> {
  const versions = await versionsOf(data, name);
  if (version === undefined || version === "latest") {
    const latest = versions.find((v) => v.official.isLatest) ?? data.byName.get(name)?.latest ?? versions[0];
    if (latest === undefined) throw unknownServer(data, name);
    return latest;
  }
  const found = versions.find((v) => v.version === version);
  if (found !== undefined) return found;
  const known = versions
    .filter((v) => v.official.status !== "deleted")
    .map((v) => v.version)
    .slice(0, 10);
  const gone = data.complete ? "" : " (this host does not publish deleted versions, so it may have been deleted)";
  throw new ToolFailure(
    `${name} has no version ${JSON.stringify(version)}${gone}. Versions: ${known.join(", ") || "none"}.`,
  );
}

function statusWarning(record: VersionRecord): string | undefined {
  const { status, statusMessage } = record.official;
  if (status === "active") return undefined;
  const why = statusMessage === undefined ? "" : `: ${statusMessage.replace(/\.$/, "")}`;
  return status === "deleted"
    ? `${record.name}@${record.version} is deleted${why}. It is not offered for install.`
    : `${record.name}@${record.version} is deprecated${why}`;
}

function summary(record: VersionRecord): z.infer<typeof versionSummary> {
  const { status, statusMessage, publishedAt, isLatest } = record.official;
  return {
    version: record.version,
    status,
    ...(statusMessage === undefined ? {} : { statusMessage }),
    publishedAt,
    isLatest,
  };
}

const AT_MERGE =
  "Merged after the registry's pull request check: the JSON schema and publish rules, namespace ownership " +
  "(GitHub account or organisation, or a domain key's signature) and every package's back-reference to this name.";

// ---------------------------------------------------------------------------------------------------------
// Tools

interface SearchArgs {
  readonly query?: string | undefined;
  readonly packageType?: string | undefined;
  readonly transport?: (typeof TRANSPORTS)[number] | undefined;
  readonly status?: string | undefined;
  readonly limit?: number | undefined;
}

/** The transport types of a server's latest version: its packages' (stdio by default) and its remotes'. */
function transportsOf(record: VersionRecord | undefined): string[] {
  const server = record === undefined ? undefined : serverOf(record);
  const packages = Array.isArray(server?.packages) ? server.packages : [];
  const remotes = Array.isArray(server?.remotes) ? server.remotes : [];
  const types = [...packages.map((p) => p?.transport?.type ?? "stdio"), ...remotes.map((r) => r?.type)];
  return [...new Set(types.filter((t): t is string => typeof t === "string"))].sort();
}

/** The site's search (ranking and local/remote filter), then a filter on one transport type if asked. */
function searchServers(data: RegistryData, args: SearchArgs) {
  const byType = args.transport !== undefined && args.transport !== "local" && args.transport !== "remote";
  const hits = search(data.index, args.query ?? "", {
    packageType: args.packageType ?? "",
    transport: byType ? "" : (args.transport ?? ""),
    status: args.status ?? "",
  }).filter((hit) => !byType || transportsOf(data.groups[hit.index]?.latest).includes(args.transport ?? ""));
  const file = data.index.file;
  const servers = hits.slice(0, args.limit ?? 20).map(({ index: i }) => {
    const title = file.title[i] ?? "";
    return {
      name: data.index.fullName[i] ?? "",
      ...(title === "" ? {} : { title }),
      description: file.description[i] ?? "",
      latestVersion: file.version[i] ?? "",
      status: STATUS_CODES[file.status[i] ?? 0] ?? "active",
      versions: file.versions[i] ?? 0,
      local: ((file.transport[i] ?? 0) & TRANSPORT_LOCAL) !== 0,
      remote: ((file.transport[i] ?? 0) & TRANSPORT_REMOTE) !== 0,
      transports: transportsOf(data.groups[i]?.latest),
      packageTypes: (file.packages[i] ?? []).map((t) => file.packageTypes[t] ?? ""),
    };
  });
  return { total: hits.length, servers };
}

function registerSearch(server: McpServer, getData: GetData): void {
  server.registerTool(
    "search_servers",
    {
      title: "Search servers",
      description:
        "Finds servers by text (typo-tolerant: names first, then titles, then descriptions) and filters. " +
        "An empty query lists every server by name. Deleted servers are left out unless status is deleted or any.",
      inputSchema: {
        query: z.string().max(200).optional().describe("Words to look for, e.g. 'weather' or 'gthub' (typos are fine)"),
        packageType: z
          .string()
          .max(40)
          .optional()
          .describe("Only servers with a package of this type: npm, pypi, oci, nuget, mcpb…"),
        transport: z
          .enum(TRANSPORTS)
          .optional()
          .describe("local: runs on the user's machine; remote: hosted; or one transport: stdio, streamable-http, sse"),
        status: z
          .enum(["active", "deprecated", "deleted", "any"])
          .optional()
          .describe("Default: active and deprecated"),
        limit: z.number().int().min(1).max(100).optional().describe("At most this many results (default 20)"),
      },
      outputSchema: { total: z.number().int(), servers: z.array(searchHit) },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => guarded(async () => ok(searchServers(await loadData(getData), args))),
  );
}

function registerGetServer(server: McpServer, getData: GetData): void {
  server.registerTool(
    "get_server",
    {
      title: "Get a server",
      description:
        "One version of a server (the latest when no version is given): its server.json, status, times and what " +
        "the registry verified. A deleted version is shown as deleted, with installable false.",
      inputSchema: { name: nameSchema, version: versionSchema.optional().describe("A version, or latest (default)") },
      outputSchema: {
        name: z.string(),
        version: z.string(),
        status: statusSchema,
        statusMessage: z.string().optional(),
        warning: z.string().optional(),
        installable: z.boolean(),
        isLatest: z.boolean(),
        publishedAt: z.string(),
        updatedAt: z.string().optional(),
        statusChangedAt: z.string().optional(),
        server: z.record(z.string(), z.unknown()).describe("The server.json, exactly as published"),
        verification: verificationSchema,
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) =>
      guarded(async () => {
        const data = await loadData(getData);
        const record = await pickVersion(data, args.name, args.version);
        const { status, statusMessage, isLatest, publishedAt, updatedAt, statusChangedAt } = record.official;
        const warning = statusWarning(record);
        const nightly = data.health(record.name, record.version);
        const evidence = verificationOf(record);
        return ok({
          name: record.name,
          version: record.version,
          status,
          ...(statusMessage === undefined ? {} : { statusMessage }),
          ...(warning === undefined ? {} : { warning }),
          installable: status !== "deleted",
          isLatest,
          publishedAt,
          ...(typeof updatedAt === "string" ? { updatedAt } : {}),
          ...(typeof statusChangedAt === "string" ? { statusChangedAt } : {}),
          server: serverOf(record) as unknown as Record<string, unknown>,
          verification: {
            atMerge: AT_MERGE,
            ...(nightly === undefined ? {} : { nightly }),
            ...(evidence === undefined ? {} : { evidence }),
          },
        });
      }),
  );
}

function registerListVersions(server: McpServer, getData: GetData): void {
  server.registerTool(
    "list_versions",
    {
      title: "List versions",
      description: "Every version of a server, newest first, with its status. Deleted ones only when asked for.",
      inputSchema: { name: nameSchema, includeDeleted: z.boolean().optional().describe("Default false") },
      outputSchema: { name: z.string(), versions: z.array(versionSummary) },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) =>
      guarded(async () => {
        const data = await loadData(getData);
        const versions = await versionsOf(data, args.name);
        const shown = args.includeDeleted === true ? versions : versions.filter((v) => v.official.status !== "deleted");
        return ok({ name: args.name, versions: shown.map(summary) });
      }),
  );
}

function snippetFor(snippets: readonly Snippet[], client: SnippetClient) {
  const found = snippets.find((s) => s.client === client);
  if (found === undefined) return undefined;
  return {
    label: found.label,
    ...(found.file === undefined ? {} : { file: found.file }),
    language: found.language,
    text: found.text,
  };
}

function registerInstallConfig(server: McpServer, getData: GetData): void {
  server.registerTool(
    "install_config",
    {
      title: "Install configuration",
      description:
        "A ready configuration for one client, per install option (each package and each remote): VS Code " +
        "(.vscode/mcp.json), Claude Desktop (claude_desktop_config.json), Cursor (.cursor/mcp.json), Claude Code " +
        "(a `claude mcp add` line) or a plain command line. Secrets are placeholders (VS Code prompts for them); " +
        "replace <…> values yourself. Deleted versions are refused; deprecated ones come with a warning.",
      inputSchema: {
        name: nameSchema,
        version: versionSchema.optional().describe("A version, or latest (default)"),
        client: z.enum(CLIENTS),
      },
      outputSchema: {
        name: z.string(),
        version: z.string(),
        status: statusSchema,
        warning: z.string().optional(),
        client: z.enum(CLIENTS),
        available: z.boolean().describe("At least one option has a configuration for this client"),
        options: z.array(
          z.object({
            id: z.string(),
            kind: z.enum(["package", "remote"]),
            label: z.string(),
            configuration: z
              .object({
                label: z.string(),
                file: z.string().optional(),
                language: z.enum(["json", "shell"]),
                text: z.string(),
              })
              .optional(),
            notes: z.array(z.string()),
            settings: z.array(settingSchema),
          }),
        ),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) =>
      guarded(async () => {
        const data = await loadData(getData);
        const record = await pickVersion(data, args.name, args.version);
        const warning = statusWarning(record);
        if (record.official.status === "deleted") throw new ToolFailure(warning ?? "deleted");
        const client = SNIPPET_CLIENT[args.client];
        const options = buildInstallOptions(serverOf(record)).map((option) => {
          const configuration = snippetFor(option.snippets, client);
          return {
            id: option.id,
            kind: option.kind,
            label: option.label,
            ...(configuration === undefined ? {} : { configuration }),
            notes: [...option.notes],
            settings: option.settings.map((s) => ({
              ...s,
              ...(s.choices === undefined ? {} : { choices: [...s.choices] }),
            })),
          };
        });
        return ok({
          name: record.name,
          version: record.version,
          status: record.official.status,
          ...(warning === undefined ? {} : { warning }),
          client: args.client,
          available: options.some((o) => o.configuration !== undefined),
          options,
        });
      }),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Resources: each version's document as the API serves it

const RESOURCE_TEMPLATE = "registry://servers/{namespace}/{server}/versions/{version}";

function resourceUri(record: VersionRecord): string {
  const [namespace = "", name = ""] = record.name.split("/");
  return `registry://servers/${namespace}/${name}/versions/${encodeURIComponent(record.version)}`;
}

function registerDocuments(server: McpServer, getData: GetData): void {
  const template = new ResourceTemplate(RESOURCE_TEMPLATE, {
    list: async () => {
      const data = await getData();
      return {
        resources: data.groups
          .filter((g) => g.latest.official.status !== "deleted")
          .map((g) => {
            const server = serverOf(g.latest);
            return {
              uri: resourceUri(g.latest),
              name: g.name,
              title: typeof server.title === "string" ? server.title : g.name,
              description: server.description,
              mimeType: "application/json",
            };
          }),
      };
    },
  });
  server.registerResource(
    "server-document",
    template,
    {
      title: "Server document",
      description: "One version's server response, as the registry API serves it",
      mimeType: "application/json",
    },
    async (uri, variables) => {
      const one = (v: string | string[] | undefined) => decodeURIComponent(Array.isArray(v) ? (v[0] ?? "") : (v ?? ""));
      const data = await loadData(getData);
      const record = await pickVersion(
        data,
        `${one(variables.namespace)}/${one(variables.server)}`,
        one(variables.version),
      );
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: json(toServerResponse(record)) }] };
    },
  );
}

/** A server with every tool and resource, reading the registry through `getData` (cached by the caller). */
export function createRegistryMcpServer(getData: GetData): McpServer {
  const server = new McpServer(MCP_SERVER_INFO, { instructions: INSTRUCTIONS });
  registerSearch(server, getData);
  registerGetServer(server, getData);
  registerListVersions(server, getData);
  registerInstallConfig(server, getData);
  registerDocuments(server, getData);
  return server;
}

/**
 * What the registry itself recorded for a version: the registry's own `_meta` block of the served document (the
 * receipt's route, receipt.ts), never `server._meta`, which the author writes and could fake.
 */
function verificationOf(record: VersionRecord): unknown {
  const meta = (record as VersionRecord & { readonly _meta?: unknown })._meta;
  if (meta == null || typeof meta !== "object") return undefined;
  return Object.hasOwn(meta, REGISTRY_META_KEY) ? (meta as Record<string, unknown>)[REGISTRY_META_KEY] : undefined;
}
