// The site's pages as HTML strings: home (with the first results prerendered), one page per server, 404.
// All URLs are relative, so the site works at a domain root and under a sub-path (project Pages).

import {
  receiptRoute,
  serverOf,
  type BuildInfo,
  type Icon,
  type ServerJson,
  type VersionRecord,
} from "../scripts/lib/model.ts";
import { summarizeReceipt } from "../scripts/lib/receipt.ts";
import { compareTimestamps } from "../scripts/lib/versions.ts";
import { packagePageLink } from "./package-links.ts";
import { buildInstallOptions, type InstallLink, type InstallOption, type Setting, type Snippet } from "./snippets.ts";
import { SERVERS_FEED, VERSIONS_FEED } from "./feeds.ts";
import { escapeHtml, externalLink } from "./html.ts";
import { serverPageDir, splitName } from "./src/paths.ts";
import {
  publishedHour,
  SORT_ORDERS,
  STATUS_CODES,
  updatedHour,
  TRANSPORT_REMOTE,
  type SearchIndexFile,
  type SortOrder,
} from "./src/search.ts";
import { trustBadges } from "./trust-badges.ts";
import type { RemoteHealth } from "../scripts/lib/verify/remote-health.ts";

export interface Assets {
  /** Paths relative to the site root, with a content-hash query to defeat stale caches. */
  readonly css: string;
  readonly js: string;
  readonly index: string;
}

/** What every page links (the home page also names the search index). */
export type PageAssets = Pick<Assets, "css" | "js">;

/** What a server page shows of its latest version: the document's text and the registry's facts, never bytes. */
export type PageRecord = Pick<VersionRecord, "name" | "version" | "json" | "official" | "receipt">;

/** The latest version as its page reads it: the document parsed once, where the page is rendered. */
type ShownRecord = PageRecord & { readonly server: ServerJson };

/** What a server page shows of every version (its row in the versions table, its times). */
export type PageVersion = Pick<VersionRecord, "version" | "official">;

/** A server as its page shows it (a ServerGroup is one); `latest` is one of `versions`, the same object. */
export interface PageGroup {
  readonly name: string;
  readonly latest: PageRecord;
  readonly versions: readonly PageVersion[];
}

/**
 * Server pages to render, as plain data a worker thread can be handed (structured clone keeps `latest` the
 * same object as its entry in `versions`).
 */
export interface ServerPagesInput {
  readonly assets: PageAssets;
  readonly info: BuildInfo;
  readonly servers: readonly { readonly group: PageGroup; readonly remotes?: readonly RemoteHealth[] }[];
}

const SITE_NAME = "MCP server registry";
/** How many results the home page shows before "Show more" (prerendered and in the browser). */
export const PAGE_SIZE = 50;

interface PageOptions {
  readonly title: string;
  readonly description: string;
  /** Relative path from the page to the site root: "" or "../../../". */
  readonly root: string;
  readonly assets: PageAssets;
  readonly info: BuildInfo;
  readonly main: string;
  /** Extra elements for <head> (a page's own feed link). */
  readonly head?: string;
}

/** The share-card image every page names (a default: the build draws no per-server picture). */
export const PREVIEW_IMAGE = "assets/preview.png";

function footer(info: BuildInfo, root: string): string {
  const commit =
    info.gitCommit == null ? "a working tree" : `commit <code>${escapeHtml(info.gitCommit.slice(0, 12))}</code>`;
  return (
    `<footer class="site-footer"><p>Built from ${commit}, serial ${escapeHtml(info.serial)}, data as of <time datetime="${escapeHtml(info.generatedAt)}">${escapeHtml(info.generatedAt)}</time>. ` +
    `Machine-readable: <a href="${root}v0.1/servers.json">the /v0.1 API</a>.</p></footer>`
  );
}

