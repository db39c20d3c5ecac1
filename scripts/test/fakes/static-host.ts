// A plain static file server for a built tree on 127.0.0.1 (decodes %XX once, like Pages; no index pages).

import fs from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export interface StaticHost {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startStaticHost(root: () => string): Promise<StaticHost> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const rel = decodeURIComponent((req.url ?? "/").split("?")[0]!);
    requests.push(rel);
    const file = path.join(root(), rel);
    if (!file.startsWith(root()) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200).end(fs.readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
