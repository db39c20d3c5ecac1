// PyPI back-reference: `info.description` (the README) of that release carries the `mcp-name:` token
// (UPSTREAM §4.5, internal/validators/registries/pypi.go). Messages are the official ones.

import { resultFor, type CheckResult, type PackageCheckInput } from "./check.ts";
import { bodyJson, describeOutcome, type HttpClient } from "./http.ts";
import { findMcpNameToken, goQuote, readmeEvidence } from "./mcp-name.ts";
import { pathEscape } from "./path-escape.ts";
import { packagePrecondition } from "./preconditions.ts";

export interface PypiDeps {
  readonly http: HttpClient;
  /** Base URL to query (default https://pypi.org). */
  readonly baseUrl: string;
}

export async function verifyPypiPackage(input: PackageCheckInput, deps: PypiDeps): Promise<CheckResult> {
  const result = resultFor("pypi", input);
  const { pkg, serverName } = input;
  const pre = packagePrecondition(pkg);
  if (pre) return result("fail", "pypi/precondition", pre);
  const id = pkg.identifier;
  const version = pkg.version as string;
  const url = `${deps.baseUrl}/pypi/${pathEscape(id)}/${pathEscape(version)}/json`;
  const evidence = { url, identifier: id, version };
  const outcome = await deps.http.request(url, {
    headers: { Accept: "application/json" },
    maxBodyBytes: 20 * 1024 * 1024,
  });
  if (outcome.kind !== "response") {
    return result(
      "error",
      "pypi/unavailable",
      `failed to fetch package metadata from PyPI: ${describeOutcome(outcome)}. Likely transient, retry later`,
      evidence,
    );
  }
  const status = outcome.status;
  if (status === 404) return await version404(input, deps, evidence);
  if (status === 429) {
    return result(
      "error",
      "pypi/rate-limited",
      `PyPI rate-limited the metadata request for package '${id}' (status: 429). Likely transient, retry later`,
      { ...evidence, status },
    );
  }
  if (status >= 500) {
    return result(
      "error",
      "pypi/unavailable",
      `PyPI upstream error fetching metadata for package '${id}' (status: ${status}). Likely transient, retry later`,
      { ...evidence, status },
    );
  }
  if (status !== 200)
    return result("fail", "pypi/fetch-failed", `PyPI package '${id}' metadata fetch failed (status: ${status})`, {
      ...evidence,
      status,
    });

  const doc = bodyJson(outcome.body) as { info?: { description?: unknown } } | undefined;
  if (typeof doc !== "object" || doc == null) {
    return result(
      "error",
      "pypi/bad-response",
      "failed to parse PyPI package metadata: the service did not return a JSON object",
      evidence,
    );
  }
  const description = typeof doc.info?.description === "string" ? doc.info.description : "";
  const match = findMcpNameToken(description, serverName);
  const seen = { ...evidence, ...readmeEvidence(url + "#info.description", description, match) };
  if (match.kind === "found")
    return result(
      "pass",
      "pypi/ok",
      `PyPI package '${id}' ${version} declares 'mcp-name: ${serverName}' in its README`,
      seen,
    );
  if (match.kind === "glued") {
    return result(
      "fail",
      "pypi/mcp-name-glued",
      `PyPI package '${id}' ownership validation failed: found 'mcp-name: ${serverName}' in the README, but it is immediately followed by ${goQuote(match.trailing)} rather than a boundary. The token must be followed by a space, newline, an HTML tag, or a comment close ('-->') — put it on its own line and republish`,
      seen,
    );
  }
  return result(
    "fail",
    "pypi/mcp-name-missing",
    `PyPI package '${id}' ownership validation failed. The server name '${serverName}' must appear as 'mcp-name: ${serverName}' in the package README`,
    seen,
  );
}

async function version404(
  input: PackageCheckInput,
  deps: PypiDeps,
  evidence: Record<string, unknown>,
): Promise<CheckResult> {
  const result = resultFor("pypi", input);
  const id = input.pkg.identifier;
  const version = input.pkg.version as string;
  const probe = await deps.http.request(`${deps.baseUrl}/pypi/${pathEscape(id)}/json`, {
    method: "HEAD",
    timeoutMs: 3000,
    retries: 0,
  });
  const s = probe.kind === "response" ? probe.status : undefined;
  if (s === 200) {
    return result(
      "fail",
      "pypi/version-not-found",
      `PyPI package '${id}' exists, but version '${version}' was not found (status: 404). A newly published release can take a moment to appear on PyPI. Wait and retry, or publish version '${version}' before registering it`,
      { ...evidence, status: 404, packageStatus: 200 },
    );
  }
  if (s === 404)
    return result("fail", "pypi/not-found", `PyPI package '${id}' not found (status: 404)`, {
      ...evidence,
      status: 404,
      packageStatus: 404,
    });
  if (s === undefined || s === 429 || s >= 500) {
    return result(
      "error",
      "pypi/unavailable",
      `PyPI could not confirm package '${id}' version '${version}' (version status: 404, package check inconclusive). Likely transient, retry later`,
      { ...evidence, status: 404 },
    );
  }
  return result("fail", "pypi/version-not-found", `PyPI package '${id}' version '${version}' not found (status: 404)`, {
    ...evidence,
    status: 404,
    packageStatus: s,
  });
}
