// npm run mcp -- --registry URL|DIR
// The registry's own MCP server over stdio: search, read and install from any deployment of this registry
// (GitHub Pages, the edge, `npm start`, a mirror) or a built tree, reading its static files only.

import fs from "node:fs";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { checks, defineCommand, runCommand, UsageError } from "./lib/cli.ts";
import { createRegistryCache } from "./lib/mcp/data.ts";
import { dirSource, urlSource, type RegistrySource } from "./lib/mcp/source.ts";
import { createRegistryMcpServer } from "./lib/mcp/tools.ts";
import { createHttpClient } from "./lib/verify/http.ts";
import { visible } from "./lib/terminal.ts";

const command = defineCommand({
  name: "mcp",
  usage: "npm run mcp -- --registry URL|DIR [--cache-seconds N] [--timeout SECONDS]",
  description:
    "Serves this registry to MCP clients over stdio: tools to search servers, read one, list its versions and get\n" +
    "an install configuration for VS Code, Claude Desktop, Cursor, Claude Code or a command line. URL is any\n" +
    "deployment (its base, e.g. https://owner.github.io/repo); DIR a built tree (dist/).",
  options: {
    registry: { type: "string", value: "URL|DIR", help: "the registry to serve (required)" },
    "cache-seconds": {
      type: "string",
      value: "N",
      default: "60",
      check: checks.integer(0, 86_400),
      help: "how long loaded data is used before asking the registry whether it changed",
    },
    timeout: {
      type: "string",
      value: "SECONDS",
      default: "30",
      check: checks.positive,
      help: "per request to the registry",
    },
  },
  example: "npm run mcp -- --registry https://owner.github.io/repo",
});

function sourceFor(registry: string, timeoutMs: number): RegistrySource {
  if (/^https?:\/\//i.test(registry)) {
    if (checks.httpUrl(registry) !== undefined) throw new UsageError(`--registry: not a URL: ${visible(registry)}`);
    return urlSource(registry, createHttpClient({ timeoutMs, retries: 1 }), { timeoutMs });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(registry))
    throw new UsageError(`--registry: expected an http(s) URL or a folder, got ${visible(registry)}`);
  if (!fs.statSync(registry, { throwIfNoEntry: false })?.isDirectory())
    throw new UsageError(`--registry: no such folder: ${visible(registry)} (build one with npm run build)`);
  return dirSource(registry);
}

runCommand(command, async ({ values }) => {
  if (values.registry === undefined) throw new UsageError("--registry is required");
  const timeoutMs = Number(values.timeout) * 1000;
  const source = sourceFor(values.registry, timeoutMs);
  const getData = createRegistryCache(source, { ttlMs: Number(values["cache-seconds"]) * 1000 });
  const server = createRegistryMcpServer(getData);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  process.stdin.once("end", () => void server.close());
  await closed;
  return 0;
});
