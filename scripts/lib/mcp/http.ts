// The registry's MCP server over streamable HTTP, on web-standard Request and Response: `npm start` mounts it
// at /mcp through nodeMcpHandler below, and a Cloudflare Worker (or Deno, Bun) can call handleMcpRequest from
// its fetch handler unchanged.
//
// Stateless (no session ids): every request gets a fresh server and transport, which is all a read-only
// registry needs, and is what a Worker, with no memory between requests it can rely on, can serve. Answers
// are plain JSON (no SSE stream). POST bodies are capped (MAX_BODY_BYTES); every other method is answered
// 405 (the transport would hold a GET open as an event stream that never carries anything here).

import type http from "node:http";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { RegistryData } from "./data.ts";
import { createRegistryMcpServer } from "./tools.ts";

export const MCP_PATH = "/mcp";
const MAX_BODY_BYTES = 1 << 20;

/** One MCP request answered: a Worker's `fetch(request)` can return this directly. */
export async function handleMcpRequest(request: Request, getData: () => Promise<RegistryData>): Promise<Response> {
  // GET would open a stream for server-initiated messages, which a stateless server never sends: it would
  // only hold a connection open. DELETE ends a session, and there are none.
  if (request.method !== "POST")
    return new Response(
      JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed: POST only" }, id: null }),
      { status: 405, headers: { Allow: "POST", "Content-Type": "application/json" } },
    );
  const server = createRegistryMcpServer(getData);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
    maxRequestBodySize: MAX_BODY_BYTES,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request);
  } finally {
    // With JSON responses the body is complete when handleRequest returns.
    await server.close();
  }
}

async function readBody(req: http.IncomingMessage): Promise<Uint8Array<ArrayBuffer> | "too-large"> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_BODY_BYTES) return "too-large";
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function toRequest(req: http.IncomingMessage, body: Uint8Array<ArrayBuffer> | undefined): Request {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
  }
  const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
  return new Request(url, { method: req.method ?? "GET", headers, ...(body === undefined ? {} : { body }) });
}

/** handleMcpRequest for node:http: the request read (bounded), the answer written back. */
export function nodeMcpHandler(getData: () => Promise<RegistryData>): http.RequestListener {
  return (req, res) => {
    void (async () => {
      const method = req.method ?? "GET";
      const body = method === "POST" ? await readBody(req) : undefined;
      if (body === "too-large") {
        res
          .writeHead(413, { "Content-Type": "application/json" })
          .end(
            JSON.stringify({ jsonrpc: "2.0", error: { code: -32600, message: "request body too large" }, id: null }),
          );
        return;
      }
      const response = await handleMcpRequest(toRequest(req, body), getData);
      res.statusCode = response.status;
      response.headers.forEach((value, key) => res.setHeader(key, value));
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32603, message: "internal error" }, id: null }));
    });
  };
}
