// A real HTTP server on 127.0.0.1, port 0, for tests: routes answer recorded responses (files under
// scripts/test/fixtures/http/) or run a handler. Requests are recorded so tests can assert what was
// asked (paths, headers). Not a mock: the code under test talks HTTP over a socket.

import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { fileURLToPath } from "node:url";

const HTTP_FIXTURES = fileURLToPath(new URL("../fixtures/http/", import.meta.url));

export interface CannedResponse {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** A string or bytes are sent as they are; anything else as JSON. */
  readonly body?: unknown;
  /** A file under fixtures/http/, sent as the body; `{base}` in it is replaced by the server URL. */
  readonly fixture?: string;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, server: FakeServer) => void | Promise<void>;

interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
}

export interface FakeServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Read a fixture file under fixtures/http/. */
export function fixture(path: string): Buffer {
  return readFileSync(HTTP_FIXTURES + path);
}

export function send(res: ServerResponse, canned: CannedResponse, base: string, method = "GET"): void {
  let body: Buffer;
  const headers: Record<string, string> = { ...canned.headers };
  if (canned.fixture !== undefined) {
    const raw = fixture(canned.fixture);
    body = raw.includes("{base}") ? Buffer.from(raw.toString("utf8").replaceAll("{base}", base)) : raw;
    headers["content-type"] ??= canned.fixture.endsWith(".json") ? "application/json" : "text/plain; charset=utf-8";
  } else if (typeof canned.body === "string") {
    body = Buffer.from(canned.body);
  } else if (canned.body instanceof Uint8Array) {
    body = Buffer.from(canned.body);
  } else if (canned.body === undefined) {
    body = Buffer.alloc(0);
  } else {
    body = Buffer.from(JSON.stringify(canned.body));
    headers["content-type"] ??= "application/json";
  }
  headers["content-length"] = String(body.length);
  res.writeHead(canned.status ?? 200, headers);
  res.end(method === "HEAD" ? undefined : body);
}

/**
 * Routes are keyed `"GET /path"` (exact method) or `"/path"` (any method; HEAD answers like GET without
 * a body). The path includes the query string when the key has one. Unknown routes answer 404.
 */
export async function startFakeServer(routes: Record<string, CannedResponse | Handler> | Handler): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    requests.push({ method, url, headers: req.headers });
    const base = self.url;
    const route =
      typeof routes === "function"
        ? routes
        : (routes[`${method} ${url}`] ??
          routes[url] ??
          (method === "HEAD" ? routes[`GET ${url}`] : undefined) ??
          routes[`${method} ${url.split("?")[0]}`] ??
          routes[url.split("?")[0] as string]);
    if (route === undefined) {
      send(
        res,
        { status: 404, body: { errors: [{ code: "NOT_FOUND", message: `no route for ${method} ${url}` }] } },
        base,
        method,
      );
      return;
    }
    if (typeof route === "function") {
      Promise.resolve(route(req, res, self)).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(error));
      });
      return;
    }
    send(res, route, base, method);
  });
  // Tests end servers while clients may still hold keep-alive sockets: do not wait for them.
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const self: FakeServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return self;
}

/** A handler that accepts the request and never answers (a registry that hangs). */
export const neverAnswer: Handler = () => undefined;

/** A handler that streams `totalBytes` of zeros in 64 KiB chunks, honouring backpressure. */
export function streamBytes(totalBytes: number, sent: { bytes: number } = { bytes: 0 }): Handler {
  return (_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    const chunk = Buffer.alloc(64 * 1024);
    const pump = () => {
      while (sent.bytes < totalBytes) {
        const n = Math.min(chunk.length, totalBytes - sent.bytes);
        sent.bytes += n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    res.on("close", () => {
      sent.bytes = Math.min(sent.bytes, totalBytes);
    });
    pump();
  };
}
