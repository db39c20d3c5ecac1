// Live health of a server's remotes: connect with the MCP SDK's own client (streamable HTTP or SSE),
// complete the handshake (initialize, then tools/list) and record what the endpoint said, or why it is
// not an MCP endpoint. A listed remote that answers with an HTML page, a 404 or nothing at all is what
// users meet when they install it; one that answers 401 with a `WWW-Authenticate` challenge is an MCP
// server that needs a login (healthy, private), not a broken one.
//
// Bounded like every download: a per-endpoint timeout (handshake and discovery together), a total time
// for the whole run, a concurrency limit and a byte cap on every response body. The URL comes from a
// server.json, so its host is refused when it resolves to an internal address (the guard), unless the
// operator mapped that host to a base URL (REGISTRY_REMOTE_ENDPOINTS; tests map hosts to loopback).
//
// The result is plain data (RemoteHealth), carried by the nightly health report and shown on the site.

import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { FetchLike as SdkFetch, Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Transport as RemoteSpec } from "../model.ts";
import { rewriteForEndpoint } from "./endpoints.ts";
import { createLimiter, DEFAULT_USER_AGENT, type FetchLike } from "./http.ts";

/** healthy: spoke MCP. private: asked for a login the proper way. broken: not an MCP endpoint. unchecked: not tried. */
export type RemoteState = "healthy" | "private" | "broken" | "unchecked";

type RemoteReason =
  | "auth-required"
  | "html"
  | "not-found"
  | "http-status"
  | "unauthorized-without-challenge"
  | "not-mcp"
  | "tls"
  | "timeout"
  | "network"
  | "too-large"
  | "internal-address"
  | "templated-url"
  | "deadline";

export interface RemoteHealth {
  readonly url: string;
  readonly transport: string;
  readonly state: RemoteState;
  /** Set unless healthy. */
  readonly reason?: RemoteReason;
  readonly message: string;
  /** The last HTTP status seen, when the failure came with one. */
  readonly httpStatus?: number;
  readonly protocolVersion?: string;
  readonly serverName?: string;
  readonly serverVersion?: string;
  /** Tools listed by tools/list (every page, up to MAX_TOOL_PAGES); absent when the server has no tools capability. */
  readonly toolCount?: number;
}

export interface RemoteProbeOptions {
  readonly fetch?: FetchLike;
  readonly userAgent?: string;
  /** Per endpoint: connect, initialize and tools/list together. */
  readonly timeoutMs?: number;
  /** The whole run; endpoints not started by then are `unchecked` (deadline). */
  readonly totalMs?: number;
  /** Endpoints probed at once. */
  readonly concurrency?: number;
  /** Cap on each response body (an SSE stream counts as one body). */
  readonly maxBodyBytes?: number;
  /** Refuse a host before any request (the reason), e.g. guardPublicHost. Not applied to mapped hosts. */
  readonly guard?: (host: string) => Promise<string | undefined>;
  /** Host → base URL (REGISTRY_REMOTE_ENDPOINTS): the operator's own mapping, trusted, not guarded. */
  readonly endpoints?: Readonly<Record<string, string>>;
  readonly now?: () => number;
}

export type RemoteProber = (remote: RemoteSpec) => Promise<RemoteHealth>;

export const REMOTE_TIMEOUT_MS = 15_000;
export const REMOTE_TOTAL_MS = 20 * 60_000;
const REMOTE_MAX_BODY_BYTES = 1024 * 1024;
const MAX_TOOL_PAGES = 20;

/** One prober per run: the total time starts when it is made, and the concurrency limit is shared. */
export function createRemoteProber(options: RemoteProbeOptions = {}): RemoteProber {
  const now = options.now ?? Date.now;
  const deadline = now() + (options.totalMs ?? REMOTE_TOTAL_MS);
  const limit = createLimiter(options.concurrency ?? 4);
  return (remote) =>
    limit(async () => {
      const base = { url: remote.url ?? "", transport: remote.type };
      const left = deadline - now();
      if (left <= 0)
        return {
          ...base,
          state: "unchecked",
          reason: "deadline",
          message: "not checked: the run's total time was spent",
        };
      return probeRemote(remote, { ...options, timeoutMs: Math.min(options.timeoutMs ?? REMOTE_TIMEOUT_MS, left) });
    });
}

/** What the wrapped fetch saw last: the answer the SDK's error was about. */
interface Observation {
  status?: number;
  contentType?: string;
  challenge?: string;
  error?: unknown;
  tooLarge?: boolean;
}

