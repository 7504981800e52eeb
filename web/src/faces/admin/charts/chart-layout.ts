// Where the marks of a chart go: pure geometry for bar charts (stacked or grouped) and line charts, in SVG
// user units, tested on its own; `charts.ts` draws what this computes. Suppressed values ("< 5") draw no
// bar or point but a marker, so a reader sees that something is there and cannot be shown.

import type { ChartData, Shown } from "./stat-tables";

export const WIDTH = 720;
export const HEIGHT = 320;
export const MARGIN = { top: 12, right: 12, bottom: 92, left: 52 };

export interface Bar {
  series: string;
  category: string;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Marker {
  series: string;
  category: string;
  x: number;
  y: number;
}

export interface Point {
  series: string;
  category: string;
  value: number;
  x: number;
  y: number;
}

export interface Tick {
  value: number;
  y: number;
}

export interface AxisLabel {
  text: string;
  x: number;
}

export interface BarLayout {
  bars: Bar[];
  markers: Marker[];
  ticks: Tick[];
  labels: AxisLabel[];
}

export interface LineLayout {
  points: Point[];
  /** One polyline per series and run of consecutive points. */
  paths: { series: string; d: string }[];
  ticks: Tick[];
  labels: AxisLabel[];
}

const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
const baseline = HEIGHT - MARGIN.bottom;

const num = (v: Shown): number | undefined => (typeof v === "number" ? v : undefined);

/** A round top for the axis (1, 2 or 5 × 10ⁿ steps, four to five of them) and its ticks. */
export function niceScale(max: number, integer = false): { top: number; ticks: number[] } {
  if (!(max > 0)) return { top: 1, ticks: [0, 1] };
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const nice = [1, 2, 5, 10].map(m => m * power).find(s => s >= rough) ?? 10 * power;
  // Counts step by whole numbers at least.
  const step = integer ? Math.max(1, nice) : nice;
  const top = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(Math.round(v * 1000) / 1000);
  return { top, ticks };
}

const yOf = (value: number, top: number) => baseline - (value / top) * plotHeight;

/** Category labels, thinned so that at most about a dozen are written. */
function axisLabels(categories: string[], centre: (i: number) => number, format: (c: string) => string): AxisLabel[] {
  const every = Math.max(1, Math.ceil(categories.length / 12));
  return categories.flatMap((c, i) => (i % every === 0 ? [{ text: format(c), x: centre(i) }] : []));
}

export function layoutBars(
  data: ChartData,
  stacked: boolean,
  format: (c: string) => string = c => c,
  integer = false,
): BarLayout {
  const n = Math.max(1, data.categories.length);
  const band = plotWidth / n;
  const totals = data.categories.map((_, i) =>
    stacked
      ? data.series.reduce((sum, s) => sum + (num(s.values[i]) ?? 0), 0)
      : Math.max(0, ...data.series.map(s => num(s.values[i]) ?? 0)),
  );
  const { top, ticks } = niceScale(Math.max(0, ...totals), integer);
  const bars: Bar[] = [];
  const markers: Marker[] = [];
  // A bar is at most 64 units wide (a lone month would otherwise fill the chart).
  const groupWidth = Math.min(band * 0.72, 64 * (stacked ? 1 : Math.max(1, data.series.length)));
  const start = (i: number) => MARGIN.left + i * band + (band - groupWidth) / 2;
  data.categories.forEach((category, i) => {
    let stackTop = 0;
    data.series.forEach((s, k) => {
      const value = s.values[i];
      const width = stacked ? groupWidth : groupWidth / data.series.length;
      const x = stacked ? start(i) : start(i) + k * width;
      if (value === "suppressed") {
        markers.push({ series: s.key, category, x: x + width / 2, y: yOf(stackTop, top) - 4 });
        return;
      }
      if (typeof value !== "number" || value <= 0) return;
      const y0 = yOf(stackTop, top);
      const y1 = yOf(stacked ? stackTop + value : value, top);
      bars.push({ series: s.key, category, value, x, y: y1, width, height: y0 - y1 });
      if (stacked) stackTop += value;
    });
  });
  return {
    bars,
    markers,
    ticks: ticks.map(value => ({ value, y: yOf(value, top) })),
    labels: axisLabels(data.categories, i => MARGIN.left + (i + 0.5) * band, format),
  };
}

export function layoutLines(data: ChartData, format: (c: string) => string = c => c): LineLayout {
  const n = Math.max(1, data.categories.length);
  const band = plotWidth / n;
  const centre = (i: number) => MARGIN.left + (i + 0.5) * band;
  const max = Math.max(0, ...data.series.flatMap(s => s.values.map(v => num(v) ?? 0)));
  const { top, ticks } = niceScale(max);
  const points: Point[] = [];
  const paths: { series: string; d: string }[] = [];
  for (const s of data.series) {
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1) paths.push({ series: s.key, d: `M${run.join("L")}` });
      run = [];
    };
    s.values.forEach((value, i) => {
      if (typeof value !== "number") return flush();
      const point = { series: s.key, category: data.categories[i], value, x: centre(i), y: yOf(value, top) };
      points.push(point);
      run.push(`${point.x.toFixed(1)},${point.y.toFixed(1)}`);
    });
    flush();
  }
  return {
    points,
    paths,
    ticks: ticks.map(value => ({ value, y: yOf(value, top) })),
    labels: axisLabels(data.categories, centre, format),
  };
}
