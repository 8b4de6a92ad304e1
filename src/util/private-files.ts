/**
 * Files and directories holding customer data (reports, run state, archives, reject files) are created
 * readable by their owner only: 0600 files, 0700 directories, whatever the umask allows others.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Creates `dir` and its missing parents, each 0700; an existing directory is left as it is unless `tighten`
 * (for directories that are wholly ours, such as the worker's state). Not `mkdir({ recursive: true })`: Node's
 * recursive mkdir spins forever on a path it cannot create under a directory that exists (`/proc/1/r`).
 */
export function mkdirOwnerOnly(dir: string, opts: { tighten?: boolean } = {}): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; ) {
    // ENOTDIR (a file on the way) and EACCES are thrown from here with the path in their message.
    const st = fs.statSync(at, { throwIfNoEntry: false });
    if (st) {
      if (!st.isDirectory()) throw Object.assign(new Error(`ENOTDIR: ${at} is not a directory`), { code: 'ENOTDIR', path: at });
      break;
    }
    missing.unshift(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d, { mode: PRIVATE_DIR_MODE });
    } catch (err) {
      // Another process made it meanwhile: fine. Anything else (ENOENT under /proc, EACCES) is final.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  if (opts.tighten) fs.chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Writes a file readable by its owner only; an existing file is replaced and its mode tightened too. */
export function writeOwnerOnlySync(file: string, data: string | Uint8Array, flag = 'w'): void {
  fs.writeFileSync(file, data, { mode: PRIVATE_FILE_MODE, flag });
  // The mode of open() applies only to a file it creates.
  fs.chmodSync(file, PRIVATE_FILE_MODE);
}

export async function writeOwnerOnly(file: string, data: string | Uint8Array): Promise<void> {
  await fsp.writeFile(file, data, { mode: PRIVATE_FILE_MODE });
  await fsp.chmod(file, PRIVATE_FILE_MODE);
}

/** A write stream to a new or truncated owner-only file (for files written as they are produced, such as reject files). */
export function createOwnerOnlyWriteStream(file: string): fs.WriteStream {
  const fd = fs.openSync(file, 'w', PRIVATE_FILE_MODE);
  fs.fchmodSync(fd, PRIVATE_FILE_MODE);
  return fs.createWriteStream(file, { fd });
}
