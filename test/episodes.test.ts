import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECT, detectEpisodes, detectIslands, threshold, type Series } from '../src/analysis/episodes.js';

const FROM = Date.parse('2026-11-01T00:00:00Z') / 1000;
const DAY = 1440;
const TO = FROM + DAY * 60;

/** A deterministic pseudo-random sequence (no Math.random in tests). */
function noise(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
}

function series(vector: string, values: (minute: number) => number, layer: 'L3/4' | 'L7' = 'L3/4'): Series {
  const points = [];
  for (let i = 0; i < DAY; i++) {
    const v = values(i);
    if (v > 0) points.push({ minute: FROM + i * 60, value: v });
  }
  return { layer, vector, points };
}

const at = (minute: number) => FROM + minute * 60;

describe('episode detection on hand-built series', () => {
  it('a ramp: one episode from its first hot minute to its last, peak at the top', () => {
    const s = series('SYN Flood', (i) => (i >= 100 && i < 130 ? 1000 * (i - 99) : 0));
    const [e, ...rest] = detectEpisodes([s], FROM, TO);
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ layer: 'L3/4', vectors: ['SYN Flood'], start: at(100), end: at(130), peak: 30_000, peakMinute: at(129) });
    expect(e!.total).toBe((1000 * 30 * 31) / 2);
  });

  it('two bursts closer than the merge gap are one episode; farther apart, two', () => {
    const gap = (g: number) => series('UDP Flood', (i) => ((i >= 200 && i < 210) || (i >= 210 + g && i < 220 + g) ? 5000 : 0));
    const near = detectEpisodes([gap(DEFAULT_DETECT.mergeGapMinutes)], FROM, TO);
    expect(near).toHaveLength(1);
    expect(near[0]).toMatchObject({ start: at(200), end: at(220 + DEFAULT_DETECT.mergeGapMinutes) });
    const far = detectEpisodes([gap(DEFAULT_DETECT.mergeGapMinutes + 1)], FROM, TO);
    expect(far.map((e) => [e.start, e.end])).toEqual([
      [at(200), at(210)],
      [at(216), at(226)],
    ]);
  });

  it('a multi-vector burst is one episode carrying every vector, its peak summed across them', () => {
    const dns = series('DNS Amplification', (i) => (i >= 300 && i < 320 ? 4000 : 0));
    const ntp = series('NTP Amplification', (i) => (i >= 305 && i < 325 ? 3000 : 0));
    const http = series('HTTP Flood', (i) => (i >= 300 && i < 320 ? 900 : 0), 'L7');
    const eps = detectEpisodes([dns, ntp, http], FROM, TO);
    expect(eps).toHaveLength(2);
    const net = eps.find((e) => e.layer === 'L3/4')!;
    expect(net).toMatchObject({ vectors: ['DNS Amplification', 'NTP Amplification'], start: at(300), end: at(325), peak: 7000, peakMinute: at(305) });
    expect(eps.find((e) => e.layer === 'L7')).toMatchObject({ vectors: ['HTTP Flood'], start: at(300), end: at(320) });
  });

  it('a noisy flat baseline, and one with a daily swing, never become an attack', () => {
    const r = noise(7);
    const flat = series('', () => 1000 + (r() - 0.5) * 400);
    const daily = series('', (i) => 1000 * (1 + 0.5 * Math.sin((2 * Math.PI * i) / DAY)) + r() * 100);
    expect(detectEpisodes([flat], FROM, TO)).toEqual([]);
    expect(detectEpisodes([daily], FROM, TO)).toEqual([]);
  });

  it('a flood on top of a noisy baseline is found with its span', () => {
    const r = noise(3);
    const s = series('', (i) => 1000 + r() * 300 + (i >= 700 && i < 745 ? 20_000 : 0));
    const eps = detectEpisodes([s], FROM, TO);
    expect(eps.map((e) => [e.start, e.end])).toEqual([[at(700), at(745)]]);
  });

  it('drops one-minute blips on a series with a baseline, and ignores points outside the window', () => {
    const r = noise(5);
    const s = series('', (i) => 1000 + r() * 100 + (i === 50 ? 9000 : 0));
    expect(detectIslands(s, FROM, TO)).toEqual([]);
    const silent = series('ICMP Flood', () => 0);
    expect(detectIslands({ ...silent, points: [{ minute: FROM - 600, value: 1e9 }] }, FROM, TO)).toEqual([]);
  });

  it('a burst inside one minute of a vector silent otherwise (a flow export) is an attack', () => {
    const s = series('DrDoS_DNS', (i) => (i === 50 ? 9000 : 0));
    expect(detectEpisodes([s], FROM, TO)).toMatchObject([{ vectors: ['DrDoS_DNS'], start: at(50), end: at(51), peak: 9000 }]);
  });

  it('attacks of different vectors one after another, a few minutes apart, stay separate; overlapping ones merge', () => {
    const syn = series('Syn', (i) => (i === 400 ? 5000 : 0));
    const tftp = series('TFTP', (i) => (i === 404 ? 8000 : 0));
    const lag = series('UDP-lag', (i) => (i >= 380 && i < 398 ? 100 : 0));
    const eps = detectEpisodes([syn, tftp, lag], FROM, TO);
    expect(eps.map((e) => [e.vectors, e.start, e.end])).toEqual([
      [['UDP-lag'], at(380), at(398)],
      [['Syn'], at(400), at(401)],
      [['TFTP'], at(404), at(405)],
    ]);
    // Touching is not overlapping: a vector that starts the minute another ends is a new attack.
    const after = series('LDAP', (i) => (i >= 398 && i < 402 ? 700 : 0));
    expect(detectEpisodes([lag, after], FROM, TO).map((e) => e.vectors)).toEqual([['UDP-lag'], ['LDAP']]);
  });

  it('threshold: robust to a few extreme minutes', () => {
    const values = [...new Array(1000).fill(100), 1e9, 1e9];
    expect(threshold(values, DEFAULT_DETECT)).toBe(300);
  });
});

