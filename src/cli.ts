import fs from 'node:fs';
import { Command, CommanderError } from 'commander';
import { readEnv, type Env } from './config/env.js';
import { connect, type ClickHouseTarget } from './clickhouse/client.js';
import { migrate, type MigrationResult } from './clickhouse/migrate.js';
import { RuntimeFailure, UsageError, errorMessage } from './errors.js';
import { addScheduleCommands } from './cli/schedule.js';
import { addIngestCommand } from './cli/ingest.js';
import { detachStdin } from './util/stdin.js';
import { parseShare, progressBar, say, tenantIdFlag } from './cli/common.js';
import { addAccountsCommand } from './cli/accounts.js';
import { addServeCommand } from './cli/serve.js';
import { addSchedulesCommand } from './cli/schedules.js';
import { addWebCommands } from './cli/web.js';
import { addLedgerCommand } from './cli/ledger.js';
import { addAttacksCommand, checkAttackFlags } from './cli/attacks.js';
import { addSourceCommand, attachedSourceTarget } from './cli/source.js';
import { loadSourceDefinition } from './source/definition.js';
import { sourceNotes } from './source/consequences.js';
import { generateIncidentReport } from './report/incident.js';
import { LIST_ACCOUNTS_HINT } from './report/presence.js';
import { onDemandReport, type OnDemandOptions } from './report/on-demand.js';
import { sourceGapCheck } from './source/coverage.js';
import { parseTimezone, resolveWindow } from './report/window.js';
import { FORMATS, type Format, type GenerateOptions, type GenerateResult } from './report/generate.js';
import { prepareOutputDir } from './report/output.js';
import type { ReportRequest } from './report/build.js';
import { PdfRenderer } from './render/renderer.js';
import { loadBranding, type Branding } from './render/branding.js';
import { parsePaper, type PageSetup } from './render/page.js';
import { loadTemplates } from './render/html.js';
import { seedDemo, latestSeedRun } from './seed/run.js';
import { DEMO_ACCOUNT } from './seed/catalog.js';

const EXIT_OK = 0;
const EXIT_RUNTIME = 1;
const EXIT_USAGE = 2;


