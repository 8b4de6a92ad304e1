import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openPostgresLedger, type PostgresLedger } from '../../src/scheduler/ledger-postgres.js';
import { checksumOf, ledgerMigrations, LEDGER_MIGRATIONS_DIR } from '../../src/scheduler/ledger-postgres-migrate.js';
import { LedgerDb } from '../../src/scheduler/ledger-postgres-db.js';
import { migrateLedger } from '../../src/scheduler/ledger-postgres-migrate.js';
import type { RunLedger } from '../../src/scheduler/ledger-types.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { ledgerContract, runRecord } from '../helpers/ledger-contract.js';
import { raceProcesses, type LedgerProcessSpec } from '../helpers/ledger-processes.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

let server: TestPostgres;
/** The URL (with its password) each ledger was opened with: a child process opens the same database. */
const urls = new WeakMap<RunLedger, string>();

beforeAll(async () => {
  server = await startPostgres();
  console.log(`embedded PostgreSQL started in ${server.startMs} ms`);
});
afterAll(async () => {
  await server?.destroy();
});

const DIST_MODULE = path.join(PACKAGE_ROOT, 'dist', 'src', 'scheduler', 'ledger-postgres.js');
const spec = (url: string): LedgerProcessSpec => ({ module: DIST_MODULE, exportName: 'openPostgresLedger', target: url });

async function openFresh(): Promise<PostgresLedger> {
  const url = await server.newDatabase();
  const ledger = await openPostgresLedger(url);
  urls.set(ledger, url);
  return ledger;
}

ledgerContract('PostgresLedger', openFresh, (l) => spec(urls.get(l)!));

