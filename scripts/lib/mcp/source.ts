// Where the MCP server reads a registry from: a deployment's base URL (GitHub Pages, the edge, `npm start`, a
// mirror) or a built tree on disk. Only static files are read, by their path in the tree
// (`v0.1/servers.json`, the bundle, …), so every static host answers them.
//
// The registry is an upstream: every byte is bounded (size and time, through scripts/lib/verify/http.ts for
// URLs; the file size before reading for folders), and paths are ours, never a caller's text: a path that
// is not a relative, `..`-free tree path is a bug.

import fs from "node:fs/promises";
import path from "node:path";
import { NetworkError, RefusalError } from "../errors.ts";
import { describeOutcome, type HttpClient } from "../verify/http.ts";

/** A file of the built tree: its bytes, or undefined when the tree has no such file (404). */
export interface RegistrySource {
  /** What the user passed (`--registry`), for messages. */
  readonly label: string;
  read(treePath: string, maxBytes: number): Promise<Uint8Array | undefined>;
}

const TREE_PATH = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9@._+~%-]+(?:\/[A-Za-z0-9@._+~%-]+)*$/;

function checkTreePath(treePath: string): void {
  if (!TREE_PATH.test(treePath)) throw new Error(`mcp source: ${JSON.stringify(treePath)} is not a tree path (a bug)`);
}

/** Percent-encodes each segment, so a `+` or `%` in a version reaches the host as the file name. */
function urlPath(treePath: string): string {
  return treePath.split("/").map(encodeURIComponent).join("/");
}

export interface UrlSourceOptions {
  readonly timeoutMs?: number;
}

/**
 * A deployment at `base` (its `/v0.1/…` is `${base}/v0.1/…`). Redirects are followed only within the origin;
 * 404 is "no such file"; any other non-200 answer or a failed request is a refusal naming the URL.
 */
export function urlSource(base: string, client: HttpClient, options: UrlSourceOptions = {}): RegistrySource {
  const root = base.endsWith("/") ? base : `${base}/`;
  return {
    label: base,
    async read(treePath, maxBytes) {
      checkTreePath(treePath);
      const url = new URL(urlPath(treePath), root).toString();
      const outcome = await client.request(url, {
        maxBodyBytes: maxBytes,
        redirect: "same-origin",
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
      const tries = `${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"}`;
      if (outcome.kind === "network") throw new NetworkError(url, `${outcome.message} (${tries})`);
      if (outcome.kind === "timeout")
        throw new NetworkError(url, `no answer within ${outcome.timeoutMs} ms (${tries})`);
      if (outcome.kind !== "response") throw new RefusalError(describeOutcome(outcome), { code: "mcp/download" });
      if (outcome.status === 404 || outcome.status === 410) return undefined;
      if (outcome.status !== 200)
        throw new RefusalError(`HTTP ${outcome.status} from ${url}`, { code: "mcp/download" });
      return outcome.body;
    },
  };
}

/** A built tree (`dist/`, a mirror's folder). A file larger than `maxBytes` is refused before it is read. */
export function dirSource(root: string): RegistrySource {
  return {
    label: root,
    async read(treePath, maxBytes) {
      checkTreePath(treePath);
      const file = path.join(root, ...treePath.split("/"));
      let handle: fs.FileHandle;
      try {
        handle = await fs.open(file, "r");
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return undefined;
        throw new RefusalError(`${file}: ${(e as Error).message}`, { code: "mcp/read" });
      }
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) return undefined;
        if (stat.size > maxBytes)
          throw new RefusalError(`${file} is larger than ${maxBytes} bytes`, { code: "mcp/too-large" });
        return new Uint8Array(await handle.readFile());
      } finally {
        await handle.close();
      }
    },
  };
}
