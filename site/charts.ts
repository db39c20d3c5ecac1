// Charts drawn at build time as inline SVG: no script, no request, no library. Colours are CSS classes
// (site.css), so one chart reads in light and dark mode. Each chart comes with a table holding the same
// numbers; the SVG is hidden from screen readers, which read the table. Numbers are printed with fixed
// precision, so the same data gives the same bytes.

import { escapeHtml } from "./html.ts";

export interface Bar {
  readonly label: string;
  readonly value: number;
}

export interface Series {
  readonly name: string;
  /** One value per bucket. */
  readonly values: readonly number[];
}

const WIDTH = 640;
const ROW = 26;
const LABEL_WIDTH = 200;

const fixed = (n: number): string => (Math.round(n * 10) / 10).toFixed(1);

/** A horizontal bar per row, longest first as given, with the value at the bar's end. */
export function barChart(rows: readonly Bar[]): string {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const barSpace = WIDTH - LABEL_WIDTH - 60;
  const height = Math.max(1, rows.length) * ROW + 4;
  const bars = rows
    .map((r, i) => {
      const y = i * ROW + 4;
      const w = (r.value / max) * barSpace;
      return (
        `<text class="chart-label" x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end">${escapeHtml(clip(r.label))}</text>` +
        `<rect class="chart-bar" x="${LABEL_WIDTH}" y="${y + 2}" width="${fixed(w)}" height="${ROW - 8}" rx="2"/>` +
        `<text class="chart-value" x="${fixed(LABEL_WIDTH + w + 6)}" y="${y + 15}">${r.value}</text>`
      );
    })
    .join("");
  return svg(height, bars);
}

/**
 * Time on the x axis, one bucket per step: `lines` are drawn as lines, `columns` as stacked columns.
 * Bucket labels are shown at the first and last bucket.
 */
export function timeChart(buckets: readonly string[], lines: readonly Series[], columns: readonly Series[]): string {
  const height = 220;
  const top = 12;
  const bottom = height - 28;
  const left = 44;
  const right = WIDTH - 12;
  const n = Math.max(1, buckets.length);
  const stackTotals = buckets.map((_, i) => columns.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = niceMax(Math.max(1, ...lines.flatMap((s) => s.values), ...stackTotals));
  const step = (right - left) / n;
  const x = (i: number): number => left + step * (i + 0.5);
  const y = (v: number): number => bottom - (v / max) * (bottom - top);
  const parts: string[] = [];
  for (const tick of [0, max / 2, max]) {
    parts.push(
      `<line class="chart-grid" x1="${left}" x2="${right}" y1="${fixed(y(tick))}" y2="${fixed(y(tick))}"/>` +
        `<text class="chart-label" x="${left - 6}" y="${fixed(y(tick) + 4)}" text-anchor="end">${formatTick(tick)}</text>`,
    );
  }
  buckets.forEach((_, i) => {
    let base = 0;
    columns.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      if (v === 0) return;
      const w = Math.max(2, step * 0.6);
      parts.push(
        `<rect class="chart-col chart-s${k + 1}" x="${fixed(x(i) - w / 2)}" y="${fixed(y(base + v))}" width="${fixed(w)}" height="${fixed(y(base) - y(base + v))}"/>`,
      );
      base += v;
    });
  });
  lines.forEach((s, k) => {
    const points = s.values.map((v, i) => `${fixed(x(i))},${fixed(y(v))}`).join(" ");
    parts.push(`<polyline class="chart-line chart-s${k + 1}" points="${points}"/>`);
    if (s.values.length === 1)
      parts.push(
        `<circle class="chart-dot chart-s${k + 1}" cx="${fixed(x(0))}" cy="${fixed(y(s.values[0] ?? 0))}" r="4"/>`,
      );
  });
  const first = buckets[0] ?? "";
  const last = buckets[buckets.length - 1] ?? "";
  parts.push(`<text class="chart-label" x="${left}" y="${height - 8}">${escapeHtml(first)}</text>`);
  if (buckets.length > 1)
    parts.push(`<text class="chart-label" x="${right}" y="${height - 8}" text-anchor="end">${escapeHtml(last)}</text>`);
  return svg(height, parts.join(""));
}

/** The legend of a chart's series, with the same colour classes. */
export function legend(names: readonly string[]): string {
  return `<ul class="chart-legend" aria-hidden="true">${names.map((n, k) => `<li><span class="chart-key chart-s${k + 1}"></span>${escapeHtml(n)}</li>`).join("")}</ul>`;
}

/** The table equivalent: a caption, a header row and one row per line of data. */
export function dataTable(
  caption: string,
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const th = head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join("");
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((cell, i) => (i === 0 ? `<th scope="row">${escapeHtml(cell)}</th>` : `<td>${escapeHtml(cell)}</td>`)).join("")}</tr>`,
    )
    .join("");
  return `<div class="table-wrap"><table class="chart-table"><caption>${escapeHtml(caption)}</caption><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function svg(height: number, body: string): string {
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" aria-hidden="true" focusable="false">${body}</svg>`;
}

function clip(label: string): string {
  return label.length > 24 ? `${label.slice(0, 23)}…` : label;
}

/** 1, 2, 5 × 10^k at or above `n`, so the axis ticks are round numbers. */
function niceMax(n: number): number {
  const power = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * power >= n) return m * power;
  return 10 * power;
}

function formatTick(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
