import { describe, expect, it } from 'vitest';
import { SANS_STACK } from '../src/render/fonts.js';
import { BASELINE_COLOUR, PALETTE, lightness } from '../src/charts/palette.js';
import { loadImage } from '@napi-rs/canvas';
import type { ChartSpec } from '../src/charts/specs.js';
import { cleanLabel, layoutChart, niceTicks, type Scene } from '../src/charts/scene.js';
import { escapeXml, sceneToSvg } from '../src/charts/svg.js';
import { measureText, sceneToPng } from '../src/charts/raster.js';
import { timeTicks } from '../src/charts/time-ticks.js';
import { DateTime } from 'luxon';

const COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2'];

/** Deterministic pseudo-random data (LCG): bursts on a quiet background, with zero buckets. */
function series(seed: number, n: number): number[] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, () => {
    const r = next();
    return r < 0.3 ? 0 : r > 0.97 ? r * 4e10 : r * 3e8;
  });
}

function timeline(buckets = 720, vectors = 6, width = 1000): ChartSpec {
  const start = Date.UTC(2026, 9, 21);
  const labels = Array.from({ length: buckets }, (_, i) => {
    const d = new Date(start + i * 3600_000);
    return `${String(d.getUTCDate()).padStart(2, '0')} ${['Oct', 'Nov'][d.getUTCMonth() - 9]} ${String(d.getUTCHours()).padStart(2, '0')}:00`;
  });
  const datasets = Array.from({ length: vectors }, (_, j) => ({ label: `Vector ${j + 1}`, data: series(j + 1, buckets), colour: COLOURS[j % COLOURS.length]! }));
  return { id: 'timeline-l34', title: 'Network-layer traffic by vector', type: 'bar', horizontal: false, stacked: true, labels, datasets, unit: 'bps', width, height: 360 };
}

function vectorBars(labels: string[], data: number[]): ChartSpec {
  return {
    id: 'vectors-l34', title: 'Bytes by vector', type: 'bar', horizontal: true, stacked: false, labels,
    datasets: [{ label: 'Bytes', data, colour: labels.map((_, i) => COLOURS[i % COLOURS.length]!) }],
    unit: 'bytes', width: 1000, height: 60 + 34 * labels.length,
  };
}

const mitigation: ChartSpec = {
  id: 'mitigation-l34', title: 'Packets by system and outcome', type: 'bar', horizontal: true, stacked: true,
  labels: ['dosd', 'flowtrackd', '(none)'],
  datasets: [{ label: 'Dropped', data: [9e8, 2e7, 0], colour: '#059669' }, { label: 'Passed', data: [1e6, 3e6, 5e5], colour: '#dc2626' }],
  unit: 'packets', width: 1000, height: 180,
};

const svgOf = (spec: ChartSpec) => sceneToSvg(layoutChart(spec, measureText));
const texts = (scene: Scene, kind: string) => scene.texts.filter((t) => t.kind === kind);
const extent = (t: Scene['texts'][number]) => {
  const w = measureText(t.text, t.size, t.weight);
  const left = t.anchor === 'start' ? t.x : t.anchor === 'middle' ? t.x - w / 2 : t.x - w;
  return [left, left + w] as const;
};

