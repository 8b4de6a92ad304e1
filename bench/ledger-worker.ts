/**
 * One worker of the ledger bench, in its own process: the worker's own steps (plan, pending, executeAll from
 * src/scheduler/worker.ts, with the real runner, report, archive and email) on the configuration given, its
 * ledger wrapped in a timing proxy. Ticks follow each other without the minute between them, so the batch
 * measures the work and not the tick interval; a tick that found nothing to do waits 200 ms. Stops when no run
 * of the ledger is queued or running, and prints its ledger times as JSON on stdout.
 *
 *   node dist/bench/ledger-worker.js CONFIG NOW_ISO
 */
import pino from 'pino';
import { loadConfig } from '../src/config/file.js';
import { openContext } from '../src/scheduler/context.js';
import { executeAll, pending, plan } from '../src/scheduler/worker.js';
import { timedLedger } from './ledger-timing.js';

const [configFile, nowIso] = process.argv.slice(2);
if (!configFile || !nowIso) throw new Error('usage: ledger-worker CONFIG NOW_ISO');
const nowMs = Date.parse(nowIso);
const loaded = loadConfig(configFile);
const { ctx, close } = await openContext(loaded, { log: pino({ level: 'warn' }, pino.destination(2)) });
const raw = ctx.ledger;
const timing = timedLedger(raw);
ctx.ledger = timing.ledger;
const inFlight = new Set<string>();
try {
  for (;;) {
    timing.setPhase('plan');
    await plan(ctx, nowMs);
    const due = await pending(ctx, nowMs, { ignoreJitter: true });
    timing.setPhase('run');
    const results = await executeAll(ctx, due, ctx.config.worker.concurrency, inFlight);
    // Whether the batch is done is the bench's question, not the worker's: asked of the ledger untimed.
    const open = (await raw.list()).filter((r) => r.status === 'queued' || r.status === 'running');
    if (open.length === 0) break;
    if (results.length === 0 || due.length === 0) await new Promise((r) => setTimeout(r, 200));
  }
} finally {
  await close();
}
process.stdout.write(`${JSON.stringify({ pid: process.pid, times: timing.times })}\n`);
