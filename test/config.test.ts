import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PACKAGE_ROOT } from '../src/util/paths.js';
import { ConfigError, loadConfig } from '../src/config/file.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'attack-report.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A valid configuration; each case below breaks one thing in a copy of it. */
function valid() {
  return {
    smtp: { host: '127.0.0.1', port: 2525, from: 'Reports <reports@provider.example>', password: '${TEST_SMTP_PASSWORD}' },
    output: { dir: 'archive' },
    worker: { stateDir: 'state' },
    customers: [
      {
        id: 'acme', name: 'Acme Retail', accountId: 'acme', timezone: 'Europe/Lisbon',
        allowedDomains: ['acme.example'], recipients: ['soc@acme.example'],
        schedules: [{ name: 'weekly', preset: 'weekly' }, { name: 'nightly', cron: '30 7 * * *', window: 'previous-day' }],
      },
    ],
  };
}

function write(name: string, doc: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof doc === 'string' ? doc : stringify(doc));
  return file;
}

const ENV = { TEST_SMTP_PASSWORD: 'secret' };

/**
 * `config check` in a child process, awaited: a synchronous spawn would hold this worker's event loop for
 * every case in a row, and vitest's own messages to it then time out on a busy machine.
 */
function check(file: string, env: NodeJS.ProcessEnv = { ...process.env, ...ENV }): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'config', 'check', '--config', file], { encoding: 'utf8', env }, (err, _stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr });
    });
  });
}

