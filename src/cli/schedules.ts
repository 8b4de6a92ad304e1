/** `schedules`: every schedule of the configuration with its next run, in the customer's time zone, and its latest run. */
import type { Command } from 'commander';
import { loadConfig } from '../config/file.js';
import { UsageError } from '../errors.js';
import { withLedger } from '../scheduler/open-ledger.js';
import { pauseSchedule, resumeSchedule } from '../scheduler/pauses.js';
import { listSchedules } from '../scheduler/schedules.js';
import { runDetails } from '../scheduler/run-details.js';
import { configFileOption, formatTable, say, tenantIdFlag } from './common.js';
import os from 'node:os';
import type { Config } from '../config/schema.js';

/** The customer and, if given, the schedule, checked against the configuration. */
function target(config: Config, file: string, customer: string, schedule: string | undefined): void {
  tenantIdFlag('--customer', customer);
  const cu = config.customers.find((c) => c.id === customer);
  if (!cu) throw new UsageError(`--customer ${JSON.stringify(customer)} is not in ${file}`);
  if (schedule !== undefined && !cu.schedules.some((s) => s.name === schedule)) {
    throw new UsageError(`--schedule ${JSON.stringify(schedule)} is not a schedule of ${customer} (${cu.schedules.map((s) => s.name).join(', ') || 'none'})`);
  }
}

const operator = () => {
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
};

