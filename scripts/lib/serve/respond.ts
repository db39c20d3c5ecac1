// The registry's HTTP behaviour, as one pure function from a request to a reply: what `npm start`
// (server.ts, over node:http) and the edge Worker (scripts/edge/worker.ts, in workerd) both answer. It
// follows upstream's transport behaviour (UPSTREAM.md §2.4, §2.10) in upstream's middleware order:
// NUL check → trailing-slash redirect (API paths only: the site's folders keep Pages' `/dir` → `/dir/`
// behaviour) → CORS → routes → static files → 404.
//
// API routes (under /v0 and /v0.1, GET and HEAD):
//   /servers                              list with cursor, limit, search, updated_since, version, include_deleted
//   /servers/{name}/versions              all versions, newest first (include_deleted)
//   /servers/{name}/versions/{version}    one version or `latest` (include_deleted)
//   /health, /ping, /version
// `{name}` is one URL-encoded segment as upstream requires (`io.github.a%2Fb`); the unencoded two-segment
// form (`io.github.a/b`) is accepted too, as every static host answers it. Paths that are not routes
// (`servers.json`, `…/latest.json`, `x/<ns>/meta.json`) are the static files of the build.
//
// Platform-neutral (no Node built-ins): the host injects where documents, files and hashes come from.

import {
  DETAIL,
  JSON_TYPE,
  parseIncludeDeleted,
  parseListQuery,
  problem,
  selectList,
  selectVersion,
  selectVersions,
  utf8,
  bodyBytes,
  type ApiResponse,
  type QueryIndex,
  type Selection,
} from "./query.ts";
import { stringifyJson } from "../safe-json.ts";

const API_PREFIXES = ["v0", "v0.1"] as const;

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
export function contentTypeFor(path: string): string {
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

/** The site CSP for one HTML page: its inline scripts and styles allowed by sha256 (base64, from `hash`). */
export function siteCspWith(html: string, hash: (text: string) => string): string {
  const sources = (re: RegExp) => [...html.matchAll(re)].map((m) => ` 'sha256-${hash(m[1]!)}'`).join("");
  return SITE_CSP.replace("script-src 'self'", `script-src 'self'${sources(INLINE_SCRIPT)}`).replace(
    "style-src 'self'",
    `style-src 'self'${sources(INLINE_STYLE)}`,
  );
}

/** siteCspWith with a hash that may be asynchronous (WebCrypto in the Worker): every block hashed first. */
async function siteCspAsync(html: string, hash: (text: string) => Maybe<string>): Promise<string> {
  const blocks = [...html.matchAll(INLINE_SCRIPT), ...html.matchAll(INLINE_STYLE)].map((m) => m[1]!);
  const hashes = new Map(await Promise.all(blocks.map(async (b) => [b, await hash(b)] as const)));
  return siteCspWith(html, (text) => hashes.get(text)!);
}

// rs/cors as configured upstream (internal/api/server.go; PATCH since #1436).
const CORS_METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]);
const CORS_MAX_AGE = "86400";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Decode %XX once, as Go's url.PathUnescape (bytes, then UTF-8). null when an escape is malformed. */
function percentDecode(s: string): string | null {
  if (!s.includes("%")) return s;
  const raw = encoder.encode(s);
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== 0x25) {
      bytes.push(c);
      continue;
    }
    const hex = String.fromCharCode(raw[i + 1] ?? 0, raw[i + 2] ?? 0);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null;
    bytes.push(parseInt(hex, 16));
    i += 2;
  }
  return decoder.decode(Uint8Array.from(bytes));
}

function isApiPath(path: string): boolean {
  return API_PREFIXES.some((p) => path === `/${p}` || path.startsWith(`/${p}/`));
}

function notFoundDetail(path: string): string {
  const rest = path.replace(/^\/(v0\.1|v0)(?=\/|$)/, "");
  return `Endpoint not found. Did you mean '/v0.1${rest}' or '/v0${rest}'? See /v0.1/servers for the list of servers.`;
}

/** A request as the core reads it: the method, the raw request target (path and query) and its headers. */
export interface RequestFacts {
  readonly method: string;
  readonly url: string;
  header(name: string): string | undefined;
}

/** A reply: status, headers (Content-Length is the host's) and the body chunks (none for HEAD is the host's). */
export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: readonly Uint8Array[];
}