/** OpenGraph and Twitter card metadata: what a chat or social site shows when the page is shared. */
function shareMeta(o: PageOptions): string {
  const title = escapeHtml(o.title);
  const description = escapeHtml(o.description);
  return `<meta property="og:type" content="website">
<meta property="og:site_name" content="${SITE_NAME}">
<meta property="og:title" content="${title}">
<meta property="og:description" content="${description}">
<meta property="og:image" content="${o.root}${PREVIEW_IMAGE}">
<meta property="og:image:width" content="1200">
<meta property="og:image:height" content="630">
<meta property="og:image:alt" content="${SITE_NAME}">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="${title}">
<meta name="twitter:description" content="${description}">
<meta name="twitter:image" content="${o.root}${PREVIEW_IMAGE}">`;
}

function siteNav(root: string, rootHref: string): string {
  return (
    `<header class="site-header"><nav aria-label="Site"><a class="brand" href="${rootHref}">${SITE_NAME}</a>` +
    `<a href="${root}stats/">Stats</a><a href="${root}${SERVERS_FEED}">Feed</a><a href="${root}v0.1/servers.json">API</a></nav></header>`
  );
}

function page(o: PageOptions): string {
  const root = o.root === "" ? "./" : o.root;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title)}</title>
<meta name="description" content="${escapeHtml(o.description)}">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
${shareMeta(o)}
<link rel="alternate" type="application/atom+xml" title="New MCP servers" href="${o.root}${SERVERS_FEED}">
<link rel="alternate" type="application/atom+xml" title="New MCP server versions" href="${o.root}${VERSIONS_FEED}">${o.head ?? ""}
<link rel="stylesheet" href="${o.root}${escapeHtml(o.assets.css)}">
<script type="module" src="${o.root}${escapeHtml(o.assets.js)}"></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
${siteNav(o.root, root)}
<main id="main" tabindex="-1">
${o.main}
</main>
${footer(o.info, o.root)}
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------------------
// Badges and result items (the browser renders the same markup in site/src/app.ts)

function statusBadge(status: string): string {
  return `<span class="badge badge-${escapeHtml(status)}">${escapeHtml(status)}</span>`;
}

function resultItem(index: SearchIndexFile, i: number, root: string): string {
  const ns = index.namespaces[index.ns[i] ?? 0] ?? "";
  const name = index.name[i] ?? "";
  const full = `${ns}/${name}`;
  const status = STATUS_CODES[index.status[i] ?? 0] ?? "active";
  const versions = index.versions[i] ?? 1;
  const title = index.title[i] ?? "";
  const badges: string[] = [];
  if (status !== "active") badges.push(`<li>${statusBadge(status)}</li>`);
  for (const t of index.packages[i] ?? [])
    badges.push(`<li><span class="badge">${escapeHtml(index.packageTypes[t] ?? "")}</span></li>`);
  if ((index.transport[i] ?? 0) & TRANSPORT_REMOTE) badges.push(`<li><span class="badge">remote</span></li>`);
  const meta = `${title === "" ? "" : `${escapeHtml(title)} · `}v${escapeHtml(index.version[i] ?? "")}${versions > 1 ? ` · ${versions} versions` : ""}`;
  return (
    `<li class="result"><h2 class="result-name"><a href="${root}${escapeHtml(serverPageDir(full))}">${escapeHtml(full)}</a></h2>` +
    `<p class="result-meta">${meta}</p><p class="result-desc">${escapeHtml(index.description[i] ?? "")}</p>` +
    (badges.length > 0 ? `<ul class="badges" aria-label="Facts">${badges.join("")}</ul>` : "") +
    `</li>`
  );
}

// ---------------------------------------------------------------------------------------------------------
// Home

/** The home page's "new this week" and "recently updated" lists (server indexes, newest first). */
export interface RecentLists {
  readonly newThisWeek: readonly number[];
  readonly recentlyUpdated: readonly number[];
}

const SORT_LABELS: Readonly<Record<SortOrder, string>> = {
  "": "Best match",
  name: "Name",
  published: "Recently published",
  updated: "Recently updated",
};

function sortField(): string {
  const options = SORT_ORDERS.map((o) => `<option value="${o}">${SORT_LABELS[o]}</option>`).join("");
  return `<div class="field"><label for="f-sort">Sort by</label><select id="f-sort" name="sort">${options}</select></div>`;
}

