// A small static file server for the browser tests: serves a built tree under a sub-path (like project Pages,
// https://owner.github.io/repo/), maps `dir/` to `dir/index.html`, redirects `dir` to `dir/`, ignores query
// strings, and answers missing paths with the root 404.html and status 404.

import { createServer, type Server } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".xml": "application/xml",
  ".png": "image/png",
};

export interface StaticServer {
  readonly server: Server;
  /** e.g. http://127.0.0.1:41234/repo/ */
  readonly url: string;
  close(): Promise<void>;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

export async function serveStatic(root: string, mount = "/repo/"): Promise<StaticServer> {
  const server = createServer((req, res) => {
    void (async () => {
      const pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      const notFound = async (): Promise<void> => {
        res.writeHead(404, { "content-type": TYPES[".html"] });
        res.end(await readFile(join(root, "404.html")).catch(() => "not found"));
      };
      if (!pathname.startsWith(mount)) return notFound();
      const rel = normalize(pathname.slice(mount.length));
      if (rel.startsWith("..") || rel.split(sep).includes("..")) return notFound();
      let file = join(root, rel);
      if (pathname.endsWith("/")) file = join(file, "index.html");
      else if (!(await isFile(file)) && (await isFile(join(file, "index.html")))) {
        res.writeHead(301, { location: `${pathname}/` });
        return void res.end();
      }
      if (!(await isFile(file))) return notFound();
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(await readFile(file));
    })().catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address != null ? address.port : 0;
  return {
    server,
    url: `http://127.0.0.1:${port}${mount}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
