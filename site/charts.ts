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

// Text keeps its CSS size at any width: positions across are percentages of the chart's width (bar charts), or
// the shapes are drawn in a stretched inner coordinate system while the text stays outside it (time charts).
// A chart scaled as a whole would print 13 px labels at 7 px on a phone.
const ROW = 40;
const PLOT_UNITS = 1000;
const TIME_HEIGHT = 220;
const PLOT_TOP = 18;
const PLOT_BOTTOM = 190;

const fixed = (n: number): string => (Math.round(n * 10) / 10).toFixed(1);

/** A bar per row, in the order given: the label above its bar, the value at the bar's end. */
export function barChart(rows: readonly Bar[]): string {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const height = Math.max(1, rows.length) * ROW + 4;
  const bars = rows
    .map((r, i) => {
      const y = i * ROW + 4;
      const pct = (r.value / max) * 85;
      return (
        `<text class="chart-label" x="0" y="${y + 13}">${escapeHtml(clip(r.label))}</text>` +
        `<rect class="chart-bar" x="0" y="${y + 19}" width="${fixed(pct)}%" height="14" rx="2"/>` +
        `<text class="chart-value" x="${fixed(pct + 1.5)}%" y="${y + 31}">${r.value}</text>`
      );
    })
    .join("");
  return svg(height, bars);
}

/**
 * Time across, one bucket per step: `lines` are drawn as lines, `columns` as stacked columns. The first and last
 * buckets are named under the axis.
 */
export function timeChart(buckets: readonly string[], lines: readonly Series[], columns: readonly Series[]): string {
  const n = Math.max(1, buckets.length);
  const stackTotals = buckets.map((_, i) => columns.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = niceMax(Math.max(1, ...lines.flatMap((s) => s.values), ...stackTotals));
  const step = PLOT_UNITS / n;
  const x = (i: number): number => step * (i + 0.5);
  const y = (v: number): number => PLOT_BOTTOM - (v / max) * (PLOT_BOTTOM - PLOT_TOP);
  const text: string[] = [];
  const shapes: string[] = [];
  for (const tick of [0, max / 2, max]) {
    text.push(
      `<line class="chart-grid" x1="0" x2="100%" y1="${fixed(y(tick))}" y2="${fixed(y(tick))}"/>` +
        `<text class="chart-label" x="0" y="${fixed(y(tick) - 4)}">${formatTick(tick)}</text>`,
    );
  }
  buckets.forEach((_, i) => {
    let base = 0;
    columns.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      if (v === 0) return;
      const w = Math.max(4, step * 0.6);
      shapes.push(
        `<rect class="chart-col chart-s${k + 1}" x="${fixed(x(i) - w / 2)}" y="${fixed(y(base + v))}" width="${fixed(w)}" height="${fixed(y(base) - y(base + v))}"/>`,
      );
      base += v;
    });
  });
  lines.forEach((s, k) => {
    // one bucket: a level line across it, as a single point would be invisible
    const points =
      s.values.length === 1
        ? `0,${fixed(y(s.values[0] ?? 0))} ${PLOT_UNITS},${fixed(y(s.values[0] ?? 0))}`
        : s.values.map((v, i) => `${fixed(x(i))},${fixed(y(v))}`).join(" ");
    shapes.push(`<polyline class="chart-line chart-s${k + 1}" vector-effect="non-scaling-stroke" points="${points}"/>`);
  });
  const first = buckets[0] ?? "";
  const last = buckets[buckets.length - 1] ?? "";
  text.push(`<text class="chart-label" x="0" y="${TIME_HEIGHT - 8}">${escapeHtml(first)}</text>`);
  if (buckets.length > 1)
    text.push(`<text class="chart-label" x="100%" y="${TIME_HEIGHT - 8}" text-anchor="end">${escapeHtml(last)}</text>`);
  const plot = `<svg x="0" y="0" width="100%" height="${TIME_HEIGHT}" viewBox="0 0 ${PLOT_UNITS} ${TIME_HEIGHT}" preserveAspectRatio="none">${shapes.join("")}</svg>`;
  return svg(TIME_HEIGHT, text.join("") + plot);
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
  return `<svg class="chart" width="100%" height="${height}" aria-hidden="true" focusable="false">${body}</svg>`;
}

function clip(label: string): string {
  return label.length > 40 ? `${label.slice(0, 39)}…` : label;
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