function recentList(
  index: SearchIndexFile,
  items: readonly number[],
  hourOf: (file: SearchIndexFile, i: number) => number,
): string {
  return items
    .map((i) => {
      const full = `${index.namespaces[index.ns[i] ?? 0] ?? ""}/${index.name[i] ?? ""}`;
      const time = new Date(hourOf(index, i) * 3_600_000).toISOString().replace(".000Z", "Z");
      return `<li><a href="${escapeHtml(serverPageDir(full))}">${escapeHtml(full)}</a> <time datetime="${time}">${time.slice(0, 10)}</time></li>`;
    })
    .join("");
}

/** Shown while nobody searches, filters or sorts (app.ts hides it then). */
function recentSections(index: SearchIndexFile, recent: RecentLists | undefined): string {
  if (recent === undefined) return "";
  const fresh =
    recent.newThisWeek.length === 0
      ? `<p class="muted">No new servers in the seven days before this build.</p>`
      : `<ol class="recent-list">${recentList(index, recent.newThisWeek, publishedHour)}</ol>`;
  return `<div id="recent" class="recent">
<section aria-labelledby="new-this-week"><h2 id="new-this-week">New this week</h2>${fresh}<p class="more-link"><a href="?sort=published">All servers, newest first</a></p></section>
<section aria-labelledby="recently-updated"><h2 id="recently-updated">Recently updated</h2><ol class="recent-list">${recentList(index, recent.recentlyUpdated, updatedHour)}</ol><p class="more-link"><a href="?sort=updated">All servers by last update</a></p></section>
</div>`;
}

export function renderHome(
  index: SearchIndexFile,
  firstPage: readonly number[],
  total: number,
  versionCount: number,
  assets: Assets,
  info: BuildInfo,
  recent?: RecentLists,
): string {
  const typeOptions = index.packageTypes
    .map((t) => `<option value="${escapeHtml(t)}">${escapeHtml(t)}</option>`)
    .join("");
  const servers = index.name.length;
  // The lead counts what the list below shows by default: deleted servers are listed only when asked for.
  const deleted = index.status.filter((s) => STATUS_CODES[s] === "deleted").length;
  const deletedNote = deleted === 0 ? "" : ` (and ${deleted} deleted, listed when the status filter asks for them)`;
  const main = `<h1>MCP servers</h1>
<p class="lead">${servers - deleted} servers, ${versionCount} versions${deletedNote}. Search by name (typos are fine), title or description.</p>
<form class="search" role="search" id="search" data-index="${escapeHtml(assets.index)}" data-page-size="${PAGE_SIZE}">
<div class="field field-query"><label for="q">Search servers</label>
<input id="q" name="q" type="search" autocomplete="off" spellcheck="false" aria-describedby="q-hint" aria-controls="results">
<p id="q-hint" class="hint">Press <kbd>/</kbd> to come back here. Results update as you type.</p></div>
<div class="field"><label for="f-type">Package type</label><select id="f-type" name="type"><option value="">Any</option>${typeOptions}</select></div>
<div class="field"><label for="f-transport">Transport</label><select id="f-transport" name="transport"><option value="">Any</option><option value="local">Local (package)</option><option value="remote">Remote</option></select></div>
<div class="field"><label for="f-status">Status</label><select id="f-status" name="status"><option value="">Active and deprecated</option><option value="active">Active</option><option value="deprecated">Deprecated</option><option value="deleted">Deleted</option><option value="any">Any</option></select></div>
${sortField()}
<noscript><p class="hint">Search needs JavaScript; the list below shows the first servers by name, and each links to its page.</p></noscript>
</form>
${recentSections(index, recent)}
<p id="result-count" class="result-count" role="status" aria-live="polite">${total} servers</p>
<ol id="results" class="results">${firstPage.map((i) => resultItem(index, i, "")).join("\n")}</ol>
<button type="button" id="more" class="more"${total > firstPage.length ? "" : " hidden"}>Show more</button>`;
  return page({
    title: SITE_NAME,
    description: `Search ${servers} MCP servers and copy install snippets for VS Code, Claude Desktop and Cursor.`,
    root: "",
    assets,
    info,
    main,
  });
}

