/**
 * `attack-report accounts`: the accounts and zones the store has telemetry for, with the span and size of
 * their data, so that a report refused for "no telemetry at all" can be asked again with the right id.
 */
import type { Command } from 'commander';
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { RuntimeFailure } from '../errors.js';
import { knownTenants } from '../report/presence.js';
import { formatTable, say, tenantIdFlag } from './common.js';

export function addAccountsCommand(program: Command, withTarget: <T>(fn: (t: ClickHouseTarget) => Promise<T>) => Promise<T>): void {
  program
    .command('accounts')
    .description('List the accounts and zones that have telemetry: per layer, the first and last minute seen and the rows behind them.')
    .option('--account <id>', 'only this account')
    .option('--json', 'JSON lines instead of a table')
    .addHelpText('after', `
Zone "" is account-level L3/4 traffic (Magic Transit style). L3/4 rows are samples or flow records; L7 rows
are security events. Times are UTC, to the minute (the rollups' resolution). Exit codes: 0 listed, 1 the
--account given has no telemetry (or the store cannot be read), 2 usage error.`)
    .action(async (opts: { account?: string; json?: boolean }) => {
      const account = opts.account === undefined ? '' : tenantIdFlag('--account', opts.account);
      const tenants = await withTarget((t) => knownTenants(t, account));
      // An account asked for by name and not found is a failure, as for generate: an empty listing could pass
      // for a checked one in a script (`--json` prints nothing).
      if (account && tenants.length === 0) throw new RuntimeFailure(`account ${JSON.stringify(account)} has no telemetry in the store`);
      if (opts.json) {
        for (const t of tenants) process.stdout.write(`${JSON.stringify(t)}\n`);
        return;
      }
      if (tenants.length === 0) {
        say('the store holds no telemetry yet (see `attack-report ingest`)');
        return;
      }
      const minute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')}Z`;
      const header = ['ACCOUNT', 'ZONE', 'LAYER', 'FIRST SEEN', 'LAST SEEN', 'ROWS'];
      const rows = tenants.map((t) => [t.accountId, t.zoneId === '' ? '(account)' : t.zoneId, t.layer, minute(t.firstSeen), minute(t.lastSeen), t.rows.toLocaleString('en')]);
      process.stdout.write(formatTable(header, rows, { rightAligned: [header.length - 1] }));
    });
}
