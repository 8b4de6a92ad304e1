/**
 * Everything a run needs, opened from a loaded configuration and closed together: the database, the PDF
 * renderer, the SMTP transport, the ledger, the logger and the metrics.
 */
import pino, { type Logger } from 'pino';
import { connect } from '../clickhouse/client.js';
import { migrate } from '../clickhouse/migrate.js';
import type { LoadedConfig } from '../config/file.js';
import { PdfRenderer } from '../render/renderer.js';
import { createTransport } from '../delivery/email.js';
import { Ledger } from './ledger.js';
import { Metrics } from './metrics.js';
import type { RunContext } from './runner.js';

export function createLogger(): Logger {
  // JSON lines on stdout, one object per event, each run's carrying its runId.
  return pino({ base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}

export async function openContext(loaded: LoadedConfig, opts: { log: Logger; dryRun?: boolean; env?: NodeJS.ProcessEnv }): Promise<{ ctx: RunContext; close(): Promise<void> }> {
  const { config } = loaded;
  const env = opts.env ?? process.env;
  const ch = config.clickhouse;
  const renderer = new PdfRenderer({ env: { PUPPETEER_EXECUTABLE_PATH: env.PUPPETEER_EXECUTABLE_PATH }, onEvent: (m) => opts.log.warn(m) });
  void renderer.warmUp().catch(() => undefined);
  let target;
  try {
    target = await connect({
      env: {
        CLICKHOUSE_URL: ch.url, CLICKHOUSE_USER: ch.user, CLICKHOUSE_PASSWORD: ch.password, CLICKHOUSE_DATABASE: ch.database,
        ATTACK_REPORT_DATA_DIR: env.ATTACK_REPORT_DATA_DIR,
      },
      ...(ch.dataDir ? { dataDir: ch.dataDir } : {}),
    });
    await migrate(target);
  } catch (err) {
    await renderer.close();
    throw err;
  }
  const transport = config.smtp && !opts.dryRun ? createTransport(config.smtp) : null;
  const ctx: RunContext = {
    ledger: new Ledger(config.worker.stateDir), config, branding: loaded.branding, target, renderer, transport, log: opts.log, metrics: new Metrics(), dryRun: opts.dryRun,
  };
  return {
    ctx,
    close: async () => {
      transport?.close();
      await renderer.close();
      await target.client.close().catch(() => undefined);
    },
  };
}
