/**
 * `attack-report source check|attach|sync|detach --source FILE`: a source definition (src/source/definition.ts)
 * checked against the live store (src/source/check.ts; only reads), attached as its own database of views and
 * rollups (src/source/attach.ts), its rollups filled over a time range (src/source/sync.ts), or detached.
 * `generate --source FILE` then reports from it.
 */
import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { connect, DEFAULT_DATA_DIR, type ClickHouseTarget } from '../clickhouse/client.js';
import { readEnv } from '../config/env.js';
import { RuntimeFailure, UsageError } from '../errors.js';
import { checkSource, formatSourceCheck } from '../source/check.js';
import { attachedTarget, attachSource, detachSource, sourceDatabase } from '../source/attach.js';
import { syncSource } from '../source/sync.js';
import { formatSourceStatus, sourceStatus } from '../source/status.js';
import { parseDuration, parseInstant, resolveWindow } from '../report/window.js';
import { progressBar, say } from './common.js';
import { loadSourceDefinition } from '../source/definition.js';
import { withoutSecrets } from '../source/secrets.js';
import type { SourceDefinition } from '../source/types.js';

/** `fn`'s failure with a table function's expanded credentials shown as `${NAME}` again (secrets.ts). */
async function hiding<T>(def: SourceDefinition, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw withoutSecrets(err, def);
  }
}

/** The attached source's target (see attachedTarget), from a definition file. */
export async function attachedSourceTarget(target: ClickHouseTarget, file: string): Promise<ClickHouseTarget> {
  return attachedTarget(target, loadSourceDefinition(file), file);
}

type WithStore = <T>(fn: (target: ClickHouseTarget) => Promise<T>) => Promise<T>;

