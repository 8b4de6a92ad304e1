/**
 * A schedule's lease in the file ledger: `locks/<customer>.<schedule>.lock` holds `{ owner, expiresAt }`. Taking,
 * renewing and releasing it are each a read-compare-write done under the lease's mutex (ledger-files.ts), so
 * they never interleave, on one host or several sharing the directory: of processes racing for an absent or
 * expired lease exactly one finds it free and writes its name, and a renewal or release never overwrites or
 * removes a lease another owner has taken since. Nothing here depends on process ids: a holder that vanished
 * (SIGKILL, a lost host) is replaced once its lease has expired.
 */
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import type { Lease } from './ledger-types.js';
import { readJson, withMutex, writeAtomic } from './ledger-files.js';

interface LeaseFile {
  owner: string;
  /** ISO instant. */
  expiresAt: string;
}

/** A unique owner for one acquisition: `<host>:<pid>:<random>`, as the Lease contract says. */
export function newLeaseOwner(): string {
  return `${os.hostname()}:${process.pid}:${crypto.randomBytes(6).toString('hex')}`;
}

/**
 * What the lease file says, or undefined when it names no one: absent, or left by an earlier version (a
 * `{ pid, host, at }` lock, which carries no expiry and is treated as expired), or cut short.
 */
async function holder(file: string): Promise<LeaseFile | undefined> {
  let held: Partial<LeaseFile> | undefined;
  try {
    held = await readJson<Partial<LeaseFile>>(file);
  } catch {
    return undefined; // unreadable: a lease cannot be proven held, and the mutex makes rewriting it safe
  }
  return held && typeof held.owner === 'string' && typeof held.expiresAt === 'string' && Number.isFinite(Date.parse(held.expiresAt)) ? (held as LeaseFile) : undefined;
}

/** The lease in `file` for `leaseMs`, or null while another owner holds an unexpired one. */
export async function acquireFileLease(file: string, leaseMs: number): Promise<Lease | null> {
  const owner = newLeaseOwner();
  const mutex = `${file}.mutex`;
  const taken = await withMutex(mutex, async () => {
    const held = await holder(file);
    if (held && Date.parse(held.expiresAt) > Date.now()) return false;
    await writeAtomic(file, { owner, expiresAt: new Date(Date.now() + leaseMs).toISOString() } satisfies LeaseFile);
    return true;
  });
  if (!taken) return null;
  return {
    owner,
    // Extended only while the file still names this owner: an expired lease nobody took is still ours.
    renew: () => withMutex(mutex, async () => {
      if ((await holder(file))?.owner !== owner) return false;
      await writeAtomic(file, { owner, expiresAt: new Date(Date.now() + leaseMs).toISOString() } satisfies LeaseFile);
      return true;
    }),
    release: () => withMutex(mutex, async () => {
      if ((await holder(file))?.owner === owner) await fsp.rm(file, { force: true });
    }),
  };
}