interface StaticFile {
  readonly body: Uint8Array;
  readonly type: string;
}

type Maybe<T> = T | Promise<T>;

/** Where one host finds its data: the query index, the documents of a selection, the built files. */
export interface RegistryHost {
  readonly index: QueryIndex;
  /** The bytes of a selection (`list` or `one`; problems are answered by the core). */
  render(selection: Exclude<Selection, { kind: "problem" }>): Maybe<ApiResponse>;
  /** A file of the built tree by its path relative to the site root (`v0.1/servers.json`), typed. */
  file(path: string): Maybe<StaticFile | undefined>;
  has(path: string): Maybe<boolean>;
  /** The build's facts for /version. */
  readonly info: { readonly gitCommit: string | null; readonly generatedAt: string };
  /** sha256 of a text, base64: for the site CSP's inline hashes. */
  sha256Base64(text: string): Maybe<string>;
}

interface Target {
  readonly rawPath: string;
  readonly rawQuery: string;
  /** The decoded path, null when it is malformed. */
  readonly path: string | null;
}

function parseTarget(url: string): Target {
  const q = url.indexOf("?");
  const rawPath = q === -1 ? url : url.slice(0, q);
  const rawQuery = q === -1 ? "" : url.slice(q + 1);
  return { rawPath, rawQuery, path: rawPath.startsWith("/") ? percentDecode(rawPath) : null };
}

function redirect(headers: Record<string, string>, status: number, location: string): Reply {
  return { status, headers: { ...headers, Location: location }, body: [] };
}

/** NUL bytes and malformed escapes, answered before anything else. */
function malformed(t: Target): ApiResponse | undefined {
  if (t.path == null) return problem(400, "Invalid request: malformed URL path");
  if (t.path.includes("\0") || t.path.includes("%00"))
    return problem(400, "Invalid request: URL path contains null bytes", undefined, JSON_TYPE);
  if (t.rawQuery.includes("\0") || t.rawQuery.includes("%00"))
    return problem(400, "Invalid request: query parameters contain null bytes", undefined, JSON_TYPE);
  return undefined;
}

/** rs/cors: the CORS headers of a request, and the whole answer to a preflight. */
function cors(req: RequestFacts, headers: Record<string, string>): Reply | undefined {
  headers["Vary"] = "Origin";
  headers["Access-Control-Allow-Origin"] = "*";
  const preflightMethod = req.header("access-control-request-method");
  if (req.method === "OPTIONS" && req.header("origin") !== undefined && preflightMethod !== undefined) {
    headers["Vary"] = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
    if (CORS_METHODS.has(preflightMethod.toUpperCase())) {
      headers["Access-Control-Allow-Methods"] = preflightMethod.toUpperCase();
      const requested = req.header("access-control-request-headers");
      if (requested) headers["Access-Control-Allow-Headers"] = requested;
      headers["Access-Control-Max-Age"] = CORS_MAX_AGE;
    } else {
      delete headers["Access-Control-Allow-Origin"];
    }
    return { status: 204, headers, body: [] };
  }
  headers["Access-Control-Expose-Headers"] = "Content-Type, Content-Length";
  return undefined;
}

function statusBody(host: RegistryHost, name: string): ApiResponse | undefined {
  const body =
    name === "health"
      ? { status: "ok" }
      : name === "ping"
        ? { pong: true }
        : name === "version"
          ? { version: "static", git_commit: host.info.gitCommit ?? "unknown", build_time: host.info.generatedAt }
          : undefined;
  return body && { status: 200, contentType: JSON_TYPE, body: [utf8(stringifyJson(body))] };
}

function answer(host: RegistryHost, selection: Selection): Maybe<ApiResponse> {
  return selection.kind === "problem" ? selection.response : host.render(selection);
}

