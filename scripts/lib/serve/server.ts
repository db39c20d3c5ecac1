// The local registry server behind `npm start`: respond.ts's one answer to every request (the static tree,
// the browse site and the official query semantics of query.ts), over node:http, with every document and
// file in memory. The edge Worker (scripts/edge/worker.ts) answers with the same respond() over R2.

import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Worker } from "node:worker_threads";
import type { RegistryModel } from "../model.ts";
import { createQueryIndex, renderFromMemory, utf8 } from "./query.ts";
import { contentTypeFor, respond, siteCspWith, type RegistryHost, type Reply, type RequestFacts } from "./respond.ts";

export { API_CSP, SITE_CSP } from "./respond.ts";

export interface RegistryServerInput {
  readonly model: RegistryModel;
  /** The built tree (build.ts + site), paths relative to the site root. */
  readonly tree: ReadonlyMap<string, string | Uint8Array>;
  /** Answers `/mcp` (the registry's MCP server over streamable HTTP, scripts/lib/mcp/http.ts) when given. */
  readonly mcp?: http.RequestListener;
}

const sha256Base64 = (text: string): string => createHash("sha256").update(text).digest("base64");

/** The site CSP for one HTML page: its inline scripts and styles allowed by sha256, nothing else inline. */
export function siteCspFor(html: string): string {
  return siteCspWith(html, sha256Base64);
}

/** `npm start`'s host: the query index and every document in memory, files looked up in the tree as given. */
function memoryHost(input: RegistryServerInput): RegistryHost {
  const index = createQueryIndex(input.model);
  // No copy of the tree (a 20k-version tree has 120k files); files are typed when served (not the hot path).
  const { tree } = input;
  return {
    index,
    render: (selection) => renderFromMemory(index, selection),
    file: (path) => {
      const body = tree.get(path);
      return body === undefined
        ? undefined
        : { body: typeof body === "string" ? utf8(body) : body, type: contentTypeFor(path) };
    },
    has: (path) => tree.has(path),
    info: input.model.info,
    sha256Base64,
  };
}

function requestFacts(req: http.IncomingMessage): RequestFacts {
  return {
    method: req.method ?? "GET",
    url: req.url ?? "/",
    header: (name) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(", ") : v;
    },
  };
}

/** Write a reply: headers, then every chunk in one writev (the chunks are views into the prebuilt stores). */
function writeReply(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply): void {
  res.statusCode = reply.status;
  for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
  if (reply.status !== 204 && reply.status !== 304)
    res.setHeader(
      "Content-Length",
      reply.body.reduce((n, c) => n + c.length, 0),
    );
  if (req.method === "HEAD" || reply.body.length === 0) {
    res.end();
    return;
  }
  res.cork();
  for (let i = 0; i < reply.body.length - 1; i++) res.write(reply.body[i]);
  res.end(reply.body[reply.body.length - 1]);
  res.uncork();
}

/** The request handler; createRegistryServer wraps it in an http.Server. */
function createRegistryHandler(input: RegistryServerInput): http.RequestListener {
  const host = memoryHost(input);
  return (req, res) => {
    if (input.mcp !== undefined && (req.url ?? "/").split("?")[0] === "/mcp") return input.mcp(req, res);
    respond(requestFacts(req), host).then(
      (reply) => writeReply(req, res, reply),
      (error: unknown) => {
        // A bug: answer 500 rather than leave the client hanging, and let the process report it.
        res.statusCode = 500;
        res.end();
        queueMicrotask(() => {
          throw error;
        });
      },
    );
  };
}

/** An http.Server answering the registry; the caller listens (tests on 127.0.0.1:0, npm start on PORT). */
export function createRegistryServer(input: RegistryServerInput): http.Server {
  const server = http.createServer({ keepAliveTimeout: 10_000 }, createRegistryHandler(input));
  return server;
}

// ---------------------------------------------------------------------------------------------------------
// Load measurement for the benchmark (issue §5): a keep-alive load generator in a worker thread, so the
// client does not share the server's event loop.

export interface ThroughputInput {
  /**
   * Listening or not; when not, it is started on 127.0.0.1:0 and closed afterwards. Or the address of a
   * server in another process (the local edge's workerd).
   */
  readonly server: http.Server | { readonly host: string; readonly port: number };
  /** Request paths (with query strings), used round-robin. */
  readonly paths: readonly string[];
  readonly durationMs: number;
  /** Requests in flight at once (one keep-alive socket each). */
  readonly concurrency: number;
  /** Requests before this are not counted (default: a fifth of durationMs, at most 1 s). */
  readonly warmupMs?: number;
}

export interface ThroughputResult {
  readonly requests: number;
  readonly durationMs: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly bytes: number;
  /** Requests that failed at the socket level or answered anything but 200. */
  readonly errors: number;
  readonly statuses: Readonly<Record<string, number>>;
}

export async function measureServeThroughput(input: ThroughputInput): Promise<ThroughputResult> {
  if (input.paths.length === 0) throw new Error("measureServeThroughput: no paths to request");
  const server = input.server instanceof http.Server ? input.server : undefined;
  const started = server !== undefined && !server.listening;
  if (started)
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", () => resolve()));
  try {
    const address = server ? (server.address() as AddressInfo) : (input.server as { host: string; port: number });
    const named = "address" in address ? address.address : address.host;
    const host = named === "0.0.0.0" || named === "::" ? "127.0.0.1" : named;
    const worker = new Worker(new URL("../bench/load-worker.mjs", import.meta.url), {
      workerData: {
        host,
        port: address.port,
        paths: input.paths,
        durationMs: input.durationMs,
        warmupMs: input.warmupMs ?? Math.min(1000, Math.round(input.durationMs / 5)),
        concurrency: Math.max(1, Math.floor(input.concurrency)),
      },
    });
    return await new Promise<ThroughputResult>((resolve, reject) => {
      worker.once("message", (m: ThroughputResult) => resolve(m));
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`load worker exited with code ${code} before reporting`)));
    });
  } finally {
    if (started && server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
  }
}
