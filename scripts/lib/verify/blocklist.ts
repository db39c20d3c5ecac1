// The maintainers' namespace blocklist (scripts/policy/blocklist.yaml, outside servers/ so a publishing
// PR cannot edit it without maintainer review). Matching follows upstream's internal/auth/blocks.go: a
// blocked namespace also blocks its subdomains (`com.example` blocks `com.example.api`). Letter case is
// ignored: GitHub logins and DNS names are case-insensitive.

import { parse } from "yaml";

export interface Blocklist {
  readonly namespaces: readonly string[];
}

export type BlocklistParse =
  { readonly kind: "ok"; readonly blocklist: Blocklist } | { readonly kind: "invalid"; readonly reason: string };

export function parseBlocklist(text: string): BlocklistParse {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    return { kind: "invalid", reason: `not YAML: ${(error as Error).message}` };
  }
  if (doc == null) return { kind: "ok", blocklist: { namespaces: [] } };
  const list = (doc as { namespaces?: unknown }).namespaces;
  if (typeof doc !== "object" || (list != null && !Array.isArray(list))) {
    return { kind: "invalid", reason: "expected `namespaces:` with a list of namespaces" };
  }
  const namespaces: string[] = [];
  for (const item of (list ?? []) as unknown[]) {
    const entry =
      typeof item === "string"
        ? item
        : typeof item === "object" && item != null
          ? (item as { namespace?: unknown }).namespace
          : undefined;
    if (typeof entry !== "string" || !/^[a-zA-Z0-9][a-zA-Z0-9.-]*$/.test(entry))
      return { kind: "invalid", reason: `not a namespace: ${JSON.stringify(item)}` };
    namespaces.push(entry.toLowerCase());
  }
  return { kind: "ok", blocklist: { namespaces } };
}

/** The blocked entry that covers this namespace, if any. */
export function blockedBy(namespace: string, blocklist: Blocklist): string | undefined {
  const ns = namespace.toLowerCase();
  return blocklist.namespaces.find((b) => ns === b || ns.startsWith(`${b}.`));
}