/** An API route's answer, or undefined when the path is not a route. */
function route(
  host: RegistryHost,
  segments: readonly string[],
  query: URLSearchParams,
): Maybe<ApiResponse> | undefined {
  const [first] = segments;
  if (segments.length === 1 && first !== undefined && first !== "servers") return statusBody(host, first);
  if (first !== "servers") return undefined;
  if (segments.length === 1) {
    const parsed = parseListQuery(query);
    return parsed.kind === "problem" ? parsed.response : answer(host, selectList(host.index, parsed.query));
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
  if (rest.length === 0) return answer(host, selectVersions(host.index, name, deleted.value));
  const version = percentDecode(rest[0]!);
  if (version == null) return problem(400, DETAIL.invalidVersionEncoding);
  return answer(host, selectVersion(host.index, name, version, deleted.value));
}

async function fileAt(host: RegistryHost, urlPath: string): Promise<StaticFile | undefined> {
  return host.file(urlPath.slice(1));
}

function staticFile(f: StaticFile): ApiResponse {
  return { status: 200, contentType: f.type, body: [f.body] };
}

async function notFound(host: RegistryHost, path: string): Promise<ApiResponse> {
  const page = isApiPath(path) ? undefined : await fileAt(host, "/404.html");
  return page ? { status: 404, contentType: page.type, body: [page.body] } : problem(404, notFoundDetail(path));
}

/** An API path: the route's answer; a `.json`/`.html` twin the route does not know is the build's file. */
async function apiAnswer(host: RegistryHost, t: Target, path: string): Promise<ApiResponse> {
  const segments = t.rawPath
    .split("/")
    .slice(2)
    .map((s) => percentDecode(s) ?? s);
  const routed = await route(host, segments, new URLSearchParams(t.rawQuery));
  // A twin like …/versions/latest.json reaches the version route as version "latest.json": the file wins.
  if (routed && (routed.status !== 404 || !/\.(json|html)$/.test(path))) return routed;
  const file = await fileAt(host, path);
  if (file) return staticFile(file);
  return routed ?? notFound(host, path);
}

/** A site path: the file, `path.html` (pretty URL), a 301 to the folder, or the 404 page. */
async function siteAnswer(host: RegistryHost, t: Target, path: string): Promise<ApiResponse | { location: string }> {
  const exact = path.endsWith("/")
    ? await fileAt(host, `${path}index.html`)
    : ((await fileAt(host, path)) ?? (await fileAt(host, `${path}.html`)));
  if (exact) return staticFile(exact);
  if (!path.endsWith("/") && (await host.has(`${path.slice(1)}/index.html`)))
    return { location: `${t.rawPath}/${t.rawQuery ? `?${t.rawQuery}` : ""}` };
  return notFound(host, path);
}

/** The reply of an ApiResponse: its type, its headers and, on an HTML site page, the CSP with its hashes. */
async function finish(host: RegistryHost, headers: Record<string, string>, r: ApiResponse): Promise<Reply> {
  if (headers["Content-Security-Policy"] === SITE_CSP && r.contentType.startsWith("text/html"))
    headers["Content-Security-Policy"] = await siteCspAsync(decoder.decode(bodyBytes(r)), (text) =>
      host.sha256Base64(text),
    );
  return { status: r.status, headers: { ...headers, "Content-Type": r.contentType, ...r.headers }, body: r.body };
}

/** The one answer of the registry to a request, whichever host serves it. */
export async function respond(req: RequestFacts, host: RegistryHost): Promise<Reply> {
  const t = parseTarget(req.url);
  const headers: Record<string, string> = {
    ...(t.path != null && !isApiPath(t.path) ? SITE_SECURITY_HEADERS : API_SECURITY_HEADERS),
  };
  const bad = malformed(t);
  if (bad || t.path == null) return finish(host, headers, bad ?? problem(400, "Invalid request: malformed URL path"));
  const path = t.path;
  const api = isApiPath(path);
  // Only a literal trailing slash: an encoded one (`…%2F`) is part of a name, and redirecting on it would loop.
  if (api && t.rawPath.endsWith("/"))
    return redirect(headers, 308, t.rawPath.replace(/\/+$/, "") + (t.rawQuery ? `?${t.rawQuery}` : ""));
  const preflight = cors(req, headers);
  if (preflight) return preflight;
  if (req.method !== "GET" && req.method !== "HEAD") {
    headers["Allow"] = "GET, HEAD, OPTIONS";
    return finish(
      host,
      headers,
      problem(405, "This registry is read-only: publish by pull request to its servers/ tree."),
    );
  }
  const result = api ? await apiAnswer(host, t, path) : await siteAnswer(host, t, path);
  if ("location" in result) return redirect(headers, 301, result.location);
  return finish(host, headers, result);
}