describe('nice ticks', () => {
  it('covers the maximum in 1/2/5×10^n steps from zero, about five of them', () => {
    for (const max of [1, 1.01, 0.6, 7, 9.9, 123, 3e9, 4.2e10, 0.0037, 999_999]) {
      const { ticks, max: top } = niceTicks(max);
      const step = ticks[1]! - ticks[0]!;
      expect(ticks[0]).toBe(0);
      expect(top).toBe(ticks.at(-1));
      expect(top).toBeGreaterThanOrEqual(max);
      expect(top - step).toBeLessThan(max);
      expect(ticks.length - 1).toBeGreaterThanOrEqual(3);
      expect(ticks.length - 1).toBeLessThanOrEqual(7);
      const mantissa = step / 10 ** Math.floor(Math.log10(step));
      expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9)).toBe(true);
      ticks.forEach((t, i) => expect(t).toBeCloseTo(i * step, 9));
    }
    expect(niceTicks(1).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.6).ticks).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
  });

  it('gives an all-zero or empty chart a 0..1 axis and no bars, without NaN', () => {
    for (const spec of [vectorBars(['a', 'b'], [0, 0]), { ...timeline(0, 0), labels: [] }, { ...timeline(24, 2), datasets: timeline(24, 2).datasets.map((d) => ({ ...d, data: d.data.map(() => 0) })) }]) {
      const scene = layoutChart(spec, measureText);
      expect(scene.valueAxis.ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
      expect(scene.bars.flatMap((g) => g.rects)).toHaveLength(0);
      expect(sceneToSvg(scene)).not.toMatch(/NaN|Infinity|undefined/);
    }
  });
});

describe('layout', () => {
  it('stacks every timeline bar to the height of its total on the axis scale', () => {
    const spec = timeline();
    const scene = layoutChart(spec, measureText);
    const { plot, valueAxis } = scene;
    const band = plot.w / spec.labels.length;
    const bottom = plot.y + plot.h;
    const tops = new Map<number, number>();
    for (const r of scene.bars.flatMap((g) => g.rects)) {
      const i = Math.floor((r.x + r.w / 2 - plot.x) / band);
      tops.set(i, Math.min(tops.get(i) ?? bottom, r.y));
      expect(r.y + r.h).toBeLessThanOrEqual(bottom + 1e-9);
    }
    const totals = spec.labels.map((_, i) => spec.datasets.reduce((s, d) => s + d.data[i]!, 0));
    const tallest = totals.indexOf(Math.max(...totals));
    expect(valueAxis.max).toBeGreaterThanOrEqual(totals[tallest]!);
    expect(((bottom - tops.get(tallest)!) / plot.h) * valueAxis.max).toBeCloseTo(totals[tallest]!, -Math.log10(valueAxis.max / plot.h / 100));
    totals.forEach((t, i) => expect(Math.abs(bottom - (tops.get(i) ?? bottom) - (t / valueAxis.max) * plot.h)).toBeLessThanOrEqual(0.011));
  });

  it('separates stacked segments with a gap and skips zero values', () => {
    const scene = layoutChart(mitigation, measureText);
    const [dropped, passed] = [scene.bars.find((g) => g.label === 'Dropped')!, scene.bars.find((g) => g.label === 'Passed')!];
    expect(dropped.rects).toHaveLength(2);
    expect(passed.rects).toHaveLength(3);
    const first = dropped.rects[0]!;
    const next = passed.rects.find((r) => r.y === first.y)!;
    expect(next.x - (first.x + first.w)).toBeGreaterThan(0);
    expect(next.x - (first.x + first.w)).toBeLessThanOrEqual(0.75);
  });

  it('draws horizontal bars proportional to their values, one colour per bar', () => {
    const data = [4.2e12, 1.1e12, 3e11, 7.5e9, 1];
    const spec = vectorBars(['UDP flood', 'SYN flood', 'DNS amplification', 'ACK flood', 'tiny'], data);
    const scene = layoutChart(spec, measureText);
    const rects = scene.bars.flatMap((g) => g.rects.map((r) => ({ ...r, fill: g.fill })));
    expect(rects).toHaveLength(4); // 1 byte is less than a hundredth of a pixel
    const perUnit = scene.plot.w / scene.valueAxis.max;
    rects.forEach((r, i) => {
      expect(r.x).toBe(scene.plot.x);
      expect(Math.abs(r.w - data[i]! * perUnit)).toBeLessThanOrEqual(0.011);
      expect(r.fill).toBe(COLOURS[i]);
    });
    expect(texts(scene, 'category').map((t) => t.text)).toEqual(spec.labels);
    for (const t of texts(scene, 'category')) expect(extent(t)[1]).toBeLessThan(scene.plot.x);
  });

  it('lists the legend in dataset (stack) order and wraps it within the chart', () => {
    const spec = timeline(48, 12, 800);
    spec.datasets.forEach((d, i) => (d.label = `A rather long vector name number ${i + 1}`));
    const scene = layoutChart(spec, measureText);
    const legend = texts(scene, 'legend');
    expect(legend.map((t) => t.text)).toEqual(spec.datasets.map((d) => d.label));
    expect(scene.swatches.map((s) => s.fill)).toEqual(spec.datasets.map((d) => d.colour));
    const rows = [...new Set(legend.map((t) => t.y))];
    expect(rows.length).toBeGreaterThan(1);
    for (const y of rows) {
      const row = legend.filter((t) => t.y === y).map(extent);
      for (const [l, r] of row) expect(l >= 0 && r <= spec.width).toBe(true);
      for (let i = 1; i < row.length; i++) expect(row[i]![0]).toBeGreaterThan(row[i - 1]![1]);
    }
    expect(Math.min(...legend.map((t) => t.y - 12))).toBeGreaterThan(scene.plot.y + scene.plot.h);
    expect(texts(layoutChart(vectorBars(['a'], [1]), measureText), 'legend')).toHaveLength(0);
  });

  it('skips time labels so that the shown ones never overlap', () => {
    for (const [buckets, width] of [[720, 1000], [2000, 600], [30, 1000], [24, 300], [1, 1000]] as const) {
      const scene = layoutChart(timeline(buckets, 2, width), measureText);
      const shown = texts(scene, 'category').map(extent);
      expect(shown.length).toBeGreaterThanOrEqual(Math.min(buckets, 3));
      for (const [l, r] of shown) expect(l >= 0 && r <= width).toBe(true);
      for (let i = 1; i < shown.length; i++) expect(shown[i]![0]).toBeGreaterThan(shown[i - 1]![1]);
    }
  });
});

