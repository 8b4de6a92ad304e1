import fs from 'node:fs';
import tty from 'node:tty';
import type { Readable } from 'node:stream';

/**
 * The embedded engine (chDB, in-process) looks at file descriptor 0 the way clickhouse-local does: when it
 * holds data (`cat x | attack-report …`, `… < file`), every INSERT that carries its own data — a migration's
 * ledger row, a CSV batch — fails with "both inlined and external data (from stdin or infile)". So the CLI
 * takes standard input for itself before the engine is loaded: descriptor 0 is reopened as a new descriptor
 * that only `ingest -` reads, and /dev/null takes its place. Without /dev/fd (not Linux or macOS), or for a
 * stdin that cannot be reopened (a socket), nothing changes.
 */
let detached: number | undefined;

export function detachStdin(): void {
  if (detached !== undefined || tty.isatty(0)) return;
  let fd: number;
  try {
    fd = fs.openSync('/dev/fd/0', 'r');
  } catch {
    return;
  }
  try {
    fs.closeSync(0);
    // The lowest free descriptor is 0 again: /dev/null is opened into it, so the engine sees an empty stdin.
    const nul = fs.openSync('/dev/null', 'r');
    if (nul !== 0) fs.closeSync(nul);
  } catch {
    fs.closeSync(fd);
    return;
  }
  detached = fd;
}

/** What `-` reads: the standard input the process was started with. */
export function standardInput(): Readable {
  if (detached === undefined) return process.stdin;
  const fd = detached;
  detached = undefined;
  return fs.createReadStream('', { fd, highWaterMark: 1 << 20 });
}
