import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type ClickHouseTarget, toNumber } from '../../src/clickhouse/client.js';
import { migrate } from '../../src/clickhouse/migrate.js';
import { LocalServer } from '../../src/clickhouse/local-server.js';

/**
 * Which engine the ClickHouse suites run on: the vitest project "server" (vitest.config.ts) runs them again with
 * ATTACK_REPORT_TEST_BACKEND=server, where every data directory is served as a real ClickHouse server and every
 * query, the CLI's included, goes over HTTP.
 */
export const TEST_BACKEND: 'embedded' | 'server' = process.env.ATTACK_REPORT_TEST_BACKEND === 'server' ? 'server' : 'embedded';

export interface TestDb {
  target: ClickHouseTarget;
  dir: string;
  /** Runs ad-hoc SQL for independent checks; `ddos.` is the default database name. */
  sql: <T = Record<string, unknown>>(query: string, params?: Record<string, unknown>) => Promise<T[]>;
  close: () => Promise<void>;
}

const served = new Map<string, LocalServer>();

/** In the server run, serves `dir` (once) so that connect() and the CLI reach it over HTTP; nothing otherwise. */
export async function serveForBackend(dir: string): Promise<void> {
  if (TEST_BACKEND !== 'server' || served.has(dir)) return;
  served.set(dir, await LocalServer.start({ dataDir: dir }));
}

export async function stopServed(dir?: string): Promise<void> {
  for (const [d, server] of served) {
    if (dir !== undefined && d !== dir) continue;
    served.delete(d);
    await server.stop();
  }
}

export async function openTestDb(): Promise<TestDb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-test-'));
  await serveForBackend(dir);
  const target = await connect({ env: {}, dataDir: dir });
  // The server run must not fall back to the in-process engine unnoticed.
  if ((TEST_BACKEND === 'server') === target.embedded) throw new Error(`expected the ${TEST_BACKEND} backend, got ${target.description}`);
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
      await stopServed(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { toNumber };
