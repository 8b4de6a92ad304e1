/**
 * `attack-report attacks`: the attacks of one account (their ids, span, vectors, peak), the newest first, so that
 * an incident report can be asked for with `generate --attack ID`.
 */
import type { Command } from 'commander';
import { attachedSourceTarget } from './source.js';
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { RuntimeFailure, UsageError } from '../errors.js';
import { attackIdProblem } from '../util/attack-id.js';
import { DEFAULT_ATTACK_LIMIT, listAttacks, type ListedAttack } from '../report/attacks.js';
import { LIST_ACCOUNTS_HINT, missingTelemetry } from '../report/presence.js';
import { resolveWindow } from '../report/window.js';
import { formatBps, formatDuration, formatPps, formatRps, formatTime } from '../util/format.js';
import { formatTable, say, tenantIdFlag } from './common.js';

const peak = (a: ListedAttack) => (a.layer === 'L7' ? formatRps(a.peakRps) : `${formatBps(a.peakBps)} (${formatPps(a.peakPps)})`);

export function addAttacksCommand(program: Command, withTarget: <T>(fn: (t: ClickHouseTarget) => Promise<T>) => Promise<T>): void {
  program
    .command('attacks')
    .description('List the attacks of one account (the attack ids in its telemetry), the newest first: id, span, layer, vectors, peak.')
    .requiredOption('--account <id>', 'account id (AccountID in the telemetry)')
    .option('--zone <id...>', 'restrict to these zone ids (repeatable)')
    .option('--from <iso>', 'window start, ISO 8601; no offset = --tz')
    .option('--to <iso>', 'window end (exclusive), ISO 8601')
    .option('--last <duration>', 'window ending now: 90m, 24h, 7d, 2w (default 30d)')
    .option('--limit <n>', `at most n attacks, the newest (default ${DEFAULT_ATTACK_LIMIT}); says on stderr when attacks were left out`)
    .option('--tz <zone>', 'IANA time zone of the times shown in the table', 'UTC')
    .option('--json', 'one JSON object per line instead of the table (times in UTC)')
    .option('--source <file>', 'list from an attached source (your own tables; see `attack-report source`)')
    .addHelpText('after', `
Lists the attacks active in the window; figures cover their part inside it. Peaks are one-minute peaks (bits
and packets per second at L3/4, requests per second at L7). Attacks detected from traffic without attack ids
have no stable id and are not listed. An id marked * does not fit the id rule and cannot be reported on.
Exit codes: 0 listed (also when none), 1 the account has no telemetry at all (or the store cannot be read),
2 usage error.

Then: attack-report generate --account ID --attack ATTACK_ID`)
    .action(async (opts: { account: string; zone?: string[]; from?: string; to?: string; last?: string; limit?: string; tz: string; json?: boolean; source?: string }) => {
      const accountId = tenantIdFlag('--account', opts.account);
      const zoneIds = (opts.zone ?? []).map((z) => tenantIdFlag('--zone', z));
      const hasRange = opts.from !== undefined || opts.to !== undefined;
      const window = resolveWindow({ from: opts.from, to: opts.to, last: opts.last ?? (hasRange ? undefined : '30d'), tz: opts.tz });
      const limit = opts.limit === undefined ? DEFAULT_ATTACK_LIMIT : Number(opts.limit);
      if (!Number.isInteger(limit) || limit <= 0) throw new UsageError(`--limit ${JSON.stringify(opts.limit)} must be a positive integer`);
      const listing = await withTarget(async (store) => {
        const t = opts.source === undefined ? store : await attachedSourceTarget(store, opts.source);
        const missing = await missingTelemetry(t, accountId, zoneIds);
        if (missing) throw new RuntimeFailure(`${missing}; ${LIST_ACCOUNTS_HINT}`);
        return listAttacks(t, { accountId, zoneIds, fromMs: window.fromMs, toMs: window.toMs, limit });
      });
      if (listing.attacks.length < listing.total) say(`showing the newest ${listing.attacks.length} of ${listing.total} attacks (--limit ${limit})`);
      if (opts.json) {
        for (const a of listing.attacks) process.stdout.write(`${JSON.stringify(a)}\n`);
        return;
      }
      if (listing.total === 0) {
        say(`no attacks with an attack id for account ${accountId} from ${formatTime(listing.from, window.timezone)} to ${formatTime(listing.to, window.timezone)}`);
        return;
      }
      const header = ['ATTACK ID', 'LAYER', 'START', 'DURATION', 'VECTORS', 'PEAK'];
      const rows = listing.attacks.map((a) => [
        `${a.id}${a.reportable ? '' : ' *'}`, a.layer, formatTime(a.start, window.timezone), formatDuration(a.durationSeconds), a.vectors.join(', ') || '-', peak(a),
      ]);
      process.stdout.write(formatTable(header, rows));
      if (listing.attacks.some((a) => !a.reportable)) say('* this id does not fit the attack id rule, so no incident report can be asked for it');
    });
}

/** `--attack` names its own window: the flags that give one (or allow an empty report) cannot come with it. */
export function checkAttackFlags(opts: { attack?: string; from?: string; to?: string; last?: string; allowEmpty?: boolean }): string | undefined {
  if (opts.attack === undefined) return undefined;
  const conflicting = (['from', 'to', 'last'] as const).filter((k) => opts[k] !== undefined).map((k) => `--${k}`);
  if (opts.allowEmpty) conflicting.push('--allow-empty');
  if (conflicting.length) {
    throw new UsageError(`--attack cannot be combined with ${conflicting.join(', ')}: an incident report's window is the attack's own (its first to last minute, padded)`);
  }
  const id = opts.attack.trim();
  const problem = attackIdProblem(id);
  if (problem) throw new UsageError(`--attack ${problem}`);
  return id;
}