/** A stacked timeline of `hours` hours of `bucketMinutes` buckets from `fromIso`, its axis in `tz`. */
function timeSpec(fromIso: string, hours: number, bucketMinutes: number, tz: string, datasets = 2): ChartSpec {
  const bucketMs = bucketMinutes * 60_000;
  const startMs = Math.floor(Date.parse(fromIso) / bucketMs) * bucketMs;
  const n = Math.ceil((hours * 3_600_000) / bucketMs);
  const spec = timeline(n, datasets, 1000);
  // Per-bucket labels as the report writes them: what the axis showed before it was labelled at round times.
  spec.labels = Array.from({ length: n }, (_, i) => DateTime.fromMillis(startMs + i * bucketMs, { zone: tz }).toFormat('dd LLL HH:mm'));
  return { ...spec, time: { startMs, bucketMs, timezone: tz } };
}

/** The time-axis labels of a scene with the instant each stands for, read back from its x position. */
function axisTimes(spec: ChartSpec): { label: string; local: DateTime }[] {
  const scene = layoutChart(spec, measureText);
  const { startMs, bucketMs, timezone } = spec.time!;
  const msPerPx = (spec.labels.length * bucketMs) / scene.plot.w;
  return texts(scene, 'category').map((t) => ({
    label: t.text,
    // Positions are rounded to 0.01 px: back to the nearest minute.
    local: DateTime.fromMillis(Math.round((startMs + (t.x - scene.plot.x) * msPerPx) / 60_000) * 60_000, { zone: timezone }),
  }));
}