// ---------------------------------------------------------------------------------------------------------
// Server page

function encodeApiSegment(value: string): string {
  return encodeURIComponent(value);
}

function apiBase(root: string, fullName: string): string {
  const [ns, name] = splitName(fullName);
  return `${root}v0.1/servers/${encodeApiSegment(ns)}/${encodeApiSegment(name)}`;
}

function iconLabel(icon: Icon): string {
  const parts = [
    icon.mimeType,
    icon.sizes?.join(" "),
    icon.theme === undefined ? undefined : `${icon.theme} theme`,
  ].filter((p) => typeof p === "string" && p !== "");
  return parts.length === 0 ? "icon" : `icon (${parts.join(", ")})`;
}

/** The version the API serves as `latest`: none when every version is deleted (the API answers 404 then). */
function liveLatest(group: PageGroup): PageVersion | undefined {
  return group.latest.official.status === "deleted" ? undefined : group.latest;
}

function latestRow(group: PageGroup): string {
  const live = liveLatest(group);
  return live === undefined
    ? `<dt>Latest version</dt><dd>none: every version is deleted</dd>`
    : `<dt>Latest version</dt><dd>${escapeHtml(live.version)}</dd>`;
}

function dateCell(time: string): string {
  return `<time datetime="${escapeHtml(time)}">${escapeHtml(time.slice(0, 10))}</time>`;
}

/**
 * The first of `times` a stable sort by compareTimestamps gives (of equal times, the first given), or with
 * `last` the last it gives (of equal times, the last given), found in one pass.
 */
function sortedEnd(times: readonly string[], last: boolean): string | undefined {
  let end: string | undefined;
  for (const t of times) {
    const c = end === undefined || t === end ? 0 : compareTimestamps(t, end);
    if (end === undefined || (last ? c >= 0 : c < 0)) end = t;
  }
  return end;
}

/** First published (the oldest version) and last updated (any version's newest time). */
function dateRows(group: PageGroup): string {
  const times = group.versions.flatMap((v) => [
    v.official.publishedAt,
    v.official.updatedAt,
    v.official.statusChangedAt,
  ]);
  const first = sortedEnd(
    group.versions.map((v) => v.official.publishedAt),
    false,
  );
  const last = sortedEnd(times, true);
  if (first === undefined || last === undefined) return "";
  return `<dt>Published</dt><dd>${dateCell(first)}</dd><dt>Updated</dt><dd>${dateCell(last)}</dd>`;
}

/** Each package's page on its registry (npm, PyPI, …), or its identifier where there is none. */
function packagesRow(record: ShownRecord): string {
  const packages = Array.isArray(record.server.packages)
    ? record.server.packages.filter((p) => p != null && typeof p === "object")
    : [];
  if (packages.length === 0) return "";
  const items = packages.map((p) => {
    const link = packagePageLink(p);
    const id = `<code>${escapeHtml(p.identifier)}</code>`;
    return link === undefined
      ? `<li>${escapeHtml(p.registryType)} ${id}</li>`
      : `<li>${externalLink(link.url, `${link.label}: ${String(p.identifier)}`)}</li>`;
  });
  return `<dt>Packages</dt><dd><ul class="inline-list">${items.join("")}</ul></dd>`;
}

/** Links to the API documents that exist: a server whose versions are all deleted has no list and no latest. */
function apiRow(group: PageGroup, root: string): string {
  const api = apiBase(root, group.name);
  const links: string[] = [];
  if (liveLatest(group) !== undefined) links.push(`<a href="${escapeHtml(api)}/versions/latest.json">latest.json</a>`);
  if (group.versions.some((v) => v.official.status !== "deleted"))
    links.push(`<a href="${escapeHtml(api)}/versions.json">versions.json</a>`);
  links.push(`<a href="versions.xml">versions feed (Atom)</a>`);
  return `<dt>API</dt><dd>${links.join(" · ")}</dd>`;
}

