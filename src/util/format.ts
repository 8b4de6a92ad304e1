import { DateTime } from 'luxon';

/** Human units for rates and volumes, as security reports print them (Gbps, Mpps, krps, TB). */
function scaled(value: number, units: string[], base = 1000): string {
  if (!Number.isFinite(value) || value === 0) return `0 ${units[0]}`;
  let i = 0;
  let v = Math.abs(value);
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${value < 0 ? '-' : ''}${v.toFixed(digits)} ${units[i]}`;
}

export const formatBps = (bps: number) => scaled(bps, ['bps', 'kbps', 'Mbps', 'Gbps', 'Tbps']);
export const formatPps = (pps: number) => scaled(pps, ['pps', 'kpps', 'Mpps', 'Gpps']);
export const formatRps = (rps: number) => scaled(rps, ['rps', 'krps', 'Mrps']);
export const formatBytes = (bytes: number) => scaled(bytes, ['B', 'kB', 'MB', 'GB', 'TB', 'PB']);
// Below a thousand a whole count is written as it is: "5 requests", not "5.00".
export const formatCount = (n: number) => (Number.isInteger(n) && Math.abs(n) < 1000 ? String(n) : scaled(n, ['', 'k', 'M', 'G', 'T']).trim());

export function formatPercent(fraction: number | null, digits = 1): string {
  if (fraction === null || !Number.isFinite(fraction)) return 'n/a';
  const pct = fraction * 100;
  if (pct > 0 && pct < 0.1) return '<0.1%';
  if (pct < 100 && pct > 99.9) return '>99.9%';
  return `${pct.toFixed(digits)}%`;
}

/** A small share with two significant digits ("0.0031%"), for collateral figures that sit near their bound. */
export function formatFineShare(fraction: number): string {
  if (!Number.isFinite(fraction)) return 'n/a';
  if (fraction === 0) return '0%';
  const pct = fraction * 100;
  if (pct >= 1) return formatPercent(fraction);
  return `${Number(pct.toPrecision(2))}%`;
}

/** A change as "+12.5%" or "−40.0%"; "new" when there was nothing before. */
export function signedPercent(change: number | null): string {
  if (change === null) return 'new';
  const pct = change * 100;
  return `${pct >= 0 ? '+' : '−'}${Math.abs(pct).toFixed(Math.abs(pct) >= 100 ? 0 : 1)}%`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

/** A time in the report's zone, with the zone's abbreviation so that no reader has to guess. */
export function formatTime(iso: string, timezone: string, withZone = true): string {
  const dt = DateTime.fromISO(iso, { zone: 'utc' }).setZone(timezone);
  return dt.toFormat(withZone ? 'yyyy-LL-dd HH:mm ZZZZ' : 'yyyy-LL-dd HH:mm');
}

export function formatDate(iso: string, timezone: string): string {
  return DateTime.fromISO(iso, { zone: 'utc' }).setZone(timezone).toFormat('d LLL yyyy');
}

/** "a", "a and b", "a, b and c": a list inside a sentence. */
export const listing = (items: string[]): string =>
  items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

/** IPv4 addresses are stored IPv4-mapped in IPv6 columns; show them the way people write them. */
export function displayIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1]! : ip;
}
