// The one error type library code throws for an expected, correct refusal: an upstream that loops, a
// signed index that is expired, rolled back or tampered with, a hash that does not match, a response that
// is not what the API promises. The command line (scripts/lib/cli.ts) prints its message as one line and
// exits 1; any other exception is a bug in the scripts and is reported with a stack trace.
//
// Kept apart from cli.ts so that library modules can throw it without importing the command-line layer
// (which touches process).

export class RefusalError extends Error {
  /** Stable `area/slug` id when the refusal has one (e.g. `index/expired`), for tests and searches. */
  readonly code: string | undefined;
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RefusalError";
    this.code = options.code;
  }
}

/** A request that never got an HTTP answer (refused, unknown host, reset, timed out): names the URL. */
export class NetworkError extends RefusalError {
  readonly url: string;
  /** The failure without the URL, e.g. "connection refused (ECONNREFUSED)". */
  readonly reason: string;
  constructor(url: string, reason: string, cause?: unknown) {
    super(`${url}: ${reason}`, { code: "network/unreachable", cause });
    this.name = "NetworkError";
    this.url = url;
    this.reason = reason;
  }
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by the server",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host lookup failed (temporary DNS failure)",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EPIPE: "connection closed by the server",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_HEADERS_TIMEOUT: "no response headers in time",
  UND_ERR_BODY_TIMEOUT: "the response body stalled",
  UND_ERR_SOCKET: "connection closed by the server",
  UND_ERR_CLOSED: "connection closed",
};

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Why a request failed, when the failure is the network's (fetch's `TypeError: fetch failed` with a cause,
 * an abort by timeout, a socket error) rather than a bug: e.g. "connection refused (ECONNREFUSED)".
 * Undefined for anything else.
 */
export function describeNetworkFailure(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  if (e.name === "TimeoutError") return "timed out";
  if (e.name === "AbortError") return "aborted (timed out)";
  if (e instanceof TypeError && e.message === "fetch failed") {
    const cause = e.cause as Error | undefined;
    const nested = describeNetworkFailure(cause);
    if (nested) return nested;
    return `request failed${cause?.message ? `: ${cause.message}` : ""}`;
  }
  const code = errorCode(e);
  if (code && NETWORK_CODES[code]) return `${NETWORK_CODES[code]} (${code})`;
  if (code?.startsWith("UND_ERR_") || code?.startsWith("ERR_TLS_") || /CERT|SSL/.test(code ?? ""))
    return `${e.message} (${code})`;
  return undefined;
}

/** Run a request (and the reading of its body); a network failure becomes a NetworkError naming `url`. */
export async function withNetworkErrors<T>(url: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (e) {
    const why = describeNetworkFailure(e);
    if (why !== undefined) throw new NetworkError(url, why, e);
    throw e;
  }
}