async function probeRemote(remote: RemoteSpec, options: RemoteProbeOptions): Promise<RemoteHealth> {
  const base = { url: remote.url ?? "", transport: remote.type };
  const target = await resolveTarget(base.url, options);
  if ("refused" in target) return { ...base, state: target.state, reason: target.reason, message: target.refused };
  const timeoutMs = options.timeoutMs ?? REMOTE_TIMEOUT_MS;
  const controller = new AbortController();
  const seen: Observation = {};
  // Stopped by the timer or by a body over the cap: the SDK may keep waiting for an answer that will never
  // come (a broken SSE stream is only reported to onerror), so the race ends here, not in the SDK.
  let timer: NodeJS.Timeout | undefined;
  const stopped = new Promise<"stopped">((resolve) => {
    controller.signal.addEventListener("abort", () => resolve("stopped"));
    timer = setTimeout(() => controller.abort(), timeoutMs);
  });
  const fetch = observingFetch(options, controller, seen);
  const sdk = await loadSdk();
  const transport = makeTransport(sdk, remote.type, target.url, fetch);
  const negotiated = recordProtocolVersion(transport);
  const client = new sdk.Client({ name: "mcp-static-registry-health", version: "0.1.0" });
  try {
    const outcome = await Promise.race([handshake(client, transport), stopped]);
    if (outcome === "stopped") return { ...base, ...classifyFailure(undefined, seen, true, timeoutMs) };
    const info = client.getServerVersion();
    return {
      ...base,
      state: "healthy",
      message: `MCP ${negotiated.version ?? "?"}: ${info?.name ?? "?"} ${info?.version ?? ""}`.trim(),
      ...(negotiated.version === undefined ? {} : { protocolVersion: negotiated.version }),
      ...(info?.name === undefined ? {} : { serverName: info.name }),
      ...(info?.version === undefined ? {} : { serverVersion: info.version }),
      ...(outcome.toolCount === undefined ? {} : { toolCount: outcome.toolCount }),
    };
  } catch (error) {
    return { ...base, ...classifyFailure(error, seen, controller.signal.aborted, timeoutMs) };
  } finally {
    clearTimeout(timer);
    controller.abort();
    await client.close().catch(() => undefined);
  }
}

type Target =
  { readonly url: URL } | { readonly refused: string; readonly state: RemoteState; readonly reason: RemoteReason };

/** The URL to connect to: templated URLs cannot be checked, mapped hosts are rewritten, others guarded. */
async function resolveTarget(raw: string, options: RemoteProbeOptions): Promise<Target> {
  if (/[{}]/.test(raw))
    return {
      refused: "not checked: the URL has {variables} the user fills in",
      state: "unchecked",
      reason: "templated-url",
    };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { refused: `not a URL: ${JSON.stringify(raw)}`, state: "broken", reason: "network" };
  }
  const mapped = options.endpoints ? rewriteForEndpoint(url, options.endpoints) : url.href;
  if (mapped !== url.href) return { url: new URL(mapped) };
  const problem = options.guard ? await options.guard(url.hostname) : undefined;
  if (problem)
    return {
      refused: `refused: ${problem}`,
      state: "broken",
      reason: /does not resolve/.test(problem) ? "network" : "internal-address",
    };
  return { url };
}

/** The SDK's client, loaded on first use: commands that only print --help or skip remotes do not pay for it. */
async function loadSdk() {
  const [{ Client }, { SSEClientTransport }, { StreamableHTTPClientTransport }] = await Promise.all([
    import("@modelcontextprotocol/sdk/client/index.js"),
    import("@modelcontextprotocol/sdk/client/sse.js"),
    import("@modelcontextprotocol/sdk/client/streamableHttp.js"),
  ]);
  return { Client, SSEClientTransport, StreamableHTTPClientTransport };
}

function makeTransport(sdk: Awaited<ReturnType<typeof loadSdk>>, type: string, url: URL, fetch: SdkFetch): Transport {
  return type === "sse"
    ? new sdk.SSEClientTransport(url, { fetch })
    : new sdk.StreamableHTTPClientTransport(url, { fetch });
}

/** The client tells the transport the negotiated version after initialize: keep a copy. */
function recordProtocolVersion(transport: Transport): { version?: string } {
  const seen: { version?: string } = {};
  const original = transport.setProtocolVersion?.bind(transport);
  transport.setProtocolVersion = (version: string) => {
    seen.version = version;
    original?.(version);
  };
  return seen;
}

