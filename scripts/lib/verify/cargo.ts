// Cargo back-reference: crates.io's readme endpoint answers `{"url": …}`, the rendered README HTML at
// that URL carries the `mcp-name:` token (UPSTREAM §4.5, internal/validators/registries/cargo.go).
// The README pointer is pinned to the API's own host or static.crates.io, so a response cannot steer
// the verifier elsewhere. Messages are the official ones.

import { resultFor, type CheckResult, type PackageCheckInput } from "./check.ts";
import { OFFICIAL_BASE_URLS } from "./endpoints.ts";
import { bodyJson, bodyText, describeOutcome, type HttpClient } from "./http.ts";
import { findMcpNameToken, goQuote, readmeEvidence } from "./mcp-name.ts";
import { pathEscape } from "./path-escape.ts";
import { packagePrecondition } from "./preconditions.ts";

export interface CargoDeps {
  readonly http: HttpClient;
  /** crates.io API base (default https://crates.io). */
  readonly baseUrl: string;
}

const MAX_README_BYTES = 5 * 1024 * 1024;

/** Hosts the README pointer may lead to: the API host, plus static.crates.io for the real service. */
function readmeUrlAllowed(readme: URL, baseUrl: string): boolean {
  const base = new URL(baseUrl);
  if (baseUrl === OFFICIAL_BASE_URLS.cargo) {
    return (
      (readme.hostname === "crates.io" || readme.hostname === "static.crates.io") &&
      readme.protocol === "https:" &&
      (readme.port === "" || readme.port === "443")
    );
  }
  return readme.host === base.host;
}

export async function verifyCargoPackage(input: PackageCheckInput, deps: CargoDeps): Promise<CheckResult> {
  const result = resultFor("cargo", input);
  const { pkg, serverName } = input;
  const pre = packagePrecondition(pkg);
  if (pre) return result("fail", "cargo/precondition", pre);
  const id = pkg.identifier;
  const version = pkg.version as string;
  const metaUrl = `${deps.baseUrl}/api/v1/crates/${pathEscape(id)}/${pathEscape(version)}/readme`;
  const evidence: Record<string, unknown> = { metaUrl, identifier: id, version };

  const meta = await deps.http.request(metaUrl, { headers: { Accept: "application/json" } });
  if (meta.kind !== "response")
    return result(
      "error",
      "cargo/unavailable",
      `failed to fetch package metadata from crates.io: ${describeOutcome(meta)} — likely transient, retry later`,
      evidence,
    );
  if (meta.status === 429) {
    return result(
      "error",
      "cargo/rate-limited",
      `crates.io rate-limited the metadata request for cargo package '${id}' (status: 429) — likely transient, retry later`,
      evidence,
    );
  }
  if (meta.status >= 500) {
    return result(
      "error",
      "cargo/unavailable",
      `crates.io upstream error fetching metadata for cargo package '${id}' (status: ${meta.status}) — likely transient, retry later`,
      evidence,
    );
  }
  if (meta.status === 404)
    return result("fail", "cargo/not-found", `cargo package '${id}' version '${version}' not found on crates.io`, {
      ...evidence,
      status: 404,
    });
  if (meta.status !== 200)
    return result(
      "fail",
      "cargo/fetch-failed",
      `cargo package '${id}' metadata fetch failed (status: ${meta.status})`,
      { ...evidence, status: meta.status },
    );

  const pointer = (bodyJson(meta.body) as { url?: unknown } | undefined)?.url;
  if (typeof pointer !== "string" || pointer === "")
    return result(
      "error",
      "cargo/bad-response",
      `cargo package '${id}' metadata response missing 'url' field`,
      evidence,
    );
  let readmeUrl: URL;
  try {
    readmeUrl = new URL(pointer);
  } catch {
    return result(
      "error",
      "cargo/bad-response",
      `cargo package '${id}': crates.io returned an unparseable README URL`,
      evidence,
    );
  }
  if (!readmeUrlAllowed(readmeUrl, deps.baseUrl)) {
    return result(
      "error",
      "cargo/bad-response",
      `cargo package '${id}': crates.io returned a README URL on an unexpected host/scheme "${readmeUrl.href}" — refusing to fetch`,
      evidence,
    );
  }
  const readme = await deps.http.request(readmeUrl.href, {
    headers: { Accept: "text/html" },
    maxBodyBytes: MAX_README_BYTES,
    redirect: "manual",
  });
  const seenUrl = { ...evidence, readmeUrl: readmeUrl.href };
  if (readme.kind !== "response")
    return result(
      "error",
      "cargo/unavailable",
      `failed to fetch rendered README from crates.io: ${describeOutcome(readme)} — likely transient, retry later`,
      seenUrl,
    );
  if (readme.status === 429) {
    return result(
      "error",
      "cargo/rate-limited",
      `crates.io rate-limited the README fetch for cargo package '${id}' version '${version}' (status: 429) — likely transient, retry later`,
      seenUrl,
    );
  }
  if (readme.status >= 500) {
    return result(
      "error",
      "cargo/unavailable",
      `crates.io upstream error fetching README for cargo package '${id}' version '${version}' (status: ${readme.status}) — likely transient, retry later`,
      seenUrl,
    );
  }
  if (readme.status === 403 || readme.status === 404)
    return await readmeMissing(input, deps, { ...seenUrl, status: readme.status });
  if (readme.status !== 200)
    return result(
      "fail",
      "cargo/fetch-failed",
      `cargo package '${id}' version '${version}' README fetch failed (status: ${readme.status})`,
      seenUrl,
    );

  const html = bodyText(readme.body);
  const match = findMcpNameToken(html, serverName);
  const seen = { ...evidence, ...readmeEvidence(readmeUrl.href, readme.body, match) };
  if (match.kind === "found")
    return result(
      "pass",
      "cargo/ok",
      `cargo package '${id}' ${version} declares 'mcp-name: ${serverName}' in its README`,
      seen,
    );
  if (match.kind === "glued") {
    return result(
      "fail",
      "cargo/mcp-name-glued",
      `cargo package '${id}' ownership validation failed: found 'mcp-name: ${serverName}' in the README, but it is immediately followed by ${goQuote(match.trailing)} rather than a boundary. The token must be followed by a space, newline, or an HTML tag — put it on its own line and publish a new version`,
      seen,
    );
  }
  return result(
    "fail",
    "cargo/mcp-name-missing",
    `cargo package '${id}' ownership validation failed. The server name '${serverName}' must appear as 'mcp-name: ${serverName}' in the package README`,
    seen,
  );
}

