/**
 * Inputs from outside (flags, the configuration file, operator files) are checked where they enter, and the
 * layers below refuse what should never reach them: settings that the embedded engine's adapter would write into
 * SQL, windows outside what ClickHouse can store, logos and templates that are not plain files.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { connect, type ClickHouseTarget } from '../src/clickhouse/client.js';
import { runSql } from '../src/clickhouse/queries.js';
import { PACKAGE_ROOT } from '../src/util/paths.js';

// The real CLI as users run it (the build in dist/).
const BIN = path.join(PACKAGE_ROOT, 'bin', 'attack-report.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-inputs-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ATTACK_REPORT_DATA_DIR: path.join(work, 'db'), CLICKHOUSE_URL: '', ...env },
    timeout: 60_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function writeFile(name: string, content: string | Buffer): string {
  const file = path.join(work, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** A valid configuration file (no schedules, so no SMTP section is needed), changed by `edit`. */
function configFile(name: string, edit: (c: { customers: Record<string, unknown>[] } & Record<string, unknown>) => void = () => undefined): string {
  const c = {
    output: { dir: 'archive' },
    worker: { stateDir: 'state' },
    customers: [{ id: 'acme', name: 'Acme Retail', accountId: 'acme', zones: ['acme-shop'], timezone: 'Europe/Lisbon', allowedDomains: ['acme.example'], recipients: ['soc@acme.example'] }],
  };
  edit(c);
  return writeFile(name, stringify(c));
}

const PAYLOAD = "x\\'; INSERT INTO FUNCTION file('/tmp/x') SELECT 1; --";

