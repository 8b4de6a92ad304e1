/**
 * Reads an operator-named file (a logo, a template, a branding or configuration file) without trusting what
 * the name points at: opened without blocking (a FIFO would otherwise wait for a writer forever), checked to be
 * a regular file (a device such as /dev/zero never ends), and read to at most `maxBytes` + 1 bytes, so a size is
 * never taken on trust and a file growing under us cannot grow our memory.
 */
import fs from 'node:fs';
import { UsageError } from '../errors.js';

export interface ReadOptions {
  /** What the file is, for messages: "the logo", "the template". */
  what: string;
  maxBytes: number;
  /** Refuse a symbolic link as the file itself (its directory is the caller's concern). */
  noSymlink?: boolean;
}

const describeSize = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(0)} MB` : `${(bytes / 1024).toFixed(0)} KB`);

export function readRegularFile(file: string, opts: ReadOptions): Buffer {
  const flags = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | (opts.noSymlink ? fs.constants.O_NOFOLLOW : 0);
  let fd: number;
  try {
    fd = fs.openSync(file, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (opts.noSymlink && (code === 'ELOOP' || code === 'EMLINK')) throw new UsageError(`${opts.what} ${file} is a symbolic link; use the file itself`);
    throw new UsageError(`cannot read ${opts.what} ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new UsageError(`${opts.what} ${file} is not a regular file (${kind(stat)})`);
    if (stat.size > opts.maxBytes) throw new UsageError(`${opts.what} ${file} is ${stat.size} bytes; the limit is ${describeSize(opts.maxBytes)}`);
    const buffer = Buffer.alloc(opts.maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > opts.maxBytes) throw new UsageError(`${opts.what} ${file} is larger than ${describeSize(opts.maxBytes)}, the limit`);
    return buffer.subarray(0, length);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${opts.what} ${file}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    fs.closeSync(fd);
  }
}

function kind(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}
