/**
 * The discovery file: how a process finds the local server that serves a data directory. It lives in the data
 * directory (owner-only, like everything there), is written by the server's owner when the server is ready and
 * removed when it stops. A file left behind by an owner that was killed names a dead process or a port that
 * does not answer, and is ignored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeOwnerOnlySync } from '../util/private-files.js';

export const DISCOVERY_FILE = 'attack-report-server.json';

const Discovery = z.object({
  version: z.literal(1),
  ownerPid: z.number().int().positive(),
  serverPid: z.number().int().positive(),
  url: z.string().regex(/^http:\/\/127\.0\.0\.1:\d{1,5}\/$/),
  httpPort: z.number().int().min(1).max(65535),
  tcpPort: z.number().int().min(1).max(65535),
  startedAt: z.string(),
});
export type DiscoveryRecord = z.infer<typeof Discovery>;

export function discoveryPath(dataDir: string): string {
  return path.join(dataDir, DISCOVERY_FILE);
}

export function writeDiscovery(dataDir: string, record: DiscoveryRecord): void {
  const file = discoveryPath(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeOwnerOnlySync(tmp, `${JSON.stringify(record)}\n`);
  // Renamed into place so a reader never sees half a file.
  fs.renameSync(tmp, file);
}

/** Removes the file if it still names this owner (a restarted owner may have rewritten it). */
export function removeDiscovery(dataDir: string, ownerPid = process.pid): void {
  const current = readDiscovery(dataDir);
  if (current && current.ownerPid !== ownerPid) return;
  fs.rmSync(discoveryPath(dataDir), { force: true });
}

export function readDiscovery(dataDir: string): DiscoveryRecord | undefined {
  let text: string;
  try {
    const file = discoveryPath(dataDir);
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    // A symlink or anything large is not ours.
    if (!st || !st.isFile() || st.size > 4096) return undefined;
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = Discovery.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running local server of `dataDir`, or undefined when none answers. */
export async function findLocalServer(dataDir: string, timeoutMs = 2000): Promise<DiscoveryRecord | undefined> {
  const record = readDiscovery(dataDir);
  if (!record || !alive(record.ownerPid) || !alive(record.serverPid)) return undefined;
  return (await pingUrl(record.url, timeoutMs)) ? record : undefined;
}

export async function pingUrl(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(new URL('ping', url), { signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    return res.ok && body.startsWith('Ok.');
  } catch {
    return false;
  }
}
