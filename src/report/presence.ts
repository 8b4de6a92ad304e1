/**
 * Whether a tenant has any telemetry at all, to tell an account that was never seen (a wrong id, a pipeline
 * that never delivered) from one that was quiet in the window. A report of the first kind would read as an
 * all-clear, so on-demand reports refuse it unless asked and the worker holds the run.
 */
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { toNumber } from '../clickhouse/client.js';
import { selectRows } from '../clickhouse/queries.js';

/** The hint every "no telemetry" message ends with. */
export const LIST_ACCOUNTS_HINT = '`attack-report accounts` lists the accounts and zones that have data';

/**
 * What is missing, as a sentence ("account "x" has no telemetry at all", or which requested zones have none),
 * or null when the account and every requested zone have data at some time.
 */
export async function missingTelemetry(target: ClickHouseTarget, accountId: string, zoneIds: string[]): Promise<string | null> {
  const rows = await selectRows<{ zoneId: string }>(target, 'report/telemetry_presence', {
    account: accountId, zones: zoneIds, limit: Math.max(1, zoneIds.length),
  });
  if (rows.length === 0 && zoneIds.length === 0) return `account ${JSON.stringify(accountId)} has no telemetry at all (no L3/4 sample and no L7 event, at any time)`;
  const seen = new Set(rows.map((r) => r.zoneId));
  const missing = zoneIds.filter((z) => !seen.has(z));
  if (missing.length === 0) return null;
  const zones = missing.map((z) => JSON.stringify(z)).join(', ');
  return `${missing.length === 1 ? 'zone' : 'zones'} ${zones} of account ${JSON.stringify(accountId)} ${missing.length === 1 ? 'has' : 'have'} no telemetry at all (no L3/4 sample and no L7 event, at any time)`;
}

export interface KnownTenant {
  accountId: string;
  zoneId: string;
  layer: 'L3/4' | 'L7';
  firstSeen: string;
  lastSeen: string;
  /** L3/4: sample or flow rows; L7: security events. */
  rows: number;
}

/** Accounts and zones with telemetry (one account's when `accountId` is given), per layer, first and last minute seen. */
export async function knownTenants(target: ClickHouseTarget, accountId = ''): Promise<KnownTenant[]> {
  const rows = await selectRows<Record<string, unknown>>(target, 'report/known_accounts', { account: accountId });
  const iso = (v: unknown) => new Date(toNumber(v) * 1000).toISOString();
  return rows.map((r) => ({
    accountId: String(r.accountId), zoneId: String(r.zoneId), layer: r.layer === 'L7' ? 'L7' : 'L3/4',
    firstSeen: iso(r.firstMinute),
    // The minute rollups have minute resolution: data runs to the end of the last minute seen.
    lastSeen: iso(toNumber(r.lastMinute) + 60),
    rows: toNumber(r.rows),
  }));
}
