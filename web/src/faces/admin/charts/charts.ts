// Drawing the charts as inline SVG (Lit `svg` templates over `chart-layout.ts`): no chart library, no
// script in the SVG. Colours are the Okabe–Ito palette, which readers with the common colour-vision
// deficiencies tell apart, and never the only cue: every series is named in a legend in the same order,
// lines differ by dash and point shape, and each chart has a table beside it.

import { html, svg, type TemplateResult } from "lit";
import { HEIGHT, MARGIN, WIDTH, layoutBars, layoutLines, type BarLayout, type LineLayout } from "./chart-layout";
import type { ChartData } from "./stat-tables";

/** Okabe & Ito (2008), the darker ones first (each ≥ 3:1 against white but the last two). */
export const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#E69F00", "#56B4E9"];

export const colourOf = (index: number) => PALETTE[index % PALETTE.length];

const DASHES = ["", "6 4", "2 3", "10 3 2 3"];

export interface ChartText {
  /** Accessible name of the chart (also its visible title). */
  title: string;
  /** The label of each series key. */
  seriesLabel: (key: string) => string;
  /** A category's label on the x axis. */
  categoryLabel?: (category: string) => string;
  /** A value on the y axis and in tooltips. */
  value?: (value: number) => string;
  /** The marker's text for a suppressed count. */
  suppressed: string;
  /** Whole numbers only (counts): the axis steps by at least 1. */
  integer?: boolean;
}

/** A long category label, cut to fit under a rotated axis (the table has it whole). */
const short = (text: string) => (text.length > 18 ? `${text.slice(0, 17)}…` : text);

function axes(layout: BarLayout | LineLayout, text: ChartText) {
  const format = text.value ?? String;
  // Long labels (areas, needs) are written slanted so that neighbours do not overlap.
  const rotate = layout.labels.some(l => l.text.length > 8);
  return svg`
    <g class="axis" aria-hidden="true">
      ${layout.ticks.map(
        t => svg`<line x1=${MARGIN.left} x2=${WIDTH - MARGIN.right} y1=${t.y} y2=${t.y} stroke="#d5dae0" />
          <text x=${MARGIN.left - 6} y=${t.y + 4} text-anchor="end" font-size="12" fill="#3b424a">${format(t.value)}</text>`,
      )}
      <line x1=${MARGIN.left} x2=${WIDTH - MARGIN.right} y1=${HEIGHT - MARGIN.bottom} y2=${HEIGHT - MARGIN.bottom} stroke="#3b424a" />
      ${layout.labels.map(l => {
        const y = HEIGHT - MARGIN.bottom + 16;
        return rotate
          ? svg`<text x=${l.x} y=${y} text-anchor="end" font-size="12" fill="#3b424a" transform="rotate(-35 ${l.x} ${y})">${short(l.text)}</text>`
          : svg`<text x=${l.x} y=${y} text-anchor="middle" font-size="12" fill="#3b424a">${l.text}</text>`;
      })}
    </g>`;
}

function legend(data: ChartData, text: ChartText, lines: boolean): TemplateResult {
  return html`<ul class="legend">
    ${data.series.map(
      (s, k) => html`<li>
        <svg width="28" height="14" aria-hidden="true">
          ${lines
            ? svg`<line x1="1" x2="27" y1="7" y2="7" stroke=${colourOf(k)} stroke-width="3" stroke-dasharray=${DASHES[k % DASHES.length]} />`
            : svg`<rect x="1" y="1" width="26" height="12" fill=${colourOf(k)} />`}
        </svg>
        ${text.seriesLabel(s.key)}
      </li>`,
    )}
  </ul>`;
}

/** A bar chart (stacked, or grouped side by side) with its legend. */
export function barChart(id: string, data: ChartData, stacked: boolean, text: ChartText): TemplateResult {
  const layout = layoutBars(data, stacked, text.categoryLabel, text.integer);
  const index = new Map(data.series.map((s, k) => [s.key, k]));
  const format = text.value ?? String;
  const category = text.categoryLabel ?? ((c: string) => c);
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${id}-title">
      <title id="${id}-title">${text.title}</title>
      ${axes(layout, text)}
      <g class="bars">
        ${layout.bars.map(
          b => svg`<rect class="bar" data-series=${b.series} data-category=${b.category} x=${b.x} y=${b.y}
            width=${b.width} height=${b.height} fill=${colourOf(index.get(b.series) ?? 0)} stroke="#ffffff" stroke-width=${b.width < 4 ? 0 : 1}>
            <title>${category(b.category)} — ${text.seriesLabel(b.series)}: ${format(b.value)}</title></rect>`,
        )}
        ${layout.markers.map(
          m => svg`<text class="suppressed-mark" data-series=${m.series} data-category=${m.category} x=${m.x} y=${m.y}
            text-anchor="middle" font-size="11" fill="#3b424a">${text.suppressed}</text>`,
        )}
      </g>
    </svg>
    ${data.series.length > 1 ? legend(data, text, false) : ""}`;
}

/** A line chart with a point per value, each series its own colour, dash and point shape. */
export function lineChart(id: string, data: ChartData, text: ChartText): TemplateResult {
  const layout = layoutLines(data, text.categoryLabel);
  const index = new Map(data.series.map((s, k) => [s.key, k]));
  const format = text.value ?? String;
  const category = text.categoryLabel ?? ((c: string) => c);
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${id}-title">
      <title id="${id}-title">${text.title}</title>
      ${axes(layout, text)}
      ${layout.paths.map(p => {
        const k = index.get(p.series) ?? 0;
        return svg`<path d=${p.d} fill="none" stroke=${colourOf(k)} stroke-width="3" stroke-dasharray=${DASHES[k % DASHES.length]} />`;
      })}
      ${layout.points.map(p => {
        const k = index.get(p.series) ?? 0;
        const label = svg`<title>${category(p.category)} — ${text.seriesLabel(p.series)}: ${format(p.value)}</title>`;
        return k % 2 === 0
          ? svg`<circle class="point" data-series=${p.series} data-category=${p.category} cx=${p.x} cy=${p.y} r="5" fill=${colourOf(k)}>${label}</circle>`
          : svg`<rect class="point" data-series=${p.series} data-category=${p.category} x=${p.x - 5} y=${p.y - 5} width="10" height="10" fill=${colourOf(k)}>${label}</rect>`;
      })}
    </svg>
    ${legend(data, text, true)}`;
}
