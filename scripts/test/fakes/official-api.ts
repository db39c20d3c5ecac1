// A fake official registry list API on 127.0.0.1: GET /v0.1/servers?limit=&cursor=&include_deleted=, ordered
// by (name, version), nextCursor "<name>:<version>" only on a full page, like upstream (UPSTREAM.md §2.2).
// `fail(n)` decides per request number whether to answer 503 instead; `stall(n)` whether to send the headers
// and half the body and then hang (an upstream that stops mid-response).

import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { OFFICIAL_META_KEY } from "../../lib/model.ts";

export interface FakeApiItem {
  readonly server: Record<string, unknown> & { name: string; version: string };
  readonly status?: "active" | "deprecated" | "deleted";
  readonly statusMessage?: string;
  readonly publishedAt: string;
}

export interface FakeApi {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startFakeApi(
  items: readonly FakeApiItem[],
  fail: (requestNumber: number, url: string) => boolean = () => false,
  stall: (requestNumber: number, url: string) => boolean = () => false,
): Promise<FakeApi> {
  const sorted = [...items].sort((a, b) =>
    a.server.name < b.server.name
      ? -1
      : a.server.name > b.server.name
        ? 1
        : a.server.version < b.server.version
          ? -1
          : a.server.version > b.server.version
            ? 1
            : 0,
  );
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push(req.url ?? "");
    if (fail(requests.length, req.url ?? "")) {
      res.writeHead(503, { "content-type": "application/json" }).end('{"title":"Service Unavailable"}');
      return;
    }
    if (url.pathname !== "/v0.1/servers") {
      res.writeHead(404).end();
      return;
    }
    const limit = Number(url.searchParams.get("limit") ?? 30);
    const cursor = url.searchParams.get("cursor") ?? "";
    const withDeleted = url.searchParams.get("include_deleted") === "true";
    const [cn, cv] = cursor.includes(":")
      ? [cursor.slice(0, cursor.lastIndexOf(":")), cursor.slice(cursor.lastIndexOf(":") + 1)]
      : [cursor, ""];
    const after = sorted
      .filter((i) => cursor === "" || i.server.name > cn || (i.server.name === cn && i.server.version > cv))
      .filter((i) => withDeleted || i.status !== "deleted");
    const page = after.slice(0, limit);
    const last = page[page.length - 1];
    const body = {
      servers: page.map((i) => ({
        server: i.server,
        _meta: {
          [OFFICIAL_META_KEY]: {
            status: i.status ?? "active",
            ...(i.statusMessage ? { statusMessage: i.statusMessage } : {}),
            statusChangedAt: i.publishedAt,
            publishedAt: i.publishedAt,
            updatedAt: i.publishedAt,
            isLatest: true,
          },
        },
      })),
      metadata: {
        count: page.length,
        ...(page.length >= limit && last ? { nextCursor: `${last.server.name}:${last.server.version}` } : {}),
      },
    };
    const text = JSON.stringify(body);
    if (stall(requests.length, req.url ?? "")) {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
      res.write(text.slice(0, text.length >> 1));
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(text);
  });
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy(); // stalled responses never end on their own
        server.close(() => r());
      }),
  };
}
