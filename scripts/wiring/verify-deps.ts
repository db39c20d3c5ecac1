// The outside services the verifier and the nightly re-verification talk to, wired from the environment
// (REGISTRY_* addresses, GITHUB_TOKEN, REGISTRY_HTTP_TIMEOUT_MS) in one place, so both judge alike.

import { ExitError } from "../lib/cli.ts";
import type { Blocklist } from "../lib/verify/blocklist.ts";
import { createTxtLookup } from "../lib/verify/dns.ts";
import { DEFAULT_ENDPOINTS, EndpointConfigError, endpointsFromEnv, type Endpoints } from "../lib/verify/endpoints.ts";
import { createGitHubIdentity } from "../lib/verify/github.ts";
import { createHttpProofFetcher, guardPublicHost } from "../lib/verify/http-proof.ts";
import { createHttpClient, type HttpClient } from "../lib/verify/http.ts";
import type { NamespaceDeps } from "../lib/verify/namespace.ts";

export interface OutsideServices {
  readonly endpoints: Endpoints;
  readonly http: HttpClient;
  readonly timeoutMs: number | undefined;
  readonly namespace: NamespaceDeps;
}

export function onlineDepsFromEnv(env: NodeJS.ProcessEnv, blocklist: Blocklist): OutsideServices {
  let endpoints: Endpoints;
  try {
    endpoints = endpointsFromEnv(env);
  } catch (error) {
    if (error instanceof EndpointConfigError) throw new ExitError(error.message, 2);
    throw error;
  }
  const timeoutMs = env["REGISTRY_HTTP_TIMEOUT_MS"] ? Number(env["REGISTRY_HTTP_TIMEOUT_MS"]) : undefined;
  const http = createHttpClient({ ...(timeoutMs ? { timeoutMs } : {}) });
  const token = env["GITHUB_TOKEN"];
  return {
    endpoints,
    http,
    timeoutMs,
    namespace: {
      github: createGitHubIdentity({
        baseUrl: endpoints.githubApi,
        fetch: http.fetch,
        userAgent: http.userAgent,
        ...(token ? { token } : {}),
      }),
      txt: createTxtLookup(endpoints.dnsServer ? { server: endpoints.dnsServer } : {}),
      // With the real template the host comes from a server name: refuse internal addresses (SSRF).
      fetchHttpProof: createHttpProofFetcher(
        http,
        endpoints.httpProofTemplate,
        endpoints.httpProofTemplate === DEFAULT_ENDPOINTS.httpProofTemplate ? { guard: guardPublicHost } : {},
      ),
      blocklist,
    },
  };
}
