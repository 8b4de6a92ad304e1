/**
 * `runs retry ID`, `runs resend ID [--to …]` and `runs prune --older-than …`: subcommands of `runs`, over the
 * operations of src/scheduler/run-actions.ts. `--config` (and `--json`) are the options of `runs` itself, which
 * commander reads wherever they stand on the line; the listing's filters make no sense here and are refused.
 */
import type { Command } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config/file.js';
import { RuntimeFailure, UsageError } from '../errors.js';
import { createTransport } from '../delivery/email.js';
import { parseDuration } from '../report/window.js';
import { openContext } from '../scheduler/context.js';
import { openLedger, withLedger } from '../scheduler/open-ledger.js';
import { checkResend, checkRetry, pruneRuns, resendRun, retryRun } from '../scheduler/run-actions.js';
import { cliActor, formatTable, say } from './common.js';

interface RunsOpts {
  config: string;
  json?: boolean;
  customer?: string;
  status?: string;
  since?: string;
  limit?: string;
}

/** The options of `runs` that a subcommand uses, refusing the listing's filters. */
function runsOptions(cmd: Command, name: string): RunsOpts {
  const opts = cmd.optsWithGlobals<RunsOpts>();
  for (const flag of ['customer', 'status', 'since', 'limit'] as const) {
    if (opts[flag] !== undefined) throw new UsageError(`--${flag} filters the listing of \`runs\`; \`runs ${name}\` takes a run id instead`);
  }
  return opts;
}

/** The help of a subcommand shows the options of `runs` it uses (--config, --json), not the listing's filters. */
const helpWithRunsOptions = {
  showGlobalOptions: true,
  visibleGlobalOptions: (cmd: Command) => (cmd.parent?.options ?? []).filter((o) => o.long === '--config' || o.long === '--json'),
};

// Logs (JSON lines) go to stderr: stdout carries what scripts read (paths, JSON results).
const stderrLogger = () => pino({ base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));

