// GET https://<domain>/.well-known/mcp-registry-auth as upstream does (UPSTREAM §5.5): text/plain,
// redirects not followed, at most 4096 bytes. The URL template is configurable for tests.

import type { HttpClient, HttpOutcome } from "./http.ts";

export const HTTP_PROOF_MAX_BYTES = 4096;

export function createHttpProofFetcher(http: HttpClient, template: string): (domain: string) => Promise<HttpOutcome> {
  return (domain) =>
    http.request(template.replaceAll("{domain}", domain), {
      headers: { Accept: "text/plain" },
      redirect: "manual",
      maxBodyBytes: HTTP_PROOF_MAX_BYTES,
      retries: 1,
    });
}
