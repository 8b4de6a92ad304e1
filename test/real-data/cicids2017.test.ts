/**
 * Real-data check: the CIC-IDS2017 sample of the later CICFlowMeter generation (short column names `Src IP`,
 * `Total Fwd Packet`, an `id` column first; see PROVENANCE.md next to the files) loads with the shipped mapping,
 * the same one that loads CIC-DDoS2019, every row of it, with packets and bytes per label equal to sums computed
 * here from the files by naive splitting that shares no code with the loader.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, toNumber, type ClickHouseTarget } from '../../src/clickhouse/client.js';
import { migrate } from '../../src/clickhouse/migrate.js';
import { ingestCsv } from '../../src/ingest/csv.js';
import { loadMapping } from '../../src/ingest/mapping.js';
import { newSummary, type IngestSummary, type Reject } from '../../src/ingest/batches.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DATA_DIR = path.resolve(repoRoot, '../shared/data/cicids2017-sample');
const ACCOUNT = 'cicids-test';
/** Rows and packets per file, from PROVENANCE.md: an independent check on the naive parse below. */
const FILES: Record<string, { rows: number; label: string; packets: number }> = {
  'DDoS_2500.csv': { rows: 2500, label: 'DDoS', packets: 33_493 },
  'DoS_Hulk_2500.csv': { rows: 2500, label: 'DoS Hulk', packets: 35_430 },
  'DoS_GoldenEye_2500.csv': { rows: 2500, label: 'DoS GoldenEye', packets: 35_050 },
  'DoS_Slowloris_2500.csv': { rows: 2500, label: 'DoS Slowloris', packets: 26_675 },
  'DoS_Slowhttptest_1740.csv': { rows: 1740, label: 'DoS Slowhttptest', packets: 17_745 },
  'Portscan_2500.csv': { rows: 2500, label: 'Portscan', packets: 5_040 },
  'BENIGN_2500.csv': { rows: 2500, label: 'BENIGN', packets: 47_251 },
};
const MAPPING = loadMapping(path.join(repoRoot, 'examples', 'mappings', 'cic-flows.yaml'));

// A missing data set is a failure of this file, never a skip.
if (!fs.existsSync(DATA_DIR)) throw new Error(`real-data check cannot run: CIC-IDS2017 sample not found at ${DATA_DIR}; this is a failure, not a skip`);

interface Truth { rows: number; packets: number; bytes: number; label: string; first: string; last: string }

function truthFromCsv(file: string): Truth {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  const header = lines[0]!.split(',');
  const col = (name: string) => header.indexOf(name);
  const [fp, bp, fb, bb, lb, ts] = ['Total Fwd Packet', 'Total Bwd packets', 'Total Length of Fwd Packet', 'Total Length of Bwd Packet', 'Label', 'Timestamp'].map(col) as number[];
  const t: Truth = { rows: 0, packets: 0, bytes: 0, label: '', first: '9', last: '0' };
  const labels = new Set<string>();
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    t.rows++;
    t.packets += Number(f[fp!]) + Number(f[bp!]);
    t.bytes += Number(f[fb!]) + Number(f[bb!]);
    labels.add(f[lb!]!);
    if (f[ts!]! < t.first) t.first = f[ts!]!;
    if (f[ts!]! > t.last) t.last = f[ts!]!;
  }
  t.label = [...labels].join('|');
  return t;
}

describe('CIC-IDS2017 (later CICFlowMeter generation) → net_samples with the shipped mapping', () => {
  let tmp = '';
  let target: ClickHouseTarget;
  const loads = new Map<string, { summary: IngestSummary; rejects: Reject[] }>();

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-cicids-'));
    target = await connect({ env: {}, dataDir: tmp });
    await migrate(target);
    for (const f of Object.keys(FILES)) {
      const summary = newSummary();
      const rejects: Reject[] = [];
      const file = path.join(DATA_DIR, f);
      await ingestCsv(target, file, fs.createReadStream(file), { mapping: MAPPING, accountId: ACCOUNT, zoneId: '', onReject: (r) => rejects.push(r) }, summary);
      loads.set(f, { summary, rejects });
    }
  });

  afterAll(async () => {
    await target?.client.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the files have the later header (Src IP, Total Fwd Packet, a leading id), not the one the mapping first names', () => {
    for (const f of Object.keys(FILES)) {
      const header = fs.readFileSync(path.join(DATA_DIR, f), 'utf8').split('\n', 1)[0]!.split(',');
      expect(header[0]).toBe('id');
      expect(header).toContain('Src IP');
      expect(header).not.toContain('Source IP');
    }
  });

  it('every row loads, none rejected; the time span is the files\'', () => {
    for (const [f, want] of Object.entries(FILES)) {
      const { summary, rejects } = loads.get(f)!;
      const truth = truthFromCsv(path.join(DATA_DIR, f));
      expect(truth, f).toMatchObject({ rows: want.rows, label: want.label, packets: want.packets });
      expect(rejects, f).toEqual([]);
      expect(summary, f).toMatchObject({ read: want.rows, inserted: want.rows, alreadyLoaded: 0, rejected: 0 });
      expect(new Date(summary.firstEvent!).toISOString().slice(0, 23), f).toBe(truth.first.replace(' ', 'T').slice(0, 23));
      expect(new Date(summary.lastEvent!).toISOString().slice(0, 23), f).toBe(truth.last.replace(' ', 'T').slice(0, 23));
    }
  });

  it('packets and bytes per label in the table equal the sums from the files', async () => {
    const res = await target.client.query({
      query: `SELECT AttackVector AS vector, toString(sum(Packets)) AS packets, toString(sum(Bytes)) AS bytes, count() AS rows
              FROM ddos.net_samples WHERE AccountID = {a:String} GROUP BY AttackVector ORDER BY vector`,
      query_params: { a: ACCOUNT }, format: 'JSONEachRow',
    });
    const got = (await res.json<Record<string, unknown>>()).map((r) => ({ vector: String(r.vector), packets: toNumber(r.packets), bytes: toNumber(r.bytes), rows: toNumber(r.rows) }));
    const want = Object.entries(FILES).map(([f, w]) => {
      const t = truthFromCsv(path.join(DATA_DIR, f));
      return { vector: w.label === 'BENIGN' ? '' : w.label, packets: t.packets, bytes: t.bytes, rows: t.rows };
    }).sort((a, b) => (a.vector < b.vector ? -1 : 1));
    expect(got).toEqual(want);
  });

  it('a second load of every file adds nothing and says so', async () => {
    for (const f of Object.keys(FILES)) {
      const summary = newSummary();
      const file = path.join(DATA_DIR, f);
      await ingestCsv(target, file, fs.createReadStream(file), { mapping: MAPPING, accountId: ACCOUNT, zoneId: '' }, summary);
      expect(summary, f).toMatchObject({ inserted: FILES[f]!.rows, alreadyLoaded: FILES[f]!.rows });
    }
    const [row] = await (await target.client.query({ query: 'SELECT count() AS n FROM ddos.net_samples', format: 'JSONEachRow' })).json<{ n: string }>();
    expect(toNumber(row!.n)).toBe(Object.values(FILES).reduce((a, w) => a + w.rows, 0));
  });
});
