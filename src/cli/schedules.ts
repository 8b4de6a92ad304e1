/** `schedules`: every schedule of the configuration with its next run, in the customer's time zone, and its latest run. */
import type { Command } from 'commander';
import { loadConfig } from '../config/file.js';
import { UsageError } from '../errors.js';
import { Ledger } from '../scheduler/ledger.js';
import { listSchedules } from '../scheduler/schedules.js';
import { configFileOption, formatTable, tenantIdFlag } from './common.js';

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
    .action((opts: { config: string; customer?: string; json?: boolean }) => {
      const { config } = loadConfig(opts.config);
      if (opts.customer) tenantIdFlag('--customer', opts.customer);
      if (opts.customer && !config.customers.some((c) => c.id === opts.customer)) throw new UsageError(`--customer ${JSON.stringify(opts.customer)} is not in ${opts.config}`);
      const views = listSchedules(config, new Ledger(config.worker.stateDir), Date.now(), { customer: opts.customer });
      if (opts.json) {
        for (const v of views) process.stdout.write(`${JSON.stringify(v)}\n`);
        return;
      }
      const minute = (iso: string | undefined) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} ${iso.slice(19)}` : '');
      const rows = views.map((v) => [
        v.customer, v.schedule, v.window, v.timezone, minute(v.next?.firesAt) || 'never', v.next ? `${minute(v.next.from)} to ${minute(v.next.to)}` : '', minute(v.next?.dueAt),
        v.lastRun ? `${v.lastRun.status} (${v.lastRun.window.from.slice(0, 16)}Z)` : 'none',
      ]);
      process.stdout.write(formatTable(['customer', 'schedule', 'window', 'time zone', 'next firing', 'next window', 'due', 'latest run (window start)'], rows));
    });
}
