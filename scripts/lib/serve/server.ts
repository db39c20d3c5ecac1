// The local registry server behind `npm start`: the static tree (API files and the browse site) plus the
// official query semantics on the API routes (query.ts), with upstream's transport behaviour
// (UPSTREAM.md §2.4, §2.10): NUL rejection, 308 on trailing slashes, CORS, problem+json errors.
//
// Routing, in upstream's middleware order: NUL check → trailing-slash redirect (API paths only: the site's
// folders keep Pages' `/dir` → `/dir/` behaviour) → CORS → routes → static files → 404.
//
// API routes (under /v0 and /v0.1, GET and HEAD):
//   /servers                              list with cursor, limit, search, updated_since, version, include_deleted
//   /servers/{name}/versions              all versions, newest first (include_deleted)
//   /servers/{name}/versions/{version}    one version or `latest` (include_deleted)
//   /health, /ping, /version
// `{name}` is one URL-encoded segment as upstream requires (`io.github.a%2Fb`); the unencoded two-segment
// form (`io.github.a/b`) is accepted too, as every static host answers it. Paths that are not routes
// (`servers.json`, `…/latest.json`, `x/<ns>/meta.json`) are the static files of the build.

import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Worker } from "node:worker_threads";
import { API_PREFIXES, type RegistryModel } from "../model.ts";
import { stringifyJson } from "../safe-json.ts";
import {
  JSON_TYPE,
  createQueryIndex,
  bodyLength,
  listServers,
  parseIncludeDeleted,
  parseListQuery,
  problem,
  serverVersion,
  serverVersions,
  DETAIL,
  type ApiResponse,
  bodyBytes,
} from "./query.ts";

export interface RegistryServerInput {
  readonly model: RegistryModel;
  /** The built tree (build.ts + site), paths relative to the site root. */
  readonly tree: ReadonlyMap<string, string | Uint8Array>;
  /** Answers `/mcp` (the registry's MCP server over streamable HTTP, scripts/lib/mcp/http.ts) when given. */
  readonly mcp?: http.RequestListener;
}

const MIME: Readonly<Record<string, string>> = {
  json: "application/json",
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  ico: "image/x-icon",
  woff: "font/woff",
  woff2: "font/woff2",
  map: "application/json",
  webmanifest: "application/manifest+json",
  yaml: "application/yaml",
  yml: "application/yaml",
  gz: "application/gzip",
  sig: "application/octet-stream",
};

/** Content type by extension, as static hosts do; unknown or none → application/octet-stream. */
function contentTypeFor(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  if (dot <= 0) return "application/octet-stream";
  return MIME[base.slice(dot + 1).toLowerCase()] ?? "application/octet-stream";
}

// Security headers. API responses are data: nothing in them may run, load, be framed or sniffed as HTML (a
// `.html` twin is JSON; `sandbox` gives it an opaque origin even if a browser renders it). The site runs its
// own script and style only: app.js, site.css and search-index.json from this origin, plus the 404 page's
// inline script and style, allowed by hash (computed from the page served, so a changed page cannot run
// anything else).
const COMMON_SECURITY_HEADERS = { "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY" } as const;
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox";
export const SITE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const API_SECURITY_HEADERS = {
  ...COMMON_SECURITY_HEADERS,
  "Content-Security-Policy": API_CSP,
  "Referrer-Policy": "no-referrer",
} as const;
const SITE_SECURITY_HEADERS = {
  ...COMMON_SECURITY_HEADERS,
  "Content-Security-Policy": SITE_CSP,
  "Referrer-Policy": "same-origin",
} as const;

const INLINE_SCRIPT = /<script\b(?![^>]*\bsrc\s*=)[^>]*>([\s\S]*?)<\/script>/gi;
const INLINE_STYLE = /<style\b[^>]*>([\s\S]*?)<\/style>/gi;

/** The site CSP for one HTML page: its inline scripts and styles allowed by sha256, nothing else inline. */
export function siteCspFor(html: string): string {
  const hashes = (re: RegExp) =>
    [...html.matchAll(re)].map((m) => ` 'sha256-${createHash("sha256").update(m[1]!).digest("base64")}'`).join("");
  const scripts = hashes(INLINE_SCRIPT);
  const styles = hashes(INLINE_STYLE);
  return SITE_CSP.replace("script-src 'self'", `script-src 'self'${scripts}`).replace(
    "style-src 'self'",
    `style-src 'self'${styles}`,
  );
}

