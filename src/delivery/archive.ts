/**
 * The archive: every artifact of a run is moved under the output directory at a path built from a pattern
 * ({customer} {schedule} {from} {to} {runId} {ext}) and its SHA-256 recorded, so a report that was sent can
 * be found, and shown to be the one sent, later.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Artifact } from '../scheduler/ledger.js';
import { mkdirOwnerOnly, PRIVATE_FILE_MODE } from '../util/private-files.js';

export interface ArchiveNames {
  customer: string;
  schedule: string;
  from: string;
  to: string;
  runId: string;
}

/** "2026-11-16T00:00:00.000Z" → "2026-11-16T0000Z": sortable, and safe in file names everywhere. */
const compact = (iso: string) => iso.replace(/:(\d\d):\d\d(\.\d+)?Z$/, '$1Z').replace(/:/g, '');

/** Where an artifact goes; every substituted value is reduced to file-name-safe characters. */
export function archivePath(dir: string, pattern: string, names: ArchiveNames, ext: string): string {
  const safe = (v: string) => v.replace(/[^A-Za-z0-9._-]/g, '_');
  const values: Record<string, string> = { ...names, from: compact(names.from), to: compact(names.to), ext };
  const relative = pattern.replace(/\{(customer|schedule|from|to|runId|ext)\}/g, (_, k: string) => safe(values[k]!));
  const full = path.resolve(dir, relative);
  if (!full.startsWith(path.resolve(dir) + path.sep)) throw new Error(`archive path ${relative} leaves the output directory`);
  return full;
}

export function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** `a/b.pdf` → `a/b-2.pdf`. */
function withSuffix(file: string, n: number): string {
  if (n === 1) return file;
  const { dir, name, ext } = path.parse(file);
  return path.join(dir, `${name}-${n}${ext}`);
}

/** Where a run's generated files go in the archive, described (hash and size) before they are moved there. */
export interface ArchivePlan {
  artifacts: Artifact[];
  moves: { source: string; target: string }[];
  dir: string;
}

/**
 * Chooses the archive paths of the generated files and describes them, moving nothing yet. A file there may be
 * replaced only when it is one of `own` (this run's earlier attempt, as its record says); another run's report
 * (an earlier `send` of the same window, whose hash is in the ledger) is never overwritten: the new files take
 * the next free suffix (`-2`, `-3`…) together.
 *
 * Planned apart from the move so that the run's record can name its artifacts before they exist: a worker
 * killed (or cut off from the ledger) after moving them but before recording them left files no record owned,
 * and the retry archived a second copy beside them (`-2`), found by the failover test.
 */
export function planArchive(files: Partial<Record<string, string>>, dir: string, pattern: string, names: ArchiveNames, own: Artifact[] = []): ArchivePlan {
  const mine = new Set(own.map((a) => a.path));
  const entries = Object.entries(files).filter((e): e is [string, string] => !!e[1]);
  const targets = (n: number) => entries.map(([format]) => withSuffix(archivePath(dir, pattern, names, format), n));
  let n = 1;
  while (targets(n).some((t) => fs.existsSync(t) && !mine.has(t))) n++;
  const chosen = targets(n);
  return {
    dir,
    artifacts: entries.map(([format, source], i) => ({ format, path: chosen[i]!, sha256: sha256File(source), bytes: fs.statSync(source).size })),
    moves: entries.map(([, source], i) => ({ source, target: chosen[i]! })),
  };
}

/** Moves the planned files into the archive, owner-only. */
export function moveIntoArchive(plan: ArchivePlan): void {
  mkdirOwnerOnly(plan.dir, { tighten: true });
  for (const { source, target } of plan.moves) {
    mkdirOwnerOnly(path.dirname(target));
    try {
      fs.renameSync(source, target);
    } catch (err) {
      // Across filesystems a rename fails; copy, then remove the source.
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      fs.copyFileSync(source, target);
      fs.rmSync(source);
    }
    // Generated owner-only, but an artifact from elsewhere keeps its mode through a rename.
    fs.chmodSync(target, PRIVATE_FILE_MODE);
  }
}

/** Moves the generated files into the archive and describes them (planArchive, then moveIntoArchive). */
export function archive(files: Partial<Record<string, string>>, dir: string, pattern: string, names: ArchiveNames, own: Artifact[] = []): Artifact[] {
  const plan = planArchive(files, dir, pattern, names, own);
  moveIntoArchive(plan);
  return plan.artifacts;
}

/** Whether the archived artifacts are still there and unchanged (a retry then reuses them instead of rebuilding). */
export function artifactsIntact(artifacts: Artifact[] | undefined): boolean {
  return !!artifacts && artifacts.length > 0 && artifacts.every((a) => fs.existsSync(a.path) && fs.statSync(a.path).size === a.bytes && sha256File(a.path) === a.sha256);
}
