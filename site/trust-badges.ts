// The server page's trust badges: "built from <repo>" when the registry verified signed build provenance
// for a package of the latest version (the provenance check's ProvenanceFact, read from the version's
// verification receipt, never from the author's `server._meta`), and the live state of each remote from the
// nightly health report. Every value is upstream or author text: escaped.

import type { VersionRecord } from "../scripts/lib/model.ts";
import type { RemoteHealth } from "../scripts/lib/verify/remote-health.ts";
import { escapeHtml, externalLink } from "./html.ts";

/**
 * Repositories a verified provenance check names for this version (`github.com/owner/repo`), read from the
 * version's verification receipt (receipt.ts), which only the trusted workflow writes.
 */
function builtFrom(record: Pick<VersionRecord, "receipt">): string[] {
  const repos = new Set<string>();
  for (const check of record.receipt?.checks ?? []) {
    const fact = check.evidence["fact"];
    if (check.kind !== "provenance" || check.outcome !== "pass") continue;
    if (fact == null || typeof fact !== "object" || Array.isArray(fact)) continue;
    if (fact["status"] === "verified" && typeof fact["sourceRepository"] === "string")
      repos.add(fact["sourceRepository"]);
  }
  return [...repos].sort();
}

function remoteBadge(r: RemoteHealth): string | undefined {
  const tools = typeof r.toolCount === "number" ? `, ${r.toolCount} tool${r.toolCount === 1 ? "" : "s"}` : "";
  const title = escapeHtml(`${r.url}: ${r.message}`);
  switch (r.state) {
    case "healthy":
      return `<span class="badge badge-remote-healthy" title="${title}">remote answers MCP${escapeHtml(r.protocolVersion ? ` ${r.protocolVersion}` : "")}${escapeHtml(tools)}</span>`;
    case "private":
      return `<span class="badge badge-remote-private" title="${title}">remote requires login</span>`;
    case "broken":
      return `<span class="badge badge-remote-broken" title="${title}">remote not answering MCP (${escapeHtml(r.reason ?? "")})</span>`;
    case "unchecked":
      return undefined;
  }
}

/** The badges, as one list for the server page's header; "" when there is nothing to show. */
export function trustBadges(record: Pick<VersionRecord, "receipt">, remotes: readonly RemoteHealth[] = []): string {
  const items = [
    ...builtFrom(record).map(
      (repo) => `<span class="badge badge-provenance">built from ${externalLink(`https://${repo}`, repo)}</span>`,
    ),
    ...remotes.flatMap((r) => remoteBadge(r) ?? []),
  ];
  if (items.length === 0) return "";
  return `<ul class="badges trust-badges" aria-label="Provenance and health">${items.map((i) => `<li>${i}</li>`).join("")}</ul>`;
}