describe('time axis', () => {
  it('puts daily ticks at local midnights (Asia/Tokyo: 15:00 UTC), labelled with the date', () => {
    const from = Date.parse('2026-11-17T00:00:00Z');
    const ticks = timeTicks(from, from + 3 * 86_400_000, 'Asia/Tokyo', { days: 1 });
    expect(ticks.map((t) => new Date(t.ms).toISOString())).toEqual(['2026-11-17T15:00:00.000Z', '2026-11-18T15:00:00.000Z', '2026-11-19T15:00:00.000Z']);
    expect(ticks.map((t) => t.label)).toEqual(['18 Nov', '19 Nov', '20 Nov']);
    // Every other day and every Monday keep to the same days whatever the window's start.
    expect(timeTicks(from, from + 14 * 86_400_000, 'Asia/Tokyo', { days: 7 }).map((t) => DateTime.fromMillis(t.ms, { zone: 'Asia/Tokyo' }).weekday)).toEqual([1, 1]);
  });

  it('keeps ticks on the local clock across DST changes and in zones with half-hour offsets', () => {
    const hourly = (fromIso: string, hours: number, tz: string, minutes = 60) =>
      timeTicks(Date.parse(fromIso), Date.parse(fromIso) + hours * 3_600_000, tz, { minutes }).map((t) => t.label);
    // New York falls back on 1 Nov 2026: 01:00 comes twice, and the day has 25 hours of ticks to the next midnight.
    const fallBack = hourly('2026-11-01T04:00:00Z', 25, 'America/New_York');
    expect(fallBack.slice(0, 4)).toEqual(['01 Nov', '01:00', '01:00', '02:00']);
    expect(fallBack).toHaveLength(26);
    expect(fallBack.at(-1)).toBe('02 Nov');
    // ...springs forward on 8 Mar 2026: there is no 02:00.
    expect(hourly('2026-03-08T05:00:00Z', 4, 'America/New_York')).toEqual(['08 Mar', '01:00', '03:00', '04:00', '05:00']);
    // Every 3 hours on the fall-back day: 00, 03, 06 local, though 00:00 to 03:00 lasts four hours.
    const threeHourly = timeTicks(Date.parse('2026-11-01T04:00:00Z'), Date.parse('2026-11-01T13:00:00Z'), 'America/New_York', { minutes: 180 });
    expect(threeHourly.map((t) => t.label)).toEqual(['01 Nov', '03:00', '06:00']);
    expect(threeHourly.map((t) => (t.ms - threeHourly[0]!.ms) / 3_600_000)).toEqual([0, 4, 7]);
    // India is UTC+5:30: its round hours are half past in UTC.
    const kolkata = timeTicks(Date.parse('2026-11-17T00:10:00Z'), Date.parse('2026-11-17T03:00:00Z'), 'Asia/Kolkata', { minutes: 60 });
    expect(kolkata.map((t) => new Date(t.ms).toISOString().slice(11, 16))).toEqual(['00:30', '01:30', '02:30']);
    expect(kolkata.map((t) => t.label)).toEqual(['17 Nov 06:00', '07:00', '08:00']);
  });

  it('labels a 6-hour window of 5-minute bars on the hour, not at every n-th bar (13:25, 15:55)', () => {
    const shown = axisTimes(timeSpec('2026-12-01T04:23:00Z', 6, 5, 'Asia/Tokyo'));
    expect(shown.map((s) => s.label)).toEqual(['01 Dec 14:00', '15:00', '16:00', '17:00', '18:00', '19:00']);
    for (const s of shown) expect(s.local.toFormat('mm')).toBe('00');
    expect(shown.map((s) => s.local.toFormat('HH:mm'))).toEqual(['14:00', '15:00', '16:00', '17:00', '18:00', '19:00']);
  });

  it('labels 3 days of hourly bars in Tokyo at round local hours, every local midnight by its date', () => {
    const shown = axisTimes(timeSpec('2026-11-17T00:00:00Z', 72, 60, 'Asia/Tokyo'));
    expect(shown.length).toBeGreaterThanOrEqual(3);
    for (const s of shown) expect(s.local.hour % 6, s.label).toBe(0);
    for (const s of shown) expect(s.local.minute).toBe(0);
    const midnights = shown.filter((s) => s.local.hour === 0);
    expect(midnights.map((s) => s.label)).toEqual(['18 Nov', '19 Nov', '20 Nov']);
  });

  it('labels a month of 3-hour bars on whole days, in a DST zone too, without overlap', () => {
    for (const tz of ['America/New_York', 'Europe/Lisbon', 'Asia/Tokyo']) {
      const spec = timeSpec('2026-10-15T00:00:00Z', 30 * 24, 180, tz);
      const shown = axisTimes(spec);
      expect(shown.length).toBeGreaterThanOrEqual(4);
      for (const s of shown) expect(s.local.toFormat('HH:mm'), `${tz} ${s.label}`).toBe('00:00');
      for (const s of shown) expect(s.label).toMatch(/^\d\d [A-Z][a-z]{2}$/);
      const extents = texts(layoutChart(spec, measureText), 'category').map(extent);
      for (const [l, r] of extents) expect(l >= 0 && r <= spec.width).toBe(true);
      for (let i = 1; i < extents.length; i++) expect(extents[i]![0]).toBeGreaterThan(extents[i - 1]![1]);
    }
  });

  it('marks each labelled time with a tick on the axis', () => {
    const spec = timeSpec('2026-12-01T04:23:00Z', 6, 5, 'Asia/Tokyo');
    const scene = layoutChart(spec, measureText);
    const below = scene.axes.filter((l) => l.x1 === l.x2 && l.y1 >= scene.plot.y + scene.plot.h);
    expect(below.map((l) => l.x1)).toEqual(texts(scene, 'category').map((t) => t.x));
  });
});