function facts(group: PageGroup, record: ShownRecord, root: string): string {
  const s = record.server;
  const rows: string[] = [latestRow(group), dateRows(group)];
  if (s.repository !== undefined && typeof s.repository === "object") {
    const sub =
      typeof s.repository.subfolder === "string"
        ? ` <span class="muted">(folder <code>${escapeHtml(s.repository.subfolder)}</code>)</span>`
        : "";
    rows.push(`<dt>Repository</dt><dd>${externalLink(s.repository.url)}${sub}</dd>`);
  }
  if (s.websiteUrl !== undefined) rows.push(`<dt>Website</dt><dd>${externalLink(s.websiteUrl)}</dd>`);
  const icons = Array.isArray(s.icons) ? s.icons.filter((i) => i != null && typeof i === "object") : [];
  if (icons.length > 0) {
    // Icons are external URLs: loading them would be a request outside the site, so they are links only.
    rows.push(
      `<dt>Icons</dt><dd><ul class="inline-list">${icons.map((i) => `<li>${externalLink(i.src, iconLabel(i))}</li>`).join("")}</ul></dd>`,
    );
  }
  rows.push(packagesRow(record), apiRow(group, root));
  return `<dl class="facts">${rows.join("")}</dl>`;
}

function statusNotice(record: PageRecord): string {
  const { status, statusMessage } = record.official;
  if (status === "active") return "";
  const what = status === "deleted" ? "Every version of this server is deleted." : "This server is deprecated.";
  const message =
    typeof statusMessage === "string" && statusMessage !== ""
      ? ` <span class="status-message">${escapeHtml(statusMessage)}</span>`
      : "";
  return `<div class="notice notice-${escapeHtml(status)}" role="note">${statusBadge(status)} ${what}${message}</div>`;
}

function snippetBlock(option: InstallOption, snippet: Snippet, isOpen: boolean): string {
  const id = `snippet-${option.id}-${snippet.id}`;
  const file = snippet.file === undefined ? "command line (sh, bash, zsh)" : snippet.file;
  return (
    `<details class="snippet"${isOpen ? " open" : ""}><summary>${escapeHtml(snippet.label)} <span class="muted">${escapeHtml(file)}</span></summary>` +
    `<div class="snippet-body"><pre tabindex="0" aria-label="${escapeHtml(`${snippet.label} snippet`)}"><code id="${escapeHtml(id)}" class="language-${snippet.language}">${escapeHtml(snippet.text)}</code></pre>` +
    `<button type="button" class="copy" data-copy="${escapeHtml(id)}" hidden>Copy<span class="visually-hidden"> ${escapeHtml(snippet.label)} snippet</span></button></div></details>`
  );
}

/** One-click install links: each opens its client with the configuration shown in the snippet of that client. */
function installLinks(links: readonly InstallLink[]): string {
  if (links.length === 0) return "";
  const items = links.map(
    (l) => `<li><a class="install-link" href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a></li>`,
  );
  return `<ul class="install-links inline-list" aria-label="One-click install">${items.join("")}</ul>`;
}

function settingsTable(option: InstallOption): string {
  if (option.settings.length === 0) return "";
  const row = (s: Setting): string =>
    `<tr><th scope="row"><code>${escapeHtml(s.name)}</code></th><td>${escapeHtml(s.kind)}</td><td>${s.isRequired ? "required" : "optional"}${s.isSecret ? ", secret" : ""}</td>` +
    `<td>${s.default === undefined ? "" : `<code>${escapeHtml(s.default)}</code>`}${s.choices === undefined ? "" : ` <span class="muted">one of ${s.choices.map((c) => `<code>${escapeHtml(c)}</code>`).join(", ")}</span>`}</td>` +
    `<td>${escapeHtml(s.description ?? "")}</td></tr>`;
  return (
    `<div class="table-wrap"><table class="settings"><caption>Settings</caption><thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Use</th><th scope="col">Default</th><th scope="col">Description</th></tr></thead>` +
    `<tbody>${option.settings.map(row).join("")}</tbody></table></div>`
  );
}