describe('PostgresLedger: PostgreSQL specifics', () => {
  async function tables(url: string, sql: string): Promise<Record<string, unknown>[]> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(sql)).rows as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  }

  test('migrations are applied once when 4 processes open a new database at once', async () => {
    const url = await server.newDatabase();
    const results = await raceProcesses<{ opened: boolean }>(spec(url), 4, 'open');
    expect(results).toEqual(Array(4).fill({ opened: true }));
    const rows = await tables(url, 'SELECT version, name, checksum FROM ledger_migrations ORDER BY version');
    expect(rows).toEqual(ledgerMigrations().map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })));
    // Opening again applies nothing and keeps the data.
    const l = await openPostgresLedger(url);
    try {
      await l.claim(runRecord('kept'));
    } finally {
      await l.close();
    }
    const again = await openPostgresLedger(url);
    try {
      expect((await again.get('kept'))?.id).toBe('kept');
    } finally {
      await again.close();
    }
  });

  test('a changed applied migration is refused, naming it; so is a database newer than this build', async () => {
    const url = await server.newDatabase();
    await (await openPostgresLedger(url)).close();
    const db = new LedgerDb(url);
    try {
      const known = ledgerMigrations();
      const changed = known.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edited`, checksum: checksumOf(`${m.sql}\n-- edited`) } : m));
      await expect(migrateLedger(db, changed)).rejects.toThrow(/ledger migration 001_ledger was applied .* with checksum [0-9a-f]{16}.*must never change/);
      // A newer build applied version N+1: this one refuses the database rather than guess.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-migrations-'));
      try {
        for (const f of fs.readdirSync(LEDGER_MIGRATIONS_DIR)) fs.copyFileSync(path.join(LEDGER_MIGRATIONS_DIR, f), path.join(dir, f));
        const next = String(known.length + 1).padStart(3, '0');
        fs.writeFileSync(path.join(dir, `${next}_future.sql`), '-- A later version. Returns nothing.\nCREATE TABLE future (x int);\n');
        expect((await migrateLedger(db, ledgerMigrations(dir))).applied).toEqual([`${next}_future`]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      await expect(openPostgresLedger(url)).rejects.toThrow(new RegExp(`has migration ${String(known.length + 1).padStart(3, '0')}_future, newer than this build knows`));
    } finally {
      await db.close();
    }
  });

  test('PostgreSQL restarted under a running ledger: operations fail clearly while it is down, then work on the same object', async () => {
    const url = await server.newDatabase();
    const warnings: string[] = [];
    const l = await openPostgresLedger(url, { log: { warn: (obj, msg) => warnings.push(`${msg} ${JSON.stringify(obj)}`) }, connectTimeoutMs: 2000 });
    try {
      await l.claim(runRecord('before'));
      await server.stop();
      const down = await l.get('before').then(() => undefined, (e: unknown) => e as Error);
      expect(down).toBeInstanceOf(Error);
      expect(down!.message).toMatch(/ledger statement run_get failed on postgres:\/\/.*:\*\*\*@127\.0\.0\.1:\d+\/ledger_\d+_\d+.*unreachable or restarting/);
      await expect(l.claim(runRecord('while-down'))).rejects.toThrow(/run_claim failed .*unreachable/);
      await expect(l.update('before', (r) => r)).rejects.toThrow(/unreachable/);
      await server.start();
      // The pool opens new connections: no reopening.
      expect((await l.get('before'))?.id).toBe('before');
      expect(await l.claim(runRecord('after'))).toBe(true);
      expect((await l.update('after', (r) => ({ ...r, attempts: 1 }))).attempts).toBe(1);
      expect((await l.lease('acme', 'daily', 10_000))).not.toBeNull();
      for (const w of warnings) expect(w).not.toContain(server.password);
    } finally {
      await l.close();
    }
  });

  test('reads and updates survive their pooled connections being closed by the server', async () => {
    const url = await server.newDatabase();
    const l = await openPostgresLedger(url, { log: { warn: () => undefined } });
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    try {
      await l.claim(runRecord('r'));
      for (let round = 0; round < 3; round++) {
        // Four reads at once fill the pool with four idle connections; the server then ends all of them.
        await Promise.all([1, 2, 3, 4].map(() => l.get('r')));
        const { rows } = await admin.query<{ n: string }>("SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = 'attack-report-ledger' AND datname = $1", [new URL(url).pathname.slice(1)]);
        expect(Number(rows[0]!.n)).toBeGreaterThan(0);
        // An update's transaction meets a closed connection at BEGIN, before anything ran, and takes another.
        expect((await l.update('r', (x) => ({ ...x, attempts: x.attempts + 1 }))).attempts).toBe(round + 1);
        // A read is retried once, on a connection of its own.
        await Promise.all([1, 2, 3, 4].map(() => l.get('r')));
        await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'attack-report-ledger' AND datname = $1", [new URL(url).pathname.slice(1)]);
        const reads = await Promise.all([l.get('r'), l.list(), l.query({ limit: 1 }), l.watermarks()]);
        expect(reads[0]?.id).toBe('r');
        expect(reads[2].total).toBe(1);
      }
    } finally {
      await admin.end();
      await l.close();
    }
  });

  test('the password never appears in location or errors', async () => {
    const url = await server.newDatabase();
    const l = await openPostgresLedger(url);
    try {
      expect(l.location).not.toContain(server.password);
      expect(l.location).toMatch(/^postgres:\/\/u_[0-9a-f]+:\*\*\*@127\.0\.0\.1:\d+\/ledger_/);
    } finally {
      await l.close();
    }
    const wrong = url.replace(encodeURIComponent(server.password), 'not-the-password-42');
    const refused = await openPostgresLedger(wrong).then(() => undefined, (e: unknown) => e as Error);
    expect(refused?.message).toMatch(/password authentication failed/);
    expect(refused?.message).not.toContain('not-the-password-42');
    expect(refused?.message).toContain(':***@');
    const closedPort = url.replace(`:${server.port}/`, ':1/');
    const unreachable = await openPostgresLedger(closedPort).then(() => undefined, (e: unknown) => e as Error);
    expect(unreachable?.message).toMatch(/unreachable/);
    expect(unreachable?.message).not.toContain(server.password);
    await expect(openPostgresLedger('http://example.invalid/x')).rejects.toThrow(/not postgres:\/\//);
  });
});