describe('legend', () => {
  it('names a timeline of a single dataset, such as grey unattributed traffic alone', () => {
    const spec = { ...timeSpec('2026-12-01T04:23:00Z', 6, 5, 'Asia/Tokyo', 1), legend: true };
    spec.datasets[0] = { ...spec.datasets[0]!, label: 'Not attributed to an attack', colour: BASELINE_COLOUR };
    const scene = layoutChart(spec, measureText);
    expect(texts(scene, 'legend').map((t) => t.text)).toEqual(['Not attributed to an attack']);
    expect(scene.swatches.map((s) => s.fill)).toEqual([BASELINE_COLOUR]);
    // Charts whose single dataset is named by its axis labels (bars per vector) keep no legend.
    expect(texts(layoutChart(vectorBars(['a', 'b'], [1, 2]), measureText), 'legend')).toHaveLength(0);
  });
});

describe('SVG', () => {
  it('is deterministic and uses the page fonts', () => {
    for (const spec of [timeline(), vectorBars(['a', 'b'], [2, 1]), mitigation]) {
      const svg = svgOf(spec);
      expect(svgOf(structuredClone(spec))).toBe(svg);
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 1000 \d+" width="1000" height="\d+" role="img">\n<title>/);
      expect(svg).toContain(`font-family="${SANS_STACK.replaceAll("'", '&#39;')}"`);
      expect(svg).not.toMatch(/\d\.\d{3}/);
    }
  });

  it('groups each dataset in one <g fill> and renders as a valid image', async () => {
    const spec = timeline();
    const scene = layoutChart(spec, measureText);
    const svg = sceneToSvg(scene);
    expect(svg.match(/<g fill="[^"]+">/g)).toHaveLength(spec.datasets.length);
    expect(svg.match(/<rect /g)).toHaveLength(1 + scene.bars.reduce((s, g) => s + g.rects.length, 0) + scene.swatches.length);
    const img = await loadImage(Buffer.from(svg));
    expect([img.width, img.height]).toEqual([spec.width, spec.height]);
  });

  it('escapes or removes hostile label content and still parses as XML', async () => {
    const long = 'Ж'.repeat(3000);
    const labels = ['<script>alert(1)</script>', `a & b "c" 'd' ]]>`, 'ctl\u0000\u0001\u0008\u000B\u000C\u001F\uFFFE\uFFFFx\uD800y\uDC00z', '\u202Eevil.exe', long];
    const spec = { ...vectorBars(labels, [5, 4, 3, 2, 1]), title: 'T <&> \u0007' };
    spec.datasets.push({ ...spec.datasets[0]!, label: '</text><script>' });
    const scene = layoutChart(spec, measureText);
    const svg = sceneToSvg(scene);
    expect(svg).not.toMatch(/<script|<\/text><s/);
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(svg).toContain('a &amp; b &quot;c&quot; &#39;d&#39; ]]&gt;');
    // Hidden characters are shown as markers, as everywhere in the report (util/display.ts).
    expect(svg).toContain('<title>T &lt;&amp;&gt; [U+0007]</title>');
    expect(svg).toContain('>ctl[U+0000][U+0001]');
    expect(svg).toContain('>[U+202E]evil.exe<');
    expect(svg).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u202E\uFFFE\uFFFF]|[\uD800-\uDFFF]/);
    for (const [, inner] of svg.matchAll(/<text[^>]*>([^]*?)<\/text>/g)) expect(inner).not.toMatch(/[<>]/);
    const shortened = texts(scene, 'category').find((t) => t.text.startsWith('Ж'))!;
    expect(shortened.text.endsWith('…')).toBe(true);
    expect(measureText(shortened.text, shortened.size)).toBeLessThanOrEqual(spec.width * 0.35);
    expect(scene.plot.x).toBeLessThan(spec.width * 0.4);
    const img = await loadImage(Buffer.from(svg));
    expect(img.width).toBe(spec.width);
  });

  it('the XML check above can fail: malformed SVG is rejected', async () => {
    const bad = svgOf(vectorBars(['ok'], [1])).replace('>ok<', '>a<b<');
    await expect(loadImage(Buffer.from(bad))).rejects.toThrow();
  });

  it('escapes all five XML specials and strips characters XML 1.0 forbids', () => {
    expect(escapeXml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
    expect(escapeXml('a\u0000b\uFFFEc\uDBFF')).toBe('abc');
    expect(escapeXml('😀\t\n')).toBe('😀\t\n');
    expect(cleanLabel(' a\n\tb\u202Dc  ')).toBe('a b[U+202D]c');
  });
});

