import { createHash } from 'node:crypto';
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { detectEpisodes, type Episode } from '../analysis/episodes.js';
import { loadMinuteSeries, type LoadedSeries } from './series.js';
import type { AttackRow, Layer } from './model.js';
import type { ReportRequest } from './build.js';

const iso = (s: number) => new Date(s * 1000).toISOString();

/**
 * Attacks for the layers that have attack traffic (vectors) but no provider attack ids (flow exports, raw
 * Logpush): episodes detected from the vector-labelled minute series, with volumes, dropped share and
 * one-minute peaks summed over the episode's vectors. Targets are not resolved for detected attacks (null).
 */
export async function detectedAttacks(
  target: ClickHouseTarget,
  req: ReportRequest,
  found: { providerAttacks: { layer: Layer }[]; vectors: { layer: Layer }[] },
): Promise<Omit<AttackRow, 'sizeBucket' | 'durationBucket'>[]> {
  const layers = (['L3/4', 'L7'] as const).filter(
    (l) => !found.providerAttacks.some((a) => a.layer === l) && found.vectors.some((v) => v.layer === l),
  );
  if (layers.length === 0) return [];
  const series = (await loadMinuteSeries(target, req, [...layers])).filter((s) => s.vector !== '');
  const episodes = detectEpisodes(series, req.window.fromMs / 1000, req.window.toMs / 1000);
  return episodes.map((e) => toAttack(req, e, series));
}

function toAttack(req: ReportRequest, e: Episode, series: LoadedSeries[]): Omit<AttackRow, 'sizeBucket' | 'durationBucket'> {
  const parts = series.filter((s) => s.layer === e.layer && e.vectors.includes(s.vector));
  let value = 0;
  let bytes = 0;
  let dropped = 0;
  let droppedBytes = 0;
  let peakValue = 0;
  let peakBytes = 0;
  let peakMinute = e.start;
  for (let m = e.start; m < e.end; m += 60) {
    let v = 0;
    let b = 0;
    for (const s of parts) {
      const measures = s.measures.get(m);
      v += measures?.value ?? 0;
      b += measures?.bytes ?? 0;
      dropped += measures?.dropped ?? 0;
      droppedBytes += measures?.droppedBytes ?? 0;
    }
    value += v;
    bytes += b;
    if (v > peakValue) {
      peakValue = v;
      peakMinute = m;
    }
    peakBytes = Math.max(peakBytes, b);
  }
  const id = `det-${createHash('sha256').update(JSON.stringify([req.accountId, e.layer, e.start, e.vectors])).digest('hex').slice(0, 12)}`;
  const net = e.layer === 'L3/4';
  return {
    id,
    source: 'detected',
    layer: e.layer,
    vectors: e.vectors,
    start: iso(e.start),
    end: iso(e.end),
    durationSeconds: e.end - e.start,
    packets: net ? value : 0,
    bytes: net ? bytes : 0,
    droppedPackets: net ? dropped : 0,
    droppedBytes: net ? droppedBytes : 0,
    events: net ? 0 : value,
    mitigatedEvents: net ? 0 : dropped,
    peakPps: net ? peakValue / 60 : 0,
    peakBps: net ? (peakBytes * 8) / 60 : 0,
    peakRps: net ? 0 : peakValue / 60,
    peakAt: iso(peakMinute),
    target: { ip: null, port: null, host: null, path: null, share: 0 },
  };
}
