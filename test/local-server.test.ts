/**
 * The local server of the embedded store (`db serve`, src/clickhouse/local-server.ts): announced owner-only,
 * on loopback only, never outliving its owner, restarted when it dies, and refused clearly when the data
 * directory is taken.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../src/clickhouse/client.js';
import { DISCOVERY_FILE, readDiscovery } from '../src/clickhouse/discovery.js';
import { LocalServer, type ServerEvent } from '../src/clickhouse/local-server.js';
import { PACKAGE_ROOT } from '../src/util/paths.js';
import { processAlive } from '../src/util/process.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'attack-report.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-local-server-'));
const env: NodeJS.ProcessEnv = { ...process.env, CLICKHOUSE_URL: '' };
delete env.ATTACK_REPORT_DATA_DIR;

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await check()); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

function start(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

// POST: the HTTP interface runs GET requests read-only.
const query = async (url: string, sql: string) => (await fetch(url, { method: 'POST', body: sql })).text();

describe('db serve', () => {
  it('announces itself owner-only, serves other commands, refuses a second server, and stops cleanly on SIGTERM', async () => {
    const dir = path.join(work, 'serve');
    const serve = start(['--data-dir', dir, 'db', 'serve']);
    await until('the server to be announced', () => /serving .* at http/.test(serve.output()));
    const found = readDiscovery(dir)!;
    expect(found.ownerPid).toBe(serve.child.pid);
    expect((fs.statSync(path.join(dir, DISCOVERY_FILE)).mode & 0o777).toString(8)).toBe('600');
    expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe('700');
    expect(await query(found.url, 'SELECT 1')).toBe('1\n');

    const second = start(['--data-dir', dir, 'db', 'serve']);
    expect(await second.exited).toBe(2);
    expect(second.output()).toContain(`is already served at ${found.url} by process ${serve.child.pid}`);

    const migrate = start(['--data-dir', dir, 'db', 'migrate']);
    expect(await migrate.exited, migrate.output()).toBe(0);
    expect(migrate.output()).toContain(`local ClickHouse server ${found.url}`);

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(fs.existsSync(path.join(dir, DISCOVERY_FILE))).toBe(false);
    await until('the server process to end', () => !processAlive(found.serverPid), 15_000);
  }, 120_000);

  it('listens on loopback only', async () => {
    const dir = path.join(work, 'loopback');
    const server = await LocalServer.start({ dataDir: dir, announce: false });
    try {
      const outward = Object.values(os.networkInterfaces()).flat().filter((a) => a && !a.internal && a.family === 'IPv4').map((a) => a!.address);
      for (const address of [...outward, '0.0.0.0']) {
        for (const port of [server.httpPort, server.tcpPort]) {
          const refused = await new Promise<boolean>((resolve) => {
            const s = net.connect({ host: address, port, timeout: 2000 });
            s.once('connect', () => { s.destroy(); resolve(false); });
            s.once('error', () => resolve(true));
            s.once('timeout', () => { s.destroy(); resolve(true); });
          });
          // 0.0.0.0 reaches loopback on Linux; any outward address must be refused.
          if (address !== '0.0.0.0') expect(refused, `${address}:${port}`).toBe(true);
        }
      }
      expect(await query(server.url, 'SELECT 1')).toBe('1\n');
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('a data directory opened in-process by another command is refused with the reason, not a raw engine error', async () => {
    const dir = path.join(work, 'locked');
    const target = await connect({ env: {}, dataDir: dir });
    try {
      expect(target.embedded).toBe(true);
      const serve = start(['--data-dir', dir, 'db', 'serve']);
      expect(await serve.exited).toBe(1);
      expect(serve.output()).toContain(`the data directory ${dir} is in use by another process: a command that opened it in-process`);
      expect(fs.existsSync(path.join(dir, DISCOVERY_FILE))).toBe(false);
    } finally {
      await target.client.close();
    }
  }, 60_000);
});

describe('authentication on the listener (what README "Local server" says)', () => {
  it('a users config is enforced for the users it names, but the engine needs `default` open from loopback', async () => {
    const dir = path.join(work, 'users');
    fs.mkdirSync(dir, { recursive: true });
    const users = path.join(work, 'users.xml');
    const loopback = '<networks><ip>::1</ip><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota>';
    fs.writeFileSync(users, `<clickhouse><users><default><no_password/>${loopback}</default><reporter><password>s3cret</password>${loopback}</reporter></users>` +
      '<profiles><default/></profiles><quotas><default/></quotas></clickhouse>');
    const config = path.join(work, 'users-config.xml');
    fs.writeFileSync(config, `<clickhouse><users_config>${users}</users_config></clickhouse>`);
    const server = await LocalServer.start({ dataDir: dir, configFile: config, announce: false });
    try {
      const as = async (user: string, password: string) =>
        (await fetch(server.url, { method: 'POST', body: 'SELECT currentUser()', headers: { 'X-ClickHouse-User': user, 'X-ClickHouse-Key': password } })).text();
      expect(await as('reporter', 's3cret')).toBe('reporter\n');
      expect(await as('reporter', 'wrong')).toContain('AUTHENTICATION_FAILED');
      expect(await as('nobody', 'x')).toContain('AUTHENTICATION_FAILED');
      // The exposure: no credentials at all are the engine's own user.
      expect(await query(server.url, 'SELECT currentUser()')).toBe('default\n');
      // connect() finds a wrong password at once (a statement, not /ping, which asks for no credentials), never showing it.
      const url = new URL(server.url);
      url.username = 'reporter';
      url.password = 'hunter2-wrong';
      const refused = connect({ env: { CLICKHOUSE_URL: url.toString() } });
      await expect(refused).rejects.toThrow(/cannot reach ClickHouse server http:\/\/reporter:\*\*\*@127\.0\.0\.1:\d+\/: .*Authentication failed/);
      await expect(refused).rejects.not.toThrow(/hunter2/);
      url.password = 's3cret';
      const good = await connect({ env: { CLICKHOUSE_URL: url.toString() } });
      await good.client.close();
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('the engine does not start when `default` is given a password or taken off loopback', async () => {
    const users = path.join(work, 'users-closed.xml');
    fs.writeFileSync(users, '<clickhouse><users><default><password>s3cret</password><networks><ip>::1</ip><ip>127.0.0.1</ip></networks>' +
      '<profile>default</profile><quota>default</quota></default></users><profiles><default/></profiles><quotas><default/></quotas></clickhouse>');
    const config = path.join(work, 'closed-config.xml');
    fs.writeFileSync(config, `<clickhouse><users_config>${users}</users_config></clickhouse>`);
    // Its lifeline FIFO is removed with it: a temporary directory of its own shows what is left.
    const tmp = fs.mkdtempSync(path.join(work, 'tmp-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      await expect(LocalServer.start({ dataDir: path.join(work, 'closed'), configFile: config, announce: false })).rejects.toThrow(/did not start: .*Authentication failed/);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    expect(fs.readdirSync(tmp)).toEqual([]);
  }, 60_000);
});

describe('the server and its owner', () => {
  it('dies with an owner killed by SIGKILL; the stale discovery file is then ignored', async () => {
    const dir = path.join(work, 'orphan');
    const serve = start(['--data-dir', dir, 'db', 'serve']);
    await until('the server to be announced', () => /serving .* at http/.test(serve.output()));
    const found = readDiscovery(dir)!;
    serve.child.kill('SIGKILL');
    await serve.exited;
    await until('the orphaned server to end', () => !processAlive(found.serverPid), 15_000);
    expect(fs.existsSync(path.join(dir, DISCOVERY_FILE))).toBe(true);
    const target = await connect({ env: {}, dataDir: dir });
    try {
      expect(target.embedded).toBe(true);
    } finally {
      await target.client.close();
    }
  }, 60_000);

  it('is restarted on the same port when it dies, and says why', async () => {
    const dir = path.join(work, 'restart');
    const events: ServerEvent[] = [];
    const server = await LocalServer.start({ dataDir: dir, onEvent: (e) => events.push(e) });
    try {
      const first = server.pid!;
      // clickhouse-local's own `default` database lives in memory; a created one is on disk.
      expect(await query(server.url, 'CREATE DATABASE kept')).toBe('');
      expect(await query(server.url, 'CREATE TABLE kept.t (x UInt8) ENGINE = MergeTree ORDER BY x')).toBe('');
      expect(await query(server.url, 'INSERT INTO kept.t VALUES (7)')).toBe('');
      process.kill(first, 'SIGKILL');
      await until('the restart', () => events.some((e) => e.kind === 'restarted'));
      expect(events.find((e) => e.kind === 'died')).toMatchObject({ reason: expect.stringContaining('killed by SIGKILL'), pid: first });
      expect(server.pid).not.toBe(first);
      expect(readDiscovery(dir)?.serverPid).toBe(server.pid);
      expect(await query(server.url, 'SELECT sum(x) FROM kept.t')).toBe('7\n');
    } finally {
      await server.stop();
    }
    expect(fs.existsSync(path.join(dir, DISCOVERY_FILE))).toBe(false);
  }, 60_000);
});
