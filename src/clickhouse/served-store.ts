/**
 * The store of a long-running process (the worker, `db serve`, the web app): with no CLICKHOUSE_URL, the data
 * directory is served as a local server (local-server.ts) so that other processes can use it at the same time,
 * unless another process serves it already; every query of this process then goes through that server too.
 */
import path from 'node:path';
import { connect, DEFAULT_DATA_DIR, type ClickHouseTarget, type ConnectOptions } from './client.js';
import { findLocalServer } from './discovery.js';
import { LocalServer, type ServerEvent } from './local-server.js';

export interface ServedStore {
  target: ClickHouseTarget;
  /** The server this process owns; undefined when it uses CLICKHOUSE_URL or another process's server. */
  server: LocalServer | undefined;
  close(): Promise<void>;
}

export async function openServedStore(opts: ConnectOptions & { onEvent?: (e: ServerEvent) => void; configFile?: string }): Promise<ServedStore> {
  let server: LocalServer | undefined;
  if (!opts.env.CLICKHOUSE_URL) {
    const dataDir = path.resolve(opts.dataDir ?? opts.env.ATTACK_REPORT_DATA_DIR ?? DEFAULT_DATA_DIR);
    if (!(await findLocalServer(dataDir))) {
      server = await LocalServer.start({ dataDir, ...(opts.configFile ? { configFile: opts.configFile } : {}), ...(opts.onEvent ? { onEvent: opts.onEvent } : {}) });
    }
  }
  let target: ClickHouseTarget;
  try {
    target = await connect(opts);
  } catch (err) {
    await server?.stop();
    throw err;
  }
  return {
    target,
    server,
    close: async () => {
      await target.client.close().catch(() => undefined);
      await server?.stop();
    },
  };
}
