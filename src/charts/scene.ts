import type { ChartSpec } from './specs.js';
import { formatBps, formatBytes, formatCount, formatRps } from '../util/format.js';
import { revealHidden } from '../util/display.js';
import { placeTimeLabels } from './time-ticks.js';

/**
 * Chart layout as plain data: a spec becomes rectangles, lines and texts in CSS pixels. The layout is pure
 * (text widths come from the `measure` callback), so the SVG and the PNG drawn from one scene agree, and the
 * geometry is testable against the data without rendering anything.
 */

/** Width in CSS pixels of `text` set at `sizePx` in the chart font. */
export type Measure = (text: string, sizePx: number, weight?: number) => number;
export type Anchor = 'start' | 'middle' | 'end';
export interface Box { x: number; y: number; w: number; h: number }
export interface SceneLine { x1: number; y1: number; x2: number; y2: number; stroke: string; width: number }
/** `y` is the alphabetic baseline, as both SVG and canvas place text by default. */
export interface SceneText { x: number; y: number; text: string; anchor: Anchor; size: number; weight: number; fill: string; kind: 'tick' | 'category' | 'legend' }
/** The bars of one dataset that share a colour: one SVG group, so the fill is written once. */
export interface BarGroup { dataset: number; label: string; fill: string; rects: Box[] }
export interface Scene {
  width: number;
  height: number;
  title: string;
  background: string;
  plot: Box;
  valueAxis: { max: number; ticks: number[]; horizontal: boolean };
  /** Drawing order: grid, bars, axes, swatches, texts. */
  grid: SceneLine[];
  bars: BarGroup[];
  axes: SceneLine[];
  swatches: (Box & { fill: string })[];
  texts: SceneText[];
}

const INK = '#334155';
const GRID = '#e2e8f0';
const AXIS = '#94a3b8';
const PAD = 8;
const TICK_SIZE = 11;
const LABEL_SIZE = 12;
const LEGEND_ROW = 18;
const SWATCH = 10;
const LABEL_GAP = 16;
/** White gap between stacked segments: adjacent vector colours can be the same grey once printed in mono. */
const SEPARATOR = 0.75;
/** Inter's capitals are ~0.73 em tall: a baseline 0.35 em below a line centres the label on it. */
const CENTRE = 0.35;

const tickFormat: Record<ChartSpec['unit'], (v: number) => string> = { bps: formatBps, rps: formatRps, bytes: formatBytes, events: formatCount, packets: formatCount };

/** Two decimals at most, and never -0, so the same spec always prints the same numbers. */
const r2 = (v: number): number => Math.round(v * 100) / 100 + 0;
// A reduce, not Math.max(...xs): a long timeline could exceed the engine's argument limit.
const maxOf = (xs: number[]): number => xs.reduce((m, x) => Math.max(m, x), 0);
const value = (v: number | undefined): number => (v !== undefined && Number.isFinite(v) && v > 0 ? v : 0);

/** 0..max in 1/2/5×10^n steps, about `target` of them; an empty or all-zero chart gets 0..1. */
export function niceTicks(dataMax: number, target = 5): { max: number; ticks: number[] } {
  const top = Number.isFinite(dataMax) && dataMax > 0 ? dataMax : 1;
  const mag = 10 ** Math.floor(Math.log10(top / target));
  let best = { step: mag, count: Number.POSITIVE_INFINITY, miss: Number.POSITIVE_INFINITY };
  for (const m of [1, 2, 5, 10, 20]) {
    // The epsilon keeps 0.6 / 0.2 = 2.9999999999999996 from needing a fourth step.
    const count = Math.max(1, Math.ceil(top / (m * mag) - 1e-9));
    if (Math.abs(count - target) < best.miss) best = { step: m * mag, count, miss: Math.abs(count - target) };
  }
  const ticks = Array.from({ length: best.count + 1 }, (_, i) => Number((i * best.step).toPrecision(12)));
  return { max: ticks[best.count]!, ticks };
}

