import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type ClickHouseTarget, toNumber } from '../../src/clickhouse/client.js';
import { migrate } from '../../src/clickhouse/migrate.js';

export interface TestDb {
  target: ClickHouseTarget;
  dir: string;
  /** Runs ad-hoc SQL for independent checks; `ddos.` is the default database name. */
  sql: <T = Record<string, unknown>>(query: string, params?: Record<string, unknown>) => Promise<T[]>;
  close: () => Promise<void>;
}

export async function openTestDb(): Promise<TestDb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-test-'));
  const target = await connect({ env: {}, dataDir: dir });
  await migrate(target);
  return {
    target,
    dir,
    sql: async <T>(query: string, params: Record<string, unknown> = {}) => {
      const r = await target.client.query({ query, query_params: params, format: 'JSONEachRow' });
      return r.json<T>();
    },
    close: async () => {
      await target.client.close().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { toNumber };
