import { describe, expect, it } from 'vitest';
import { displayIp, formatBps, formatBytes, formatCount, formatDuration, formatPercent, formatPps, formatRps, formatTime } from '../src/util/format.js';
import { vectorFamily } from '../src/analysis/taxonomy.js';
import { truncate } from '../src/render/html.js';
import { displayText, hasHiddenCharacter, revealHiddenDeep } from '../src/util/display.js';
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
    expect(truncate('😀'.repeat(10), 5)).toBe('😀😀😀😀… (10 characters)');
    expect(truncate('short', 10)).toBe('short');
  });
});

describe('telemetry text for display', () => {
  it('shows every hidden character as a marker, by class rather than by list', () => {
    const hidden: [string, string][] = [
      ['\u{E0020}', 'tag space'], ['\u{E007F}', 'cancel tag'], ['\u2028', 'line separator'], ['\u2029', 'paragraph separator'], ['\u061C', 'Arabic letter mark'],
      ['\u00AD', 'soft hyphen'], ['\u034F', 'combining grapheme joiner'], ['\u115F', 'Hangul choseong filler'], ['\u3164', 'Hangul filler'], ['\uFFA0', 'halfwidth Hangul filler'],
      ['\uFE0F', 'variation selector 16'], ['\u{E0100}', 'variation selector 17'], ['\u202E', 'right-to-left override'], ['\u2066', 'left-to-right isolate'],
      ['\u200B', 'zero-width space'], ['\uFEFF', 'byte order mark'], ['\u0007', 'bell'], ['\u0085', 'next line'], ['\uE000', 'private use'], ['\u{10FFFF}', 'noncharacter'],
      ['\uD800', 'lone surrogate'], ['\u{E01F0}', 'unassigned default-ignorable'],
    ];
    for (const [c, name] of hidden) {
      expect(hasHiddenCharacter(`a${c}b`), name).toBe(true);
      expect(displayText(`a${c}b`), name).toBe(`a[U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]b`);
    }
    for (const visible of ['/login', 'é', '爬虫', 'זאב', '\u{1F525}', 'a\u0301', 'a b', 'a\u00A0b']) {
      expect(hasHiddenCharacter(visible), visible).toBe(false);
      expect(displayText(visible)).toBe(visible);
    }
  });

  it('caps long text with an ellipsis and the original length, markers included in the count', () => {
    expect(displayText('q'.repeat(8192), { maxChars: 20 })).toBe(`${'q'.repeat(19)}… (8,192 characters)`);
    expect(displayText('\u202E'.repeat(3), { maxChars: 20 })).toBe('[U+202E][U+202E]… (3 characters)');
    expect(displayText(null)).toBe('');
    // Showing twice changes nothing: markers are plain text.
    expect(displayText(displayText('a\u200Bb'))).toBe('a[U+200B]b');
  });

  it('reveals every string of a model, leaving numbers and structure alone', () => {
    expect(revealHiddenDeep({ a: ['x\u202Ey', 3], b: { c: '\u{E0041}', d: null, e: true } })).toEqual({ a: ['x[U+202E]y', 3], b: { c: '[U+E0041]', d: null, e: true } });
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
