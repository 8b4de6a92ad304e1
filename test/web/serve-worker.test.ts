/**
 * `serve --with-worker`: the web app and the schedules in one process. A schedule firing every minute is
 * produced and emailed by the same process that answers the API, the run shows in the API's history, and
 * SIGTERM stops both cleanly (exit 0, no ClickHouse server or discovery file left behind).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/scheduler/ledger.js';
import { processAlive } from '../../src/util/process.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { bearer, makeToken, request, startServer, webFixture, type RunningServer, type WebFixture } from '../helpers/web.js';

let f: WebFixture;
let smtp: TestSmtp;
let server: RunningServer;
let token: string;

beforeAll(async () => {
  smtp = await startSmtp();
  f = webFixture({ smtpPort: smtp.port });
  // Every minute, the 24 hours before the firing, produced at once (no data delay): the first run comes within a minute.
  const config = parse(fs.readFileSync(f.configFile, 'utf8')) as { worker: Record<string, unknown>; customers: { schedules: unknown[] }[] };
  config.worker.dataDelayMinutes = 0;
  config.customers[0]!.schedules = [{ name: 'minutely', cron: '* * * * *', window: 'last-24h', formats: ['pdf'] }];
  config.customers[1]!.schedules = [];
  fs.writeFileSync(f.configFile, stringify(config));
  token = makeToken(f, 'watcher', 'read');
  server = await startServer(f, ['--with-worker']);
}, 180_000);

afterAll(async () => {
  if (server?.child.exitCode === null) await server.stop();
  await smtp?.close();
});

describe('serve --with-worker', () => {
  it('produces and emails a scheduled run while serving the API, and stops both on SIGTERM', async () => {
    const until = Date.now() + 150_000;
    let run: RunRecord | undefined;
    while (!run) {
      const page = (await request(`${server.url}/api/v1/runs?customer=acme&status=succeeded`, { headers: bearer(token) })).json<{ runs: RunRecord[] }>();
      run = page.runs[0];
      if (Date.now() > until) throw new Error(`no scheduled run succeeded; log: ${JSON.stringify(server.logs().slice(-5))}`);
      if (!run) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(run.schedule).toBe('minutely');
    expect(smtp.received.some((m) => m.to.includes('soc@acme.example'))).toBe(true);
    expect(server.logs().some((l) => l.msg === 'worker started')).toBe(true);

    const announced = JSON.parse(fs.readFileSync(path.join(f.dataDir, 'attack-report-server.json'), 'utf8')) as { serverPid: number };
    expect(await server.stop()).toBe(0);
    expect(fs.existsSync(path.join(f.dataDir, 'attack-report-server.json'))).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    expect(processAlive(announced.serverPid)).toBe(false);
  }, 200_000);
});
