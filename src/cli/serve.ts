/** `db serve`: the data directory of the embedded engine served as a ClickHouse server on loopback until stopped. */
import type { Command } from 'commander';
import { readEnv } from '../config/env.js';
import { UsageError } from '../errors.js';
import { openServedStore } from '../clickhouse/served-store.js';
import { migrate } from '../clickhouse/migrate.js';
import { findLocalServer } from '../clickhouse/discovery.js';
import { DEFAULT_DATA_DIR } from '../clickhouse/client.js';
import { say } from './common.js';
import path from 'node:path';

export function addServeCommand(db: Command, globalDataDir: () => string | undefined): void {
  db.command('serve')
    .description('Serve the data directory of the embedded engine as a ClickHouse server on 127.0.0.1, so that several processes (the worker, generate, ingest) can use it at once. Runs until SIGINT or SIGTERM.')
    .addHelpText('after', `
While it runs, every attack-report command pointed at the same data directory finds it (through the file
attack-report-server.json in the directory) and sends its queries there. The long-running worker serves its
data directory by itself; this command is for when no worker runs, or to watch the server's log.

The server listens on loopback only and never outlives this process. Its user "default" has no password: any
local account that can connect to 127.0.0.1 can query it (README, "Local server").`)
    .action(async () => {
      const env = readEnv();
      if (env.CLICKHOUSE_URL) throw new UsageError('CLICKHOUSE_URL is set: there is no embedded data directory to serve (unset it, or query that server directly)');
      const dataDir = path.resolve(globalDataDir() ?? env.ATTACK_REPORT_DATA_DIR ?? DEFAULT_DATA_DIR);
      const running = await findLocalServer(dataDir);
      if (running) throw new UsageError(`${dataDir} is already served at ${running.url} by process ${running.ownerPid}`);
      const store = await openServedStore({
        env,
        dataDir,
        onEvent: (e) => {
          if (e.kind === 'died') say(`server died (${e.reason}); restarting it`);
          else if (e.kind === 'restart-failed') say(`server did not restart (${e.reason}); trying again in ${e.retryInMs / 1000} s`);
          else if (e.kind === 'restarted') say(`server restarted at ${e.url} (pid ${e.pid})`);
        },
      });
      try {
        const m = await migrate(store.target);
        if (m.applied.length) say(`${m.applied.length} migration(s) applied`);
        const server = store.server;
        say(`serving ${dataDir} at ${server?.url ?? '?'} (HTTP; native TCP port ${server?.tcpPort ?? '?'}), pid ${server?.pid ?? '?'}; stop with Ctrl-C or SIGTERM`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        say('stopping');
      } finally {
        await store.close();
      }
    });
}
