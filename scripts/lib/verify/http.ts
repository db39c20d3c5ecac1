// The one HTTP helper every verification client shares: timeout, bounded retries with backoff, a
// User-Agent, a concurrency limit and a body size cap. Everything outside (fetch, the clock's sleep)
// comes in as parameters so tests can point it at loopback fakes and keep timeouts short.
//
// A request never throws: the outcome is a tagged union, and callers decide what a status means.
// 429, 5xx and network errors are retried; once retries are spent the last outcome is returned, and
// the checks report it as `error` (try again later), never as `fail`.

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpOptions {
  readonly fetch?: FetchLike;
  readonly userAgent?: string;
  /** Per attempt, covering headers and body. */
  readonly timeoutMs?: number;
  /** Extra attempts after the first, for 429/5xx/network errors. */
  readonly retries?: number;
  /** First backoff; doubled per attempt. */
  readonly backoffMs?: number;
  /** Longest Retry-After we honour; a longer one ends the retries at once. */
  readonly maxRetryAfterMs?: number;
  /** Default body cap in bytes. */
  readonly maxBodyBytes?: number;
  /** Requests in flight at once, across every client sharing this helper. */
  readonly concurrency?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** The clock for `deadline` (epoch milliseconds). */
  readonly now?: () => number;
}

interface RequestOptions {
  readonly method?: "GET" | "HEAD";
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
  readonly maxBodyBytes?: number;
  readonly retries?: number;
  /**
   * `follow` (default) follows every redirect; `manual` returns the 3xx; `same-origin` follows up to 5
   * redirects that stay on the origin of the URL asked for and refuses one to another origin (an
   * upstream must not send us, or the credentials of a later request, somewhere else silently).
   */
  readonly redirect?: "follow" | "manual" | "same-origin";
  /**
   * A 2xx response whose Content-Type does not match is refused before its body is read (an importer
   * asking for JSON must not take an HTML error page or a captive portal as data).
   */
  readonly contentType?: RegExp;
  /** Epoch milliseconds (HttpOptions.now) after which no attempt starts and a running one times out. */
  readonly deadline?: number;
  /**
   * Receive the body chunk by chunk instead of buffering it (large downloads). The outcome's body is
   * then empty; the size cap still applies.
   */
  readonly onChunk?: (chunk: Uint8Array) => void;
}

export type HttpOutcome =
  | {
      readonly kind: "response";
      readonly url: string;
      readonly status: number;
      readonly headers: Headers;
      readonly body: Uint8Array;
      readonly attempts: number;
    }
  /** The body grew past the cap; the transfer was aborted there. */
  | {
      readonly kind: "too-large";
      readonly url: string;
      readonly status: number;
      readonly limit: number;
      readonly attempts: number;
    }
  | { readonly kind: "timeout"; readonly url: string; readonly timeoutMs: number; readonly attempts: number }
  | { readonly kind: "network"; readonly url: string; readonly message: string; readonly attempts: number }
  /** A redirect or content type the request's options do not allow; never retried. */
  | { readonly kind: "refused"; readonly url: string; readonly reason: string; readonly attempts: number };

export interface HttpClient {
  request(url: string, options?: RequestOptions): Promise<HttpOutcome>;
  /** The fetch this helper uses with its timeout and User-Agent applied, for SDKs such as Octokit. */
  readonly fetch: FetchLike;
  readonly userAgent: string;
}

export const DEFAULT_USER_AGENT = "mcp-static-registry-verifier/0.1 (+https://github.com/mcp-static-registry)";
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A counting semaphore: at most `limit` functions run at once, the rest wait in order. */
export function createLimiter(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    active--;
    waiting.shift()?.();
  };
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      release();
    }
  };
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const isRetryableStatus = (status: number) => status === 429 || (status >= 500 && status <= 599);

