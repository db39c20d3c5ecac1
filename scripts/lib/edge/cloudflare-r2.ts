// The deploy's ObjectStore over Cloudflare's R2 REST API (the one wrangler's `r2 object` commands use):
// GET/PUT/DELETE {apiBase}/accounts/{account}/r2/buckets/{bucket}/objects/{key}, with a bearer token. The
// base URL and fetch are injected (tests run a loopback server in the documented shape). Every request is
// bounded in time, a download in bytes; an unexpected answer is a one-line refusal naming status and key.

import { RefusalError, withNetworkErrors } from "../errors.ts";
import type { FetchLike } from "../verify/http.ts";
import type { ObjectStore } from "./deploy-plan.ts";

export const CLOUDFLARE_API = "https://api.cloudflare.com/client/v4";

export interface CloudflareR2Options {
  readonly accountId: string;
  readonly bucket: string;
  readonly token: string;
  readonly apiBase?: string;
  readonly fetch?: FetchLike;
  /** Per request (default 60 s). */
  readonly timeoutMs?: number;
  /** The largest object get() reads (default 64 MiB: the manifest at 100,000 versions is far below). */
  readonly maxBytes?: number;
}

/** Each segment of a key percent-encoded, the slashes kept. */
function keyPath(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

async function boundedBody(res: Response, url: string, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new RefusalError(`${url}: object larger than ${maxBytes} bytes`);
  const reader = res.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
    if (chunk.done) break;
    size += chunk.value.length;
    if (size > maxBytes) {
      await reader?.cancel();
      throw new RefusalError(`${url}: object larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk.value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function cloudflareR2(options: CloudflareR2Options): ObjectStore {
  const base = `${(options.apiBase ?? CLOUDFLARE_API).replace(/\/+$/, "")}/accounts/${encodeURIComponent(options.accountId)}/r2/buckets/${encodeURIComponent(options.bucket)}/objects/`;
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxBytes = options.maxBytes ?? 64 << 20;
  const call = (method: string, key: string, body?: Uint8Array) => {
    const url = base + keyPath(key);
    return withNetworkErrors(url, async () => {
      const res = await doFetch(url, {
        method,
        headers: { Authorization: `Bearer ${options.token}` },
        redirect: "error",
        signal: AbortSignal.timeout(timeoutMs),
        ...(body ? { body: body as Uint8Array<ArrayBuffer> } : {}),
      });
      return { res, url };
    });
  };
  const refuse = async (what: string, key: string, res: Response) => {
    await res.body?.cancel();
    return new RefusalError(`R2 ${what} ${JSON.stringify(key)}: HTTP ${res.status}`, { code: "edge/r2" });
  };
  return {
    get: async (key) => {
      const { res, url } = await call("GET", key);
      if (res.status === 404) {
        await res.body?.cancel();
        return null;
      }
      if (res.status !== 200) throw await refuse("get", key, res);
      return boundedBody(res, url, maxBytes);
    },
    put: async (key, bytes) => {
      const { res } = await call("PUT", key, bytes);
      if (res.status !== 200 && res.status !== 201) throw await refuse("put", key, res);
      await res.body?.cancel();
    },
    delete: async (keys) => {
      for (const key of keys) {
        const { res } = await call("DELETE", key);
        if (res.status !== 200 && res.status !== 204 && res.status !== 404) throw await refuse("delete", key, res);
        await res.body?.cancel();
      }
    },
  };
}
