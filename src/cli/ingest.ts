/**
 * `attack-report ingest`: Logpush NDJSON exports (plain or gzip, files or stdin) into the telemetry tables.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { UsageError, RuntimeFailure } from '../errors.js';
import { DATASETS } from '../ingest/datasets.js';
import { ingestNdjson } from '../ingest/ndjson.js';
import { DEFAULT_BATCH_ROWS, DEFAULT_CSV_BATCH_ROWS, formatByteLimit, newSummary, skippedCount, type IngestSummary, type Reject } from '../ingest/batches.js';
import { DEFAULT_MAX_EXPANDED_BYTES, DEFAULT_MAX_LINE_BYTES } from '../ingest/lines.js';
import { removeAllIngestDirs } from '../ingest/temp.js';
import { revealHidden } from '../util/display.js';
import { standardInput } from '../util/stdin.js';
import { createOwnerOnlyWriteStream } from '../util/private-files.js';
import { ingestCsv } from '../ingest/csv.js';
import { loadMapping } from '../ingest/mapping.js';
import { parseShare, progressBar, say, tenantIdFlag } from './common.js';

export interface IngestFlags {
  format: string;
  dataset?: string;
  mapping?: string;
  account: string;
  zone: string;
  rejects: string;
  maxRejectShare: string;
  batchRows?: string;
  maxLineBytes: string;
  maxExpandedBytes: string;
  /** False with --no-dataset-check. */
  datasetCheck: boolean;
}

const UNITS: Record<string, number> = { '': 1, b: 1, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12 };

/** "1MiB", "64 GiB", "500kB" or a byte count, as a whole number of bytes from 1. */
export function parseByteSize(flag: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  const value = m && unit ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`${flag} ${JSON.stringify(text)} is not a size: a byte count, or a number with KiB, MiB, GiB, TiB (or kB, MB, GB, TB)`);
  return value;
}

