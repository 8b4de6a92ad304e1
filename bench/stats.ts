/** Small timing and formatting helpers for bench/run.ts. */

export interface Sample {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function summarize(values: number[]): Sample {
  if (values.length === 0) throw new Error('no samples');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: sorted.length };
}

/** The p-th percentile by nearest rank (p95 of 20 values is the 19th smallest): always one of the values measured. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new Error('no samples');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

/** Runs `fn` `warmups` times untimed, then `runs` times timed; returns the summary and the last result. */
export async function timeRuns<T>(runs: number, warmups: number, fn: () => Promise<T>): Promise<{ sample: Sample; times: number[]; last: T }> {
  let last: T | undefined;
  for (let i = 0; i < warmups; i++) last = await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = await fn();
    times.push(performance.now() - t0);
  }
  return { sample: summarize(times), times, last: last as T };
}

export const ms = (v: number) => `${Math.round(v).toLocaleString('en')}`;
export const ratio = (v: number, base: number) => (base > 0 ? `${(v / base).toFixed(2)}×` : 'n/a');
export const spread = (s: Sample) => (s.runs > 1 ? `${ms(s.min)}–${ms(s.max)} (n=${s.runs})` : `n=${s.runs}`);

/** A GitHub-flavoured markdown table; also readable as plain text on a terminal. */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
