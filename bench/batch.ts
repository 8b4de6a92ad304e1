/**
 * A batch of reports as a scheduler would run them: different tenants and windows, PDF only, a few in flight.
 * Pooled = one PdfRenderer for the whole batch (what the CLI and scheduler use); naive = a new browser for every
 * report. Both run in the same process against the same data, so their ratio travels across machines.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ClickHouseTarget } from '../src/clickhouse/client.js';
import { generateReport } from '../src/report/generate.js';
import type { ReportRequest } from '../src/report/build.js';
import { resolveWindow } from '../src/report/window.js';
import { PdfRenderer, processTreeMemory } from '../src/render/renderer.js';

export interface BatchResult {
  reports: number;
  ms: number;
  perMinute: number;
  peakMemoryBytes: number;
  retried: number;
  browsersLaunched: number;
  /** At the peak: this process, the server process (when given) and the rest of the tree (Chromium), PSS bytes. */
  peakParts: { self: number; server: number; others: number };
}

/** Proportional set size of one process, in bytes (0 when it has gone). */
function pssOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** `count` requests over the demo tenants: daily windows walking back from `toMs`, every fifth one a week. */
export function batchRequests(tenants: string[], toMs: number, count: number): ReportRequest[] {
  const DAY = 86_400_000;
  return Array.from({ length: count }, (_, i) => {
    const end = toMs - Math.floor(i / tenants.length) * DAY;
    const days = i % 5 === 4 ? 7 : 1;
    const window = resolveWindow({ from: new Date(end - days * DAY).toISOString(), to: new Date(end).toISOString(), tz: 'Europe/Lisbon' });
    return { accountId: tenants[i % tenants.length]!, zoneIds: [], window };
  });
}

export async function runBatch(
  target: ClickHouseTarget,
  env: { PUPPETEER_EXECUTABLE_PATH?: string | undefined },
  requests: ReportRequest[],
  mode: 'pooled' | 'naive',
  outDir: string,
  concurrency = 2,
  serverPid?: number,
): Promise<BatchResult> {
  let peak = 0;
  let peakParts = { self: 0, server: 0, others: 0 };
  const sample = () => {
    const total = processTreeMemory(process.pid);
    if (total <= peak) return;
    peak = total;
    const self = pssOf(process.pid);
    const server = pssOf(serverPid);
    peakParts = { self, server, others: Math.max(0, total - self - server) };
  };
  // Reading PSS walks page tables (about 20 ms for the whole tree), so it is sampled twice a second.
  const sampler = setInterval(sample, 500);
  const pooled = mode === 'pooled' ? new PdfRenderer({ env, concurrency }) : null;
  let retried = 0;
  let launched = 0;
  const t0 = performance.now();
  try {
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const req = requests[next++]!;
        const renderer = pooled ?? new PdfRenderer({ env, concurrency: 1 });
        try {
          await generateReport(target, req, { formats: ['pdf'], outDir: path.join(outDir, mode), renderer, overwrite: true });
        } finally {
          if (!pooled) {
            retried += renderer.stats.retried;
            launched += renderer.stats.browsersLaunched;
            sample();
            await renderer.close();
          }
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    clearInterval(sampler);
    sample();
    if (pooled) {
      retried = pooled.stats.retried;
      launched = pooled.stats.browsersLaunched;
      await pooled.close();
    }
  }
  const ms = performance.now() - t0;
  return { reports: requests.length, ms, perMinute: (requests.length / ms) * 60_000, peakMemoryBytes: peak, retried, browsersLaunched: launched, peakParts };
}