export function addSourceCommand(program: Command, globalDataDir: () => string | undefined, withStore: WithStore): void {
  const source = program.command('source').description('Reports over your own ClickHouse tables (a source definition file).');
  source
    .command('check')
    .description('Check a source definition against the store: tables, each field\'s expression and type, sampled values, the sorting key, and what the reports will not contain.')
    .requiredOption('--source <file>', 'the source definition (YAML; see examples/sources/)')
    .addHelpText('after', `
Reads the table's schema and up to 10000 rows per field; writes nothing. Exit codes: 0 usable
(warnings allowed), 1 the store cannot be reached, 2 the definition is invalid or a field fails.`)
    .action(async (opts: { source: string }) => {
      const def = loadSourceDefinition(opts.source);
      const env = readEnv();
      const dataDir = globalDataDir();
      const dir = path.resolve(dataDir ?? env.ATTACK_REPORT_DATA_DIR ?? DEFAULT_DATA_DIR);
      // A check only reads: it never creates an empty engine directory that would hold no provider table anyway.
      if (!env.CLICKHOUSE_URL && !fs.existsSync(dir)) {
        throw new UsageError(`there is no embedded-engine data directory at ${dir}; set CLICKHOUSE_URL to check against your server, or --data-dir`);
      }
      const target = await connect({ env, ...(dataDir ? { dataDir } : {}) });
      try {
        const check = await hiding(def, () => checkSource(target, def));
        process.stdout.write(formatSourceCheck(check));
        if (!check.usable) throw new UsageError(`source ${def.name} (${opts.source}) is not usable; fix the fields marked FAIL and run source check again`);
      } finally {
        await target.client.close().catch(() => undefined);
      }
    });

  source
    .command('attach')
    .description('Attach a source: check it, then create its database of views over your tables and the product\'s rollups, fed by materialized views on your tables (feed: materialized-view) or by `source sync` (feed: periodic).')
    .requiredOption('--source <file>', 'the source definition (YAML; see examples/sources/)')
    .option('--feed-from <iso>', 'where the materialized views start counting (rows at or after it; earlier ones are for `source sync`); default: the next minutes. Only while your tables hold no row at or after it')
    .action((opts: { source: string; feedFrom?: string }) =>
      withStore(async (target) => {
        const def = loadSourceDefinition(opts.source);
        const feedFromMs = opts.feedFrom === undefined ? undefined : parseInstant('--feed-from', opts.feedFrom, 'UTC');
        const check = await hiding(def, () => checkSource(target, def));
        if (!check.usable) {
          process.stdout.write(formatSourceCheck(check));
          throw new UsageError(`source ${def.name} (${opts.source}) is not usable; nothing was attached. Fix the fields marked FAIL (\`attack-report source check\`)`);
        }
        for (const l of check.layers) for (const w of l.warnings) say(`warning: ${l.layer}: ${w}`);
        const r = await hiding(def, () => attachSource(target, def, feedFromMs !== undefined ? { feedFromMs } : {}));
        say(`attached source ${def.name} as database ${r.database}: ${r.created.length} object(s)`);
        if (r.feedFromMs !== undefined) {
          const at = new Date(r.feedFromMs).toISOString();
          say(`  fed by ${r.materializedViews.length} materialized view(s) on your tables, counting rows from ${at} on; backfill what is before: attack-report source sync --source ${opts.source} --from … --to ${at}`);
        }
        if (r.periodic.length) say(`  fed periodically: run attack-report source sync --source ${opts.source} --last 1d (from cron) to fill ${r.periodic.length} rollup feeder(s)`);
        say(`reports: attack-report generate --source ${opts.source} --account … --last 7d`);
      }),
    );

  source
    .command('sync')
    .description('Fill the attached source\'s rollups from your tables over a time range, in chunks, resumably (a crashed or interrupted run goes on where it stopped, counting nothing twice): the periodic feed, and the backfill of what was there before attaching.')
    .requiredOption('--source <file>', 'the source definition (YAML)')
    .option('--from <iso>', 'range start, ISO 8601 (UTC without an offset)')
    .option('--to <iso>', 'range end (exclusive)')
    .option('--last <duration>', 'the range ending now: 24h, 30d')
    .option('--chunk <duration>', 'the most one step reads', '6h')
    .option('--settle <duration>', 'read only rows older than this: newer ones may still be arriving', '15m')
    .option('--max-inserts <n>', 'stop (resumably) after this many inserts: bounds one run')
    .addHelpText('after', `
Reads only what no earlier sync read, so ranges may overlap earlier ones and run again safely. A layer fed by
materialized views is synced only up to where its views start counting (set at attach). A range once read is
not read again: rows arriving after it was read (later than --settle) are found, counted and reported, and the
command then exits 1. Exit codes: 0 done, 1 stopped by --max-inserts, late rows, or the store, 2 bad input.
Do not run two syncs of one source at once.`)
    .action((opts: { source: string; from?: string; to?: string; last?: string; chunk: string; settle: string; maxInserts?: string }) =>
      withStore(async (target) => {
        const def = loadSourceDefinition(opts.source);
        const window = resolveWindow({ from: opts.from, to: opts.to, last: opts.last, tz: 'UTC' });
        const maxInserts = opts.maxInserts === undefined ? undefined : Number(opts.maxInserts);
        if (maxInserts !== undefined && (!Number.isInteger(maxInserts) || maxInserts <= 0)) throw new UsageError(`--max-inserts ${JSON.stringify(opts.maxInserts)} must be a positive integer`);
        const settleMs = parseDuration(opts.settle, '--settle');
        await attachedSourceTarget(target, opts.source);
        const bar = progressBar('sync');
        const r = await hiding(def, () => syncSource(target, def, {
          fromMs: window.fromMs, toMs: window.toMs, chunkMs: parseDuration(opts.chunk, '--chunk'), horizonMs: Date.now() - settleMs, onProgress: (p) => bar(p.done, p.total),
          ...(maxInserts !== undefined ? { maxInserts } : {}),
        }));
        say(`source ${def.name}: ${r.inserted} insert(s)${r.repeated ? ` (${r.repeated} repeating an unfinished earlier one)` : ''}, ${new Date(window.fromMs).toISOString()} to ${new Date(window.toMs).toISOString()}`);
        for (const c of r.cut) {
          say(c.why === 'horizon'
            ? `  ${c.layer}: read up to ${new Date(c.atMs).toISOString()} (rows newer than --settle may still arrive; the next sync reads them)`
            : `  ${c.layer}: read up to ${new Date(c.atMs).toISOString()}; from there on its materialized views count the rows`);
        }
        if (!r.complete) throw new RuntimeFailure(`stopped after ${r.inserted} insert(s) (--max-inserts): the range is not complete; run the same command again to go on`);
        if (r.late.length) {
          const rows = r.late.reduce((n, l) => n + (l.now - l.counted), 0);
          for (const l of r.late) say(`  late: ${l.layer} ${new Date(l.fromMs).toISOString()} to ${new Date(l.toMs).toISOString()}: ${l.now - l.counted} row(s) arrived after the range was read (${l.counted} then, ${l.now} now)`);
          throw new RuntimeFailure(`${rows} row(s) in ${r.late.length} range(s) arrived after their range was synced and are in no report: give --settle more time for future syncs; to count them, detach and attach the source again and sync`);
        }
      }),
    );

  source
    .command('status')
    .description('Where an attached source stands: how each layer is fed, where its views start counting, the stretches of a range its rollups do not hold yet, unfinished sync steps.')
    .requiredOption('--source <file>', 'the source definition (YAML)')
    .option('--from <iso>', 'range start, ISO 8601 (UTC without an offset)')
    .option('--to <iso>', 'range end (exclusive)')
    .option('--last <duration>', 'the range ending now', '30d')
    .addHelpText('after', `
Exit codes: 0 no hole in the range (a periodic layer's not-yet-synced end is not a hole), 1 a hole (a stretch
with data after it that no sync has read: reports over it are refused), 2 bad input or not attached.`)
    .action((opts: { source: string; from?: string; to?: string; last: string }) =>
      withStore(async (target) => {
        const def = loadSourceDefinition(opts.source);
        const window = resolveWindow({ from: opts.from, to: opts.to, last: opts.from || opts.to ? undefined : opts.last, tz: 'UTC' });
        await attachedSourceTarget(target, opts.source);
        const status = await sourceStatus(target, def, window.fromMs, window.toMs);
        process.stdout.write(formatSourceStatus(status));
        if (status.holes) throw new RuntimeFailure(`source ${def.name} has ${status.holes} unsynced stretch(es) with data after them in the range`);
      }),
    );

  source
    .command('detach')
    .description('Detach a source: drop its database (views, rollups, the materialized views on your tables). Your tables are not touched.')
    .requiredOption('--source <file>', 'the source definition (YAML)')
    .action((opts: { source: string }) =>
      withStore(async (target) => {
        const def = loadSourceDefinition(opts.source);
        await attachedSourceTarget(target, opts.source);
        await detachSource(target, def);
        say(`detached source ${def.name}: database ${sourceDatabase(target, def)} dropped; your tables are untouched`);
      }),
    );
}