/** Runs the ingest with an open database; returns the summary (the caller decides the exit code). */
export async function runIngest(target: ClickHouseTarget, files: string[], flags: IngestFlags): Promise<IngestSummary> {
  if (flags.format !== 'ndjson' && flags.format !== 'csv') throw new UsageError(`--format ${JSON.stringify(flags.format)} is not ndjson or csv`);
  const csv = flags.format === 'csv';
  if (csv && !flags.mapping) throw new UsageError('--format csv needs --mapping FILE.yaml (see examples/mappings/cic-flows.yaml)');
  if (!csv && !flags.dataset) throw new UsageError(`--format ndjson needs --dataset (${Object.keys(DATASETS).join(', ')})`);
  const dataset = csv ? undefined : DATASETS[flags.dataset!];
  if (!csv && !dataset) throw new UsageError(`--dataset ${JSON.stringify(flags.dataset)} is not one of ${Object.keys(DATASETS).join(', ')}`);
  // Checked before anything reads the input: an id reaches tokens, parameters and the summary.
  const accountId = tenantIdFlag('--account', flags.account);
  // An empty zone is account-level data (Magic Transit style).
  const zoneId = flags.zone === '' ? '' : tenantIdFlag('--zone', flags.zone);
  const mapping = csv ? loadMapping(flags.mapping!) : undefined;
  const batchRows = flags.batchRows === undefined ? (csv ? DEFAULT_CSV_BATCH_ROWS : DEFAULT_BATCH_ROWS) : Number(flags.batchRows);
  if (!Number.isInteger(batchRows) || batchRows < 1 || batchRows > 500_000) throw new UsageError(`--batch-rows ${JSON.stringify(flags.batchRows)} must be a whole number from 1 to 500000`);
  const maxLineBytes = parseByteSize('--max-line-bytes', flags.maxLineBytes);
  const maxExpandedBytes = parseByteSize('--max-expanded-bytes', flags.maxExpandedBytes);
  for (const f of files) if (f !== '-' && !fs.existsSync(f)) throw new UsageError(`input file ${revealHidden(f)} does not exist`);
  const summary = newSummary();
  let rejects: fs.WriteStream | null = null;
  const started = Date.now();
  const rate = (lines: number, since: number) => Math.round(lines / Math.max(0.001, (Date.now() - since) / 1000)).toLocaleString('en');
  const destination = dataset ? `${dataset.name} → ${target.database}.${dataset.table}` : `${revealHidden(flags.mapping!)} → ${target.database}.net_samples`;
  try {
    for (const [i, file] of files.entries()) {
      // 1 MB reads: a tenth less CPU than the default 64 KB on a large export.
      const input = file === '-' ? standardInput() : fs.createReadStream(file, { highWaterMark: 1 << 20 });
      // Progress of a file is the share of its bytes read (compressed bytes for gzip); stdin has no known size.
      const size = file === '-' ? 0 : fs.statSync(file).size;
      const fileStarted = Date.now();
      const [readBefore, blankBefore] = [summary.read, summary.blank];
      const bar = progressBar(`ingest${files.length > 1 ? ` ${i + 1}/${files.length}` : ''}`, (done, total) =>
        `${total > 0 ? `${Math.floor((done / total) * 100)}% ` : ''}${(summary.read - readBefore).toLocaleString('en')} lines, ${rate(summary.read - readBefore, fileStarted)} lines/s`);
      const common = {
        accountId, zoneId, batchRows, maxLineBytes, maxExpandedBytes,
        onReject: (r: Reject) => {
          rejects ??= createOwnerOnlyWriteStream(flags.rejects);
          rejects.write(`${JSON.stringify(r)}\n`);
        },
        onProgress: (_lines: number, inputBytes?: number) => bar(size ? Math.min(inputBytes ?? bytesRead(input), size - 1) : 0, size),
      };
      const name = file === '-' ? 'stdin' : revealHidden(file);
      if (mapping) await ingestCsv(target, name, input, { ...common, mapping }, summary);
      else await ingestNdjson(target, name, input, { ...common, dataset: dataset!, checkDataset: flags.datasetCheck }, summary);
      if (size) bar(size, size);
      else if (process.stderr.isTTY && summary.read > readBefore) process.stderr.write('\n');
      if (summary.read === readBefore) say(`warning: ${name} has no records (${summary.blank - blankBefore} blank lines)`);
    }
  } catch (err) {
    // What was loaded before the failure is said, with the failure after it.
    if (summary.read + summary.blank > 0) sayIngestSummary(summary, destination, flags.rejects, started);
    throw err;
  } finally {
    if (rejects) await new Promise((resolve) => (rejects as fs.WriteStream).end(resolve));
  }
  sayIngestSummary(summary, destination, flags.rejects, started);
  if (summary.read === 0) throw new RuntimeFailure(`nothing was loaded: ${files.length > 1 ? 'the inputs have' : 'the input has'} no records (${summary.blank} blank lines)`);
  return summary;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The summary on stderr: what was read and what became of each line, the events' time span, ignored fields. */
function sayIngestSummary(summary: IngestSummary, destination: string, rejectsFile: string, started: number): void {
  const seconds = (Date.now() - started) / 1000;
  const fresh = summary.inserted - summary.alreadyLoaded;
  const inserted = summary.repeatsUnknown
    ? `${summary.inserted} rows inserted (how many were already loaded cannot be told: system.events is not readable)`
    : `${fresh} new rows, ${summary.alreadyLoaded} already loaded`;
  say(`${destination}: read ${summary.read} lines: ${inserted}, ${summary.rejected} rejected${summary.rejected ? ` (listed in ${revealHidden(rejectsFile)})` : ''}, ${skippedCount(summary)} skipped; ${summary.blank} blank lines; ${seconds.toFixed(1)} s`);
  if (summary.firstEvent !== undefined && summary.lastEvent !== undefined) say(`events from ${iso(summary.firstEvent)} to ${iso(summary.lastEvent)}`);
  for (const [reason, n] of Object.entries(summary.skipped ?? {})) say(`skipped ${n} valid line(s): ${reason}`);
  const ignored = [...summary.ignoredFields].sort((a, b) => b[1] - a[1]);
  if (ignored.length) say(`ignored fields (no column keeps them): ${ignored.slice(0, 20).map(([f, n]) => `${revealHidden(f)} (${n})`).join(', ')}${ignored.length > 20 ? `, and ${ignored.length - 20} more` : ''}`);
}

function bytesRead(input: NodeJS.ReadableStream): number {
  return input instanceof fs.ReadStream ? input.bytesRead : 0;
}

export function checkRejectShare(summary: IngestSummary, max: number, flag: string): void {
  const share = summary.read ? summary.rejected / summary.read : 0;
  if (share > max) throw new RuntimeFailure(`${summary.rejected} of ${summary.read} lines were rejected (${(share * 100).toFixed(2)}%), above --max-reject-share ${flag}; the valid lines were loaded`);
}

/**
 * Runs `fn` with SIGINT and SIGTERM removing the chunk files before the process ends: the default action
 * would end it at once, leaving customer data in the temporary directory.
 */
async function removingTempFilesOnSignal<T>(fn: () => Promise<T>): Promise<T> {
  const stop = (signal: NodeJS.Signals) => {
    removeAllIngestDirs();
    say(`attack-report: ingest stopped by ${signal}; the chunks inserted before it stay loaded (loading the input again adds only the rest)`);
    // Ended by the signal itself, as without this handler: process.exit() would run the engine's teardown
    // under a statement still running on its thread, which crashes it.
    release();
    process.kill(process.pid, signal);
  };
  const release = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    return await fn();
  } finally {
    release();
  }
}

