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
import { createSigstoreVerifier, type SigstoreVerifier } from "../lib/verify/sigstore.ts";
import fs from "node:fs";

export interface OutsideServices {
  readonly endpoints: Endpoints;
  readonly http: HttpClient;
  readonly timeoutMs: number | undefined;
  readonly namespace: NamespaceDeps;
  readonly sigstore: SigstoreVerifier;
}

/** The Sigstore public-good trusted root, recorded in the base checkout (scripts/policy/). */
const TRUSTED_ROOT = new URL("../policy/sigstore-trusted-root.json", import.meta.url);

/**
 * The verifier of build provenance. REGISTRY_SIGSTORE_TRUSTED_ROOT (a file) and
 * REGISTRY_SIGSTORE_CTLOG_THRESHOLD replace the root and the SCT count: the workflow's environment, never
 * the PR's (tests use them to trust a test CA).
 */
function sigstoreFromEnv(env: NodeJS.ProcessEnv): SigstoreVerifier {
  const file = env["REGISTRY_SIGSTORE_TRUSTED_ROOT"] || TRUSTED_ROOT;
  let root: unknown;
  try {
    root = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new ExitError(`Sigstore trusted root ${String(file)}: ${(error as Error).message}`);
  }
  const threshold = env["REGISTRY_SIGSTORE_CTLOG_THRESHOLD"];
  if (threshold !== undefined && !/^\d+$/.test(threshold))
    throw new ExitError(
      `REGISTRY_SIGSTORE_CTLOG_THRESHOLD: expected a whole number, got ${JSON.stringify(threshold)}`,
      2,
    );
  return createSigstoreVerifier(root, threshold === undefined ? {} : { ctlogThreshold: Number(threshold) });
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
    sigstore: sigstoreFromEnv(env),
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