describe('tenant ids are checked where they enter', () => {
  it.each([
    [['generate', '--account', PAYLOAD, '--last', '1d'], /--account "x.*is not a valid tenant id: 1-64 characters/],
    [['generate', '--account', 'acme', '--zone', 'shop', '--zone', '../etc', '--last', '1d'], /--zone "\.\.\/etc" is not a valid tenant id/],
    [['generate', '--account', 'a'.repeat(65), '--last', '1d'], /--account "a{65}" is 65 characters long/],
    [['generate', '--account', '', '--last', '1d'], /--account "" is not a valid tenant id/],
  ])('%j exits 2 naming the flag', (args, message) => {
    const r = run(args);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });

  it.each([
    ['accountId', (c: { customers: Record<string, unknown>[] }) => { c.customers[0]!.accountId = PAYLOAD; }, /customers\[0\]\.accountId \(line \d+\): "x.*is not a valid tenant id/],
    ['zones', (c: { customers: Record<string, unknown>[] }) => { c.customers[0]!.zones = ['ok', 'a b']; }, /customers\[0\]\.zones\[1\] \(line \d+\): "a b" is not a valid tenant id/],
  ])('a bad %s in the configuration file is reported by config check with its path and line, exit 2', (name, edit, message) => {
    const r = run(['config', 'check', '--config', configFile(`tenant-${name}.yaml`, edit)]);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });

  it.each([['send', '--window', 'yesterday', '--dry-run'], ['runs']])('%s --customer with a bad id exits 2 naming the flag', (command, ...rest) => {
    const r = run([command, '--config', configFile('customer.yaml'), '--customer', 'acme/../x', ...rest]);
    expect(r.stderr).toMatch(/--customer "acme\/\.\.\/x" is not a valid tenant id/);
    expect(r.code).toBe(2);
  });
});

describe('settings guard: no setting can carry SQL into the embedded engine', () => {
  let target: ClickHouseTarget;
  // Inside the work directory, so that nothing is left behind when these tests are filtered out.
  const dir = path.join(work, 'settings');
  const pwned = path.join(dir, 'pwned.csv');
  // chdb's adapter writes a setting as SET k = '…', doubling quotes but leaving backslashes: `\'` closes nothing
  // for the adapter and everything for the engine.
  // (Heredoc strings, $$…$$, need no quotes.)
  const payload = `x\\'; INSERT INTO FUNCTION file($$${pwned}$$, $$CSV$$, $$a String$$) SELECT $$pwned$$; --`;

  beforeAll(async () => {
    target = await connect({ env: {}, dataDir: path.join(dir, 'db') });
  });
  afterAll(async () => {
    await target.client.close().catch(() => undefined);
  });

  it('refuses a setting with a backslash and a quote through runSql, and writes no file', async () => {
    await expect(runSql(target, 'SELECT 1', {}, 'probe', { settings: { insert_deduplication_token: payload } })).rejects.toThrow(/insert_deduplication_token/);
    expect(fs.existsSync(pwned)).toBe(false);
  });

  it('refuses it on the raw client too (insert, query, command, exec)', async () => {
    const settings = { insert_deduplication_token: payload };
    await expect(target.client.insert({ table: 'system.one', values: [{ dummy: 0 }], format: 'JSONEachRow', clickhouse_settings: settings })).rejects.toThrow(/insert_deduplication_token/);
    await expect(target.client.query({ query: 'SELECT 1', clickhouse_settings: settings })).rejects.toThrow(/insert_deduplication_token/);
    await expect(target.client.command({ query: 'SELECT 1', clickhouse_settings: settings })).rejects.toThrow(/insert_deduplication_token/);
    await expect(target.client.exec({ query: 'SELECT 1', clickhouse_settings: settings })).rejects.toThrow(/insert_deduplication_token/);
    expect(fs.existsSync(pwned)).toBe(false);
  });

  it('refuses an INSERT whose table is not a plain identifier', async () => {
    await expect(target.client.insert({ table: `system.one; DROP TABLE x --`, values: [{ dummy: 0 }], format: 'JSONEachRow' })).rejects.toThrow(/table/);
  });

  it('lets ordinary settings through: numbers, booleans, tokens of hex digits and names', async () => {
    await runSql(target, 'SELECT 1', {}, 'probe', { settings: { insert_deduplication_token: 'firewall_events:acme:zone-1.eu:0123abcdef', max_threads: 2 } });
    const r = await target.client.query({ query: "SELECT getSetting('max_threads') AS v", format: 'JSONEachRow', clickhouse_settings: { max_threads: 3, log_queries: true } });
    expect(await r.json()).toEqual([{ v: 3 }]);
  });
});

describe('windows are checked against what ClickHouse can store before any query', () => {
  it('generate --from in year 10000 exits 2 naming the flag (the engine crashed with exit 139)', () => {
    const r = run(['generate', '--account', 'acme', '--from', '+010000-01-01', '--to', '+010000-01-02', '--format', 'json', '--out', path.join(work, 'out')]);
    expect(r.signal).toBeNull();
    expect(r.stderr).toMatch(/--from \(\+010000-01-01T00:00:00\.000Z\) is after 2299-12-31/);
    expect(r.code).toBe(2);
  });

  it('generate --from before 1900 exits 2 (ClickHouse would have clamped it silently)', () => {
    const r = run(['generate', '--account', 'acme', '--from', '1800-01-01', '--to', '1800-01-02', '--format', 'json', '--out', path.join(work, 'out')]);
    expect(r.stderr).toMatch(/--from \(1800-01-01T00:00:00\.000Z\) is before 1900-01-01/);
    expect(r.code).toBe(2);
  });

  const scheduled = (c: { customers: Record<string, unknown>[] } & Record<string, unknown>) => {
    c.smtp = { host: '127.0.0.1', port: 1, from: 'reports@provider.example' };
    c.customers[0]!.schedules = [{ name: 'monthly', preset: 'monthly' }];
  };

  it('worker --now far in the future exits 2 naming --now (its windows have not ended)', () => {
    const r = run(['worker', '--once', '--now', '9999-06-01T06:01:00Z', '--config', configFile('worker-now.yaml', scheduled)]);
    expect(r.signal).toBeNull();
    expect(r.stderr).toMatch(/--now 9999-06-01T06:01:00Z is later than the current time/);
    expect(r.code).toBe(2);
  });

  it('send with a window reaching before 1900 exits 2 naming --now', () => {
    const r = run(['send', '--config', configFile('send-now.yaml'), '--customer', 'acme', '--window', 'previous-month', '--now', '1900-01-15T00:00:00Z', '--dry-run']);
    expect(r.stderr).toMatch(/--now 1900-01-15T00:00:00Z \(window previous-month\) \(1899-12-01T[^)]*\) is before 1900-01-01/);
    expect(r.code).toBe(2);
  });

  it.each([
    [['seed', '--days', '100000'], /--days "100000" must be at most 400/],
    [['seed', '--history-days', '100000'], /--history-days "100000" must be at most 400/],
    [['seed', '--seed', '5000000000'], /--seed "5000000000" must be at most 4294967295/],
    [['seed', '--scale', '1e6'], /--scale "1e6" must be at most 100/],
  ])('%j exits 2 naming the flag', (args, message) => {
    const r = run(args);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });
});

describe('operator files: logos and templates are plain files of bounded size, and their mistakes name them', () => {
  const generate = (...extra: string[]) =>
    run(['generate', '--account', 'acme', '--from', '2026-01-01', '--to', '2026-01-02', '--format', 'html', '--out', path.join(work, 'out'), ...extra]);
  const templates = (name: string, files: Record<string, string>) => {
    const dir = path.join(work, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFile(path.join(name, file), text);
    return dir;
  };

  it('a logo that is a named pipe is refused at once, naming it (it used to wait forever)', () => {
    const fifo = path.join(work, 'logo-fifo.svg');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const r = spawnSync(process.execPath, [BIN, 'generate', '--account', 'acme', '--last', '1d', '--branding', writeFile('brand-fifo.json', JSON.stringify({ logo: fifo }))], {
      encoding: 'utf8', env: { ...process.env, ATTACK_REPORT_DATA_DIR: path.join(work, 'db'), CLICKHOUSE_URL: '' }, timeout: 30_000,
    });
    expect(r.signal).toBeNull();
    expect(r.stderr).toMatch(/the logo .*logo-fifo\.svg is not a regular file \(a named pipe\) \(named in .*brand-fifo\.json\)/);
    expect(r.status).toBe(2);
  });

  it('--branding /dev/zero is refused, naming it', () => {
    const r = generate('--branding', '/dev/zero');
    expect(r.stderr).toMatch(/the branding file \/dev\/zero is not a regular file \(a device\)/);
    expect(r.code).toBe(2);
  });

  it('a template with a syntax error exits 2 naming the file and line, before any query', () => {
    const dir = templates('tpl-syntax', { 'partials/summary.hbs': '<section>\n{{#if model.summary}}\n<p>unclosed</p>\n</section>\n' });
    const r = generate('--templates', dir);
    expect(r.stderr).toMatch(/the template .*tpl-syntax\/partials\/summary\.hbs does not compile: Parse error on line 5/);
    expect(r.code).toBe(2);
  });

  it('a partial that is a symbolic link is refused, even to a file that exists', () => {
    const dir = templates('tpl-link', {});
    fs.mkdirSync(path.join(dir, 'partials'), { recursive: true });
    fs.symlinkSync('/etc/passwd', path.join(dir, 'partials', 'summary.hbs'));
    const r = generate('--templates', dir);
    expect(r.stderr).toMatch(/the template .*tpl-link\/partials\/summary\.hbs is a symbolic link/);
    expect(r.code).toBe(2);
  });

  it('a partials directory that leads outside the templates directory is refused', () => {
    const outside = templates('tpl-elsewhere', { 'summary.hbs': '<p>{{model.reportId}}</p>\n' });
    const dir = templates('tpl-linked-dir', {});
    fs.symlinkSync(outside, path.join(dir, 'partials'));
    const r = generate('--templates', dir);
    expect(r.stderr).toMatch(/the template .*tpl-linked-dir\/partials\/summary\.hbs resolves to .*tpl-elsewhere\/summary\.hbs, outside the --templates directory/);
    expect(r.code).toBe(2);
  });

  it('a report.hbs that is a pipe or too large is refused without reading it', () => {
    const dir = templates('tpl-pipe', {});
    expect(spawnSync('mkfifo', [path.join(dir, 'report.hbs')]).status).toBe(0);
    const pipe = generate('--templates', dir);
    expect(pipe.stderr).toMatch(/the template .*tpl-pipe\/report\.hbs is not a regular file \(a named pipe\)/);
    expect(pipe.code).toBe(2);
    const big = templates('tpl-big', { 'report.hbs': '' });
    fs.truncateSync(path.join(big, 'report.hbs'), 300 * 1024);
    const large = generate('--templates', big);
    expect(large.stderr).toMatch(/the template .*tpl-big\/report\.hbs is 307200 bytes; the limit is 256 KB/);
    expect(large.code).toBe(2);
  });
});

describe('configuration file: bounded, and never echoing what came from the environment', () => {
  it('a YAML alias bomb exits 2 naming the file', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) levels.push(`l${i}: &l${i} [${Array(10).fill(i === 1 ? '*a' : `*l${i - 1}`).join(', ')}]`);
    const file = writeFile('bomb.yaml', `${levels.join('\n')}\ncustomers: []\n`);
    const r = run(['config', 'check', '--config', file]);
    expect(r.stderr).toMatch(/invalid configuration .*bomb\.yaml.*\n.*too many aliases/);
    expect(r.code).toBe(2);
  });

  it('a configuration file that is a device is refused, naming it', () => {
    const r = run(['config', 'check', '--config', '/dev/zero']);
    expect(r.stderr).toMatch(/the configuration file \/dev\/zero is not a regular file \(a device\)/);
    expect(r.code).toBe(2);
  });

  it('problems in values substituted from ${ENV} show the variable, never its value', () => {
    const file = configFile('secrets.yaml', (c) => {
      c.smtp = { host: '127.0.0.1', from: 'reports@provider.example', password: '${SMTP_PASSWORD}' };
      c.customers[0]!.accountId = 'tenant-${ACCOUNT_SECRET}';
      c.customers[0]!.recipients = ['${RECIPIENT}'];
      c.customers[0]!.schedules = [{ name: 'nightly', cron: '${CRON_SECRET}', window: 'previous-day' }];
    });
    const logoOnly = configFile('secret-logo.yaml', (c) => {
      c.customers[0]!.branding = { logo: '${LOGO_PATH}' };
    });
    const logo = run(['config', 'check', '--config', logoOnly], { LOGO_PATH: 'Hunter2SECRET/logo.svg' });
    expect(logo.stderr).toMatch(/customers\[0\]\.branding \(line \d+\): cannot read the logo .*\$\{LOGO_PATH\}/);
    expect(logo.stderr).not.toContain('Hunter2SECRET');
    expect(logo.code).toBe(2);
    const r = run(['config', 'check', '--config', file], {
      SMTP_PASSWORD: 'pw-Hunter2SECRET', ACCOUNT_SECRET: "Hunter2SECRET'x", RECIPIENT: 'Hunter2SECRET@elsewhere.example', CRON_SECRET: 'Hunter2SECRET * * * *',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/customers\[0\]\.schedules\[0\]\.cron \(line \d+\): is not a valid cron expression .*\$\{CRON_SECRET\}/);
    expect(r.stderr).toMatch(/customers\[0\]\.accountId \(line \d+\): "tenant-\$\{ACCOUNT_SECRET\}" is not a valid tenant id/);
    expect(r.stderr).toMatch(/customers\[0\]\.recipients\[0\] \(line \d+\): \$\{RECIPIENT\} is outside the allowed domains/);
    expect(r.stderr).not.toContain('Hunter2SECRET');
  });
});
