// NuGet back-reference: the package README, found through the service index's
// `ReadmeUriTemplate/6.13.0`, carries the `mcp-name:` token (UPSTREAM §4.5,
// internal/validators/registries/nuget.go). When there is no README, `PackageBaseAddress/3.0.0` tells a
// missing id, a missing version and a missing README apart. Messages are the official ones.

import { resultFor, type CheckResult, type PackageCheckInput } from "./check.ts";
import { bodyJson, bodyText, describeOutcome, type HttpClient, type HttpOutcome } from "./http.ts";
import { findMcpNameToken, readmeEvidence } from "./mcp-name.ts";
import { pathEscape } from "./path-escape.ts";
import { packagePrecondition } from "./preconditions.ts";

export interface NugetDeps {
  readonly http: HttpClient;
  /** Service index URL (default https://api.nuget.org/v3/index.json). */
  readonly serviceIndexUrl: string;
}

interface ServiceIndex {
  readonly resources: readonly { readonly "@id": string; readonly "@type": string }[];
}

function resource(index: ServiceIndex, type: string): string | undefined {
  return index.resources.find((r) => r["@type"] === type)?.["@id"];
}

function parseServiceIndex(outcome: HttpOutcome): ServiceIndex | undefined {
  if (outcome.kind !== "response" || outcome.status !== 200) return undefined;
  const doc = bodyJson(outcome.body) as { resources?: unknown } | undefined;
  if (!doc || !Array.isArray(doc.resources)) return undefined;
  const resources = doc.resources.filter(
    (r): r is { "@id": string; "@type": string } =>
      typeof r === "object" && r != null && typeof r["@id"] === "string" && typeof r["@type"] === "string",
  );
  return { resources };
}

const transient = (o: HttpOutcome) => o.kind !== "response" || o.status === 429 || o.status >= 500;

export async function verifyNugetPackage(input: PackageCheckInput, deps: NugetDeps): Promise<CheckResult> {
  const result = resultFor("nuget", input);
  const { pkg, serverName } = input;
  const pre = packagePrecondition(pkg);
  if (pre) return result("fail", "nuget/precondition", pre);
  const id = pkg.identifier;
  const version = pkg.version as string;

  const indexOutcome = await deps.http.request(deps.serviceIndexUrl, { headers: { Accept: "application/json" } });
  const index = parseServiceIndex(indexOutcome);
  if (!index) {
    const why =
      indexOutcome.kind === "response" && indexOutcome.status === 200
        ? "failed to parse NuGet service index"
        : `NuGet service index returned ${describeOutcome(indexOutcome)}`;
    return result("error", "nuget/unavailable", `${why}. Likely transient, retry later`, {
      serviceIndexUrl: deps.serviceIndexUrl,
    });
  }
  const template = resource(index, "ReadmeUriTemplate/6.13.0");
  if (!template)
    return result(
      "error",
      "nuget/unavailable",
      "failed to get README URL template: ReadmeUriTemplate/6.13.0 not found in service index",
      { serviceIndexUrl: deps.serviceIndexUrl },
    );

  const lowerId = id.toLowerCase();
  // SemVer 2.0.0 build metadata (`+abc`) is not part of NuGet's normalized version.
  const lowerVersion = version.toLowerCase().replace(/\+.*$/, "");
  const readmeUrl = template
    .replaceAll("{lower_id}", pathEscape(lowerId))
    .replaceAll("{lower_version}", pathEscape(lowerVersion));
  const evidence = { serviceIndexUrl: deps.serviceIndexUrl, readmeUrl, identifier: id, version };
  const readme = await deps.http.request(readmeUrl);
  if (readme.kind !== "response")
    return result(
      "error",
      "nuget/unavailable",
      `failed to fetch NuGet README: ${describeOutcome(readme)}. Likely transient, retry later`,
      evidence,
    );
  if (readme.status === 200) {
    const match = findMcpNameToken(bodyText(readme.body), serverName);
    const seen = { ...evidence, ...readmeEvidence(readmeUrl, readme.body, match) };
    if (match.kind === "found")
      return result(
        "pass",
        "nuget/ok",
        `NuGet package '${id}' ${version} declares 'mcp-name: ${serverName}' in its README`,
        seen,
      );
    if (match.kind === "glued") {
      return result(
        "fail",
        "nuget/mcp-name-glued",
        `NuGet package '${id}' ownership validation for version ${version} failed: found 'mcp-name: ${serverName}' in the README, but it is immediately followed by another character rather than a boundary. The token must be followed by a space, newline, an HTML tag, or a comment close ('-->') — put it on its own line and publish a new package version`,
        seen,
      );
    }
    return result(
      "fail",
      "nuget/mcp-name-missing",
      `NuGet package '${id}' ownership validation for version ${version} failed. The server name '${serverName}' must appear as 'mcp-name: ${serverName}' in the package README. Add it to your README and publish a new package version`,
      seen,
    );
  }
  if (readme.status !== 404) {
    return result(
      transient(readme) ? "error" : "fail",
      "nuget/unavailable",
      `NuGet README request returned status ${readme.status}`,
      { ...evidence, status: readme.status },
    );
  }

  // No README: find out whether the id, the version or only the README is missing.
  const baseAddress = resource(index, "PackageBaseAddress/3.0.0");
  if (!baseAddress)
    return result(
      "error",
      "nuget/unavailable",
      "failed to get Package Base URL: PackageBaseAddress/3.0.0 not found in service index",
      evidence,
    );
  const versionsUrl = `${baseAddress.replace(/\/+$/, "")}/${pathEscape(lowerId)}/index.json`;
  const versions = await deps.http.request(versionsUrl, { headers: { Accept: "application/json" } });
  const seen = { ...evidence, readmeStatus: 404, versionsUrl };
  if (versions.kind === "response" && versions.status === 404) {
    return result(
      "fail",
      "nuget/not-found",
      `NuGet package '${id}' does not exist in the registry. If you recently published the package for the first time, wait for validation to complete`,
      seen,
    );
  }
  const list =
    versions.kind === "response" && versions.status === 200
      ? (bodyJson(versions.body) as { versions?: unknown } | undefined)?.versions
      : undefined;
  if (!Array.isArray(list)) {
    return result(
      "error",
      "nuget/unavailable",
      `NuGet package index returned ${describeOutcome(versions)}. Likely transient, retry later`,
      seen,
    );
  }
  if (!list.some((v) => typeof v === "string" && v.toLowerCase() === lowerVersion)) {
    return result(
      "fail",
      "nuget/version-not-found",
      `NuGet package '${id}' exists but version ${version} does not exist in the registry. If you recently published the version, wait for validation to complete`,
      { ...seen, versionsSeen: list.length },
    );
  }
  return result(
    "fail",
    "nuget/no-readme",
    `NuGet package '${id}' ownership validation for version ${version} failed because it does not have an embedded README. Add one to your package and publish a new version`,
    seen,
  );
}
