// Package fields the back-reference check needs before it can ask anything, with the official
// registry's messages (internal/validators/registries/*.go). validate.ts reports the same rules as
// schema diagnostics; here they decide whether a network check can run at all.

import type { Package } from "../model.ts";
import { OFFICIAL_BASE_URLS } from "./endpoints.ts";

type Typed = "npm" | "pypi" | "nuget" | "cargo";

const LABEL: Record<Typed, string> = { npm: "NPM", pypi: "PyPI", nuget: "NuGet", cargo: "Cargo" };

/** The first failed precondition's official message, or undefined when the check can run. */
export function packagePrecondition(type: Typed, pkg: Package): string | undefined {
  const label = LABEL[type];
  const base = pkg.registryBaseUrl ?? OFFICIAL_BASE_URLS[type];
  if (!pkg.identifier) return `package identifier is required for ${label} packages`;
  if (!pkg.version) return `package version is required for ${label} packages`;
  if (pkg.fileSha256) {
    const prefix = type === "cargo" ? "cargo" : label;
    return type === "npm"
      ? "NPM packages must not have 'fileSha256' field"
      : `${prefix} packages must not have 'fileSha256' field - this is only for MCPB packages`;
  }
  if (base !== OFFICIAL_BASE_URLS[type]) {
    return `registry type and base URL do not match: '${base}' is not valid for registry type '${type}'. Expected: ${OFFICIAL_BASE_URLS[type]}`;
  }
  return undefined;
}