export function addRunActionCommands(runs: Command): void {
  runs
    .command('retry')
    .description('Execute a failed or skipped run again now: its archived report is reused when intact (else built), and no recipient it already reached is sent to again.')
    .argument('<id>', 'run id, as `runs` lists it')
    .configureHelp(helpWithRunsOptions)
    .addHelpText('after', `
A skipped run (its schedule paused, or the misfire policy) produces its window now: a pause holds only what the
worker does by itself. A running or queued run is refused, and a succeeded one too (use \`runs resend\`).
The worker's maxAttempts does not apply. Prints the artifacts' paths (or, with --json, the run's record).
Exit codes: 0 the run succeeded, 1 it failed again (the reason is printed and kept in the ledger), 2 unknown
id or a run in a state that cannot be retried.`)
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const opts = runsOptions(cmd, 'retry');
      const loaded = loadConfig(opts.config);
      // Refused before the store and the browser are opened.
      const { before, pause } = await withLedger(loaded.config, async (ledger) => {
        const run = await checkRetry({ ledger, config: loaded.config }, id);
        return { before: run, pause: run.onDemand ? undefined : await ledger.pausedBy(run.customer, run.schedule) };
      });
      if (pause) say(`note: ${before.customer}/${before.schedule} is paused (by ${pause.by} at ${pause.at}); a retry asked for explicitly is not held by the pause`);
      const { ctx, close } = await openContext(loaded, { log: stderrLogger() });
      let after;
      try {
        after = await retryRun(ctx, id, cliActor());
      } finally {
        await close();
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(after)}\n`);
      else for (const a of after.artifacts ?? []) process.stdout.write(`${a.path}\n`);
      if (after.status !== 'succeeded') throw new RuntimeFailure(`run ${id} ${after.status} again (attempt ${after.attempts}): ${after.reason ?? ''}`);
      say(`run ${id} succeeded (attempt ${after.attempts}); every recipient has it: ${after.recipients.join(', ')}`);
    });

  runs
    .command('resend')
    .description("Send a run's archived report again, to its recipients or to --to addresses in the customer's allowed domains. The report is not rebuilt.")
    .argument('<id>', 'run id, as `runs` lists it')
    .option('--to <address...>', "send to these addresses instead (each a plain address in the customer's allowed domains)")
    .option('--resume <resend>', 'finish an earlier re-send of this run that was cut short (resend-1, …): only its recipients not yet sent to')
    .configureHelp(helpWithRunsOptions)
    .addHelpText('after', `
Refused (exit 2) when the archived report is gone or its SHA-256 no longer matches the ledger, for a running,
queued or skipped run (nothing archived: retry it), and for an address outside the allow-list. Each re-send is
recorded (resend-1, resend-2, …) with one outbox record per recipient, shown by \`attack-report run ID\`.
Exit codes: 0 every recipient sent, 1 some email failed (finish it with --resume), 2 refused.`)
    .action(async (id: string, local: { to?: string[]; resume?: string }, cmd: Command) => {
      const opts = runsOptions(cmd, 'resend');
      const loaded = loadConfig(opts.config);
      const { config } = loaded;
      const ledger = await openLedger(config);
      let result;
      let transport: ReturnType<typeof createTransport> | null = null;
      try {
        await checkResend({ ledger, config }, id);
        transport = config.smtp ? createTransport(config.smtp) : null;
        result = await resendRun({ ledger, config, branding: loaded.branding, transport, log: stderrLogger() }, id, {
          actor: cliActor(), ...(local.to ? { to: local.to } : {}), ...(local.resume ? { resume: local.resume } : {}),
        });
      } finally {
        transport?.close();
        await ledger.close();
      }
      const { resend, deliveries, failures } = result;
      if (opts.json) process.stdout.write(`${JSON.stringify({ resend, deliveries })}\n`);
      else process.stdout.write(formatTable(['recipient', 'status', 'as', 'error'], deliveries.map((d) => [d.recipient, d.status, d.mode ?? '', d.error ?? ''])));
      if (failures.length) {
        throw new RuntimeFailure(`${resend.id} of run ${id}: ${failures.join('; ')}. Finish it (only the recipients not yet sent to) with \`attack-report runs resend ${id} --resume ${resend.id}\``);
      }
      say(`run ${id} ${resend.id}: sent to ${resend.recipients.join(', ')}`);
    });

  runs
    .command('prune')
    .description('Remove the ledger records (run, outbox, re-sends, stored report model) of runs that finished before a given age. Archived report files are not touched.')
    .requiredOption('--older-than <duration>', 'remove runs finished longer ago than this: 90d, 12w, 2160h')
    .option('--dry-run', 'only list what would be removed')
    .configureHelp(helpWithRunsOptions)
    .addHelpText('after', `
Queued and running runs are never removed. The archive (output.dir) is the provider's record of what was
sent and is kept: remove old reports from it by the provider's own retention rules. Prints the removed run
ids on stdout (or, with --json, one object with the counts), a summary on stderr; the prune is audited.`)
    .action(async (local: { olderThan: string; dryRun?: boolean }, cmd: Command) => {
      const opts = runsOptions(cmd, 'prune');
      const { config } = loadConfig(opts.config);
      const before = Date.now() - parseDuration(local.olderThan, '--older-than');
      const result = await withLedger(config, (ledger) => pruneRuns(ledger, before, { actor: cliActor(), dryRun: local.dryRun ?? false }));
      if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else for (const r of result.runs) process.stdout.write(`${r}\n`);
      const verb = local.dryRun ? 'would remove' : 'removed';
      say(`${local.dryRun ? 'dry run: ' : ''}${verb} ${result.runs.length} run(s) finished before ${new Date(before).toISOString()}, with ${result.outboxRecords} outbox record(s), ${result.resends} re-send(s) and ${result.models} stored report model(s); archived reports under ${config.output.dir} are kept`);
    });
}
