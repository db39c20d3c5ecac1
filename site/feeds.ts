// Atom feeds (RFC 4287) built from the changes (changes.ts), newest first, at most FEED_LIMIT entries each:
//   feeds/servers.xml                 a server's first publish
//   feeds/versions.xml                every published version
//   s/<ns>/<name>/versions.xml        one server's publishes and status changes (linked from its page)
// Ids are tag URIs made of the server name, the version and, for status changes, the change's time: the same
// change always has the same id, build after build. Links are relative to the feed's own URL, as the pages'
// links are, so the feeds work under a sub-path. Authors' text is escaped, and characters XML 1.0 cannot hold
// (control characters, lone surrogates) are dropped, so a hostile description cannot break the document.

import type { BuildInfo } from "../scripts/lib/model.ts";
import type { Change } from "./changes.ts";
import { escapeHtml } from "./html.ts";
import { serverPageDir } from "./src/paths.ts";

export const FEED_LIMIT = 50;
export const SERVERS_FEED = "feeds/servers.xml";
export const VERSIONS_FEED = "feeds/versions.xml";
const TAG = "tag:mcp-static-registry,2025:";

/** The per-server versions feed, beside the server's page. */
export function serverFeedPath(name: string): string {
  return `${serverPageDir(name)}versions.xml`;
}

/** What the feeds say about a version: its own title and description. */
export interface FeedText {
  readonly title: string;
  readonly description: string;
}

/** What the feeds need of a server besides its changes: its latest version's texts, and each version's. */
export interface FeedServer extends FeedText {
  readonly versions: ReadonlyMap<string, FeedText>;
}

/** Any character xmlText may drop: the controls it drops, U+FFFE/U+FFFF, and every surrogate, paired or not. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const MAY_DROP = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;

/** Text XML can hold, escaped: drops C0 controls but tab/CR/LF, U+FFFE/U+FFFF and lone surrogates. */
export function xmlText(value: unknown): string {
  const text = String(value ?? "");
  // Most text has none of them: one test instead of two replaces that find nothing.
  const clean = !MAY_DROP.test(text)
    ? text
    : text
        // eslint-disable-next-line no-control-regex -- removing control characters is the point
        .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
        .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "");
  return escapeHtml(clean);
}

function entryId(c: Change): string {
  const base = `${TAG}${encodeURIComponent(c.name)}@${encodeURIComponent(c.version)}`;
  return c.op === "publish" ? base : `${base}/${c.op}/${encodeURIComponent(c.time)}`;
}

function entryTitle(c: Change, kind: "server" | "version"): string {
  if (kind === "server") return `${c.name} (${c.version})`;
  if (c.op === "publish") return `${c.name} ${c.version} published`;
  if (c.op === "status") return `${c.name} ${c.version} is now ${c.status ?? "gone"}`;
  if (c.op === "removed") return `${c.name} ${c.version} removed`;
  return `${c.name} ${c.version} updated`;
}

interface FeedOptions {
  /** The feed's path from the site root, e.g. "feeds/servers.xml". */
  readonly path: string;
  readonly id: string;
  readonly title: string;
  readonly subtitle: string;
  /** The HTML page the feed is about, from the site root ("" for the home page). */
  readonly page: string;
  readonly kind: "server" | "version";
}

function renderFeed(
  o: FeedOptions,
  changes: readonly Change[],
  servers: ReadonlyMap<string, FeedServer>,
  info: BuildInfo,
): string {
  const up = "../".repeat(o.path.split("/").length - 1);
  const newest = changes.slice(-FEED_LIMIT).reverse();
  const updated = newest[0]?.time ?? info.generatedAt;
  const entries = newest.map((c) => {
    const s = servers.get(c.name)?.versions.get(c.version) ?? servers.get(c.name);
    const summary = s === undefined ? "" : s.title === "" ? s.description : `${s.title}: ${s.description}`;
    const ns = c.name.slice(0, Math.max(0, c.name.indexOf("/")));
    return `<entry>
<id>${xmlText(entryId(c))}</id>
<title>${xmlText(entryTitle(c, o.kind))}</title>
<updated>${xmlText(c.time)}</updated>
<author><name>${xmlText(ns === "" ? c.name : ns)}</name></author>
<link rel="alternate" type="text/html" href="${xmlText(up + serverPageDir(c.name))}"/>
<summary>${xmlText(summary)}</summary>
</entry>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>${xmlText(o.id)}</id>
<title>${xmlText(o.title)}</title>
<subtitle>${xmlText(o.subtitle)}</subtitle>
<updated>${xmlText(updated)}</updated>
<author><name>MCP server registry</name></author>
<generator>mcp-static-registry</generator>
<link rel="self" type="application/atom+xml" href="${xmlText(o.path.split("/").pop() ?? "")}"/>
<link rel="alternate" type="text/html" href="${xmlText(up + o.page || "./")}"/>
${entries.join("\n")}
</feed>
`;
}

/** Every feed file, by path. */
export function buildFeeds(
  changes: readonly Change[],
  servers: ReadonlyMap<string, FeedServer>,
  info: BuildInfo,
): Map<string, string> {
  const publishes = changes.filter((c) => c.op === "publish");
  const seen = new Set<string>();
  const firsts = publishes.filter((c) => !seen.has(c.name) && seen.add(c.name) !== undefined);
  const files = new Map<string, string>();
  files.set(
    SERVERS_FEED,
    renderFeed(
      {
        path: SERVERS_FEED,
        id: `${TAG}feeds/servers`,
        title: "New MCP servers",
        subtitle: `The ${FEED_LIMIT} newest servers in the registry.`,
        page: "",
        kind: "server",
      },
      firsts,
      servers,
      info,
    ),
  );
  files.set(
    VERSIONS_FEED,
    renderFeed(
      {
        path: VERSIONS_FEED,
        id: `${TAG}feeds/versions`,
        title: "New MCP server versions",
        subtitle: `The ${FEED_LIMIT} newest versions published.`,
        page: "",
        kind: "version",
      },
      publishes,
      servers,
      info,
    ),
  );
  const byServer = new Map<string, Change[]>();
  for (const c of changes) {
    if (c.op !== "publish" && c.op !== "status" && c.op !== "removed") continue;
    const list = byServer.get(c.name);
    if (list === undefined) byServer.set(c.name, [c]);
    else list.push(c);
  }
  for (const [name, list] of byServer) {
    if (!servers.has(name)) continue; // a server no longer in the tree has no page to link
    const path = serverFeedPath(name);
    files.set(
      path,
      renderFeed(
        {
          path,
          id: `${TAG}${encodeURIComponent(name)}/versions`,
          title: `${name}: versions`,
          subtitle: `Versions and status changes of ${name}.`,
          page: serverPageDir(name),
          kind: "version",
        },
        list,
        servers,
        info,
      ),
    );
  }
  return files;
}
