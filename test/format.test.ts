import { describe, expect, it } from 'vitest';
import { displayIp, formatBps, formatBytes, formatCount, formatDuration, formatPercent, formatPps, formatRps, formatTime } from '../src/util/format.js';
import { vectorFamily } from '../src/analysis/taxonomy.js';
import { truncate } from '../src/render/html.js';
import { cssString } from '../src/render/page.js';

describe('formatting for people', () => {
  it('scales rates and volumes', () => {
    expect(formatBps(36_100_000_000)).toBe('36.1 Gbps');
    expect(formatPps(5_160_000)).toBe('5.16 Mpps');
    expect(formatRps(235_302)).toBe('235 krps');
    expect(formatBytes(14_800_000_000_000)).toBe('14.8 TB');
    expect(formatBps(0)).toBe('0 bps');
  });
  it('formats shares without claiming 100% or 0% falsely', () => {
    expect(formatPercent(0.9999)).toBe('>99.9%');
    expect(formatPercent(0.0004)).toBe('<0.1%');
    expect(formatPercent(null)).toBe('n/a');
    expect(formatPercent(1)).toBe('100.0%');
  });
  it('formats durations and zoned times', () => {
    expect(formatDuration(2280)).toBe('38m');
    expect(formatDuration(3 * 3600 + 5 * 60)).toBe('3h 05m');
    expect(formatTime('2026-07-01T12:00:00.000Z', 'Europe/Lisbon')).toBe('2026-07-01 13:00 GMT+1');
  });
  it('shows IPv4-mapped addresses as IPv4', () => {
    expect(displayIp('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(displayIp('2001:db8::1')).toBe('2001:db8::1');
  });
  it('truncates by characters, not UTF-16 units, with an ellipsis', () => {
    expect(truncate('😀'.repeat(10), 5)).toBe('😀😀😀😀…');
    expect(truncate('short', 10)).toBe('short');
  });
});

describe('vector taxonomy', () => {
  it('maps provider and CIC labels to families and leaves unknown labels alone', () => {
    expect(vectorFamily('SYN Flood')).toBe('l4.tcp.syn_flood');
    expect(vectorFamily('DrDoS_DNS')).toBe('l4.udp.amp.dns');
    expect(vectorFamily('UDP-lag')).toBe('l4.udp.flood');
    expect(vectorFamily('DrDoS_UDP')).toBe('l4.udp.flood');
    expect(vectorFamily('Cache Busting')).toBe('l7.http.cache_busting');
    expect(vectorFamily('Zorglub storm')).toBeNull();
  });
});

describe('Radar buckets', () => {
  it('bucket boundaries are half-open, as Radar defines them', async () => {
    const { sizeBucket, durationBucket, bucketLabel } = await import('../src/analysis/buckets.js');
    expect(sizeBucket(499_999_999)).toBe('UNDER_500_MBPS');
    expect(sizeBucket(500e6)).toBe('_500_MBPS_TO_1_GBPS');
    expect(sizeBucket(10e9)).toBe('_10_GBPS_TO_100_GBPS');
    expect(sizeBucket(100e9)).toBe('OVER_100_GBPS');
    expect(durationBucket(599)).toBe('UNDER_10_MINS');
    expect(durationBucket(600)).toBe('_10_MINS_TO_20_MINS');
    expect(durationBucket(3 * 3600)).toBe('OVER_3_HOURS');
    expect(bucketLabel('_10_MINS_TO_20_MINS')).toBe('10 min to 20 min');
    expect(bucketLabel('UNDER_500_MBPS')).toBe('Under 500 Mbps');
    expect(bucketLabel('OVER_3_HOURS')).toBe('Over 3 hours');
  });
});

describe('formatCount', () => {
  it('writes whole counts below a thousand as they are and scales larger ones', () => {
    expect(formatCount(5)).toBe('5');
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(2.5)).toBe('2.50');
    expect(formatCount(1500)).toBe('1.50 k');
    expect(formatCount(221_000_000)).toBe('221 M');
  });
});

describe('cssString', () => {
  it('writes any text as a CSS string that cannot end early and reads back the same', () => {
    const text = 'Acme "Retail" \\ </style><script> · 22 Oct – 21 Nov \u202e 😀';
    const css = cssString(text);
    expect(css.slice(1, -1)).toMatch(/^[A-Za-z0-9\\]*$/);
    const decoded = css.slice(1, -1).replace(/\\([0-9a-f]{6})/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)));
    expect(decoded).toBe(text);
  });
});