function parseFormats(text: string): Format[] {
  const items = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (items.length === 0) throw new UsageError('--format is empty; use one or more of pdf,html,json');
  for (const f of items) {
    if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format ${JSON.stringify(f)} is not supported; use one or more of ${FORMATS.join(',')}`);
  }
  return [...new Set(items)] as Format[];
}

type Appearance = { branding?: Branding; templatesDir?: string; page?: PageSetup; notes?: string[] };

/** Branding for the account and the template override directory, checked before any work starts. */
function appearance(brandingFile: string | undefined, templatesDir: string | undefined, accountId: string): Appearance {
  if (templatesDir !== undefined && !fs.statSync(templatesDir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`--templates ${JSON.stringify(templatesDir)} is not a directory`);
  }
  if (templatesDir !== undefined) loadTemplates(templatesDir);
  return { branding: brandingFile === undefined ? undefined : loadBranding(brandingFile, accountId), templatesDir };
}

function parsePositiveNumber(flag: string, text: string, integer: boolean, max = Infinity): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new UsageError(`${flag} ${JSON.stringify(text)} must be a positive ${integer ? 'integer' : 'number'}`);
  }
  if (v > max) throw new UsageError(`${flag} ${JSON.stringify(text)} must be at most ${max}`);
  return v;
}

/** Longest seeded window and history: a report window is at most 400 days too (src/report/window.ts). */
const MAX_SEED_DAYS = 400;
/** The seed is stored as a UInt32 (seed_runs); scale 100 is already 600 million rows. */
const MAX_SEED = 2 ** 32 - 1;
const MAX_SCALE = 100;

interface GlobalOpts {
  dataDir?: string;
}

/** Opens ClickHouse, applies migrations, runs `fn`, and always closes what it opened. */
async function withDatabase<T>(env: Env, opts: GlobalOpts, fn: (t: ClickHouseTarget, migrated: MigrationResult) => Promise<T>): Promise<T> {
  const target = await connect({ env, ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });
  try {
    return await fn(target, await migrate(target));
  } finally {
    await target.client.close().catch(() => undefined);
  }
}

/** Runs `fn` with a PDF renderer whose browser starts at once with `launchNow` (else on first use), always closed afterwards. */
async function withRenderer<T>(env: Env, launchNow: boolean, fn: (renderer: PdfRenderer) => Promise<T>): Promise<T> {
  const renderer = new PdfRenderer({ env, onEvent: (m) => say(m) });
  if (launchNow) void renderer.warmUp().catch(() => undefined);
  try {
    return await fn(renderer);
  } finally {
    await renderer.close();
  }
}

/** Generates one report and prints its file paths on stdout (one per line) and notes and timings on stderr. */
async function generateAndPrint(
  target: ClickHouseTarget, req: ReportRequest, formats: Format[], out: { dir: string; overwrite: boolean }, renderer: PdfRenderer,
  look: Appearance & Pick<OnDemandOptions, 'allowEmpty' | 'emptyHint' | 'sourceGaps' | 'allowGaps' | 'gapsHint'> = { allowEmpty: true },
): Promise<void> {
  const { allowEmpty, emptyHint, sourceGaps, allowGaps, gapsHint } = look;
  await printGenerated((opts) => onDemandReport(target, req, { ...opts, allowEmpty, emptyHint, sourceGaps, allowGaps, gapsHint }), formats, out, renderer, look);
}

/** Runs one report pipeline (a window's or an attack's) with the CLI's options and prints what it wrote. */
async function printGenerated(
  generate: (opts: GenerateOptions) => Promise<GenerateResult>, formats: Format[], out: { dir: string; overwrite: boolean }, renderer: PdfRenderer, look: Appearance = {},
): Promise<void> {
  const result = await generate({ formats, outDir: out.dir, overwrite: out.overwrite, renderer, branding: look.branding, templatesDir: look.templatesDir, page: look.page, notes: look.notes });
  for (const note of result.model.notes) say(`note: ${note}`);
  if (result.renamed) say(`note: a report of the same name was already in ${out.dir}; this one is written with a suffix (--overwrite replaces instead)`);
  if (result.model.coverage.dataEndsEarly) say(`warning: ${result.model.summary.sentences[0]}`);
  say(describeTimings(result.timings));
  for (const f of formats) if (result.files[f]) process.stdout.write(`${result.files[f]}\n`);
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('attack-report')
    .description('DDoS attack reports (PDF, HTML, JSON) from attack telemetry in ClickHouse.')
    .option('--data-dir <dir>', 'data directory of the embedded ClickHouse engine (env ATTACK_REPORT_DATA_DIR; default ./data/clickhouse). Ignored when CLICKHOUSE_URL is set.')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Environment:
  CLICKHOUSE_URL           http(s)://host:8123 of a ClickHouse server (23.x or newer); unset = embedded engine
  CLICKHOUSE_USER, CLICKHOUSE_PASSWORD, CLICKHOUSE_DATABASE (default ddos)
  CLICKHOUSE_CLUSTER       shard the tables over this cluster of the server's <remote_servers> (README: cluster deployment)
  CLICKHOUSE_CLUSTER_NODES comma-separated http(s) URLs of every server of that cluster (migrations run on each)
  ATTACK_REPORT_DATA_DIR   data directory of the embedded engine
  PUPPETEER_EXECUTABLE_PATH  Chromium to print PDFs with (default: system Chromium, then the one from npm)

Exit codes: 0 ok, 1 runtime failure (database, browser, disk), 2 usage or configuration error.`);

  program
    .command('generate')
    .description('Generate the attack report of one account (optionally some zones) for one window, or the incident report of one attack (--attack).')
    .requiredOption('--account <id>', 'account id (AccountID in the telemetry)')
    .option('--zone <id...>', 'restrict to these zone ids (repeatable); default: the whole account')
    .option('--from <iso>', 'window start, ISO 8601 (e.g. 2026-11-01 or 2026-11-01T06:00:00Z); no offset = --tz')
    .option('--to <iso>', 'window end (exclusive), ISO 8601')
    .option('--last <duration>', 'window ending now: 90m, 24h, 7d, 2w')
    .option('--attack <id>', 'an incident report of this attack instead of a window (ids: attack-report attacks --account ID); not with --from/--to/--last')
    .option('--tz <zone>', 'IANA time zone used to show times and to read dates without an offset', 'UTC')
    .option('--format <list>', 'comma-separated output formats: pdf,html,json', 'pdf,html,json')
    .option('--out <dir>', 'output directory (created owner-only if missing)', './reports')
    .option('--overwrite', 'replace files of the same name; by default a new report gets a suffix (-2, -3…)')
    .option('--max-collateral <share>', 'largest share of legitimate traffic a suggested rule may match, as a percentage (0.1%) or a fraction (0.001)', '0.1%')
    .option('--branding <file>', 'branding JSON: name, reportTitle, logo (SVG or PNG), logoAlt, colours {accent, coverFrom, coverTo}, footer, contact, legal, and per-account overrides under customers')
    .option('--templates <dir>', 'directory of template overrides: report.hbs and/or partials/<name>.hbs replace the built-in ones')
    .option('--paper <size>', 'paper size: a4 or letter', 'a4')
    .option('--landscape', 'print in landscape orientation')
    .option('--allow-empty', 'produce the report even when the account (or a zone) has no telemetry at all; without it that is an error (exit 1)')
    .option('--source <file>', 'report from an attached source (your own tables; see `attack-report source`) instead of the product\'s tables')
    .option('--allow-gaps', 'with --source: produce the report even where the source is not synced inside the window (the report names those stretches); without it that is an error (exit 1)')
    .addHelpText('after', `
Examples:
  attack-report generate --account acme --last 7d --tz Europe/Lisbon
  attack-report generate --account acme --zone acme-shop --from 2026-11-01 --to 2026-11-08 --format pdf
  attack-report generate --account acme --from 2026-11-20T22:00:00Z --to 2026-11-21T06:00:00Z --format json --out /tmp/reports
  attack-report generate --account acme --attack l34-acme-07-e17629 --tz Europe/Lisbon

Prints the paths of the files written, one per line; notes and timings go to stderr.`)
    .action(async (opts: {
      account: string; zone?: string[]; from?: string; to?: string; last?: string; attack?: string; tz: string; format: string; out: string; overwrite?: boolean;
      maxCollateral: string; branding?: string; templates?: string; paper: string; landscape?: boolean; allowEmpty?: boolean; source?: string; allowGaps?: boolean;
    }) => {
      const accountId = tenantIdFlag('--account', opts.account);
      const zoneIds = (opts.zone ?? []).map((z) => tenantIdFlag('--zone', z));
      const attackId = checkAttackFlags(opts);
      const window = attackId === undefined ? resolveWindow({ from: opts.from, to: opts.to, last: opts.last, tz: opts.tz }) : undefined;
      const tz = parseTimezone(opts.tz);
      const formats = parseFormats(opts.format);
      const maxCollateralShare = parseShare('--max-collateral', opts.maxCollateral);
      const paper = parsePaper(opts.paper);
      if (!paper) throw new UsageError(`--paper ${JSON.stringify(opts.paper)} is not supported; use a4 or letter`);
      // A report from a source says what the source does not record (and so what the report leaves out).
      const sourceNotesOf = opts.source === undefined ? [] : sourceNotes(loadSourceDefinition(opts.source));
      const look = { ...appearance(opts.branding, opts.templates, accountId), page: { paper, landscape: opts.landscape === true }, notes: sourceNotesOf };
      prepareOutputDir(opts.out);
      const env = readEnv();
      // Chromium is launched at once: on 2 cores its start-up mostly overlaps loading the embedded engine.
      await withRenderer(env, formats.includes('pdf'), (renderer) =>
        withDatabase(env, program.opts<GlobalOpts>(), async (store) => {
          // An attached source is its own database of views and rollups: the same pipeline reads it unchanged.
          const target = opts.source === undefined ? store : await attachedSourceTarget(store, opts.source);
          const out = { dir: opts.out, overwrite: opts.overwrite === true };
          if (attackId !== undefined) {
            // An unknown id (or another account's) is refused naming it, never an empty report.
            const incident = { accountId, zoneIds, attackId, tz, maxCollateralShare };
            await printGenerated((o) => generateIncidentReport(target, incident, o), formats, out, renderer, look);
            return;
          }
          const req = { accountId, zoneIds, window: window!, maxCollateralShare };
          await generateAndPrint(target, req, formats, out, renderer, {
            ...look, allowEmpty: opts.allowEmpty === true, emptyHint: `Check the id (${LIST_ACCOUNTS_HINT}), or pass --allow-empty to produce the report anyway`,
            ...(opts.source === undefined ? {} : {
              sourceGaps: sourceGapCheck(store, loadSourceDefinition(opts.source), opts.source), allowGaps: opts.allowGaps === true,
              gapsHint: 'Run the sync named above, or pass --allow-gaps to produce the report anyway',
            }),
          });
        }),
      );
    });

  program
    .command('demo')
    .description('Create the database, seed demo telemetry if there is none (or it is over a day old), and generate the report of the demo account for the last 30 days.')
    .option('--out <dir>', 'output directory (created owner-only if missing)', './reports')
    .option('--overwrite', 'replace files of the same name; by default a new report gets a suffix (-2, -3…)')
    .option('--tz <zone>', 'IANA time zone of the report', 'Europe/Lisbon')
    .action(async (opts: { out: string; overwrite?: boolean; tz: string }) => {
      prepareOutputDir(opts.out);
      const env = readEnv();
      // The browser starts now and waits while the demo data is seeded.
      await withRenderer(env, true, (renderer) =>
        withDatabase(env, program.opts<GlobalOpts>(), async (target) => {
          const last = await latestSeedRun(target);
          let toMs = last?.toMs;
          if (!last || Date.now() - last.toMs > 86_400_000) {
            say(last ? 'demo data is more than a day old; seeding again…' : 'seeding demo telemetry (3 accounts, 30 days and a lighter 30 before them)…');
            const r = await seedDemo(target, { seed: 42, scale: 1, days: 30, historyDays: 30, onProgress: progressBar('seed') });
            say(`seeded ${r.netRows.toLocaleString('en')} L3/4 samples and ${r.l7Rows.toLocaleString('en')} L7 events in ${(r.elapsedMs / 1000).toFixed(1)} s`);
            toMs = r.plan.toMs;
          }
          const window = resolveWindow({ from: new Date(toMs! - 30 * 86_400_000).toISOString(), to: new Date(toMs!).toISOString(), tz: opts.tz });
          say(`report for demo account ${DEMO_ACCOUNT}, last 30 days of demo data:`);
          await generateAndPrint(target, { accountId: DEMO_ACCOUNT, zoneIds: [], window }, ['pdf', 'html', 'json'], { dir: opts.out, overwrite: opts.overwrite === true }, renderer);
        }),
      );
    });

  program
    .command('seed')
    .description('Write deterministic demo telemetry (3 accounts, attacks of 12 vectors, L3/4 and L7) and its ground truth. Replaces earlier demo rows; other accounts are untouched.')
    .option('--seed <n>', 'random seed', '42')
    .option('--scale <x>', 'size multiplier (1 = 5.06M L3/4 samples and 1.02M L7 events; at most 100)', '1')
    .option('--days <n>', 'length of the seeded window ending at the current hour (at most 400)', '30')
    .option('--history-days <n>', 'days of lighter history before the window (for period-over-period); 0 for none, at most 400', '30')
    .action(async (opts: { seed: string; scale: string; days: string; historyDays: string }) => {
      const seed = parsePositiveNumber('--seed', opts.seed, true, MAX_SEED);
      const scale = parsePositiveNumber('--scale', opts.scale, false, MAX_SCALE);
      const days = parsePositiveNumber('--days', opts.days, true, MAX_SEED_DAYS);
      const historyDays = opts.historyDays === '0' ? 0 : parsePositiveNumber('--history-days', opts.historyDays, true, MAX_SEED_DAYS);
      const env = readEnv();
      await withDatabase(env, program.opts<GlobalOpts>(), async (target) => {
        const r = await seedDemo(target, { seed, scale, days, historyDays, onProgress: progressBar('seed') });
        say(`seeded ${r.netRows.toLocaleString('en')} L3/4 samples, ${r.l7Rows.toLocaleString('en')} L7 events and ${r.plan.episodes.length} planted attacks in ${(r.elapsedMs / 1000).toFixed(1)} s (${target.description})`);
        say(`window ${new Date(r.plan.fromMs).toISOString()} to ${new Date(r.plan.toMs).toISOString()} (history from ${new Date(r.plan.historyFromMs).toISOString()}); accounts: acme, globex, initech`);
      });
    });

  addScheduleCommands(program);
  addSchedulesCommand(program);
  addWebCommands(program);
  addLedgerCommand(program);
  addIngestCommand(program, (fn) => withDatabase(readEnv(), program.opts<GlobalOpts>(), (t) => fn(t)));
  addAccountsCommand(program, (fn) => withDatabase(readEnv(), program.opts<GlobalOpts>(), (t) => fn(t)));
  addAttacksCommand(program, (fn) => withDatabase(readEnv(), program.opts<GlobalOpts>(), (t) => fn(t)));
  addSourceCommand(program, () => program.opts<GlobalOpts>().dataDir, (fn) => withDatabase(readEnv(), program.opts<GlobalOpts>(), (t) => fn(t)));

  const db = program.command('db').description('Database maintenance.');
  db.command('migrate')
    .description('Create or update the tables, rollups and views (idempotent; also done before every run).')
    .action(() =>
      withDatabase(readEnv(), program.opts<GlobalOpts>(), async (target, r) => {
        const where = target.cluster ? `${target.description}, cluster ${target.cluster.name} (each of ${target.cluster.nodes.length} servers)` : target.description;
        say(`${where}: ${r.applied.length} migration(s) applied${r.applied.length ? ` (${r.applied.join(', ')})` : ''}, ${r.alreadyApplied} already in place`);
      }),
    );
  addServeCommand(db, () => program.opts<GlobalOpts>().dataDir);
  return program;
}

function describeTimings(t: { queryMs: number; renderMs: number; pdfMs: number; totalMs: number }): string {
  const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return `built in ${sec(t.totalMs)} (queries ${sec(t.queryMs)}, charts and HTML ${sec(t.renderMs)}, PDF ${sec(t.pdfMs)})`;
}

export async function main(argv: string[]): Promise<number> {
  detachStdin();
  const program = buildProgram();
  program.exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const cmd of program.commands) {
    cmd.exitOverride();
    for (const sub of cmd.commands) sub.exitOverride();
  }
  try {
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
      return EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      say(`attack-report: ${err.message}`);
      return EXIT_USAGE;
    }
    say(`attack-report: ${errorMessage(err)}`);
    if (process.env.ATTACK_REPORT_DEBUG) say(String((err as Error).stack ?? ''));
    return EXIT_RUNTIME;
  }
}
