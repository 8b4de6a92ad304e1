/**
 * Inputs from outside (flags, the configuration file, operator files) are checked where they enter, and the
 * layers below refuse what should never reach them: settings that the embedded engine's adapter would write into
 * SQL, windows outside what ClickHouse can store, logos and templates that are not plain files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type ClickHouseTarget } from '../src/clickhouse/client.js';
import { runSql } from '../src/clickhouse/queries.js';

describe('settings guard: no setting can carry SQL into the embedded engine', () => {
  let target: ClickHouseTarget;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-settings-'));
  const pwned = path.join(dir, 'pwned.csv');
  // chdb's adapter writes a setting as SET k = '…', doubling quotes but leaving backslashes: `\'` closes nothing
  // for the adapter and everything for the engine.
  // (Heredoc strings, $$…$$, need no quotes.)
  const payload = `x\\'; INSERT INTO FUNCTION file($$${pwned}$$, $$CSV$$, $$a String$$) SELECT $$pwned$$; --`;

  beforeAll(async () => {
    target = await connect({ env: {}, dataDir: path.join(dir, 'db') });
  });
  afterAll(async () => {
    await target.client.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a setting with a backslash and a quote through runSql, and writes no file', async () => {
    await expect(runSql(target, 'SELECT 1', {}, 'probe', { settings: { insert_deduplication_token: payload } })).rejects.toThrow(/insert_deduplication_token/);
    expect(fs.existsSync(pwned)).toBe(false);
  });

  it('refuses it on the raw client too (insert, query, command, exec)', async () => {
    const settings = { insert_deduplication_token: payload };
    await expect(target.client.insert({ table: 'system.one', values: [{ dummy: 0 }], format: 'JSONEachRow', clickhouse_settings: settings })).rejects.toThrow(/insert_deduplication_token/);
    await expect(target.client.query({ query: 'SELECT 1', clickhouse_settings: settings })).rejects.toThrow(/insert_deduplication_token/);
    await expect(target.client.command({ query: 'SELECT 1', clickhouse_settings: settings })).rejects.toThrow(/insert_deduplication_token/);
    await expect(target.client.exec({ query: 'SELECT 1', clickhouse_settings: settings })).rejects.toThrow(/insert_deduplication_token/);
    expect(fs.existsSync(pwned)).toBe(false);
  });

  it('refuses an INSERT whose table is not a plain identifier', async () => {
    await expect(target.client.insert({ table: `system.one; DROP TABLE x --`, values: [{ dummy: 0 }], format: 'JSONEachRow' })).rejects.toThrow(/table/);
  });

  it('lets ordinary settings through: numbers, booleans, tokens of hex digits and names', async () => {
    await runSql(target, 'SELECT 1', {}, 'probe', { settings: { insert_deduplication_token: 'firewall_events:acme:zone-1.eu:0123abcdef', max_threads: 2 } });
    const r = await target.client.query({ query: "SELECT getSetting('max_threads') AS v", format: 'JSONEachRow', clickhouse_settings: { max_threads: 3, log_queries: true } });
    expect(await r.json()).toEqual([{ v: 3 }]);
  });
});
