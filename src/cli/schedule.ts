/**
 * The commands of the scheduled side: config check, worker, runs and send. They share the configuration file
 * (src/config/file.ts) and the run ledger (src/scheduler/ledger.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/file.js';
import { WINDOW_KINDS, type WindowKind } from '../config/schema.js';
import { RuntimeFailure, UsageError } from '../errors.js';
import { addressDomain, mailboxProblem } from '../delivery/address.js';
import { prepareOutputDir } from '../report/output.js';
import { createLogger, openContext, openEngines } from '../scheduler/context.js';
import { previewSend } from '../scheduler/preview.js';
import { runId, type RunStatus } from '../scheduler/ledger-types.js';
import { withLedger } from '../scheduler/open-ledger.js';
import { serveMetrics } from '../scheduler/metrics.js';
import { executeRun } from '../scheduler/runner.js';
import { runForever, tick } from '../scheduler/worker.js';
import { windowFor } from '../scheduler/windows.js';
import { checkWindow, parseDuration, parseInstant } from '../report/window.js';
import { configFileOption, formatTable, progressBar, say, tenantIdFlag } from './common.js';
import { checkCustomersHaveTelemetry } from './telemetry-check.js';
import { addRunActionCommands } from './run-actions.js';

const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'skipped'] as const;
const SEND_WINDOW_ALIASES: Record<string, string> = { yesterday: 'previous-day', 'last-week': 'previous-week', 'last-month': 'previous-month' };
const SEND_WINDOWS = [...WINDOW_KINDS, ...Object.keys(SEND_WINDOW_ALIASES)];

/** A `--now`: an ISO instant not later than the real clock, since a window that has not ended cannot be reported. */
function parseNow(text: string, realNow = Date.now()): number {
  const t = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(t)) throw new UsageError(`--now ${JSON.stringify(text)} is not an ISO 8601 instant such as 2026-11-23T06:01:00Z`);
  if (t > realNow) {
    throw new UsageError(`--now ${text} is later than the current time (${new Date(realNow).toISOString()}); its windows have not ended yet. Give a time in the past, or leave --now out`);
  }
  return t;
}

