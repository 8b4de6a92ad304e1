/**
 * Attack size and duration buckets exactly as Cloudflare Radar publishes them (bitrate for network-layer
 * attacks, duration for both layers), so a customer can set our figures beside Radar's quarterly reports.
 * Radar has no size bucket for application-layer attacks, and neither do we: L7 sizes stay null.
 */
export type SizeBucket = 'UNDER_500_MBPS' | '_500_MBPS_TO_1_GBPS' | '_1_GBPS_TO_10_GBPS' | '_10_GBPS_TO_100_GBPS' | 'OVER_100_GBPS';
export type DurationBucket = 'UNDER_10_MINS' | '_10_MINS_TO_20_MINS' | '_20_MINS_TO_40_MINS' | '_40_MINS_TO_1_HOUR' | '_1_HOUR_TO_3_HOURS' | 'OVER_3_HOURS';

export const SIZE_BUCKETS: SizeBucket[] = ['UNDER_500_MBPS', '_500_MBPS_TO_1_GBPS', '_1_GBPS_TO_10_GBPS', '_10_GBPS_TO_100_GBPS', 'OVER_100_GBPS'];
export const DURATION_BUCKETS: DurationBucket[] = ['UNDER_10_MINS', '_10_MINS_TO_20_MINS', '_20_MINS_TO_40_MINS', '_40_MINS_TO_1_HOUR', '_1_HOUR_TO_3_HOURS', 'OVER_3_HOURS'];

export function sizeBucket(peakBps: number): SizeBucket {
  if (peakBps < 500e6) return 'UNDER_500_MBPS';
  if (peakBps < 1e9) return '_500_MBPS_TO_1_GBPS';
  if (peakBps < 10e9) return '_1_GBPS_TO_10_GBPS';
  if (peakBps < 100e9) return '_10_GBPS_TO_100_GBPS';
  return 'OVER_100_GBPS';
}

export function durationBucket(seconds: number): DurationBucket {
  if (seconds < 600) return 'UNDER_10_MINS';
  if (seconds < 1200) return '_10_MINS_TO_20_MINS';
  if (seconds < 2400) return '_20_MINS_TO_40_MINS';
  if (seconds < 3600) return '_40_MINS_TO_1_HOUR';
  if (seconds < 10800) return '_1_HOUR_TO_3_HOURS';
  return 'OVER_3_HOURS';
}

/** "UNDER_500_MBPS" → "Under 500 Mbps", "_10_MINS_TO_20_MINS" → "10 to 20 mins", for tables and charts. */
export function bucketLabel(bucket: string): string {
  return bucket
    .replace(/^_/, '')
    .split('_')
    .map((w) => (w === 'TO' ? 'to' : w === 'MBPS' ? 'Mbps' : w === 'GBPS' ? 'Gbps' : w === 'MINS' ? 'min' : w === 'HOUR' ? 'hour' : w === 'HOURS' ? 'hours' : w.toLowerCase()))
    .join(' ')
    .replace(/^./, (c) => c.toUpperCase());
}
