// The statistics page (stats/index.html): how the registry grows and what it holds, as build-time SVG charts
// (charts.ts), each followed by its table. Everything is computed from the model and the changes (changes.ts).

import { compareCodeUnits, serverOf, type RegistryModel, type ServerJson } from "../scripts/lib/model.ts";
import { barChart, dataTable, legend, timeChart, type Bar } from "./charts.ts";
import type { Change } from "./changes.ts";
import { escapeHtml } from "./html.ts";
import type { ServerGroup } from "./servers.ts";

interface Timeline {
  /** "YYYY-MM-DD" (spans up to 90 days) or "YYYY-MM", every bucket from the first change to the last. */
  readonly buckets: string[];
  readonly servers: number[];
  readonly versions: number[];
  readonly deprecated: number[];
  readonly deleted: number[];
}

export interface RegistryStats {
  readonly timeline: Timeline;
  readonly status: Bar[];
  readonly packageTypes: Bar[];
  readonly transports: Bar[];
  readonly versionsPerServer: Bar[];
}

const DAY_BUCKETS_MAX = 90;

export function computeStats(groups: readonly ServerGroup[], changes: readonly Change[]): RegistryStats {
  const live = groups.filter((g) => g.latest.official.status !== "deleted").map((g) => serverOf(g.latest));
  return {
    timeline: timeline(changes),
    status: (["active", "deprecated", "deleted"] as const).map((s) => ({
      label: s,
      value: groups.filter((g) => g.latest.official.status === s).length,
    })),
    packageTypes: tally(live.flatMap((s) => distinct(packagesOf(s).map((p) => text(p.registryType))))),
    transports: tally(live.flatMap((s) => distinct(transportsOf(s)))),
    versionsPerServer: versionHistogram(groups),
  };
}

function text(v: unknown): string {
  return typeof v === "string" && v !== "" ? v : "unknown";
}

/** `server`: a latest version's document. */
function packagesOf(server: ServerJson): { registryType?: unknown; transport?: { type?: unknown } }[] {
  const p = server.packages;
  return Array.isArray(p) ? p.filter((x) => x != null && typeof x === "object") : [];
}

