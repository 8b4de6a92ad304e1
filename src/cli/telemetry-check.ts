/**
 * The part of `config check` that needs the store: customers whose account (or zones) has no telemetry at
 * all would have their scheduled runs held, so they are warned about here, before the first run. Warnings do
 * not change the exit code; a store that cannot be reached is said to be unchecked, not an error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { connect, DEFAULT_DATA_DIR, type ClickHouseTarget } from '../clickhouse/client.js';
import type { Config } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import { LIST_ACCOUNTS_HINT, missingTelemetry } from '../report/presence.js';

export type TelemetryCheck = { checked: false; why: string } | { checked: true; store: string; warnings: string[] };

export async function checkCustomersHaveTelemetry(config: Config): Promise<TelemetryCheck> {
  const ch = config.clickhouse;
  let target: ClickHouseTarget;
  if (!ch.url) {
    // Never create an empty engine directory just to look into it.
    const dir = path.resolve(ch.dataDir ?? process.env.ATTACK_REPORT_DATA_DIR ?? DEFAULT_DATA_DIR);
    if (!fs.existsSync(dir)) return { checked: false, why: `there is no embedded-engine data directory at ${dir}` };
  }
  try {
    target = await connect({
      env: { CLICKHOUSE_URL: ch.url, CLICKHOUSE_USER: ch.user, CLICKHOUSE_PASSWORD: ch.password, CLICKHOUSE_DATABASE: ch.database, CLICKHOUSE_CLUSTER: ch.cluster, CLICKHOUSE_CLUSTER_NODES: ch.clusterNodes, ATTACK_REPORT_DATA_DIR: process.env.ATTACK_REPORT_DATA_DIR },
      ...(ch.dataDir ? { dataDir: ch.dataDir } : {}),
    });
  } catch (err) {
    return { checked: false, why: errorMessage(err) };
  }
  try {
    const warnings: string[] = [];
    for (const [i, cu] of config.customers.entries()) {
      const missing = await missingTelemetry(target, cu.accountId, cu.zones);
      if (missing) warnings.push(`customers[${i}] (${cu.id}): ${missing}; its scheduled runs will be held (${LIST_ACCOUNTS_HINT})`);
    }
    return { checked: true, store: target.description, warnings };
  } catch (err) {
    return { checked: false, why: errorMessage(err) };
  } finally {
    await target.client.close().catch(() => undefined);
  }
}