export function addIngestCommand(program: Command, withTarget: <T>(fn: (t: ClickHouseTarget) => Promise<T>) => Promise<T>): void {
  program
    .command('ingest')
    .description('Load Logpush NDJSON exports (plain or gzip) or flow CSVs (with a column mapping) into the telemetry tables, streaming and idempotent.')
    .argument('<files...>', 'input files (NDJSON plain or gzip, or CSV), or - for standard input')
    .option('--format <format>', 'ndjson (Logpush) or csv (with --mapping)', 'ndjson')
    .option('--dataset <name>', `Logpush dataset of NDJSON input: ${Object.keys(DATASETS).join(', ')}`)
    .option('--mapping <file>', 'column mapping of CSV input (YAML; see examples/mappings/cic-flows.yaml)')
    .requiredOption('--account <id>', 'account id the rows belong to (AccountID)')
    .option('--zone <id>', 'zone id the rows belong to (ZoneID); empty for account-level data', '')
    .option('--rejects <file>', 'where rejected lines go (line number, reason, start of the line), as NDJSON; replaced by each run that rejects a line', 'ingest-rejects.ndjson')
    .option('--max-reject-share <share>', 'exit 1 when more than this share of lines is rejected (valid lines are loaded anyway)', '1%')
    .option('--batch-rows <n>', `lines per INSERT (default ${DEFAULT_BATCH_ROWS} for NDJSON, ${DEFAULT_CSV_BATCH_ROWS} for CSV)`)
    .option('--max-line-bytes <size>', 'longest line; a longer one is rejected by number, its bytes skipped, never held', formatByteLimit(DEFAULT_MAX_LINE_BYTES))
    .option('--max-expanded-bytes <size>', 'largest input once decompressed; past it the load stops (exit 1) naming the input', formatByteLimit(DEFAULT_MAX_EXPANDED_BYTES))
    .option('--no-dataset-check', 'load even when the first lines\' field names look like another dataset\'s')
    .addHelpText('after', `
Examples:
  attack-report ingest --dataset network_analytics_logs --account acme exports/*.json.gz
  zcat firewall.json.gz | attack-report ingest --dataset firewall_events --account acme --zone shop -
  attack-report ingest --format csv --mapping examples/mappings/cic-flows.yaml --account lab DrDoS_DNS.csv

Timestamps may be RFC 3339 or unix seconds, milliseconds or nanoseconds; field names are matched whatever
their case (IPTtl and IPTTL); fields no column keeps are counted and ignored. Loading the same file again
adds nothing: each batch carries a deduplication token made from its content, and the summary says how many
rows were new. Exit codes: 0 loaded; 1 too many rejects, an input cut off, corrupt or past
--max-expanded-bytes, nothing to load, or a runtime failure; 2 usage error, including lines that look like
another dataset's (--no-dataset-check) and a JSON array given as NDJSON.`)
    .action(async (files: string[], flags: IngestFlags) => {
      if (files.filter((f) => f === '-').length > 1) throw new UsageError('standard input (-) can be named once');
      // Checked before loading, so a mistyped bound does not surface only after a long load.
      const maxShare = parseShare('--max-reject-share', flags.maxRejectShare, true);
      await withTarget((target) => removingTempFilesOnSignal(async () => checkRejectShare(await runIngest(target, files, flags), maxShare, flags.maxRejectShare)));
    });
}
