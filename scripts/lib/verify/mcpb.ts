// MCPB: once the core's offline rules accept the package (the official allowlist of hosts and
// release-asset paths, UPSTREAM §4.5, live in rules.ts), the file is downloaded — unlike the official
// registry, which only sends a HEAD — (streamed, with a size cap) and its sha256 compared with `fileSha256`.
// A registry entry whose hash does not match the file would send every client a broken install.

import { createHash } from "node:crypto";
import { resultFor, type CheckResult, type PackageCheckInput } from "./check.ts";
import { rewriteForEndpoint } from "./endpoints.ts";
import { describeOutcome, type HttpClient } from "./http.ts";
import { packagePrecondition } from "./preconditions.ts";

export interface McpbDeps {
  readonly http: HttpClient;
  /** Download host → base URL override (tests serve github.com from loopback). */
  readonly endpoints: Readonly<Record<string, string>>;
  /** Download size cap in bytes (default 64 MiB). */
  readonly maxBytes?: number;
  /** Whole-download timeout (default 120 s). */
  readonly timeoutMs?: number;
}

const DEFAULT_MCPB_MAX_BYTES = 64 * 1024 * 1024;

export async function verifyMcpbPackage(input: PackageCheckInput, deps: McpbDeps): Promise<CheckResult> {
  const result = resultFor("mcpb", input);
  const { pkg } = input;
  // The offline rules (fileSha256, identifier, the host and release-asset path) are the core's.
  const pre = packagePrecondition(pkg);
  if (pre || !pkg.fileSha256)
    return result("fail", "mcpb/precondition", pre ?? "must include a fileSha256 hash for integrity verification", {
      identifier: pkg.identifier,
    });

  const expected = pkg.fileSha256.toLowerCase();
  let url: URL;
  try {
    url = new URL(pkg.identifier);
  } catch {
    // The core reads URLs as Go does; WHATWG may still refuse one it accepted.
    return result("fail", "mcpb/precondition", `invalid MCPB package URL: ${pkg.identifier}`, {
      identifier: pkg.identifier,
    });
  }
  const fetchUrl = rewriteForEndpoint(url, deps.endpoints);
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
    return result(
      "fail",
      "mcpb/too-large",
      `MCPB package '${pkg.identifier}' is larger than the ${limit}-byte limit; the download was stopped there`,
      { ...evidence, limit },
    );
  }
  if (outcome.kind !== "response")
    return result(
      "error",
      "mcpb/unavailable",
      `failed to verify MCPB package accessibility: ${describeOutcome(outcome)}`,
      evidence,
    );
  if (outcome.status !== 200) {
    const transient = outcome.status === 429 || outcome.status >= 500;
    return result(
      transient ? "error" : "fail",
      "mcpb/not-accessible",
      `MCPB package '${pkg.identifier}' is not publicly accessible (status: ${outcome.status})`,
      {
        ...evidence,
        status: outcome.status,
      },
    );
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
  return result(
    "pass",
    "mcpb/ok",
    `MCPB package '${pkg.identifier}' (${size} bytes) matches fileSha256 ${actual}`,
    seen,
  );
}