/**
 * The text a label is drawn as: one line, whitespace collapsed as SVG would, and every other hidden character
 * (bidi controls, zero-width and tag characters, controls, lone surrogates, noncharacters) shown as a marker,
 * as everywhere else in the report (util/display.ts).
 */
export function cleanLabel(s: string): string {
  return revealHidden(String(s).replace(/[\t\n\r]/g, ' ')).replace(/\s+/g, ' ').trim();
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Shortens `text` with an ellipsis to at most `maxW` pixels, cutting between graphemes (never inside an emoji). */
function fit(text: string, size: number, maxW: number, measure: Measure): string {
  if (measure(text, size) <= maxW) return text;
  // Nothing longer than a few hundred graphemes can fit a chart; the cap bounds the cost of hostile labels.
  const g = Array.from(graphemes.segment(text), (s) => s.segment).slice(0, 400);
  const cut = (n: number) => `${g.slice(0, n).join('').trimEnd()}…`;
  let lo = 0;
  let hi = g.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (measure(cut(mid), size) <= maxW) lo = mid;
    else hi = mid - 1;
  }
  return cut(lo);
}

/** Label strides that land on round times for minute, 5-minute, hourly and daily buckets. */
const STRIDES = [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 15, 20, 24, 30, 36, 48, 60, 72, 96, 120, 144, 168, 192, 240, 288, 336];
function stride(need: number): number {
  return STRIDES.find((s) => s >= need) ?? Math.ceil(need / 24) * 24;
}

interface LegendItem { label: string; fill: string; width: number }

/** Greedy rows across the chart width, in dataset order, so the legend reads in stack order. */
function legendRows(spec: ChartSpec, measure: Measure): LegendItem[][] {
  if (spec.datasets.length === 0 || !(spec.legend ?? spec.datasets.length > 1)) return [];
  const avail = Math.max(1, spec.width - 2 * PAD);
  const rows: LegendItem[][] = [];
  let row: LegendItem[] = [];
  let used = 0;
  for (const d of spec.datasets) {
    const label = fit(cleanLabel(d.label), LABEL_SIZE, Math.min(spec.width * 0.35, avail - SWATCH - 5), measure);
    const fill = (Array.isArray(d.colour) ? d.colour[0] : d.colour) ?? AXIS;
    const item = { label, fill, width: SWATCH + 5 + measure(label, LABEL_SIZE) };
    if (row.length > 0 && used + LABEL_GAP + item.width > avail) {
      rows.push(row);
      row = [];
      used = 0;
    }
    used += (row.length > 0 ? LABEL_GAP : 0) + item.width;
    row.push(item);
  }
  rows.push(row);
  return rows;
}