function installSection(record: ShownRecord): string {
  if (record.official.status === "deleted") return "";
  const options = buildInstallOptions(record.server);
  const body =
    options.length === 0
      ? `<p>This server lists no packages or remotes; see its website or repository for how to install it.</p>`
      : options
          .map((option) => {
            const headingId = `option-${option.id}`;
            const kind = option.kind === "package" ? "Package" : "Remote";
            const notes = option.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join("");
            const snippets = option.snippets.map((s, i) => snippetBlock(option, s, i === 0)).join("");
            return `<section class="option" aria-labelledby="${headingId}"><h3 id="${headingId}">${kind}: <code>${escapeHtml(option.label)}</code></h3>${notes}${installLinks(option.links)}${snippets}${settingsTable(option)}</section>`;
          })
          .join("");
  return `<section aria-labelledby="install"><h2 id="install">Install</h2>
<p class="hint">Secrets are placeholders: VS Code asks for them (<code>\${input:…}</code>); elsewhere replace <code>&lt;YOUR_…&gt;</code>. Command lines are for POSIX shells (macOS, Linux, WSL); on Windows, use a JSON configuration.</p>
<p id="copy-status" class="visually-hidden" role="status" aria-live="polite"></p>
${body}</section>`;
}

function versionsSection(group: PageGroup, root: string): string {
  const api = apiBase(root, group.name);
  const rows = group.versions
    .map((v) => {
      const status = v.official.status;
      const message =
        typeof v.official.statusMessage === "string" && v.official.statusMessage !== ""
          ? ` <span class="status-message">${escapeHtml(v.official.statusMessage)}</span>`
          : "";
      const latest = v === liveLatest(group) ? ` <span class="badge badge-latest">latest</span>` : "";
      const published = escapeHtml(v.official.publishedAt);
      return (
        `<tr class="version-${escapeHtml(status)}"><th scope="row">${escapeHtml(v.version)}${latest}</th><td>${statusBadge(status)}${message}</td>` +
        `<td><time datetime="${published}">${escapeHtml(v.official.publishedAt.slice(0, 10))}</time></td>` +
        `<td><a href="${escapeHtml(api)}/versions/${escapeHtml(encodeApiSegment(v.version))}.json" aria-label="${escapeHtml(`Version ${v.version} as JSON`)}">JSON</a></td></tr>`
      );
    })
    .join("");
  return (
    `<section aria-labelledby="versions"><h2 id="versions">Versions</h2><div class="table-wrap"><table class="versions">` +
    `<thead><tr><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Published</th><th scope="col">Data</th></tr></thead><tbody>${rows}</tbody></table></div></section>`
  );
}

/**
 * The verification area of a server page: the receipt the registry's own workflow committed for the version
 * (record.receipt, from receipts/, never from the document the author wrote), summed up in one line, one
 * click from the receipt itself, with every check it recorded. Every value is escaped: the evidence quotes
 * what outside services and the PR said.
 */
function verificationSection(record: PageRecord, root: string): string {
  const receipt = record.receipt;
  if (receipt === undefined) return "";
  const summary = summarizeReceipt(receipt);
  const parts = [
    ...(summary.namespace === undefined ? [] : [`namespace by ${summary.namespace}`]),
    ...summary.packages,
  ];
  const headline = `<p class="verified"><strong>Verified ${escapeHtml(summary.verifiedAt.slice(0, 10))}</strong>${parts.length > 0 ? `: ${escapeHtml(parts.join(", "))}` : ""} (pull request #${escapeHtml(String(summary.pr))}). <a href="${escapeHtml(root + receiptRoute(record.name, record.version))}">Receipt (JSON)</a></p>`;
  const rows = receipt.checks
    .map(
      (c) =>
        `<tr><th scope="row">${escapeHtml(c.kind)}</th><td><span class="badge badge-check-${escapeHtml(c.outcome)}">${escapeHtml(c.outcome)}</span></td><td>${escapeHtml(c.message)}</td>` +
        `<td><pre tabindex="0">${escapeHtml(JSON.stringify(c.evidence, null, 2))}</pre></td></tr>`,
    )
    .join("");
  const table = `<details><summary>${receipt.checks.length} check${receipt.checks.length === 1 ? "" : "s"} recorded</summary><div class="table-wrap"><table class="checks"><thead><tr><th scope="col">Check</th><th scope="col">Result</th><th scope="col">Message</th><th scope="col">Evidence</th></tr></thead><tbody>${rows}</tbody></table></div></details>`;
  return `<section aria-labelledby="verification"><h2 id="verification">Verification</h2><p class="hint">What the registry checked when version ${escapeHtml(record.version)} was added.</p>${headline}${table}</section>`;
}