// rs/cors as configured upstream (internal/api/server.go; PATCH since #1436).
const CORS_METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]);
const CORS_MAX_AGE = "86400";

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
}

/** Decode %XX once, as Go's url.PathUnescape (bytes, then UTF-8). null when an escape is malformed. */
function percentDecode(s: string): string | null {
  if (!s.includes("%")) return s;
  const bytes: number[] = [];
  const raw = Buffer.from(s, "utf8");
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== 0x25) {
      bytes.push(c);
      continue;
    }
    const hex = raw.subarray(i + 1, i + 3).toString("latin1");
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null;
    bytes.push(parseInt(hex, 16));
    i += 2;
  }
  return Buffer.from(bytes).toString("utf8");
}

function isApiPath(path: string): boolean {
  return API_PREFIXES.some((p) => path === `/${p}` || path.startsWith(`/${p}/`));
}

function notFoundDetail(path: string): string {
  const rest = path.replace(/^\/(v0\.1|v0)(?=\/|$)/, "");
  return `Endpoint not found. Did you mean '/v0.1${rest}' or '/v0${rest}'? See /v0.1/servers for the list of servers.`;
}

/** The request handler; createRegistryServer wraps it in an http.Server. */
function createRegistryHandler(input: RegistryServerInput): http.RequestListener {
  const index = createQueryIndex(input.model);
  // Static files are looked up in the tree as given (no copy: a 20k-version tree has 120k files) and typed
  // when served; they are not the hot path.
  const { tree } = input;
  const fileAt = (urlPath: string): StaticFile | undefined => {
    const body = tree.get(urlPath.slice(1));
    if (body === undefined) return undefined;
    return {
      body: typeof body === "string" ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      type: contentTypeFor(urlPath),
    };
  };
  const hasFile = (urlPath: string) => tree.has(urlPath.slice(1));
  const info = input.model.info;
  const statusBodies: Record<string, Buffer> = {
    health: Buffer.from(stringifyJson({ status: "ok" })),
    ping: Buffer.from(stringifyJson({ pong: true })),
    version: Buffer.from(
      stringifyJson({ version: "static", git_commit: info.gitCommit ?? "unknown", build_time: info.generatedAt }),
    ),
  };

  const send = (req: http.IncomingMessage, res: http.ServerResponse, r: ApiResponse) => {
    res.statusCode = r.status;
    if (res.getHeader("Content-Security-Policy") === SITE_CSP && r.contentType.startsWith("text/html"))
      res.setHeader("Content-Security-Policy", siteCspFor(bodyBytes(r).toString("utf8")));
    res.setHeader("Content-Type", r.contentType);
    res.setHeader("Content-Length", bodyLength(r));
    for (const [k, v] of Object.entries(r.headers ?? {})) res.setHeader(k, v);
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    // One writev for headers and every chunk: the chunks are views into the prebuilt stores.
    res.cork();
    for (let i = 0; i < r.body.length - 1; i++) res.write(r.body[i]);
    res.end(r.body[r.body.length - 1]);
    res.uncork();
  };
  const redirect = (res: http.ServerResponse, status: number, location: string) => {
    res.statusCode = status;
    res.setHeader("Location", location);
    res.setHeader("Content-Length", 0);
    res.end();
  };
  const notFound = (path: string): ApiResponse => {
    const page = isApiPath(path) ? undefined : fileAt("/404.html");
    return page ? { status: 404, contentType: page.type, body: [page.body] } : problem(404, notFoundDetail(path));
  };
  const staticFile = (f: StaticFile): ApiResponse => ({ status: 200, contentType: f.type, body: [f.body] });

  /** An API route's answer, or undefined when the path is not a route. */
  const route = (segments: readonly string[], query: URLSearchParams): ApiResponse | undefined => {
    const [first] = segments;
    if (segments.length === 1 && first !== undefined && first in statusBodies)
      return { status: 200, contentType: JSON_TYPE, body: [statusBodies[first]!] };
    if (first !== "servers") return undefined;
    if (segments.length === 1) {
      const parsed = parseListQuery(query);
      return parsed.kind === "problem" ? parsed.response : listServers(index, parsed.query);
    }
    let rawName: string | undefined;
    let rest: readonly string[] = [];
    if (segments.length >= 3 && segments[2] === "versions") [rawName, rest] = [segments[1], segments.slice(3)];
    else if (segments.length >= 4 && segments[3] === "versions")
      [rawName, rest] = [`${segments[1]}/${segments[2]}`, segments.slice(4)];
    if (rawName === undefined || rest.length > 1) return undefined;
    // The mux decoded each segment once; upstream's handler url.PathUnescape()s the value again.
    const name = percentDecode(rawName);
    if (name == null) return problem(400, DETAIL.invalidNameEncoding);
    const deleted = parseIncludeDeleted(query);
    if (deleted.kind === "problem") return deleted.response;
    if (rest.length === 0) return serverVersions(index, name, deleted.value);
    const version = percentDecode(rest[0]!);
    if (version == null) return problem(400, DETAIL.invalidVersionEncoding);
    return serverVersion(index, name, version, deleted.value);
  };

  return (req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q === -1 ? url : url.slice(0, q);
    const rawQuery = q === -1 ? "" : url.slice(q + 1);
    const path = rawPath.startsWith("/") ? percentDecode(rawPath) : null;
    for (const [k, v] of Object.entries(
      path != null && !isApiPath(path) ? SITE_SECURITY_HEADERS : API_SECURITY_HEADERS,
    ))
      res.setHeader(k, v);
    if (input.mcp !== undefined && rawPath === "/mcp") return input.mcp(req, res);
    if (path == null) return send(req, res, problem(400, "Invalid request: malformed URL path"));
    if (path.includes("\0") || path.includes("%00"))
      return send(req, res, problem(400, "Invalid request: URL path contains null bytes", undefined, JSON_TYPE));
    if (rawQuery.includes("\0") || rawQuery.includes("%00"))
      return send(req, res, problem(400, "Invalid request: query parameters contain null bytes", undefined, JSON_TYPE));
    const api = isApiPath(path);
    // Only a literal trailing slash: an encoded one (`…%2F`) is part of a name, and redirecting on it would loop.
    if (api && rawPath.endsWith("/"))
      return redirect(res, 308, rawPath.replace(/\/+$/, "") + (rawQuery ? `?${rawQuery}` : ""));

    res.setHeader("Vary", "Origin");
    res.setHeader("Access-Control-Allow-Origin", "*");
    const method = req.method ?? "GET";
    const preflightMethod = req.headers["access-control-request-method"];
    if (method === "OPTIONS" && req.headers.origin !== undefined && typeof preflightMethod === "string") {
      res.setHeader("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
      if (CORS_METHODS.has(preflightMethod.toUpperCase())) {
        res.setHeader("Access-Control-Allow-Methods", preflightMethod.toUpperCase());
        const requested = req.headers["access-control-request-headers"];
        if (requested) res.setHeader("Access-Control-Allow-Headers", requested);
        res.setHeader("Access-Control-Max-Age", CORS_MAX_AGE);
      } else {
        res.removeHeader("Access-Control-Allow-Origin");
      }
      res.statusCode = 204;
      return res.end();
    }
    res.setHeader("Access-Control-Expose-Headers", "Content-Type, Content-Length");
    if (method !== "GET" && method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD, OPTIONS");
      return send(req, res, problem(405, "This registry is read-only: publish by pull request to its servers/ tree."));
    }

    if (api) {
      const segments = rawPath
        .split("/")
        .slice(2)
        .map((s) => percentDecode(s) ?? s);
      const answer = route(segments, new URLSearchParams(rawQuery));
      const file = fileAt(path);
      // A twin like …/versions/latest.json reaches the version route as version "latest.json": the file wins.
      const isTwin = file !== undefined && /\.(json|html)$/.test(path);
      if (answer && !(answer.status === 404 && isTwin)) return send(req, res, answer);
      return send(req, res, file ? staticFile(file) : notFound(path));
    }

    const exact = path.endsWith("/") ? fileAt(`${path}index.html`) : (fileAt(path) ?? fileAt(`${path}.html`));
    if (exact) return send(req, res, staticFile(exact));
    if (!path.endsWith("/") && hasFile(`${path}/index.html`))
      return redirect(res, 301, `${rawPath}/${rawQuery ? `?${rawQuery}` : ""}`);
    return send(req, res, notFound(path));
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
  /** Listening or not; when not, it is started on 127.0.0.1:0 and closed afterwards. */
  readonly server: http.Server;
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
  const { server } = input;
  const started = !server.listening;
  if (started)
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", () => resolve()));
  try {
    const address = server.address() as AddressInfo;
    const host = address.address === "0.0.0.0" || address.address === "::" ? "127.0.0.1" : address.address;
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
    if (started) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
  }
}