export function createHttpClient(options: HttpOptions = {}): HttpClient {
  const baseFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const defaultRetries = options.retries ?? 2;
  const backoffMs = options.backoffMs ?? 500;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
  const defaultMaxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const sleep = options.sleep ?? realSleep;
  const limit = createLimiter(options.concurrency ?? 4);
  const now = options.now ?? Date.now;
  const MAX_SAME_ORIGIN_REDIRECTS = 5;

  /** fetch, following only redirects that stay on the origin asked for when `same-origin` is set. */
  async function fetchFollowing(
    url: string,
    o: RequestOptions,
    init: RequestInit,
  ): Promise<Response | { refused: string }> {
    if (o.redirect !== "same-origin") return baseFetch(url, { ...init, redirect: o.redirect ?? "follow" });
    const origin = new URL(url).origin;
    let at = url;
    for (let hop = 0; ; hop++) {
      const response = await baseFetch(at, { ...init, redirect: "manual" });
      const location = response.headers.get("location");
      if (response.status < 300 || response.status > 399 || location == null) return response;
      await response.body?.cancel().catch(() => undefined);
      let next: URL;
      try {
        next = new URL(location, at);
      } catch {
        return { refused: `redirected to an invalid URL ${JSON.stringify(location)}` };
      }
      if (next.origin !== origin)
        return {
          refused: `redirected to another origin (${next.origin}); only redirects within ${origin} are followed`,
        };
      if (hop >= MAX_SAME_ORIGIN_REDIRECTS) return { refused: `more than ${MAX_SAME_ORIGIN_REDIRECTS} redirects` };
      at = next.toString();
    }
  }

  async function attempt(
    url: string,
    o: RequestOptions,
    attempts: number,
    streamed: { value: boolean },
  ): Promise<HttpOutcome> {
    const timeoutMs =
      o.deadline === undefined
        ? (o.timeoutMs ?? defaultTimeout)
        : Math.max(0, Math.min(o.timeoutMs ?? defaultTimeout, o.deadline - now()));
    const maxBytes = o.maxBodyBytes ?? defaultMaxBody;
    const controller = new AbortController();
    let timedOut = false;
    // One timer for the whole attempt, body included: a server that sends headers and then
    // trickles the body must not hold the check forever.
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const fetched = await fetchFollowing(url, o, {
        method: o.method ?? "GET",
        headers: { "User-Agent": userAgent, ...o.headers },
        signal: controller.signal,
      });
      if ("refused" in fetched) return { kind: "refused", url, reason: fetched.refused, attempts };
      const response = fetched;
      if (o.contentType && response.ok && !o.contentType.test(response.headers.get("content-type") ?? "")) {
        controller.abort();
        return {
          kind: "refused",
          url,
          reason: `content type ${JSON.stringify(response.headers.get("content-type") ?? "")} is not the one asked for`,
          attempts,
        };
      }
      const declared = Number(response.headers.get("content-length") ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        controller.abort();
        return { kind: "too-large", url, status: response.status, limit: maxBytes, attempts };
      }
      const chunks: Uint8Array[] = [];
      let total = 0;
      if (response.body && (o.method ?? "GET") !== "HEAD") {
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          total += value.byteLength;
          if (total > maxBytes) {
            controller.abort();
            await reader.cancel().catch(() => undefined);
            return { kind: "too-large", url, status: response.status, limit: maxBytes, attempts };
          }
          // Only a successful body is streamed; error bodies are small and buffered for messages.
          if (o.onChunk && response.ok) {
            streamed.value = true;
            o.onChunk(value);
          } else chunks.push(value);
        }
      }
      const body = new Uint8Array(streamed.value ? 0 : total);
      let at = 0;
      for (const c of chunks) {
        body.set(c, at);
        at += c.byteLength;
      }
      return {
        kind: "response",
        url: response.url || url,
        status: response.status,
        headers: response.headers,
        body,
        attempts,
      };
    } catch (error) {
      if (timedOut) return { kind: "timeout", url, timeoutMs, attempts };
      return { kind: "network", url, message: describeError(error), attempts };
    } finally {
      clearTimeout(timer);
    }
  }

  async function request(url: string, o: RequestOptions = {}): Promise<HttpOutcome> {
    const retries = o.retries ?? defaultRetries;
    let outcome: HttpOutcome | undefined;
    const streamed = { value: false };
    for (let n = 0; n <= retries; n++) {
      if (o.deadline !== undefined && now() >= o.deadline && outcome !== undefined) return outcome;
      outcome = await limit(() => attempt(url, o, n + 1, streamed));
      const retryable =
        outcome.kind === "network" ||
        outcome.kind === "timeout" ||
        (outcome.kind === "response" && isRetryableStatus(outcome.status));
      // Once body bytes went to a streaming consumer a retry would feed them twice: stop there.
      if (!retryable || n === retries || streamed.value) return outcome;
      let wait = backoffMs * 2 ** n;
      if (outcome.kind === "response") {
        const retryAfter = parseRetryAfter(outcome.headers.get("retry-after"));
        if (retryAfter !== undefined) {
          if (retryAfter > maxRetryAfterMs) return outcome;
          wait = Math.max(wait, retryAfter);
        }
      }
      // A retry that could not start before the deadline is not worth the wait.
      if (o.deadline !== undefined && now() + wait >= o.deadline) return outcome;
      await sleep(wait);
    }
    return outcome as HttpOutcome;
  }

  const timedFetch: FetchLike = async (input, init) => {
    const signal = AbortSignal.timeout(defaultTimeout);
    const headers = new Headers(init?.headers);
    if (!headers.has("user-agent")) headers.set("User-Agent", userAgent);
    return limit(() =>
      baseFetch(input, { ...init, headers, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }),
    );
  };

  return { request, fetch: timedFetch, userAgent };
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `: ${cause.message}` : "";
    return `${error.message}${detail}`;
  }
  return String(error);
}

/** Decode a body as UTF-8 text (replacement characters for bad bytes: we only search it). */
export const bodyText = (body: Uint8Array): string => new TextDecoder("utf-8").decode(body);

/** Parse a JSON body; undefined when it is not JSON. */
export function bodyJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(bodyText(body));
  } catch {
    return undefined;
  }
}

/** A short description of an outcome that did not produce a usable response, for `error` messages. */
export function describeOutcome(outcome: HttpOutcome): string {
  switch (outcome.kind) {
    case "response":
      return `HTTP ${outcome.status} from ${outcome.url}`;
    case "too-large":
      return `the response from ${outcome.url} is larger than ${outcome.limit} bytes`;
    case "timeout":
      return `no answer from ${outcome.url} within ${outcome.timeoutMs} ms (${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"})`;
    case "network":
      return `could not reach ${outcome.url}: ${outcome.message} (${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"})`;
    case "refused":
      return `refused the response from ${outcome.url}: ${outcome.reason}`;
  }
}