/**
 * static.crates.io answers 403 both for a missing crate/version and for a crate without a README: ask
 * the version endpoint which it is.
 */
async function readmeMissing(
  input: PackageCheckInput,
  deps: CargoDeps,
  evidence: Record<string, unknown>,
): Promise<CheckResult> {
  const result = resultFor("cargo", input);
  const id = input.pkg.identifier;
  const version = input.pkg.version as string;
  const probe = await deps.http.request(`${deps.baseUrl}/api/v1/crates/${pathEscape(id)}/${pathEscape(version)}`, {
    headers: { Accept: "application/json" },
  });
  const s = probe.kind === "response" ? probe.status : undefined;
  const status = evidence.status as number;
  if (s === 200) {
    return result(
      "fail",
      "cargo/no-readme",
      `cargo package '${id}' version '${version}' exists on crates.io, but its rendered README could not be retrieved (status: ${status}). If it has no README, add one containing 'mcp-name: ${input.serverName}' and publish a new version`,
      { ...evidence, versionStatus: 200 },
    );
  }
  if (s === 404)
    return result("fail", "cargo/not-found", `cargo package '${id}' version '${version}' not found on crates.io`, {
      ...evidence,
      versionStatus: 404,
    });
  if (s === undefined || s === 429 || s >= 500) {
    return result(
      "error",
      "cargo/unavailable",
      `crates.io could not confirm cargo package '${id}' version '${version}' (README status: ${status}, version check inconclusive) — likely transient, retry later`,
      evidence,
    );
  }
  return result(
    "fail",
    "cargo/not-found",
    `cargo package '${id}' version '${version}' not found on crates.io (status: ${status})`,
    { ...evidence, versionStatus: s },
  );
}
