/**
 * Conversions of values into column values, each throwing a RowError whose message is the reason a line is
 * rejected. Real exports mix encodings: timestamps as RFC 3339 strings or as unix seconds, milliseconds or
 * nanoseconds (numbers or strings), numbers as strings, IPv4 and IPv6 addresses. The CSV loader converts
 * here; NDJSON is converted in ClickHouse by the same rules (convert-sql.ts; one test table drives both).
 */
import net from 'node:net';

/** A line that cannot become a row; the message is the reason written to the reject file. */
export class RowError extends Error {}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** DateTime64(3) text in UTC from epoch milliseconds. */
export function clickhouseTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/**
 * Epoch milliseconds from any Logpush timestamp format: RFC 3339 (any fraction length, Z or an offset), or a
 * unix time whose unit is told by its size: seconds (≤ 11 digits), milliseconds (12-14), microseconds
 * (15-17), nanoseconds (18-19). Logpush's `timestamp_format` option produces exactly these.
 */
export function parseTimestamp(value: unknown, field: string): number {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()))) {
    const text = String(value).trim();
    const digits = text.split('.')[0]!.length;
    const n = Number(text);
    const ms = digits <= 11 ? n * 1000 : digits <= 14 ? n : digits <= 17 ? n / 1000 : digits <= 19 ? Number(BigInt(text.split('.')[0]!) / 1_000_000n) : NaN;
    if (!Number.isFinite(ms)) throw new RowError(`${field} ${JSON.stringify(value)} is not a unix time in seconds, milliseconds or nanoseconds`);
    return Math.floor(ms);
  }
  if (typeof value === 'string') {
    // JavaScript dates take at most millisecond fractions: longer ones (nanoseconds) are cut, not rounded.
    const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(value.trim());
    if (m) {
      const fraction = m[3] ? m[3].slice(0, 4) : '';
      const zone = m[4] ? (m[4].toUpperCase() === 'Z' ? 'Z' : m[4].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')) : 'Z';
      const ms = Date.parse(`${m[1]}T${m[2]}${fraction}${zone}`);
      if (Number.isFinite(ms)) return ms;
    }
  }
  throw new RowError(`${field} ${JSON.stringify(value)} is not a timestamp (RFC 3339 or unix seconds, milliseconds or nanoseconds)`);
}

/** An unsigned integer that fits `bits`; numbers written as strings are accepted, fractions and negatives are not. */
export function parseUInt(value: unknown, field: string, bits: 8 | 16 | 32 | 64): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  const max = bits === 64 ? Number.MAX_SAFE_INTEGER : 2 ** bits - 1;
  if (!Number.isInteger(n) || n < 0 || n > max) throw new RowError(`${field} ${JSON.stringify(value)} is not an integer from 0 to ${max}`);
  return n;
}

/** An IPv4 or IPv6 address as IPv6 text (IPv4 mapped), for the IPv6 columns. Empty means unknown. */
export function parseIp(value: unknown, field: string): string {
  if (value === '' || value === null) return '::';
  const text = typeof value === 'string' ? value.trim() : '';
  const kind = net.isIP(text);
  if (kind === 4) return `::ffff:${text}`;
  if (kind === 6) return text;
  throw new RowError(`${field} ${JSON.stringify(value)} is not an IPv4 or IPv6 address`);
}

/** Text columns: strings as they are (capped), numbers and booleans as text; objects are rejected. */
export function parseText(value: unknown, field: string, max = 8192): string {
  if (value === null) return '';
  if (typeof value === 'string') return value.length > max ? value.slice(0, max) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new RowError(`${field} is ${Array.isArray(value) ? 'a list' : 'an object'}, not text`);
}
