// Real MCP servers on 127.0.0.1 for tests, built with the SDK's own server classes: streamable HTTP
// (stateless, one McpServer per request, as the SDK's examples do) and the older HTTP+SSE transport.
// Not a mock: the client under test speaks MCP over a socket.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

export interface FakeMcpServer {
  /** The endpoint: `/mcp` for streamable HTTP, `/sse` for SSE. */
  readonly url: string;
  close(): Promise<void>;
}

export interface FakeMcpOptions {
  readonly transport: "streamable-http" | "sse";
  readonly name: string;
  readonly version: string;
  readonly tools: readonly string[];
}

function mcpServer(o: FakeMcpOptions): McpServer {
  const server = new McpServer({ name: o.name, version: o.version });
  for (const tool of o.tools)
    server.registerTool(tool, { description: `the ${tool} tool` }, () => ({ content: [{ type: "text", text: tool }] }));
  return server;
}

async function streamable(o: FakeMcpOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const server = mcpServer(o);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on("close", () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
}

function sseRoutes(o: FakeMcpOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const sessions = new Map<string, SSEServerTransport>();
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "GET" && url.pathname === "/sse") {
      const transport = new SSEServerTransport("/messages", res);
      sessions.set(transport.sessionId, transport);
      res.on("close", () => sessions.delete(transport.sessionId));
      await mcpServer(o).connect(transport);
      return;
    }
    const session = sessions.get(url.searchParams.get("sessionId") ?? "");
    if (req.method === "POST" && url.pathname === "/messages" && session) {
      await session.handlePostMessage(req, res);
      return;
    }
    res.writeHead(404).end();
  };
}

export async function startFakeMcpServer(o: FakeMcpOptions): Promise<FakeMcpServer> {
  const sse = sseRoutes(o);
  const sockets = new Set<Socket>();
  const http = createServer((req, res) => {
    const route =
      o.transport === "sse"
        ? sse(req, res)
        : (req.url ?? "").split("?")[0] === "/mcp"
          ? streamable(o, req, res)
          : Promise.resolve(void res.writeHead(404).end());
    route.catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  http.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${o.transport === "sse" ? "/sse" : "/mcp"}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        http.close(() => resolve());
      }),
  };
}