describe('period over period (pure)', () => {
  it('computes changes, new vectors and new targets', async () => {
    const { comparePeriods } = await import('../src/analysis/comparison.js');
    const period = (attacks: number, bytes: number, vectors: string[]) => ({
      attacks: Array.from({ length: attacks }, (_, i) => ({ layer: 'L3/4' as const, peakBps: 1e9 * (i + 1), peakPps: 1e5, peakRps: 0 })),
      vectors: vectors.map((v) => ({ layer: 'L3/4' as const, vector: v, bytes: 100, packets: 2, events: 0 })),
      totals: { l34: { packets: 1000, attackBytes: bytes, attackPackets: 0 }, l7: { events: 0, attackEvents: 0, mitigatedEvents: 0 } },
    });
    const c = comparePeriods(period(3, 300, ['SYN Flood', 'DNS Amplification']), period(2, 0, ['SYN Flood']), { from: 'a', to: 'b' },
      [{ kind: 'ip', value: '203.0.113.1' }, { kind: 'ip', value: '203.0.113.2' }], [{ kind: 'ip', value: '203.0.113.1' }]);
    expect(c.metrics.find((x) => x.metric === 'attacks')).toMatchObject({ current: 3, previous: 2, change: 0.5 });
    expect(c.metrics.find((x) => x.metric === 'l34AttackBytes')?.change).toBeNull();
    expect(c.metrics.find((x) => x.metric === 'largestBps')).toMatchObject({ current: 3e9, previous: 2e9 });
    expect(c.newVectors).toEqual([{ layer: 'L3/4', vector: 'DNS Amplification' }]);
    expect(c.vectors.find((v) => v.vector === 'SYN Flood')).toMatchObject({ isNew: false, change: 0 });
    expect(c.newTargets).toEqual([{ kind: 'ip', value: '203.0.113.2' }]);
  });

  it('lists the vectors that went away, and never calls a row that is zero in both periods new', async () => {
    const { comparePeriods } = await import('../src/analysis/comparison.js');
    const period = (vectors: { vector: string; bytes: number; packets: number }[]) => ({
      attacks: [{ layer: 'L3/4' as const, peakBps: 1e9, peakPps: 1e5, peakRps: 0 }],
      vectors: vectors.map((v) => ({ layer: 'L3/4' as const, events: 0, ...v })),
      totals: { l34: { packets: 1000, attackBytes: 100, attackPackets: 10 }, l7: { events: 0, attackEvents: 0, mitigatedEvents: 0 } },
    });
    const c = comparePeriods(
      period([{ vector: 'Syn', bytes: 0, packets: 40 }, { vector: 'DNS', bytes: 500, packets: 5 }]),
      period([{ vector: 'DNS', bytes: 250, packets: 2 }, { vector: 'NTP', bytes: 900, packets: 9 }]),
      { from: 'a', to: 'b' }, [], [],
    );
    expect(c.vectors.map((v) => [v.vector, v.unit, v.current, v.previous, v.status, v.change])).toEqual([
      ['Syn', 'packets', 40, 0, 'new', null], // no payload bytes in either period: counted in packets, not "0 B → 0 B new"
      ['DNS', 'bytes', 500, 250, 'change', 1],
      ['NTP', 'bytes', 0, 900, 'gone', -1],
    ]);
    expect(c.goneVectors).toEqual([{ layer: 'L3/4', vector: 'NTP' }]);
    // No L7 in either period: "none", not "new".
    expect(c.metrics.find((x) => x.metric === 'l7Attacks')).toMatchObject({ current: 0, previous: 0, status: 'none', change: null });
  });

  it('a previous period without any data compares with nothing: every row says "no data"', async () => {
    const { comparePeriods } = await import('../src/analysis/comparison.js');
    const current = {
      attacks: [{ layer: 'L3/4' as const, peakBps: 1e9, peakPps: 1e5, peakRps: 0 }],
      vectors: [{ layer: 'L3/4' as const, vector: 'DNS', bytes: 500, packets: 5, events: 0 }],
      totals: { l34: { packets: 1000, attackBytes: 500, attackPackets: 5 }, l7: { events: 0, attackEvents: 0, mitigatedEvents: 0 } },
    };
    const empty = { attacks: [], vectors: [], totals: { l34: { packets: 0, attackBytes: 0, attackPackets: 0 }, l7: { events: 0, attackEvents: 0, mitigatedEvents: 0 } } };
    const c = comparePeriods(current, empty, { from: 'a', to: 'b' }, [{ kind: 'ip', value: '203.0.113.1' }], []);
    expect(c.previousHasData).toBe(false);
    expect(new Set([...c.metrics, ...c.vectors].map((x) => x.status))).toEqual(new Set(['no-data']));
    expect(c.newVectors).toEqual([]);
    expect(c.newTargets).toEqual([]);
  });
});