/** initialize (inside connect), then tools/list through every page when the server offers tools. */
async function handshake(client: Client, transport: Transport): Promise<{ toolCount?: number }> {
  await client.connect(transport);
  if (!client.getServerCapabilities()?.tools) return {};
  let toolCount = 0;
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const listed = await client.listTools(cursor === undefined ? {} : { cursor });
    toolCount += listed.tools.length;
    cursor = listed.nextCursor;
    if (cursor === undefined) break;
  }
  return { toolCount };
}

/** fetch with the run's abort signal and User-Agent, recording the last answer, each body capped. */
function observingFetch(options: RemoteProbeOptions, run: AbortController, seen: Observation): SdkFetch {
  const signal = run.signal;
  const baseFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const maxBytes = options.maxBodyBytes ?? REMOTE_MAX_BODY_BYTES;
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("User-Agent", options.userAgent ?? DEFAULT_USER_AGENT);
    let response: Response;
    try {
      response = await baseFetch(String(input), {
        ...init,
        headers,
        signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal,
      });
    } catch (error) {
      seen.error = error;
      throw error;
    }
    seen.status = response.status;
    seen.contentType = response.headers.get("content-type") ?? "";
    seen.challenge = response.headers.get("www-authenticate") ?? undefined;
    seen.error = undefined;
    return capBody(response, maxBytes, seen, run);
  };
}

function capBody(response: Response, maxBytes: number, seen: Observation, run: AbortController): Response {
  if (!response.body) return response;
  let total = 0;
  const capped = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        total += chunk.byteLength;
        if (total > maxBytes) {
          seen.tooLarge = true;
          controller.error(new Error(`response larger than ${maxBytes} bytes`));
          run.abort();
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
  return new Response(capped, { status: response.status, statusText: response.statusText, headers: response.headers });
}

type Failure = Pick<RemoteHealth, "state" | "reason" | "message" | "httpStatus">;

/** Why the handshake failed, from what the endpoint answered (the SDK's error text is only the fallback). */
function classifyFailure(error: unknown, seen: Observation, aborted: boolean, timeoutMs: number): Failure {
  const detail = errorText(error);
  if (seen.tooLarge)
    return { state: "broken", reason: "too-large", message: `a response was larger than the cap (${detail})` };
  if (aborted) return { state: "broken", reason: "timeout", message: `no MCP handshake within ${timeoutMs} ms` };
  if (seen.error !== undefined) return networkFailure(seen.error);
  const status = seen.status;
  if (status === undefined) return { state: "broken", reason: "not-mcp", message: detail };
  const withStatus = { httpStatus: status };
  if (status === 401) {
    if (seen.challenge && /^\s*[A-Za-z][\w!#$%&'*+.^`|~-]*(\s|$)/.test(seen.challenge))
      return {
        state: "private",
        reason: "auth-required",
        message: `requires authentication (401, WWW-Authenticate: ${seen.challenge.slice(0, 200)})`,
        ...withStatus,
      };
    return {
      state: "broken",
      reason: "unauthorized-without-challenge",
      message: "answered 401 without a WWW-Authenticate challenge: a client cannot tell how to log in",
      ...withStatus,
    };
  }
  if (status === 404) return { state: "broken", reason: "not-found", message: "answered 404 Not Found", ...withStatus };
  if (/^\s*(text\/html|application\/xhtml\+xml)/i.test(seen.contentType ?? ""))
    return {
      state: "broken",
      reason: "html",
      message: `answered with an HTML page (HTTP ${status}), not MCP`,
      ...withStatus,
    };
  if (status < 200 || status > 299)
    return { state: "broken", reason: "http-status", message: `answered HTTP ${status} (${detail})`, ...withStatus };
  return {
    state: "broken",
    reason: "not-mcp",
    message: `answered HTTP ${status} ${seen.contentType ?? ""} but not an MCP handshake (${detail})`,
    ...withStatus,
  };
}

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|HOSTNAME_MISMATCH|ERR_TLS/i;

function networkFailure(error: unknown): Failure {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === "string" ? cause.code : "";
  const text = errorText(error);
  if (TLS_CODES.test(code) || TLS_CODES.test(typeof cause?.message === "string" ? cause.message : ""))
    return { state: "broken", reason: "tls", message: `TLS failed: ${text}` };
  return { state: "broken", reason: "network", message: `could not connect: ${text}` };
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const more = cause instanceof Error ? `: ${cause.message}` : "";
  return `${error.message}${more}`.slice(0, 300);
}
