/**
 * The ingest's temporary directories (chunk files hold customer data), registered so that they are removed on
 * every way out: the end of a load, a failure, and SIGINT/SIGTERM (see cli/ingest.ts), which would otherwise
 * end the process before any `finally` runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const live = new Set<string>();

/** A new private directory for one input's chunk files. */
export function makeIngestDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-ingest-'));
  live.add(dir);
  return dir;
}

export function removeIngestDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  live.delete(dir);
}

/** Removes every directory still there; synchronous, for a signal handler. */
export function removeAllIngestDirs(): void {
  for (const dir of [...live]) removeIngestDir(dir);
}
