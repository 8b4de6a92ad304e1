/**
 * What the CLI writes reaches its reader whole: through a pipe (a script reading `runs --json`), and into files
 * and directories only the owner can read. Against the real CLI in a child process.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FileLedger, runId, type RunRecord } from '../src/scheduler/ledger.js';
import { PACKAGE_ROOT } from '../src/util/paths.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'attack-report.js');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-output-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** The CLI with stdout and stderr as pipes, read in this process's event loop as a shell pipeline would. */
function cliThroughPipe(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr })));
}

describe('CLI output through a pipe', () => {
  it('runs --json writes every one of 3,000 ledger records before exiting', async () => {
    const dir = path.join(root, 'pipe');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, stringify({
      worker: { stateDir: 'state' },
      customers: [{ id: 'acme', name: 'Acme', accountId: 'acme', timezone: 'UTC', allowedDomains: ['acme.example'], recipients: ['soc@acme.example'] }],
    }));
    const ledger = new FileLedger(path.join(dir, 'state'));
    const start = Date.parse('2020-01-01T00:00:00Z');
    for (let i = 0; i < 3_000; i++) {
      const from = start + i * 86_400_000;
      const record: RunRecord = {
        id: runId('acme', 'daily', from), customer: 'acme', schedule: 'daily', dueAt: new Date(from + 86_400_000 + 6 * 3_600_000).toISOString(),
        window: { from: new Date(from).toISOString(), to: new Date(from + 86_400_000).toISOString(), timezone: 'UTC' },
        status: 'succeeded', attempts: 1, createdAt: new Date(from).toISOString(), recipients: ['soc@acme.example'],
        reason: 'x'.repeat(200),
      };
      await ledger.claim(record);
    }
    const r = await cliThroughPipe(['runs', '--config', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(3_000);
    expect(lines.map((l) => (JSON.parse(l) as RunRecord).id)).toEqual((await ledger.list()).map((x) => x.id));

    // A reader that stops after the first line (`| head -1`): the CLI ends quietly, as with SIGPIPE.
    const child = spawn(process.execPath, [BIN, 'runs', '--config', file, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(141);
  }, 120_000);
});

const dataDir = path.join(root, 'engine', 'clickhouse');
/** The CLI, awaited (a synchronous spawn would hold vitest's worker for the whole run). */
function run(args: string[], opts: { dataDir?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, '--data-dir', opts.dataDir ?? dataDir, ...args], { encoding: 'utf8', env: { ...process.env, CLICKHOUSE_URL: '' }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }));
  });
}
const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);
// A New York day: 05:00Z to 05:00Z. Nothing is stored for the account, so the report is quick.
const NY_DAY = ['generate', '--account', 'nobody', '--allow-empty', '--from', '2026-11-30', '--to', '2026-12-01', '--tz', 'America/New_York', '--format', 'json,html'];

describe('generate output files', () => {
  it('are owner-only, in an owner-only directory it creates, as is the engine data directory', async () => {
    const out = path.join(root, 'new', 'reports');
    const r = await run([...NY_DAY, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const files = r.stdout.trim().split('\n');
    expect(files).toHaveLength(2);
    for (const f of files) expect(mode(f)).toBe('600');
    expect(mode(out)).toBe('700');
    expect(mode(path.join(root, 'new'))).toBe('700');
    expect(mode(dataDir)).toBe('700');
  });

  it('are named by the window in the report\'s time zone', async () => {
    const out = path.join(root, 'named');
    const r = await run([...NY_DAY, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').map((f) => path.basename(f)).sort()).toEqual([
      'attack-report_nobody_2026-11-30T0000_2026-12-01T0000.html', 'attack-report_nobody_2026-11-30T0000_2026-12-01T0000.json',
    ]);
  });

  it('never replace an earlier report silently: a second one gets a suffix and says so; --overwrite replaces', async () => {
    const out = path.join(root, 'twice');
    const first = await run([...NY_DAY, '--format', 'json', '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    const firstFile = first.stdout.trim();
    fs.writeFileSync(firstFile, 'the earlier report');
    const second = await run([...NY_DAY, '--format', 'json', '--out', out]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim()).toBe(firstFile.replace(/\.json$/, '-2.json'));
    expect(second.stderr).toContain('already in');
    expect(fs.readFileSync(firstFile, 'utf8')).toBe('the earlier report');
    const third = await run([...NY_DAY, '--format', 'json', '--out', out, '--overwrite']);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout.trim()).toBe(firstFile);
    expect(fs.readFileSync(firstFile, 'utf8')).toContain('"reportId"');
  });

  it.each([
    ['under /proc, where mkdir would spin', '/proc/1/r'],
    ['under a regular file', path.join(root, 'a-file', 'reports')],
  ])('an --out that cannot be made (%s) exits 2 before any query, naming the path', async (_, out) => {
    fs.writeFileSync(path.join(root, 'a-file'), 'x');
    // An engine directory that is a file: reaching the database would fail with another message.
    const r = await run([...NY_DAY, '--out', out], { dataDir: path.join(root, 'a-file') });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`--out ${out} is not a directory this user can write reports into`);
  });
});
