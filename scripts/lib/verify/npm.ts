// npm back-reference: the `mcpName` field of that version's document must equal the server name
// (UPSTREAM §4.5, internal/validators/registries/npm.go). Messages are the official ones.

import { resultFor, type CheckResult, type PackageCheckInput } from "./check.ts";
import { bodyJson, describeOutcome, type HttpClient } from "./http.ts";
import { sha256Hex } from "../sha256.ts";
import { pathEscape } from "./path-escape.ts";
import { packagePrecondition } from "./preconditions.ts";

export interface NpmDeps {
  readonly http: HttpClient;
  /** Registry base URL to query (default https://registry.npmjs.org). */
  readonly baseUrl: string;
}

export async function verifyNpmPackage(input: PackageCheckInput, deps: NpmDeps): Promise<CheckResult> {
  const result = resultFor("npm", input);
  const { pkg, serverName } = input;
  const pre = packagePrecondition(pkg);
  if (pre) return result("fail", "npm/precondition", pre);
  const id = pkg.identifier;
  const version = pkg.version as string;
  const url = `${deps.baseUrl}/${pathEscape(id)}/${pathEscape(version)}`;
  const outcome = await deps.http.request(url, { headers: { Accept: "application/json" } });
  const evidence = { url, identifier: id, version };
  if (outcome.kind !== "response") {
    return result(
      "error",
      "npm/unavailable",
      `failed to fetch package metadata from NPM: ${describeOutcome(outcome)}. Likely transient, retry later`,
      evidence,
    );
  }
  const status = outcome.status;
  if (status === 404) return await version404(input, deps, evidence);
  if (status === 429) {
    return result(
      "error",
      "npm/rate-limited",
      `NPM rate-limited the metadata request for package '${id}' (status: 429). Likely transient, retry later`,
      { ...evidence, status },
    );
  }
  if (status >= 500) {
    return result(
      "error",
      "npm/unavailable",
      `NPM upstream error fetching metadata for package '${id}' (status: ${status}). Likely transient, retry later`,
      { ...evidence, status },
    );
  }
  if (status !== 200)
    return result("fail", "npm/fetch-failed", `NPM package '${id}' metadata fetch failed (status: ${status})`, {
      ...evidence,
      status,
    });

  const doc = bodyJson(outcome.body);
  if (typeof doc !== "object" || doc == null || Array.isArray(doc)) {
    return result(
      "error",
      "npm/bad-response",
      `failed to parse NPM package metadata: the registry did not return a JSON object`,
      evidence,
    );
  }
  const record = doc as Record<string, unknown>;
  const mcpName = record.mcpName;
  const seen = {
    ...evidence,
    responseSha256: sha256Hex(outcome.body),
    mcpName: mcpName ?? null,
    ...(typeof record.dist === "object" && record.dist
      ? { dist: pickDist(record.dist as Record<string, unknown>) }
      : {}),
  };
  if (typeof mcpName !== "string" || mcpName === "") {
    return result(
      "fail",
      "npm/mcpname-missing",
      `NPM package '${id}' version '${version}' is missing required 'mcpName' field. Add this to your package.json: "mcpName": "${serverName}"`,
      seen,
    );
  }
  if (mcpName !== serverName) {
    return result(
      "fail",
      "npm/mcpname-mismatch",
      `NPM package '${id}' version '${version}' ownership validation failed. Expected mcpName '${serverName}', got '${mcpName}'`,
      seen,
    );
  }
  return result("pass", "npm/ok", `NPM package '${id}' version '${version}' declares mcpName '${mcpName}'`, seen);
}

function pickDist(dist: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ["tarball", "shasum", "integrity"]) if (typeof dist[key] === "string") out[key] = dist[key];
  return out;
}

/** A 404 for the version: ask whether the package exists at all, to say which one is missing. */
async function version404(
  input: PackageCheckInput,
  deps: NpmDeps,
  evidence: Record<string, unknown>,
): Promise<CheckResult> {
  const result = resultFor("npm", input);
  const id = input.pkg.identifier;
  const version = input.pkg.version as string;
  const probe = await deps.http.request(`${deps.baseUrl}/${pathEscape(id)}`, {
    method: "HEAD",
    timeoutMs: 3000,
    retries: 0,
  });
  const s = probe.kind === "response" ? probe.status : undefined;
  if (s === 200) {
    return result(
      "fail",
      "npm/version-not-found",
      `NPM package '${id}' exists, but version '${version}' was not found (status: 404). A newly published release can take a moment to appear on the registry. Wait and retry, or publish version '${version}' before registering it`,
      { ...evidence, status: 404, packageStatus: 200 },
    );
  }
  if (s === 404)
    return result("fail", "npm/not-found", `NPM package '${id}' not found (status: 404)`, {
      ...evidence,
      status: 404,
      packageStatus: 404,
    });
  if (s === undefined || s === 429 || s >= 500) {
    return result(
      "error",
      "npm/unavailable",
      `NPM could not confirm package '${id}' version '${version}' (version status: 404, package check inconclusive). Likely transient, retry later`,
      { ...evidence, status: 404 },
    );
  }
  return result("fail", "npm/version-not-found", `NPM package '${id}' version '${version}' not found (status: 404)`, {
    ...evidence,
    status: 404,
    packageStatus: s,
  });
}
