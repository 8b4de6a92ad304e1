import type { ReportModel } from '../report/model.js';
import { DateTime } from 'luxon';
import { BASELINE_COLOUR, vectorColours } from './palette.js';
import { displayText } from '../util/display.js';

/** Telemetry text as a chart label or legend entry (the layout then fits it to its room). */
const show = (value: string) => displayText(value, { maxChars: 60 });

/** A chart as data, before layout (src/charts/scene.ts). Pure, so specs are unit-testable. */
export interface ChartSpec {
  id: string;
  title: string;
  type: 'bar';
  horizontal: boolean;
  stacked: boolean;
  labels: string[];
  /** One colour for the dataset, or one per bar. */
  datasets: { label: string; data: number[]; colour: string | string[] }[];
  unit: 'bps' | 'rps' | 'bytes' | 'events' | 'packets';
  width: number;
  height: number;
  /** The categories are time buckets: bucket i covers [startMs + i × bucketMs, + bucketMs). Labelled at round times of `timezone`. */
  time?: { startMs: number; bucketMs: number; timezone: string };
  /** Whether a legend names the datasets; by default when there are two or more. */
  legend?: boolean;
}

const OTHER = 'Not attributed to an attack';

function timeLabel(iso: string, tz: string, bucketSeconds: number): string {
  const dt = DateTime.fromISO(iso, { zone: 'utc' }).setZone(tz);
  return bucketSeconds >= 86400 ? dt.toFormat('dd LLL') : dt.toFormat('dd LLL HH:mm');
}

/** Builds every chart of a report from its model. */
export function chartSpecs(m: ReportModel): ChartSpec[] {
  const colours = vectorColours(m.vectors.map((v) => v.vector));
  const specs: ChartSpec[] = [];
  const tz = m.window.timezone;
  const bucket = m.timeline.bucketSeconds;

  // Every bucket of the window, so that quiet periods show as gaps rather than being squeezed out.
  const fromMs = Date.parse(m.window.from);
  const toMs = Date.parse(m.window.to);
  const start = Math.floor(fromMs / (bucket * 1000)) * bucket * 1000;
  const buckets: string[] = [];
  for (let t = start; t < toMs; t += bucket * 1000) buckets.push(new Date(t).toISOString());
  const labels = buckets.map((b) => timeLabel(b, tz, bucket));
  // The bars are the window's buckets; the axis is labelled at round times of the report's zone (scene.ts).
  const time = { startMs: start, bucketMs: bucket * 1000, timezone: tz };

  const series = (points: ReportModel['timeline']['l34'], value: (p: (typeof points)[number]) => number) => {
    const byVector = new Map<string, number[]>();
    const index = new Map(buckets.map((b, i) => [b, i]));
    for (const p of points) {
      const key = p.vector || OTHER;
      let arr = byVector.get(key);
      if (!arr) byVector.set(key, (arr = new Array<number>(buckets.length).fill(0)));
      const i = index.get(p.t);
      if (i !== undefined) arr[i] = (arr[i] ?? 0) + value(p);
    }
    // Attack vectors first (in report order), unattributed traffic last and grey.
    const keys = [...byVector.keys()].sort((a, b) => (a === OTHER ? 1 : b === OTHER ? -1 : (colours.has(a) ? [...colours.keys()].indexOf(a) : 99) - (colours.has(b) ? [...colours.keys()].indexOf(b) : 99)));
    return keys.map((k) => ({ label: k === OTHER ? k : show(k), data: byVector.get(k)!, colour: k === OTHER ? BASELINE_COLOUR : (colours.get(k) ?? '#64748b') }));
  };

  // Timelines always carry a legend: unattributed traffic alone is still grey bars that need a name.
  if (m.timeline.l34.length > 0) {
    specs.push({
      id: 'timeline-l34', title: `Network-layer traffic by vector (peak one-minute bit rate in each ${bucketName(bucket)})`, type: 'bar',
      horizontal: false, stacked: true, labels, time, legend: true,
      datasets: series(m.timeline.l34, (p) => p.peakBps), unit: 'bps', width: 1000, height: 360,
    });
  }
  if (m.timeline.l7.length > 0) {
    specs.push({
      id: 'timeline-l7', title: `Application-layer security events by vector (peak one-minute request rate in each ${bucketName(bucket)})`, type: 'bar',
      horizontal: false, stacked: true, labels, time, legend: true,
      datasets: series(m.timeline.l7, (p) => p.peakRps), unit: 'rps', width: 1000, height: 360,
    });
  }
  const net = m.vectors.filter((v) => v.layer === 'L3/4');
  if (net.length > 0) {
    specs.push({
      id: 'vectors-l34', title: 'Network-layer attack volume by vector (bytes)', type: 'bar', horizontal: true, stacked: false,
      labels: net.map((v) => show(v.vector)),
      datasets: [{ label: 'Bytes', data: net.map((v) => v.bytes), colour: net.map((v) => colours.get(v.vector) ?? '#64748b') }],
      unit: 'bytes', width: 1000, height: 60 + 34 * net.length,
    });
  }
  const l7 = m.vectors.filter((v) => v.layer === 'L7');
  if (l7.length > 0) {
    specs.push({
      id: 'vectors-l7', title: 'Application-layer attack requests by vector', type: 'bar', horizontal: true, stacked: false,
      labels: l7.map((v) => show(v.vector)),
      datasets: [{ label: 'Requests', data: l7.map((v) => v.events), colour: l7.map((v) => colours.get(v.vector) ?? '#64748b') }],
      unit: 'events', width: 1000, height: 60 + 34 * l7.length,
    });
  }
  if (m.mitigation.l34.length > 0) {
    const systems = [...new Set(m.mitigation.l34.map((r) => r.system || '(none)'))];
    const outcome = (o: string) => systems.map((sys) => m.mitigation.l34.filter((r) => (r.system || '(none)') === sys && r.outcome === o).reduce((s, r) => s + r.packets, 0));
    specs.push({
      id: 'mitigation-l34', title: 'Network-layer attack packets by mitigation system and outcome', type: 'bar', horizontal: true, stacked: true,
      labels: systems.map(show),
      datasets: [
        { label: 'Dropped', data: outcome('drop'), colour: '#059669' },
        { label: 'Passed', data: systems.map((_, i) => m.mitigation.l34.filter((r) => (r.system || '(none)') === systems[i] && r.outcome !== 'drop').reduce((s, r) => s + r.packets, 0)), colour: '#dc2626' },
      ],
      unit: 'packets', width: 1000, height: 60 + 40 * systems.length,
    });
  }
  return specs;
}

/** "hour", "day", "3-hour interval", "5-minute interval". */
function bucketName(seconds: number): string {
  if (seconds === 86400) return 'day';
  if (seconds === 3600) return 'hour';
  if (seconds === 60) return 'minute';
  if (seconds % 86400 === 0) return `${seconds / 86400}-day interval`;
  if (seconds % 3600 === 0) return `${seconds / 3600}-hour interval`;
  return `${seconds / 60}-minute interval`;
}