/** Lays out a bar chart spec (vertical or horizontal, stacked or grouped) in spec.width × spec.height CSS pixels. */
export function layoutChart(spec: ChartSpec, measureRaw: Measure): Scene {
  // Each label is measured to fit it and again to place it; canvas measurement costs ~30 µs per string.
  const widths = new Map<string, number>();
  const measure: Measure = (t, size, weight = 400) => {
    const key = `${size} ${weight} ${t}`;
    let w = widths.get(key);
    if (w === undefined) widths.set(key, (w = measureRaw(t, size, weight)));
    return w;
  };
  const W = spec.width;
  const H = spec.height;
  const horizontal = spec.horizontal;
  const n = spec.labels.length;
  const nd = spec.datasets.length;
  const fmt = tickFormat[spec.unit];

  let dataMax = 0;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (const d of spec.datasets) sum = spec.stacked ? sum + value(d.data[i]) : Math.max(sum, value(d.data[i]));
    dataMax = Math.max(dataMax, sum);
  }
  const axis = niceTicks(dataMax);
  const tickLabels = axis.ticks.map(fmt);
  const tickWidths = tickLabels.map((t) => measure(t, TICK_SIZE));
  const legend = legendRows(spec, measure);
  const legendH = legend.length > 0 ? 8 + legend.length * LEGEND_ROW : 0;
  const rowH = 6 + TICK_SIZE * 1.3;
  const catSize = horizontal ? LABEL_SIZE : TICK_SIZE;
  const maxLabel = W * 0.35;
  const cats = spec.labels.map((l) => fit(cleanLabel(l), catSize, maxLabel, measure));
  const catWidths = cats.map((c) => measure(c, catSize));

  // Integral plot edges keep the baseline and the bar bottoms on whole pixels.
  let plot: Box;
  if (horizontal) {
    const left = Math.ceil(PAD + maxOf(catWidths) + 8);
    const right = Math.floor(W - PAD - (tickWidths[tickWidths.length - 1] ?? 0) / 2);
    const bottom = Math.floor(H - PAD - legendH - rowH);
    plot = { x: left, y: PAD, w: Math.max(1, right - left), h: Math.max(1, bottom - PAD) };
  } else {
    const left = Math.ceil(PAD + maxOf(tickWidths) + 6);
    const top = Math.ceil(PAD + TICK_SIZE / 2);
    const bottom = Math.floor(H - PAD - legendH - rowH);
    plot = { x: left, y: top, w: Math.max(1, W - PAD - left), h: Math.max(1, bottom - top) };
  }
  const valueLen = horizontal ? plot.w : plot.h;
  const catLen = horizontal ? plot.h : plot.w;
  /** Pixel position of a value along the value axis. */
  const pos = (v: number) => (horizontal ? plot.x + (v / axis.max) * valueLen : plot.y + plot.h - (v / axis.max) * valueLen);
  const band = catLen / Math.max(1, n);

  const scene: Scene = { width: W, height: H, title: cleanLabel(spec.title), background: '#ffffff', plot, valueAxis: { max: axis.max, ticks: axis.ticks, horizontal }, grid: [], bars: [], axes: [], swatches: [], texts: [] };
  const text = (x: number, y: number, t: string, anchor: Anchor, size: number, kind: SceneText['kind']) =>
    scene.texts.push({ x: r2(x), y: r2(y), text: t, anchor, size, weight: 400, fill: INK, kind });

  // Value axis: grid line per tick, labels thinned if they would collide (narrow charts).
  const tickGap = valueLen / Math.max(1, axis.ticks.length - 1);
  const tickNeed = horizontal ? maxOf(tickWidths) + 12 : TICK_SIZE + 4;
  const tickEvery = Math.max(1, Math.ceil(tickNeed / tickGap - 1e-9));
  axis.ticks.forEach((t, i) => {
    const p = r2(pos(t));
    if (i > 0) scene.grid.push(horizontal ? { x1: p, y1: plot.y, x2: p, y2: plot.y + plot.h, stroke: GRID, width: 1 } : { x1: plot.x, y1: p, x2: plot.x + plot.w, y2: p, stroke: GRID, width: 1 });
    if (i % tickEvery !== 0) return;
    if (horizontal) text(p, plot.y + plot.h + 6 + TICK_SIZE, tickLabels[i]!, 'middle', TICK_SIZE, 'tick');
    else text(plot.x - 6, p + CENTRE * TICK_SIZE, tickLabels[i]!, 'end', TICK_SIZE, 'tick');
  });
  // The zero line sits just outside the bars so it never covers their bottom pixel row.
  scene.axes.push(horizontal ? { x1: plot.x - 0.5, y1: plot.y, x2: plot.x - 0.5, y2: plot.y + plot.h, stroke: AXIS, width: 1 } : { x1: plot.x, y1: plot.y + plot.h + 0.5, x2: plot.x + plot.w, y2: plot.y + plot.h + 0.5, stroke: AXIS, width: 1 });

  // Category labels. Horizontal: every label, at the left. Vertical: every k-th label, k chosen so that any two
  // shown labels are at least LABEL_GAP apart whatever their widths (centres k bands apart ≥ widest + gap).
  if (horizontal) {
    cats.forEach((c, i) => text(plot.x - 8, plot.y + (i + 0.5) * band + CENTRE * catSize, c, 'end', catSize, 'category'));
  } else if (spec.time) {
    // A time axis is labelled at round local times, each with a tick mark, wherever they fall among the bars.
    for (const l of placeTimeLabels(spec.time, n, plot, W, (t) => measure(t, TICK_SIZE), LABEL_GAP)) {
      scene.axes.push({ x1: l.x, y1: plot.y + plot.h + 0.5, x2: l.x, y2: plot.y + plot.h + 4, stroke: AXIS, width: 1 });
      text(l.x, plot.y + plot.h + 6 + TICK_SIZE, l.label, 'middle', catSize, 'category');
    }
  } else {
    const every = stride(Math.ceil((maxOf(catWidths) + LABEL_GAP) / band - 1e-9));
    for (let i = 0; i < n; i += every) {
      const x = r2(plot.x + (i + 0.5) * band);
      const half = catWidths[i]! / 2;
      if (catWidths[i] === 0 || x - half < 0 || x + half > W) continue;
      text(x, plot.y + plot.h + 6 + TICK_SIZE, cats[i]!, 'middle', catSize, 'category');
    }
  }

  // Bars. Horizontal bars take 0.8 × 0.7 of their band; vertical timeline bars touch unless the
  // band is wide enough for a visible gap.
  const group = horizontal ? band * 0.8 : band;
  const sub = spec.stacked ? group : group / Math.max(1, nd);
  const thick = horizontal ? sub * 0.7 : sub >= 4 ? sub * 0.9 : sub;
  const groups = new Map<string, BarGroup>();
  const acc = new Array<number>(n).fill(0);
  spec.datasets.forEach((d, j) => {
    for (let i = 0; i < n; i++) {
      const v = value(d.data[i]);
      if (v === 0) continue;
      const from = spec.stacked ? acc[i]! : 0;
      if (spec.stacked) acc[i] = from + v;
      const c0 = (band - group) / 2 + (spec.stacked ? 0 : j * sub) + (sub - thick) / 2 + i * band;
      // Rounding each edge (not each length) keeps adjacent segments exactly flush.
      const a = r2((horizontal ? plot.y : plot.x) + c0);
      const b = r2((horizontal ? plot.y : plot.x) + c0 + thick);
      let p0 = r2(pos(from));
      const p1 = r2(pos(from + v));
      const len = Math.abs(p1 - p0);
      if (from > 0) p0 = r2(p0 + Math.sign(p1 - p0) * Math.min(SEPARATOR, len / 2));
      const box = horizontal ? { x: p0, y: a, w: r2(p1 - p0), h: r2(b - a) } : { x: a, y: p1, w: r2(b - a), h: r2(p0 - p1) };
      if (box.w <= 0 || box.h <= 0) continue;
      const fill = (Array.isArray(d.colour) ? d.colour[i] : d.colour) ?? AXIS;
      const key = `${j}\u0000${fill}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { dataset: j, label: cleanLabel(d.label), fill, rects: [] }));
      g.rects.push(box);
    }
  });
  scene.bars = [...groups.values()];

  legend.forEach((row, r) => {
    const rowW = row.reduce((s, it) => s + it.width, 0) + LABEL_GAP * (row.length - 1);
    let x = (W - rowW) / 2;
    const cy = H - PAD - (legend.length - r) * LEGEND_ROW + LEGEND_ROW / 2;
    for (const it of row) {
      scene.swatches.push({ x: r2(x), y: r2(cy - SWATCH / 2), w: SWATCH, h: SWATCH, fill: it.fill });
      text(x + SWATCH + 5, cy + CENTRE * LABEL_SIZE, it.label, 'start', LABEL_SIZE, 'legend');
      x += it.width + LABEL_GAP;
    }
  });
  return scene;
}
