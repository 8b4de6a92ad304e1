import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { ClickHouseTarget } from './client.js';
import { runCommand, runSql, selectRows } from './queries.js';
import { QUERIES_DIR } from '../util/paths.js';

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

const SCHEMA_DIR = path.join(QUERIES_DIR, 'schema');

/**
 * Applies `queries/schema/*.sql` in file-name order, each once. Every statement is also idempotent on its own
 * (IF NOT EXISTS), so a crash between a statement and its ledger row is harmless on the next run.
 */
export async function migrate(target: ClickHouseTarget): Promise<MigrationResult> {
  const files = fs
    .readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  // Fast path for every run after the first: read the ledger, and create it only when it is not there yet.
  let appliedRows: { Name: string }[];
  try {
    appliedRows = await selectRows<{ Name: string }>(target, 'migrations/applied');
  } catch {
    await runCommand(target, 'schema/000_database');
    await runCommand(target, 'schema/001_schema_migrations');
    appliedRows = await selectRows<{ Name: string }>(target, 'migrations/applied');
  }
  const done = new Set(appliedRows.map((r) => r.Name));
  const applied: string[] = [];
  for (const file of files) {
    const name = file.replace(/\.sql$/, '');
    if (done.has(name)) continue;
    const sql = fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8');
    await runSql(target, sql.trim().replace(/;\s*$/, ''), {}, `schema/${name}`);
    const checksum = createHash('sha256').update(sql).digest('hex').slice(0, 16);
    await runCommand(target, 'migrations/record', { name, checksum });
    applied.push(name);
  }
  return { applied, alreadyApplied: files.length - applied.length };
}
