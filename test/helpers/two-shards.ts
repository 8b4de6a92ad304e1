/**
 * A real 2-shard ClickHouse cluster for a test file: two servers from the installed engine on free ports, each
 * with a `remote_servers` entry naming both, and a direct client per shard (to look at each one's own tables).
 */
import path from 'node:path';
import fs from 'node:fs';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { LocalServer, freePort } from '../../src/clickhouse/local-server.js';

export interface TwoShards {
  servers: LocalServer[];
  shards: ClickHouseClient[];
}

export async function startTwoShards(dir: string, cluster: string): Promise<TwoShards> {
  const ports = [await freePort(), await freePort()];
  const config = path.join(dir, 'cluster.xml');
  const replica = (port: number) => `<shard><replica><host>127.0.0.1</host><port>${port}</port></replica></shard>`;
  fs.writeFileSync(config, `<clickhouse><remote_servers><${cluster}>${ports.map(replica).join('')}</${cluster}></remote_servers></clickhouse>`);
  const servers = await Promise.all(ports.map((tcpPort, i) => LocalServer.start({ dataDir: path.join(dir, `shard${i + 1}`), configFile: config, tcpPort, announce: false })));
  return { servers, shards: servers.map((s) => createClient({ url: s.url })) };
}
