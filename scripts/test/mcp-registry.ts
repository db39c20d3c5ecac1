// A built sample registry on disk for the MCP server's tests: the fixture registry (the repository's servers
// plus a deleted server, a `+` version and a server with 40 versions) with its mirror bundle and a nightly
// health report, written as a deployment's files; the same files without the bundle, as a mirror serves them;
// and a client of the SDK connected in memory to a server over either.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { BUNDLE_PATH, buildBundle } from "../lib/mirror/bundle.ts";
import { REGISTRY_NAMESPACE } from "../lib/model.ts";
import type { RegistryData } from "../lib/mcp/data.ts";
import { createRegistryMcpServer } from "../lib/mcp/tools.ts";
import { buildFixtureRegistry, type FixtureRegistry } from "./static-hosts/fixture.ts";

const HEALTH_PATH = `v0.1/x/${REGISTRY_NAMESPACE}/health.json`;
export const HEALTH_REPORT = {
  version: 1,
  checkedAt: "2025-12-01T03:00:00Z",
  counts: { ok: 0, broken: 1, error: 0 },
  servers: [
    {
      name: "io.github.user/remote-weather",
      version: "2.1.0",
      file: "servers/io.github.user/remote-weather/2.1.0/server.json",
      status: "broken",
      checks: [{ kind: "remote", status: "fail", code: "remote/unreachable", message: "no answer", evidence: {} }],
    },
  ],
};

export interface SampleRegistry {
  readonly fixture: FixtureRegistry;
  /** The deployment's files: API, bundle, meta.json, health.json. */
  readonly dist: string;
  /** The same API files without the bundle or the health report, as a mirror's tree. */
  readonly mirror: string;
  cleanup(): void;
}

function writeFiles(root: string, files: Iterable<readonly [string, string | Uint8Array]>): void {
  for (const [rel, body] of files) {
    const file = path.join(root, ...rel.split("/"));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, body);
  }
}

export async function writeSampleRegistry(): Promise<SampleRegistry> {
  const fixture = await buildFixtureRegistry();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-registry-"));
  const dist = path.join(root, "dist");
  const mirror = path.join(root, "mirror");
  writeFiles(mirror, fixture.tree);
  writeFiles(dist, fixture.tree);
  writeFiles(dist, [
    [BUNDLE_PATH, buildBundle(fixture.model, 0).gz],
    [HEALTH_PATH, JSON.stringify(HEALTH_REPORT)],
  ]);
  return {
    fixture,
    dist,
    mirror,
    cleanup: () => {
      fixture.cleanup();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** An SDK client talking to a fresh server in memory. */
export async function connectInMemory(getData: () => Promise<RegistryData>): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createRegistryMcpServer(getData).connect(serverSide);
  const client = new Client({ name: "mcp-test", version: "1.0.0" });
  await client.connect(clientSide);
  return client;
}

/** callTool, typed as a tool result (the SDK's union also has the legacy `toolResult` shape). */
export async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The one text of a result (an error's message, or the structured result as JSON). */
export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === "text" ? first.text : "";
}
