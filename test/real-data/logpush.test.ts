/**
 * Real-data check: the Cloudflare Logpush fixtures in ../shared/data/cloudflare-logpush-fixtures (see their
 * PROVENANCE.md) load with the right timestamp whatever its encoding (RFC 3339, unix seconds, unix
 * nanoseconds), the fields of both Logpush generations mapped, the http_requests-shaped line rejected with
 * its line number, and a second load changing nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../helpers/db.js';
import { DATASETS } from '../../src/ingest/datasets.js';
import { ingestNdjson } from '../../src/ingest/ndjson.js';
import { newSummary, type Reject } from '../../src/ingest/batches.js';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data/cloudflare-logpush-fixtures');
let db: TestDb;
beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => db?.close());

async function load(dataset: 'network_analytics_logs' | 'firewall_events', file: string) {
  const summary = newSummary();
  const rejects: Reject[] = [];
  const full = path.join(DIR, file);
  await ingestNdjson(db.target, full, fs.createReadStream(full), { dataset: DATASETS[dataset]!, accountId: 'fixtures', zoneId: 'z', onReject: (r) => rejects.push(r) }, summary);
  return { summary, rejects };
}

describe('Cloudflare Logpush fixtures', () => {
  it('network_analytics_logs: three timestamp encodings give one instant, old and new field spellings map to the same columns', async () => {
    const { summary, rejects } = await load('network_analytics_logs', 'network_analytics.ndjson');
    expect(summary).toMatchObject({ read: 5, inserted: 5, rejected: 0 });
    expect(rejects).toEqual([]);
    // Fields of the old generation that the schema does not keep are counted, not lost silently.
    expect(summary.ignoredFields.get('TCPMss')).toBe(3);
    expect(summary.ignoredFields.get('TCPMSS')).toBe(2);
    const rows = await db.sql<{ t: string; ttl: number; colo: string; packets: string; bytes: string; src: string; proto: string }>(
      `SELECT toString(Datetime) AS t, IPTTL AS ttl, ColoCode AS colo, toString(Packets) AS packets, toString(Bytes) AS bytes,
              toString(IPSourceAddress) AS src, IPProtocolName AS proto
       FROM ddos.net_samples WHERE AccountID = 'fixtures' ORDER BY Datetime, ttl`);
    expect(rows.slice(0, 3).map((r) => r.t)).toEqual(['2021-07-27 00:01:07.000', '2021-07-27 00:01:07.000', '2021-07-27 00:01:07.000']);
    expect(rows.slice(0, 3).map((r) => [r.ttl, r.colo, r.src, r.proto])).toEqual(Array(3).fill([240, 'SJC', '::ffff:67.43.156.0', 'TCP']));
    expect(rows[3]).toMatchObject({ t: '2025-05-30 19:16:28.000', ttl: 54, colo: 'FRA', packets: '100', bytes: '150000', proto: 'UDP' });
    expect(rows[4]).toMatchObject({ t: '2025-06-16 19:30:50.000', ttl: 114, colo: 'SJC', packets: '10000', bytes: '760000' });
  });

  it('firewall_events: the three encodings of one event agree, and the http_requests-shaped line is rejected by number', async () => {
    const { summary, rejects } = await load('firewall_events', 'firewall_event.ndjson');
    expect(summary).toMatchObject({ read: 4, inserted: 3, rejected: 1 });
    expect(rejects).toMatchObject([{ line: 4, reason: 'no Datetime field (is this line from another dataset?)' }]);
    const rows = await db.sql<{ t: string; c: string; action: string; asn: number; colo: string }>(
      "SELECT toString(Datetime) AS t, ClientCountry AS c, Action AS action, ClientASN AS asn, EdgeColoCode AS colo FROM ddos.l7_events WHERE AccountID = 'fixtures'");
    expect(rows).toEqual(Array(3).fill({ t: '2022-05-31 05:23:43.000', c: 'US', action: 'block', asn: 15169, colo: 'IAD' }));
  });

  it('loading both files again changes no count, raw or rolled up', async () => {
    const counts = () => db.sql(`SELECT
      (SELECT count() FROM ddos.net_samples WHERE AccountID = 'fixtures') AS net,
      (SELECT toString(sum(Packets)) FROM ddos.net_1m WHERE AccountID = 'fixtures') AS net1m,
      (SELECT toString(sum(Packets)) FROM ddos.net_sig_1h WHERE AccountID = 'fixtures') AS sig,
      (SELECT count() FROM ddos.l7_events WHERE AccountID = 'fixtures') AS l7,
      (SELECT toString(sum(Events)) FROM ddos.l7_1m WHERE AccountID = 'fixtures') AS l71m`);
    const before = await counts();
    await load('network_analytics_logs', 'network_analytics.ndjson');
    await load('firewall_events', 'firewall_event.ndjson');
    expect(await counts()).toEqual(before);
  });
});
