/**
 * The run ledger a configuration names: the JSON files under `worker.stateDir` (the default, one host), or
 * PostgreSQL (`worker.ledger: postgres://…`, several workers on several hosts). Every front end (the worker,
 * the CLI, the web app) opens it here, so they all read and write the same one.
 */
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { FileLedger } from './ledger.js';
import { openPostgresLedger } from './ledger-postgres.js';
import type { LedgerLog } from './ledger-postgres-db.js';
import type { RunLedger } from './ledger-types.js';

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//i.test(url);

/**
 * Opens the configured ledger; PostgreSQL's schema is brought up to date on the way (versioned, refused when the
 * database is newer than this build). A database that does not answer fails here, naming it without its password.
 */
export async function openLedger(config: Config, opts: { log?: LedgerLog } = {}): Promise<RunLedger> {
  const url = config.worker.ledger;
  if (url !== undefined) {
    if (!isPostgresUrl(url)) throw new UsageError('worker.ledger: must be a postgres:// or postgresql:// URL; remove it to keep the run ledger in files under worker.stateDir');
    return openPostgresLedger(url, opts.log ? { log: opts.log } : {});
  }
  return new FileLedger(config.worker.stateDir);
}

/** Runs `fn` with the configuration's ledger, closed afterwards (a command that needs nothing else). */
export async function withLedger<T>(config: Config, fn: (ledger: RunLedger) => Promise<T>): Promise<T> {
  const ledger = await openLedger(config);
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}
