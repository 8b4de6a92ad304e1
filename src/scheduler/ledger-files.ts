/**
 * The file operations the file ledger (ledger.ts) is built from: reading a JSON record, replacing one whole and
 * atomically, and a short mutual exclusion between processes (on one host or sharing the directory) for the
 * read-modify-writes that must not interleave (a run's update, a watermark, a lease).
 */
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import { PRIVATE_FILE_MODE } from '../util/private-files.js';

/** The record in `file`, or undefined when there is none; a file that does not parse is an error naming it. */
export async function readJson<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the ledger file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`cannot read the ledger file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The names in `dir` ending with `suffix`; none when the directory does not exist. */
export async function filesIn(dir: string, suffix: string): Promise<string[]> {
  try {
    return (await fsp.readdir(dir)).filter((f) => f.endsWith(suffix));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * Writes to a temporary file, flushes, then renames over the target: readers see the old or the new content,
 * never half of one. The temporary name is unique per write, so that two writes of one file from the same
 * process (concurrent async calls) do not share it.
 */
export async function writeAtomic(file: string, value: unknown, opts: { compact?: boolean } = {}): Promise<void> {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fh = await fsp.open(tmp, 'w', PRIVATE_FILE_MODE);
  try {
    await fh.chmod(PRIVATE_FILE_MODE);
    await fh.writeFile(opts.compact ? JSON.stringify(value) : JSON.stringify(value, null, 2));
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

/** Creates `file` with `data` only if it does not exist; false when it does. */
export async function createExclusive(file: string, data: string): Promise<boolean> {
  try {
    const fh = await fsp.open(file, 'wx', PRIVATE_FILE_MODE);
    try {
      await fh.chmod(PRIVATE_FILE_MODE);
      await fh.writeFile(data);
    } finally {
      await fh.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * A mutex held longer than this is taken for the leftover of a process that died inside it (SIGKILL) and is
 * broken. What runs under one is a read and an atomic write of one small file: milliseconds, far below this.
 */
export const MUTEX_STALE_MS = 5_000;
/** Waiting longer than this for a mutex is an error: something keeps recreating it. */
const MUTEX_WAIT_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` while holding the mutex `file`, a file created with O_EXCL (one creator wins on any POSIX
 * filesystem) and removed afterwards. Other processes, and other calls of this one, wait for it, polling with
 * a growing, jittered delay. A mutex older than MUTEX_STALE_MS is broken (see breakStale).
 */
export async function withMutex<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const token = `${process.pid}:${crypto.randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + MUTEX_WAIT_MS;
  for (let delay = 1; !(await createExclusive(file, token)); delay = Math.min(delay * 2, 40)) {
    await breakStale(file);
    if (Date.now() > deadline) {
      throw new Error(`the ledger lock ${file} was held by another process for more than ${MUTEX_WAIT_MS / 1000} s; if no process is using the ledger, remove the file`);
    }
    await sleep(delay * (0.5 + Math.random()));
  }
  try {
    return await fn();
  } finally {
    // Removed only while it is still ours: one broken as stale (we were too slow) may be someone else's by now.
    if ((await fsp.readFile(file, 'utf8').catch(() => undefined)) === token) await fsp.rm(file, { force: true });
  }
}

/**
 * Breaks the mutex `file` if it is stale. Only one process wins the rename of a given file, so two breakers
 * never both go on believing they removed the same stale mutex; and the renamed file is looked at again, so a
 * mutex released and taken afresh between the look and the rename is put back (link fails if yet another
 * process took it meanwhile, and that one keeps it).
 */
async function breakStale(file: string): Promise<void> {
  const st = await fsp.stat(file).catch(() => undefined);
  if (!st || Date.now() - st.mtimeMs <= MUTEX_STALE_MS) return;
  const aside = `${file}.stale-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    await fsp.rename(file, aside);
  } catch {
    return; // someone else broke it first, or it was released
  }
  const moved = await fsp.stat(aside).catch(() => undefined);
  if (moved && Date.now() - moved.mtimeMs <= MUTEX_STALE_MS) await fsp.link(aside, file).catch(() => undefined);
  await fsp.rm(aside, { force: true });
}
