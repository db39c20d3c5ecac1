// GET https://<domain>/.well-known/mcp-registry-auth as upstream does (UPSTREAM §5.5): text/plain,
// redirects not followed, at most 4096 bytes. The URL template is configurable for tests.
//
// The domain comes from a server name in a pull request, so with the real template the host is first
// resolved and refused when it points at loopback, private, link-local or otherwise internal addresses
// (upstream uses an SSRF-safe dialer for the same reason). This check resolves once and fetch resolves
// again, so a DNS-rebinding host could still slip through; the body is only parsed for a key record.

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { HttpClient, HttpOutcome } from "./http.ts";

const HTTP_PROOF_MAX_BYTES = 4096;

/** Why an address must not be contacted, or undefined. */
export function internalAddressProblem(address: string): string | undefined {
  const v4 = isIP(address) === 4 ? address.split(".").map(Number) : undefined;
  if (v4) {
    const [a = 0, b = 0] = v4;
    if (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) ||
      a >= 224
    ) {
      return `${address} is a loopback, private, link-local, shared or multicast address`;
    }
    return undefined;
  }
  const v6 = address.toLowerCase();
  if (
    v6 === "::1" ||
    v6 === "::" ||
    v6.startsWith("fe8") ||
    v6.startsWith("fe9") ||
    v6.startsWith("fea") ||
    v6.startsWith("feb") ||
    v6.startsWith("fc") ||
    v6.startsWith("fd") ||
    v6.startsWith("ff") ||
    v6.startsWith("2002:")
  ) {
    return `${address} is a loopback, private, link-local, multicast or 6to4 address`;
  }
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
  return mapped ? internalAddressProblem(mapped[1] as string) : undefined;
}

/** Production guard: resolve the host and refuse internal addresses. */
export async function guardPublicHost(host: string): Promise<string | undefined> {
  try {
    const addresses = await lookup(host, { all: true });
    for (const { address } of addresses) {
      const problem = internalAddressProblem(address);
      if (problem) return `${host} resolves to ${problem}`;
    }
    return undefined;
  } catch (error) {
    return `${host} does not resolve (${(error as { code?: string }).code ?? "DNS error"})`;
  }
}

export interface HttpProofOptions {
  /** Refuse a host before fetching (the reason), e.g. guardPublicHost. */
  readonly guard?: (host: string) => Promise<string | undefined>;
}

export function createHttpProofFetcher(
  http: HttpClient,
  template: string,
  options: HttpProofOptions = {},
): (domain: string) => Promise<HttpOutcome> {
  return async (domain) => {
    const url = template.replaceAll("{domain}", domain);
    if (options.guard) {
      const problem = await options.guard(new URL(url).hostname);
      // Refused before any request: reported like an unreachable host (no record found there).
      if (problem)
        return { kind: "response", url, status: 0, headers: new Headers(), body: new Uint8Array(), attempts: 0 };
    }
    return http.request(url, {
      headers: { Accept: "text/plain" },
      redirect: "manual",
      maxBodyBytes: HTTP_PROOF_MAX_BYTES,
      retries: 1,
    });
  };
}