describe('configuration file', () => {
  it('a valid file loads, with presets expanded and paths resolved against the file', async () => {
    const { config } = loadConfig(write('ok.yaml', valid()), ENV);
    const acme = config.customers[0]!;
    expect(acme.schedules[0]).toMatchObject({ name: 'weekly', cron: '0 6 * * 1', window: 'previous-week', misfire: 'catch-up', formats: ['pdf'] });
    expect(config.output.dir).toBe(path.join(dir, 'archive'));
    expect(config.smtp!.password).toBe('secret');
    const r = await check(path.join(dir, 'ok.yaml'));
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('valid; 1 customer(s), 2 schedule(s)');
    // A secret never appears in what the check prints.
    expect(r.stderr).not.toContain('secret');
  });

  const mistakes: [string, (c: ReturnType<typeof valid>) => unknown, RegExp][] = [
    ['a bad cron expression', (c) => { c.customers[0]!.schedules[1]!.cron = '61 * * * *'; return c; }, /customers\[0\]\.schedules\[1\]\.cron \(line \d+\): is not a valid cron expression/],
    ['a cron expression with six fields', (c) => { c.customers[0]!.schedules[1]!.cron = '0 0 6 * * *'; return c; }, /customers\[0\]\.schedules\[1\]\.cron \(line \d+\): .*five fields/],
    ['an unknown time zone', (c) => { c.customers[0]!.timezone = 'Europe/Atlantis'; return c; }, /customers\[0\]\.timezone \(line \d+\): is not an IANA time zone/],
    ['a recipient outside the allow-list', (c) => { c.customers[0]!.recipients.push('boss@gmail.com'); return c; }, /customers\[0\]\.recipients\[1\] \(line \d+\): boss@gmail\.com is outside the allowed domains/],
    ['a missing account id', (c) => { delete (c.customers[0] as { accountId?: string }).accountId; return c; }, /customers\[0\]\.accountId \(line \d+\): /],
    ['a duplicate schedule name', (c) => { c.customers[0]!.schedules[1]!.name = 'weekly'; return c; }, /customers\[0\]\.schedules\[1\]\.name \(line \d+\): duplicate schedule name "weekly"/],
    ['an unknown preset', (c) => { (c.customers[0]!.schedules[0] as { preset: string }).preset = 'hourly'; return c; }, /customers\[0\]\.schedules\[0\]\.preset \(line \d+\): /],
    ['a cron expression without a window', (c) => { delete (c.customers[0]!.schedules[1] as { window?: string }).window; return c; }, /customers\[0\]\.schedules\[1\]\.window \(line \d+\): is required with a cron expression/],
    ['an unset environment variable', (c) => { c.smtp.password = '${NOT_SET_ANYWHERE}'; return c; }, /smtp\.password \(line \d+\): names the environment variable NOT_SET_ANYWHERE, which is not set/],
    ['an unknown key (a typo)', (c) => { (c.customers[0] as Record<string, unknown>).recipents = ['x@acme.example']; return c; }, /customers\[0\] \(line \d+\): Unrecognized key: "recipents"/],
    ['a malformed recipient address', (c) => { c.customers[0]!.recipients = ['soc-at-acme.example']; return c; }, /customers\[0\]\.recipients\[0\] \(line \d+\): must be an email address/],
    ['a recipient that the mailer reads as another address', (c) => { c.customers[0]!.recipients = ['root<x>@acme.example']; return c; }, /customers\[0\]\.recipients\[0\] \(line \d+\): must be a plain address such as soc@example\.com \(read as "x" named "root@acme\.example"\)/],
    ['a sender with a line break (a header injection)', (c) => { c.smtp.from = 'Reports <reports@provider.example>\r\nBcc: spy@elsewhere.example'; return c; }, /smtp\.from \(line \d+\): contains a line break or another control character/],
    ['a sender of two mailboxes', (c) => { c.smtp.from = 'reports@provider.example, spy@elsewhere.example'; return c; }, /smtp\.from \(line \d+\): must be exactly one email address \(read as 2\)/],
    ['a customer name (in the subject) with a line break', (c) => { c.customers[0]!.name = 'Acme\nBcc: spy@elsewhere.example'; return c; }, /customers\[0\]\.name \(line \d+\): contains a line break/],
    ['an SMTP port out of range', (c) => { c.smtp.port = 70000; return c; }, /smtp\.port \(line \d+\): /],
    ['YAML that does not parse', () => 'customers:\n  - id: acme\n   name: broken indentation\n', /line \d+: /],
  ];

  it.each(mistakes)('reports %s with its path and line, exit 2', async (name, breakIt, expected) => {
    const file = write(`${name.replace(/\W+/g, '-')}.yaml`, breakIt(valid()));
    expect(() => loadConfig(file, ENV)).toThrow(ConfigError);
    const r = await check(file);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  it('reports every problem of a file at once', () => {
    const c = valid();
    c.customers[0]!.timezone = 'Mars/Olympus';
    c.customers[0]!.schedules[1]!.cron = 'every day';
    c.customers[0]!.recipients.push('x@elsewhere.example');
    try {
      loadConfig(write('many.yaml', c), ENV);
      expect.fail('loaded');
    } catch (err) {
      expect((err as ConfigError).problems).toHaveLength(3);
    }
  });

  it('a missing file is a usage error that names it', async () => {
    const r = await check(path.join(dir, 'nope.yaml'), process.env);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('nope.yaml');
  });

  it('worker.leaseSeconds is bounded and defaults to 60; worker.ledger must be a PostgreSQL URL, and one that does not answer is named without its password', async () => {
    expect(loadConfig(write('lease-default.yaml', valid()), ENV).config.worker.leaseSeconds).toBe(60);
    for (const [leaseSeconds, problem] of [[2, 'worker.leaseSeconds'], [3601, 'worker.leaseSeconds'], [7.5, 'worker.leaseSeconds']] as const) {
      const c = { ...valid(), worker: { stateDir: 'state', leaseSeconds } };
      expect(() => loadConfig(write('lease-bad.yaml', c), ENV)).toThrow(problem);
    }
    const mysql = { ...valid(), worker: { stateDir: 'state', ledger: 'mysql://u:p@db/ledger' } };
    expect(() => loadConfig(write('ledger-bad.yaml', mysql), ENV)).toThrow('must be a postgres:// or postgresql:// URL');
    const pg = write('ledger-pg.yaml', { ...valid(), worker: { stateDir: 'state', ledger: 'postgres://reports:${TEST_SMTP_PASSWORD}@127.0.0.1:1/ledger' } });
    expect(loadConfig(pg, ENV).config.worker.ledger).toMatch(/^postgres:\/\//);
    // A command that opens the ledger: nothing listens there, so exit 1 naming the database, the password nowhere.
    const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, 'runs', '--config', pg], { encoding: 'utf8', env: { ...process.env, ...ENV } }, (err, _stdout, stderr) => {
        resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr });
      });
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('postgres://reports:***@127.0.0.1:1/ledger');
    expect(r.stderr).not.toContain('secret');
    expect(fs.existsSync(path.join(dir, 'state', 'runs'))).toBe(false);
  });

  it('the example configuration in the repository is valid', () => {
    expect(() => loadConfig(path.join(PACKAGE_ROOT, 'examples', 'config.yaml'), { SMTP_HOST: 'smtp.example', SMTP_PASSWORD: 'x' })).not.toThrow();
  });
});
