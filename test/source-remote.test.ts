/**
 * A source reached through a table function (issue 15): the provider's flow and HTTP tables live on another
 * ClickHouse server, read with `remote(...)` from the store the source is attached to (periodic feed). Its
 * report must equal the native report of the same traffic. The server's address and user come from the
 * environment (`${NAME}` in the definition), and a password given that way never reaches the output, even when
 * the server quotes the statement back.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { LocalServer } from '../src/clickhouse/local-server.js';
import { migrate } from '../src/clickhouse/migrate.js';
import { connect, type ClickHouseTarget } from '../src/clickhouse/client.js';
import { seedDemo } from '../src/seed/run.js';
import { attachSource, sourceTarget } from '../src/source/attach.js';
import { parseSourceDefinition } from '../src/source/definition.js';
import { withoutSecrets } from '../src/source/secrets.js';
import type { SourceDefinition } from '../src/source/types.js';
import { DAY, FLOW_COLUMNS, HOUR, HTTP_COLUMNS, TO_MS, flowLayer, httpLayer, loadTraffic, reportJson } from './helpers/source-fixtures.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/attack-report.js');
/** A chunk length TO_MS is a multiple of: the week in three chunks. */
const CHUNK_MS = 79 * HOUR;
const SECRET = 'hunter2-not-for-logs';

let db: { target: ClickHouseTarget; dir: string };
let store: LocalServer;
let provider: LocalServer;
let providerDir: string;
let env: NodeJS.ProcessEnv;

const remote = (table: string, password = false) => `remote('\${PROV_ADDR}', prov, ${table}, '\${PROV_USER}'${password ? `, '\${PROV_PASSWORD}'` : ''})`;
const DEF: SourceDefinition = { name: 'remote', l34: { ...flowLayer(remote('flows'), 'periodic'), tableFunction: true }, l7: { ...httpLayer(remote('http'), 'periodic'), tableFunction: true } };

/** DEF as a definition file (the unlisted raw columns absent). */
function writeDefinition(def: SourceDefinition, name: string): string {
  const file = path.join(db.dir, name);
  fs.writeFileSync(file, stringify({ ...def, l34: { ...def.l34, defaults: 'absent' }, l7: { ...def.l7, defaults: 'absent' } }));
  return file;
}

beforeAll(async () => {
  // The store is served (a real server on its data directory), so that the CLI and this process share it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-store-'));
  store = await LocalServer.start({ dataDir: dir });
  db = { target: await connect({ env: {}, dataDir: dir }), dir };
  expect(db.target.embedded).toBe(false);
  await migrate(db.target);
  providerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-provider-'));
  provider = await LocalServer.start({ dataDir: providerDir, announce: false });
  // The server's own default user has no password (local-server.ts): the address and user come from the environment.
  env = { PROV_ADDR: `127.0.0.1:${provider.tcpPort}`, PROV_USER: 'default' };
  Object.assign(process.env, env);
  const seed = { ...db.target, database: 'seed' };
  await migrate(seed);
  await seedDemo(seed, { seed: 5, scale: 0.005, days: 7, historyDays: 0, toMs: TO_MS });
  const prov = (query: string) => fetch(provider.url, { method: 'POST', body: query }).then(async (r) => { if (!r.ok) throw new Error(await r.text()); });
  await prov('CREATE DATABASE prov');
  await prov(`CREATE TABLE prov.flows (${FLOW_COLUMNS}) ENGINE = MergeTree ORDER BY (tenant_id, ts)`);
  await prov(`CREATE TABLE prov.http (${HTTP_COLUMNS}) ENGINE = MergeTree ORDER BY (AccountID, Datetime)`);
  const fn = (t: string) => `FUNCTION remote('${env.PROV_ADDR}', prov, ${t}, 'default')`;
  await loadTraffic((q) => db.target.client.command({ query: q }), { seed: 'seed', flows: fn('flows'), http: fn('http'), native: 'ddos' }, TO_MS - 7 * DAY, TO_MS);
  await db.target.client.command({ query: 'INSERT INTO ddos.tenants SELECT * FROM seed.tenants' });
}, 90_000);