function transportsOf(server: ServerJson): string[] {
  const remotes = Array.isArray(server.remotes) ? server.remotes : [];
  return [
    ...packagesOf(server).map((p) => text(p.transport?.type)),
    ...remotes.filter((r) => r != null && typeof r === "object").map((r) => `${text(r.type)} (remote)`),
  ];
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Counts per label, most first, then by label. */
function tally(values: readonly string[]): Bar[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .map(([label, value]) => ({ label, value }))
    .sort((a, b) => b.value - a.value || compareCodeUnits(a.label, b.label));
}

const VERSION_BINS: readonly [label: string, min: number, max: number][] = [
  ["1", 1, 1],
  ["2", 2, 2],
  ["3", 3, 3],
  ["4–5", 4, 5],
  ["6–10", 6, 10],
  ["11 or more", 11, Infinity],
];

function versionHistogram(groups: readonly ServerGroup[]): Bar[] {
  return VERSION_BINS.map(([label, min, max]) => ({
    label,
    value: groups.filter((g) => g.versions.length >= min && g.versions.length <= max).length,
  }));
}

function timeline(changes: readonly Change[]): Timeline {
  const days = changes.map((c) => c.time.slice(0, 10));
  const first = days[0];
  const last = days[days.length - 1];
  const empty: Timeline = { buckets: [], servers: [], versions: [], deprecated: [], deleted: [] };
  if (first === undefined || last === undefined) return empty;
  const byDay = daysBetween(first, last) <= DAY_BUCKETS_MAX;
  const key = (time: string): string => time.slice(0, byDay ? 10 : 7);
  const buckets = byDay ? dayRange(first, last) : monthRange(first.slice(0, 7), last.slice(0, 7));
  const at = new Map(buckets.map((b, i) => [b, i]));
  const t: Timeline = {
    buckets,
    servers: buckets.map(() => 0),
    versions: buckets.map(() => 0),
    deprecated: buckets.map(() => 0),
    deleted: buckets.map(() => 0),
  };
  const seen = new Set<string>();
  let servers = 0;
  let versions = 0;
  let i = 0;
  for (const c of changes) {
    const b = at.get(key(c.time)) ?? i;
    // carry the running totals over buckets without changes
    for (; i < b; i++) [t.servers[i + 1], t.versions[i + 1]] = [servers, versions];
    if (c.op === "publish") {
      versions++;
      if (!seen.has(c.name)) servers++;
      seen.add(c.name);
    } else if (c.op === "removed") versions--;
    else if (c.op === "status" && c.status === "deprecated") t.deprecated[b] = (t.deprecated[b] ?? 0) + 1;
    else if (c.op === "status" && c.status === "deleted") t.deleted[b] = (t.deleted[b] ?? 0) + 1;
    t.servers[b] = servers;
    t.versions[b] = versions;
  }
  return t;
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

function dayRange(first: string, last: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`); t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

function monthRange(first: string, last: string): string[] {
  const out: string[] = [];
  let [y, m] = first.split("-").map(Number) as [number, number];
  for (let month = `${first}`; month <= last;) {
    out.push(month);
    m++;
    if (m > 12) [y, m] = [y + 1, 1];
    month = `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The page's main content

function figure(id: string, title: string, summary: string, chart: string, table: string): string {
  return `<section class="stat" aria-labelledby="${id}"><h2 id="${id}">${escapeHtml(title)}</h2><figure class="chart-figure">${chart}<figcaption>${escapeHtml(summary)}</figcaption></figure>${table}</section>`;
}

function barFigure(id: string, title: string, summary: string, what: string, rows: readonly Bar[]): string {
  const table = dataTable(
    title,
    [what, "Servers"],
    rows.map((r) => [r.label, r.value]),
  );
  return figure(id, title, summary, rows.length === 0 ? `<p class="muted">No data yet.</p>` : barChart(rows), table);
}

function growthFigure(t: Timeline): string {
  const chart =
    legend(["servers", "versions"]) +
    timeChart(
      t.buckets,
      [
        { name: "servers", values: t.servers },
        { name: "versions", values: t.versions },
      ],
      [],
    );
  const rows = t.buckets.map((b, i) => [b, t.servers[i] ?? 0, t.versions[i] ?? 0]);
  const last = rows.length - 1;
  const summary =
    last < 0
      ? "No changes yet."
      : `From ${t.buckets[0]} to ${t.buckets[last]}: ${t.servers[last]} servers and ${t.versions[last]} versions published.`;
  return figure(
    "growth",
    "Servers and versions over time",
    summary,
    chart,
    dataTable("Servers and versions published, running total", ["Period", "Servers", "Versions"], rows),
  );
}

function statusFigure(t: Timeline): string {
  const chart =
    legend(["deprecated", "deleted"]) +
    timeChart(
      t.buckets,
      [],
      [
        { name: "deprecated", values: t.deprecated },
        { name: "deleted", values: t.deleted },
      ],
    );
  const rows = t.buckets
    .map((b, i) => [b, t.deprecated[i] ?? 0, t.deleted[i] ?? 0] as const)
    .filter((r) => r[1] + r[2] > 0);
  const total = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const summary = `${total(t.deprecated)} versions deprecated and ${total(t.deleted)} deleted in all.`;
  return figure(
    "retired",
    "Deprecations and deletions over time",
    summary,
    chart,
    dataTable(
      "Versions deprecated and deleted per period (periods with none left out)",
      ["Period", "Deprecated", "Deleted"],
      rows,
    ),
  );
}

export function renderStatsMain(stats: RegistryStats, model: RegistryModel): string {
  const servers = stats.status.reduce((a, b) => a + b.value, 0);
  return `<h1>Registry statistics</h1>
<p class="lead">${servers} servers, ${model.versions.length} versions, as of <time datetime="${escapeHtml(model.info.generatedAt)}">${escapeHtml(model.info.generatedAt.slice(0, 10))}</time>. Every chart is followed by its numbers.</p>
${growthFigure(stats.timeline)}
${barFigure("status", "Servers by status", "The status of each server's latest version.", "Status", stats.status)}
${barFigure("package-types", "Package types", "Servers (not deleted) offering each kind of package; a server with several counts once per kind.", "Package type", stats.packageTypes)}
${barFigure("transports", "Transports", "Servers (not deleted) by the transports of their packages and remotes.", "Transport", stats.transports)}
${barFigure("versions-per-server", "Versions per server", "How many versions each server has published, deleted ones included.", "Versions", stats.versionsPerServer)}
${statusFigure(stats.timeline)}`;
}