export function renderServerPage(
  group: PageGroup,
  assets: PageAssets,
  info: BuildInfo,
  remotes?: readonly RemoteHealth[],
): string {
  const root = "../../../";
  const record: ShownRecord = { ...group.latest, server: serverOf(group.latest) };
  const s = record.server;
  const [ns, name] = splitName(group.name);
  const title =
    typeof s.title === "string" && s.title !== "" ? `<p class="server-title">${escapeHtml(s.title)}</p>` : "";
  const initial = (name.match(/[A-Za-z0-9]/)?.[0] ?? "?").toUpperCase();
  const main = `<nav aria-label="Breadcrumb" class="breadcrumb"><a href="${root}">All servers</a></nav>
<article class="server">
<header class="server-header"><span class="avatar" aria-hidden="true">${escapeHtml(initial)}</span><div>
<h1><span class="ns">${escapeHtml(ns)}/</span>${escapeHtml(name)}</h1>${title}${trustBadges(record, remotes)}</div></header>
${statusNotice(record)}
<p class="server-desc">${escapeHtml(s.description)}</p>
${facts(group, record, root)}
${installSection(record)}
${versionsSection(group, root)}
${verificationSection(record, root)}
</article>`;
  const titleText = typeof s.title === "string" && s.title !== "" ? `${s.title} (${group.name})` : group.name;
  return page({
    title: `${titleText} · ${SITE_NAME}`,
    description: String(s.description ?? ""),
    head: `\n<link rel="alternate" type="application/atom+xml" title="${escapeHtml(`${group.name}: versions`)}" href="versions.xml">`,
    root,
    assets,
    info,
    main,
  });
}

/** Each server's page, in the order given: what the build renders on one thread or hands to a worker. */
export function renderServerPages(input: ServerPagesInput): string[] {
  return input.servers.map((s) => renderServerPage(s.group, input.assets, input.info, s.remotes));
}

// ---------------------------------------------------------------------------------------------------------
// 404: served for any missing path at any depth, so it cannot use relative URLs to assets. It is self-contained,
// and a small inline script finds the site root from the known top-level folders.

export function render404(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Not found · ${SITE_NAME}</title>
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
<style>body{font:1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}a{color:LinkText}a:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}</style>
</head>
<body>
<main>
<h1>Not found</h1>
<p>There is no page or API document at this address.</p>
<p><a id="home" href="./">Search the registry</a> · <a id="stats" href="stats/">Statistics</a></p>
</main>
<script>
(function () {
  var path = location.pathname;
  var m = path.match(/^(.*?\\/)(?:s|assets|v0|v0\\.1)\\//);
  var root = m ? m[1] : path.replace(/[^\\/]*$/, "");
  var last = path.replace(/\\/+$/, "").split("/").pop() || "";
  try { last = decodeURIComponent(last); } catch (e) {}
  document.getElementById("stats").href = root + "stats/";
  var a = document.getElementById("home");
  a.href = root + (last ? "?q=" + encodeURIComponent(last.replace(/\\.(json|html)$/, "")) : "");
  if (last) a.textContent = "Search the registry for \\u201c" + last + "\\u201d";
})();
</script>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------------------
// Statistics

export function renderStatsPage(main: string, assets: Assets, info: BuildInfo): string {
  return page({
    title: `Statistics · ${SITE_NAME}`,
    description: "How the MCP server registry grows: servers and versions over time, package types, transports.",
    root: "../",
    assets,
    info,
    main,
  });
}