export function addSchedulesCommand(program: Command): void {
  program
    .command('schedules')
    .description('List the schedules of the configuration: when each next fires and which window that run covers (in the customer\'s time zone), and its latest run in the ledger.')
    .option(...configFileOption())
    .option('--customer <id>', 'only this customer')
    .option('--json', 'one JSON object per line instead of the table')
    .addHelpText('after', `
"due" is when the worker produces the next window: the firing, or the window's end plus worker.dataDelayMinutes
if that is later. Times are the customer's local times with their UTC offset.`)
    .action(async (opts: { config: string; customer?: string; json?: boolean }) => {
      const { config } = loadConfig(opts.config);
      if (opts.customer) tenantIdFlag('--customer', opts.customer);
      if (opts.customer && !config.customers.some((c) => c.id === opts.customer)) throw new UsageError(`--customer ${JSON.stringify(opts.customer)} is not in ${opts.config}`);
      const views = await withLedger(config, (ledger) => listSchedules(config, ledger, Date.now(), { customer: opts.customer }));
      if (opts.json) {
        for (const v of views) process.stdout.write(`${JSON.stringify(v)}\n`);
        return;
      }
      const minute = (iso: string | undefined) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} ${iso.slice(19)}` : '');
      const rows = views.map((v) => [
        v.customer, v.schedule, v.paused ? `paused by ${v.paused.by} ${v.paused.at.slice(0, 16)}Z` : 'active', v.window, v.timezone, minute(v.next?.firesAt) || (v.paused ? 'none (paused)' : 'never'), v.next ? `${minute(v.next.from)} to ${minute(v.next.to)}` : '', minute(v.next?.dueAt),
        v.lastRun ? `${v.lastRun.status} (${v.lastRun.window.from.slice(0, 16)}Z)` : 'none',
      ]);
      process.stdout.write(formatTable(['customer', 'schedule', 'state', 'window', 'time zone', 'next firing', 'next window', 'due', 'latest run (window start)'], rows));
    });

  program
    .command('pause')
    .description('Pause a schedule, or every schedule of a customer: the worker records their firings as skipped (reason: the pause) and holds runs already queued until the resume.')
    .option(...configFileOption())
    .requiredOption('--customer <id>', 'customer id in the configuration')
    .option('--schedule <name>', 'only this schedule (default: every schedule of the customer)')
    .option('--reason <text>', 'why, kept with the pause and in each skipped run (at most 200 characters)')
    .action(async (opts: { config: string; customer: string; schedule?: string; reason?: string }) => {
      const { config } = loadConfig(opts.config);
      target(config, opts.config, opts.customer, opts.schedule);
      const p = await withLedger(config, (ledger) => pauseSchedule(ledger, config, { customer: opts.customer, ...(opts.schedule ? { schedule: opts.schedule } : {}), by: operator(), ...(opts.reason !== undefined ? { reason: opts.reason } : {}) }));
      say(`paused ${opts.schedule ? `schedule ${opts.schedule} of ${opts.customer}` : `every schedule of ${opts.customer}`} (by ${p.by} at ${p.at}); \`attack-report resume\` lifts it`);
    });

  program
    .command('resume')
    .description('Lift a pause set by `pause` (the same --customer and --schedule). Windows that fired while paused stay skipped; the next firing runs.')
    .option(...configFileOption())
    .requiredOption('--customer <id>', 'customer id in the configuration')
    .option('--schedule <name>', 'the schedule whose own pause to lift (default: the customer-wide pause)')
    .action(async (opts: { config: string; customer: string; schedule?: string }) => {
      const { config } = loadConfig(opts.config);
      target(config, opts.config, opts.customer, opts.schedule);
      const what = opts.schedule ? `schedule ${opts.schedule} of ${opts.customer}` : `the customer-wide pause of ${opts.customer}`;
      const still = (await withLedger(config, (ledger) => resumeSchedule(ledger, config, { customer: opts.customer, ...(opts.schedule ? { schedule: opts.schedule } : {}), by: operator() }))).stillHeldBy;
      say(`resumed ${what}${still ? `; it is still held by the customer-wide pause (by ${still.by} at ${still.at})` : ''}`);
    });

  program
    .command('run')
    .description('Show one run of the ledger (its id as `runs` lists it): window, status, attempts, reason, artifacts, each recipient\'s send status, each re-send, and who acted on it (the audit trail).')
    .argument('<id>', 'run id')
    .option(...configFileOption())
    .option('--json', 'one JSON object ({ run, deliveries, resends, audit }) instead of the text')
    .action(async (id: string, opts: { config: string; json?: boolean }) => {
      const { config } = loadConfig(opts.config);
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/.test(id)) throw new UsageError(`run id ${JSON.stringify(id)} is not a run id (see \`attack-report runs\`)`);
      const details = await withLedger(config, async (ledger) => {
        const found = await runDetails(ledger, id);
        if (!found) throw new UsageError(`no run ${id} in ${ledger.location} (see \`attack-report runs\`)`);
        return found;
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(details)}\n`);
        return;
      }
      const { run } = details;
      const fields: [string, string][] = [
        ['run', run.id], ['customer', run.customer], ['schedule', run.onDemand ? `${run.schedule} (on demand)` : run.schedule],
        ['window', `${run.window.from} to ${run.window.to} (${run.window.timezone})`], ['status', run.status], ['attempts', String(run.attempts)],
        ['due', run.dueAt], ['started', run.startedAt ?? ''], ['finished', run.finishedAt ?? ''],
        ['took', run.durationMs === undefined ? '' : `${(run.durationMs / 1000).toFixed(1)} s`], ['reason', run.reason ?? ''],
      ];
      process.stdout.write(formatTable(['field', 'value'], fields.filter(([, v]) => v !== '')));
      process.stdout.write('\n');
      process.stdout.write(formatTable(['artifact', 'bytes', 'sha256', 'path'], (run.artifacts ?? []).map((a) => [a.format, String(a.bytes), a.sha256.slice(0, 16), a.path])));
      process.stdout.write('\n');
      process.stdout.write(formatTable(['recipient', 'status', 'attempts', 'sent', 'as', 'error'], details.deliveries.map((d) => [d.recipient, d.status, String(d.attempts), d.sentAt ?? '', d.mode ?? '', d.error ?? ''])));
      if (details.resends.length) {
        process.stdout.write('\n');
        process.stdout.write(formatTable(['re-send', 'asked by', 'recipient', 'status', 'attempts', 'sent', 'as', 'error'], details.resends.flatMap((r) =>
          r.deliveries.map((d) => [r.id, `${r.by} ${r.at}`, d.recipient, d.status, String(d.attempts), d.sentAt ?? '', d.mode ?? '', d.error ?? '']))));
      }
      if (details.audit.length) {
        process.stdout.write('\n');
        process.stdout.write(formatTable(['when', 'who', 'action', 'detail'], details.audit.map((e) => [e.at, e.by, e.action, e.detail ?? ''])));
      }
    });
}
