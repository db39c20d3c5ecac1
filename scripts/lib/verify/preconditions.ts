// Whether a back-reference check can run: the core's package identity rules (rules.ts) must accept the
// package first. validate.ts reports the same findings as diagnostics; here they only decide whether a
// network check runs, and the reason given is the core's own message. No rule is restated here.

import type { Package } from "../model.ts";
import { checkPackageIdentity } from "../rules.ts";

/** The first offline finding's official message, or undefined when the check can run. */
export function packagePrecondition(pkg: Package): string | undefined {
  return checkPackageIdentity(pkg).find((f) => f.severity === "error")?.message;
}
