/**
 * Versioned migrations of the PostgreSQL ledger: `queries/ledger/migrations/NNN_name.sql`, applied in version
 * order, each once, recorded in `ledger_migrations` with a checksum of its text.
 *
 * Every process opening the ledger runs this. All of it happens in one transaction that first takes a
 * transaction-scoped advisory lock, so processes opening at once queue up: the first applies what is missing,
 * the others then find it applied. A migration that fails rolls back with everything else (PostgreSQL's DDL is
 * transactional), leaving the database at its previous version.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { QUERIES_DIR } from '../util/paths.js';
import { UsageError } from '../errors.js';
import type { LedgerDb } from './ledger-postgres-db.js';

export const LEDGER_MIGRATIONS_DIR = path.join(QUERIES_DIR, 'ledger', 'migrations');

/** The advisory lock key of ledger migrations (an arbitrary constant; "ledger" in ASCII). */
const MIGRATION_LOCK = 0x6c6564676572;

export interface LedgerMigration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql).digest('hex').slice(0, 16);
}

/** The migrations this build knows, in version order. */
export function ledgerMigrations(dir = LEDGER_MIGRATIONS_DIR): LedgerMigration[] {
  const out: LedgerMigration[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    const m = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) throw new Error(`ledger migration ${path.join(dir, file)} is not named NNN_name.sql`);
    const sql = fs.readFileSync(path.join(dir, file), 'utf8');
    out.push({ version: Number(m[1]), name: m[2]!, sql, checksum: checksumOf(sql) });
  }
  out.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`ledger migrations must be numbered 001, 002, … without gaps; ${m.version} is at place ${i + 1}`);
  });
  return out;
}

export interface LedgerMigrationResult {
  applied: string[];
  version: number;
}

/**
 * Brings the database to the newest version this build knows. Refused (UsageError, nothing changed): an applied
 * migration whose text changed since (named), and a database migrated by a newer build (its version named).
 */
export async function migrateLedger(db: LedgerDb, migrations: LedgerMigration[] = ledgerMigrations()): Promise<LedgerMigrationResult> {
  return db.transaction('migrations', async (c) => {
    await db.rows('migrations_lock', [MIGRATION_LOCK], { on: c });
    await db.rows('migrations_table', [], { on: c });
    const applied = await db.rows<{ version: number; name: string; checksum: string }>('migrations_applied', [], { on: c });
    const known = new Map(migrations.map((m) => [m.version, m]));
    for (const a of applied) {
      const mine = known.get(a.version);
      if (!mine) {
        throw new UsageError(
          `the ledger database ${db.location} has migration ${String(a.version).padStart(3, '0')}_${a.name}, newer than this build knows ` +
            `(up to ${migrations.length}): run a newer attack-report against it`,
        );
      }
      if (mine.checksum !== a.checksum || mine.name !== a.name) {
        throw new UsageError(
          `ledger migration ${String(a.version).padStart(3, '0')}_${a.name} was applied to ${db.location} with checksum ${a.checksum}, ` +
            `but queries/ledger/migrations now holds ${String(mine.version).padStart(3, '0')}_${mine.name} with checksum ${mine.checksum}: ` +
            'an applied migration must never change; put the change in a new migration',
        );
      }
    }
    const done = new Set(applied.map((a) => a.version));
    const names: string[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      // Several statements, no parameters: the simple query protocol runs them in order, in this transaction.
      try {
        await c.query(m.sql);
      } catch (err) {
        throw db.failure(`migrations/${String(m.version).padStart(3, '0')}_${m.name}`, err);
      }
      await db.rows('migrations_record', [m.version, m.name, m.checksum], { on: c });
      names.push(`${String(m.version).padStart(3, '0')}_${m.name}`);
    }
    return { applied: names, version: migrations.length };
  });
}
