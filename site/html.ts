// HTML helpers for the build. Everything an author wrote goes through escapeHtml or safeHref.

import { escapeHtml } from "../scripts/lib/escape.ts";

export { escapeHtml };

/** An author-supplied URL usable as a link target: http(s) only, normalised; otherwise undefined. */
export function safeHref(url: unknown): string | undefined {
  if (typeof url !== "string") return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A link to somewhere outside the site. A link is not a request: nothing is fetched until the reader follows it.
 * Non-http(s) URLs (javascript:, data:) are shown as text only.
 */
export function externalLink(url: unknown, label?: string): string {
  const href = safeHref(url);
  const text = escapeHtml(label ?? url);
  return href === undefined
    ? `<span class="url">${text}</span>`
    : `<a href="${escapeHtml(href)}" rel="noopener noreferrer nofollow" class="url">${text}</a>`;
}
