// MCPB: the official allowlist of hosts and release-asset paths (UPSTREAM §4.5,
// internal/validators/registries/mcpb.go), then — unlike the official registry, which only sends a
// HEAD — the file is downloaded (streamed, with a size cap) and its sha256 compared with `fileSha256`.
// A registry entry whose hash does not match the file would send every client a broken install.

import { createHash } from "node:crypto";
import { resultFor, type CheckResult, type PackageCheckInput } from "./check.ts";
import { rewriteForEndpoint } from "./endpoints.ts";
import { describeOutcome, type HttpClient } from "./http.ts";

export interface McpbDeps {
  readonly http: HttpClient;
  /** Download host → base URL override (tests serve github.com from loopback). */
  readonly endpoints: Readonly<Record<string, string>>;
  /** Download size cap in bytes (default 64 MiB). */
  readonly maxBytes?: number;
  /** Whole-download timeout (default 120 s). */
  readonly timeoutMs?: number;
}

export const DEFAULT_MCPB_MAX_BYTES = 64 * 1024 * 1024;

const GITHUB_RELEASE = /^\/([a-zA-Z0-9]([a-zA-Z0-9-]{0,37}[a-zA-Z0-9])?)\/([a-zA-Z0-9._-]+)\/releases\/download\/([^/]+)\/([^/]+)$/;
const GITLAB_RELEASE = /^\/([a-zA-Z0-9._-]+(?:\/[a-zA-Z0-9._-]+)*)\/-\/releases\/([^/]+)\/downloads\/([^/]+)$/;
const GITLAB_PACKAGE = /^\/([a-zA-Z0-9._-]+(?:\/[a-zA-Z0-9._-]+)*)\/-\/package_files\/([0-9]+)\/download$/;

/** The official URL rules; the first broken one's message, or undefined. */
export function mcpbUrlProblem(identifier: string): string | undefined {
  let url: URL;
  try {
    url = new URL(identifier);
  } catch {
    return `invalid MCPB package URL: ${identifier}`;
  }
  const host = url.host.toLowerCase();
  if (!["github.com", "www.github.com", "gitlab.com", "www.gitlab.com"].includes(host)) {
    return `MCPB packages must be hosted on allowlisted providers (GitHub or GitLab). Host '${host}' is not allowed`;
  }
  if (host.endsWith("github.com") && !GITHUB_RELEASE.test(url.pathname)) {
    return "GitHub MCPB packages must be release assets following the pattern '/owner/repo/releases/download/tag/filename'";
  }
  if (host.endsWith("gitlab.com") && !GITLAB_RELEASE.test(url.pathname) && !GITLAB_PACKAGE.test(url.pathname)) {
    return "GitLab MCPB packages must be release assets following patterns '/owner/repo/-/releases/tag/downloads/filename' or '/owner/repo/-/package_files/id/download'";
  }
  if (url.protocol !== "https:") return `invalid MCPB package URL, must use HTTPS: ${identifier}`;
  if (!identifier.toLowerCase().includes("mcp")) return `MCPB package URL must contain 'mcp': ${identifier}`;
  return undefined;
}

export async function verifyMcpbPackage(input: PackageCheckInput, deps: McpbDeps): Promise<CheckResult> {
  const result = resultFor("mcpb", input);
  const { pkg } = input;
  if (!pkg.fileSha256) return result("fail", "mcpb/precondition", "must include a fileSha256 hash for integrity verification");
  if (!pkg.identifier) return result("fail", "mcpb/precondition", "package identifier is required for MCPB packages");
  if (pkg.registryBaseUrl) {
    return result("fail", "mcpb/precondition", "MCPB packages must not have 'registryBaseUrl' field - use the full download URL in 'identifier' instead");
  }
  const problem = mcpbUrlProblem(pkg.identifier);
  if (problem) return result("fail", "mcpb/url", problem, { identifier: pkg.identifier });

  const expected = pkg.fileSha256.toLowerCase();
  const fetchUrl = rewriteForEndpoint(new URL(pkg.identifier), deps.endpoints);
  const limit = deps.maxBytes ?? DEFAULT_MCPB_MAX_BYTES;
  const hash = createHash("sha256");
  let size = 0;
  const outcome = await deps.http.request(fetchUrl, {
    maxBodyBytes: limit,
    timeoutMs: deps.timeoutMs ?? 120_000,
    headers: { Accept: "application/octet-stream" },
    onChunk: (chunk) => {
      size += chunk.byteLength;
      hash.update(chunk);
    },
  });
  const evidence: Record<string, unknown> = { url: pkg.identifier, expectedSha256: expected };
  if (outcome.kind === "too-large") {
    return result("fail", "mcpb/too-large", `MCPB package '${pkg.identifier}' is larger than the ${limit}-byte limit; the download was stopped there`, { ...evidence, limit });
  }
  if (outcome.kind !== "response") return result("error", "mcpb/unavailable", `failed to verify MCPB package accessibility: ${describeOutcome(outcome)}`, evidence);
  if (outcome.status !== 200) {
    const transient = outcome.status === 429 || outcome.status >= 500;
    return result(transient ? "error" : "fail", "mcpb/not-accessible", `MCPB package '${pkg.identifier}' is not publicly accessible (status: ${outcome.status})`, {
      ...evidence,
      status: outcome.status,
    });
  }
  const actual = hash.digest("hex");
  const seen = { ...evidence, sha256: actual, size, finalUrl: outcome.url };
  if (actual !== expected) {
    return result(
      "fail",
      "mcpb/sha256-mismatch",
      `MCPB package '${pkg.identifier}' has sha256 ${actual}, but fileSha256 says ${expected}. Put the sha256 of the released file in fileSha256 (e.g. \`sha256sum file.mcpb\`)`,
      seen,
    );
  }
  return result("pass", "mcpb/ok", `MCPB package '${pkg.identifier}' (${size} bytes) matches fileSha256 ${actual}`, seen);
}