afterAll(async () => {
  for (const k of ['PROV_ADDR', 'PROV_USER', 'PROV_PASSWORD']) delete process.env[k];
  await provider?.stop();
  if (providerDir) fs.rmSync(providerDir, { recursive: true, force: true });
  await db?.target.client.close().catch(() => undefined);
  await store?.stop();
  if (db) fs.rmSync(db.dir, { recursive: true, force: true });
});

describe('a source on another server, through remote()', () => {
  it('checked, attached and synced through the CLI, gives the native report', async () => {
    const file = writeDefinition(DEF, 'remote.yaml');
    const cli = (...args: string[]) => run(process.execPath, [BIN, '--data-dir', db.dir, 'source', ...args, '--source', file], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, encoding: 'utf8' });
    const check = await cli('check');
    expect(check.stdout).toMatch(/source remote is usable/);
    expect(check.stdout).toContain("from remote('${PROV_ADDR}', prov, flows, '${PROV_USER}')");
    expect(check.stdout).toMatch(/the sorting key of a table function is not checked/);
    const attach = await cli('attach');
    expect(attach.stderr).toMatch(/attached source remote as database ddos_src_remote/);
    expect(attach.stderr).not.toMatch(/materialized view/);
    const sync = await cli('sync', '--from', new Date(TO_MS - 7 * DAY).toISOString(), '--to', new Date(TO_MS).toISOString(), '--chunk', `${CHUNK_MS / HOUR}h`);
    expect(sync.stderr).toMatch(/source remote: [1-9]\d* insert\(s\), /);
    const src = sourceTarget(db.target, DEF);
    const mine = (await reportJson(src)) as { totals: { l34: { packets: number }; l7: { events: number } } };
    expect(mine.totals.l34.packets).toBeGreaterThan(0);
    expect(mine.totals.l7.events).toBeGreaterThan(0);
    expect(mine).toEqual(await reportJson(db.target));
  }, 60_000);
});

describe('credentials from the environment', () => {
  // A comma missing after the address: the server's syntax error quotes the statement from there on, the
  // password with it. (A wrong password cannot be tried: the served engine aborts on a failed login.)
  const withPassword: SourceDefinition = { ...DEF, name: 'secret', l34: { ...DEF.l34!, table: remote('flows', true).replace("}', prov", "}' prov") } };

  it('a variable not set, or in an expression, is refused with its line', () => {
    const text = stringify({ ...withPassword, l34: { ...withPassword.l34, table: remote('flows', true), defaults: 'absent' }, l7: undefined });
    expect(() => parseSourceDefinition(text, 'secret.yaml', { ...env })).toThrow(/l34\.table \(line \d+\): names the environment variable PROV_PASSWORD, which is not set/);
    const inWhere = stringify({ ...withPassword, l34: { ...withPassword.l34, table: remote('flows'), where: "router = '${PROV_USER}'", defaults: 'absent' }, l7: undefined });
    expect(() => parseSourceDefinition(inWhere, 'where.yaml', { ...env })).toThrow(/l34\.where \(line \d+\): \$\{…\} \(an environment variable\) is only read in a table function's table/);
  });

  it('a server message quoting the statement shows ${PROV_PASSWORD}, never its value (source check, attach)', async () => {
    const file = writeDefinition(withPassword, 'secret.yaml');
    const childEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env, PROV_PASSWORD: SECRET };
    const failed = await run(process.execPath, [BIN, '--data-dir', db.dir, 'source', 'check', '--source', file], { env: childEnv, encoding: 'utf8' }).then(
      () => { throw new Error('source check passed a broken expression'); },
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(failed.code).toBe(2);
    expect(failed.stdout).toMatch(/error: table: Syntax error/);
    expect(failed.stdout).toContain("'${PROV_PASSWORD}'");
    expect(failed.stdout + failed.stderr).not.toContain(SECRET);
    // The library's own failure (a statement of the attach) is shown the same way once hidden.
    process.env.PROV_PASSWORD = SECRET;
    const err = await attachSource(db.target, withPassword).then(() => undefined, (e: unknown) => withoutSecrets(e, withPassword) as Error);
    expect(err?.message).toMatch(/statement source secret: 010_net_samples failed/);
    expect(err?.message).toContain('${PROV_PASSWORD}');
    expect(`${err?.message}${err?.stack}`).not.toContain(SECRET);
  });
});
