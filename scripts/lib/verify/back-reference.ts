// One dispatcher from a package's registryType to its back-reference check, shared by the PR verifier and
// the nightly re-verification, so both judge a package the same way.

import { verifyCargoPackage } from "./cargo.ts";
import type { CheckKind, CheckResult, PackageCheckInput } from "./check.ts";
import type { Endpoints } from "./endpoints.ts";
import type { HttpClient } from "./http.ts";
import { verifyMcpbPackage } from "./mcpb.ts";
import { verifyNpmPackage } from "./npm.ts";
import { verifyNugetPackage } from "./nuget.ts";
import { verifyOciPackage } from "./oci.ts";
import { verifyPypiPackage } from "./pypi.ts";

export interface BackReferenceDeps {
  readonly http: HttpClient;
  readonly endpoints: Endpoints;
  readonly mcpbMaxBytes?: number;
  readonly ociTimeoutMs?: number;
}

/** The registry types that have a back-reference check, and the check kind each reports as. */
export const PACKAGE_KINDS: Readonly<Record<string, CheckKind>> = {
  npm: "npm",
  pypi: "pypi",
  nuget: "nuget",
  cargo: "cargo",
  oci: "oci",
  mcpb: "mcpb",
};

/** Run the back-reference check of one package whose registryType is a key of PACKAGE_KINDS. */
export function checkBackReference(
  kind: CheckKind,
  input: PackageCheckInput,
  deps: BackReferenceDeps,
): Promise<CheckResult> {
  const { http, endpoints } = deps;
  switch (kind) {
    case "npm":
      return verifyNpmPackage(input, { http, baseUrl: endpoints.npm });
    case "pypi":
      return verifyPypiPackage(input, { http, baseUrl: endpoints.pypi });
    case "nuget":
      return verifyNugetPackage(input, { http, serviceIndexUrl: endpoints.nuget });
    case "cargo":
      return verifyCargoPackage(input, { http, baseUrl: endpoints.crates });
    case "oci":
      return verifyOciPackage(input, {
        http,
        endpoints: endpoints.oci,
        ...(deps.ociTimeoutMs ? { timeoutMs: deps.ociTimeoutMs } : {}),
      });
    case "mcpb":
      return verifyMcpbPackage(input, {
        http,
        endpoints: endpoints.downloads,
        ...(deps.mcpbMaxBytes ? { maxBytes: deps.mcpbMaxBytes } : {}),
      });
    default:
      throw new Error(`internal: no back-reference check for kind ${kind}`);
  }
}