describe('PNG', () => {
  it('is a PNG of the scene size times the scale, the same bytes each time', async () => {
    const scene = layoutChart(timeline(), measureText);
    const png = await sceneToPng(scene);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([2000, 720]);
    expect((await sceneToPng(scene)).equals(png)).toBe(true);
    const small = await sceneToPng(layoutChart(mitigation, measureText), 1);
    expect([small.readUInt32BE(16), small.readUInt32BE(20)]).toEqual([1000, 180]);
  });

  it('measures text deterministically with the bundled font', () => {
    const a = measureText('12 Gbps — Ж', 11);
    expect(a).toBeGreaterThan(0);
    expect(measureText('12 Gbps — Ж', 11)).toBe(a);
    expect(measureText('12 Gbps — Ж', 22)).toBeCloseTo(2 * a, 0);
    expect(measureText('12 Gbps — Ж', 11, 700)).toBeGreaterThan(a);
  });
});

describe('palette', () => {
  it('alternates dark and light, so neighbouring vectors stay apart in grayscale', () => {
    for (let i = 1; i < 8; i++) expect(Math.abs(lightness(PALETTE[i]!) - lightness(PALETTE[i - 1]!)), `${PALETTE[i - 1]} → ${PALETTE[i]}`).toBeGreaterThanOrEqual(15);
    // Unattributed traffic is drawn in light grey on top of the stack: lighter than every vector colour next to it.
    expect(lightness(BASELINE_COLOUR)).toBeGreaterThan(Math.max(...PALETTE.slice(0, 8).map(lightness)));
    expect(new Set(PALETTE).size).toBe(PALETTE.length);
  });
});
