// A GitHub Pages stand-in on node:http, following the rules in scripts/test/fixtures/reference/STATIC-HOSTING.md:
//   - the path is %XX-decoded exactly once, then matched against the folder tree (so %2F reaches nested
//     folders and a literal "%2F" file name would need %252F);
//   - an exact file wins; otherwise `/foo` serves `foo.html` (pretty URL, even when a folder `foo/` exists);
//     otherwise a folder with an index.html answers 301 to `/foo/`; `index.html` is the only index file;
//   - the query string is ignored;
//   - Content-Type by extension from a mime-db subset; no extension or an unknown one → octet-stream;
//   - `404.html` at the site root answers every miss, with status 404;
//   - every response has Access-Control-Allow-Origin: * and Cache-Control: max-age=600, nothing custom;
//   - a project site lives under a sub-path (`/repo/`); `/repo` answers 301 to `/repo/`.
// It reads a real folder (what actions/upload-pages-artifact would upload), not our in-memory tree.

import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

/** The mime-db types our tree can contain, as GitHub Pages sends them. */
const PAGES_MIME: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  json: "application/json; charset=utf-8",
  js: "application/javascript; charset=utf-8",
  mjs: "application/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/vnd.microsoft.icon",
  webmanifest: "application/manifest+json",
  yaml: "text/yaml",
  yml: "text/yaml",
  sig: "application/pgp-signature",
  gz: "application/gzip",
};

function pagesContentType(file: string): string {
  const base = path.posix.basename(file);
  const dot = base.lastIndexOf(".");
  return (dot > 0 && PAGES_MIME[base.slice(dot + 1).toLowerCase()]) || "application/octet-stream";
}

/** Decode %XX once (bytes, then UTF-8); null for a malformed escape. */
function decodeOnce(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

export interface PagesEmulator {
  /** Base URL including the sub-path and a trailing slash, e.g. http://127.0.0.1:1234/repo/ */
  readonly url: string;
  close(): Promise<void>;
}

export async function startPagesEmulator(options: { root: string; basePath?: string }): Promise<PagesEmulator> {
  const root = path.resolve(options.root);
  const basePath = (options.basePath ?? "/").replace(/\/+$/, ""); // "" for a user site, "/repo" for a project site
  const isFile = (rel: string) => fs.statSync(path.join(root, rel), { throwIfNoEntry: false })?.isFile() ?? false;
  const isDir = (rel: string) => fs.statSync(path.join(root, rel), { throwIfNoEntry: false })?.isDirectory() ?? false;

  const server = http.createServer((req, res) => {
    const headers = { "Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=600" };
    const answer = (status: number, rel: string | null, extra: Record<string, string> = {}) => {
      const body =
        rel == null ? Buffer.from(status === 404 ? "<h1>404</h1>" : "") : fs.readFileSync(path.join(root, rel));
      res.writeHead(status, {
        ...headers,
        "Content-Type": rel == null ? "text/html; charset=utf-8" : pagesContentType(rel),
        "Content-Length": String(body.length),
        ...extra,
      });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    const notFound = () => answer(404, isFile("404.html") ? "404.html" : null);

    if (req.method !== "GET" && req.method !== "HEAD") return answer(405, null);
    const rawPath = (req.url ?? "/").split("?")[0]!; // the query string plays no part in the lookup
    if (basePath !== "" && rawPath === basePath) return answer(301, null, { Location: `${basePath}/` });
    if (!rawPath.startsWith(`${basePath}/`)) return answer(404, null);
    const decoded = decodeOnce(rawPath.slice(basePath.length));
    if (decoded == null) return answer(400, null);
    const segments = decoded.split("/").slice(1);
    if (segments.some((s) => s === ".." || s === "." || s.includes("\0"))) return notFound();
    const rel = segments.join("/");

    if (rel === "" || rel.endsWith("/"))
      return isFile(`${rel}index.html`) ? answer(200, `${rel}index.html`) : notFound();
    if (isFile(rel)) return answer(200, rel);
    if (isFile(`${rel}.html`)) return answer(200, `${rel}.html`);
    if (isDir(rel) && isFile(`${rel}/index.html`)) return answer(301, null, { Location: `${rawPath}/` });
    return notFound();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${basePath}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