export function addScheduleCommands(program: Command): void {
  const configOption = configFileOption();
  const config = program.command('config').description('The configuration file (YAML) of the worker and of scheduled sends.');
  config
    .command('check')
    .description('Validate a configuration file: every problem is printed with its path and line; exit 2 if there is any. When the store is reachable, warns about customers whose account has no telemetry at all (warnings keep exit 0).')
    .option(...configOption)
    .action(async (opts: { config: string }) => {
      const { config: c } = loadConfig(opts.config);
      const schedules = c.customers.reduce((n, cu) => n + cu.schedules.length, 0);
      say(`${opts.config}: valid; ${c.customers.length} customer(s), ${schedules} schedule(s)`);
      for (const cu of c.customers) {
        for (const s of cu.schedules) say(`  ${cu.id}/${s.name}: "${s.cron}" in ${cu.timezone}, window ${s.window}, ${s.formats.join(',')}, misfire ${s.misfire}, to ${(s.recipients ?? cu.recipients).join(', ')}`);
      }
      const data = await checkCustomersHaveTelemetry(c);
      if (!data.checked) say(`note: accounts not checked for telemetry: ${data.why}`);
      else if (data.warnings.length === 0) say(`every customer's account has telemetry in ${data.store}`);
      else {
        for (const w of data.warnings) say(`warning: ${w}`);
        say(`${data.warnings.length} warning(s); warnings do not change the exit code (0)`);
      }
    });

  program
    .command('worker')
    .description('Run the schedules of the configuration: every minute, produce what is due, archive it and email it. Stops cleanly on SIGTERM.')
    .option(...configOption)
    .option('--once', 'one tick (plan, run what is due, exit): for cron-driven deployments and tests')
    .option('--now <iso>', 'take this instant as the current time, not later than the real one (with --once: replay a tick at a given time)')
    .addHelpText('after', `
Logs are JSON lines on stdout. The run ledger and outbox live under worker.stateDir; see them with
\`attack-report runs\`. Exit codes: 0 stopped cleanly, 1 runtime failure, 2 invalid configuration.`)
    .action(async (opts: { config: string; once?: boolean; now?: string }) => {
      const loaded = loadConfig(opts.config);
      const fixedNow = opts.now === undefined ? undefined : parseNow(opts.now);
      if (fixedNow !== undefined) {
        for (const cu of loaded.config.customers) {
          for (const s of cu.schedules) {
            const w = windowFor(s.window, cu.timezone, fixedNow);
            const source = `--now ${opts.now} (schedule ${cu.id}/${s.name}, window ${s.window})`;
            checkWindow(w.from, w.to, { from: source, to: source });
          }
        }
      }
      const clock = () => fixedNow ?? Date.now();
      const log = createLogger();
      // Runs failed by an outage of the store the worker serves are retried as soon as its server is back.
      let storeBack: (() => void) | undefined;
      const { ctx, close } = await openContext(loaded, {
        log, serve: !opts.once, tolerateOutage: true, onServerEvent: (e) => (e.kind === 'restarted' ? storeBack?.() : undefined),
      });
      const server = loaded.config.worker.httpPort !== undefined ? await serveMetrics(ctx.metrics!, loaded.config.worker.httpPort) : null;
      if (server) log.info({ port: server.port }, 'serving /healthz and /metrics');
      try {
        if (opts.once) {
          const results = await tick(ctx, clock(), new Set(), { ignoreJitter: true, onProgress: progressBar('runs') });
          const failed = results.filter((r) => r.status === 'failed');
          log.info({ runs: results.length, failed: failed.length }, 'tick done');
          if (failed.length) throw new RuntimeFailure(`${failed.length} run(s) failed: ${failed.map((r) => `${r.id}: ${r.reason}`).join('; ')}`);
        } else {
          log.info({ customers: loaded.config.customers.length }, 'worker started');
          await runForever(ctx, clock, log, loaded.config.worker.shutdownGraceSeconds * 1000, (tickNow) => (storeBack = () => tickNow('the local ClickHouse server is back')));
          log.info('worker stopped');
        }
      } finally {
        server?.server.close();
        await close();
      }
    });

  const runs = program
    .command('runs')
    .description('List the run ledger: one line per (schedule, window), newest last. Subcommands act on one run (retry, resend) or on old ones (prune).')
    .option(...configOption)
    .option('--customer <id>', 'only this customer')
    .option('--status <status>', `only this status: ${RUN_STATUSES.join(', ')}`)
    .option('--since <when>', 'only runs due since this instant (ISO 8601, UTC without an offset) or this long ago (7d, 24h)')
    .option('--limit <n>', 'only the newest n runs (still listed oldest first); says on stderr when runs were left out')
    .option('--json', 'one JSON object per line instead of the table')
    .action(async (opts: { config: string; customer?: string; status?: string; since?: string; limit?: string; json?: boolean }) => {
      const { config: c } = loadConfig(opts.config);
      const since = opts.since === undefined ? undefined
        : /^\d+\s*[mhdw]$/.test(opts.since.trim()) ? Date.now() - parseDuration(opts.since, '--since') : parseInstant('--since', opts.since, 'UTC');
      const limit = opts.limit === undefined ? undefined : Number(opts.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0)) throw new UsageError(`--limit ${JSON.stringify(opts.limit)} must be a positive integer`);
      if (opts.status && !(RUN_STATUSES as readonly string[]).includes(opts.status)) throw new UsageError(`--status ${JSON.stringify(opts.status)} is not one of ${RUN_STATUSES.join(', ')}`);
      if (opts.customer) tenantIdFlag('--customer', opts.customer);
      if (opts.customer && !c.customers.some((cu) => cu.id === opts.customer)) throw new UsageError(`--customer ${JSON.stringify(opts.customer)} is not in ${opts.config}`);
      const matching = (await withLedger(c, (ledger) => ledger.list({ customer: opts.customer, status: opts.status as RunStatus | undefined })))
        .filter((r) => since === undefined || Date.parse(r.dueAt) >= since);
      const runs = limit === undefined ? matching : matching.slice(-limit);
      // A listing cut by --limit says so, on stderr, so that a reader never takes it for the whole history.
      if (runs.length < matching.length) say(`showing the newest ${runs.length} of ${matching.length} matching runs (--limit ${limit})`);
      if (opts.json) {
        for (const r of runs) process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      const rows = runs.map((r) => [r.id, r.status, r.window.from.slice(0, 16), r.window.to.slice(0, 16), String(r.attempts), r.durationMs === undefined ? '' : `${(r.durationMs / 1000).toFixed(1)} s`, r.reason ?? '']);
      process.stdout.write(formatTable(['run', 'status', 'from (UTC)', 'to (UTC)', 'attempts', 'took', 'reason'], rows));
    });
  addRunActionCommands(runs);

  program
    .command('send')
    .description('Produce one report of a customer now, archive it and email it (or, with --dry-run, only show what would be sent).')
    .option(...configOption)
    .requiredOption('--customer <id>', 'customer id in the configuration')
    .requiredOption('--window <name>', `window ending now in the customer's zone: ${SEND_WINDOWS.join(', ')}`)
    .option('--to <address...>', "send only to these addresses (each a plain address in the customer's allowed domains)")
    .option('--dry-run', 'build the report into --out (default: a new temporary directory) and print what would be sent; sends, archives and records nothing')
    .option('--preview', 'the same as --dry-run')
    .option('--out <dir>', 'with --dry-run: the directory to write the report into')
    .option('--now <iso>', 'take this instant as the current time (not later than the real one)')
    .action(async (opts: { config: string; customer: string; window: string; to?: string[]; dryRun?: boolean; preview?: boolean; out?: string; now?: string }) => {
      if (opts.preview) opts.dryRun = true;
      tenantIdFlag('--customer', opts.customer);
      const loaded = loadConfig(opts.config);
      const customer = loaded.config.customers.find((cu) => cu.id === opts.customer);
      if (!customer) throw new UsageError(`--customer ${JSON.stringify(opts.customer)} is not in ${opts.config} (customers: ${loaded.config.customers.map((cu) => cu.id).join(', ')})`);
      const kind = SEND_WINDOW_ALIASES[opts.window] ?? opts.window;
      if (!(WINDOW_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--window ${JSON.stringify(opts.window)} is not one of ${SEND_WINDOWS.join(', ')}`);
      const allowed = new Set(customer.allowedDomains);
      for (const to of opts.to ?? []) {
        // Checked as the mailer reads it: `root<x>@acme.example` is a mailbox "x", not an address at acme.example.
        const problem = mailboxProblem(to);
        if (problem) throw new UsageError(`--to ${JSON.stringify(to)} ${problem}`);
        if (!allowed.has(addressDomain(to))) throw new UsageError(`--to ${to} is outside ${customer.id}'s allowed domains (${[...allowed].join(', ')})`);
      }
      if (opts.out !== undefined && !opts.dryRun) throw new UsageError('--out is only for --dry-run: a real send archives under output.dir of the configuration');
      if (!loaded.config.smtp && !opts.dryRun) throw new UsageError(`${opts.config} has no smtp section; add one or use --dry-run`);
      const now = opts.now === undefined ? Date.now() : parseNow(opts.now);
      const w = windowFor(kind as WindowKind, customer.timezone, now);
      const source = `${opts.now === undefined ? 'now' : `--now ${opts.now}`} (window ${kind})`;
      checkWindow(w.from, w.to, { from: source, to: source });
      const recipients = (opts.to ?? customer.recipients).map((a) => a.trim());
      const log = createLogger();
      if (opts.dryRun) {
        if (opts.out !== undefined) prepareOutputDir(opts.out);
        const outDir = opts.out ?? fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-dry-run-'));
        const engines = await openEngines(loaded, { log });
        try {
          const preview = await previewSend(engines, loaded.config, customer, loaded.branding.get(customer.id)!, w, recipients, outDir);
          for (const f of preview.files) process.stdout.write(`${f}\n`);
          say(`dry run: nothing sent, archived or recorded; the report is in ${outDir}. Would send:`);
          for (const e of preview.emails) {
            say(`  to ${e.to}: "${e.subject}", ${e.attachment ? `${e.attachment.filename} attached (${(e.attachment.bytes / 1024).toFixed(0)} KB)` : 'no attachment (over smtp.maxMessageBytes): a note instead'}`);
          }
        } finally {
          await engines.close();
        }
        return;
      }
      const { ctx, close } = await openContext(loaded, { log });
      try {
        const id = `${runId(customer.id, 'send', w.from)}.${new Date(now).toISOString().replace(/[-:.]/g, '')}`;
        await ctx.ledger.claim({
          id, customer: customer.id, schedule: 'send', dueAt: new Date(now).toISOString(),
          window: { from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString(), timezone: customer.timezone },
          status: 'queued', attempts: 0, createdAt: new Date().toISOString(), recipients, onDemand: true,
        });
        const r = await executeRun(ctx, id, { status: 'queued', attempts: 0 });
        for (const a of r.artifacts ?? []) process.stdout.write(`${a.path}\n`);
        if (r.status !== 'succeeded') throw new RuntimeFailure(`run ${id} ${r.status}: ${r.reason ?? ''}`);
        say(`run ${id}: sent to ${r.recipients.join(', ')}`);
      } finally {
        await close();
      }
    });
}
