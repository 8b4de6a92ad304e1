/**
 * Real-data check: the first ~200 KB of each CIC-DDoS2019 per-vector flow CSV (see PROVENANCE.md next to the
 * files) go through the CIC loader into a fresh embedded engine, and the report must reproduce, to the packet
 * and byte, sums computed here straight from the files with deliberately naive parsing (split on ',') that
 * shares no code with the loader.
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
import { newSummary, type Reject } from '../../src/ingest/batches.js';
import { buildReport } from '../../src/report/build.js';
import { resolveWindow } from '../../src/report/window.js';
import type { ReportModel } from '../../src/report/model.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DATA_DIR = path.resolve(repoRoot, '../shared/data/cicddos2019-head');
const ACCOUNT = 'cic-test';

/** Complete rows per file, from PROVENANCE.md; an independent check on the naive parse below. */
const COMPLETE_ROWS: Record<string, number> = {
  'DrDoS_DNS.csv': 374, 'DrDoS_LDAP.csv': 474, 'DrDoS_MSSQL.csv': 472, 'DrDoS_NTP.csv': 367, 'DrDoS_NetBIOS.csv': 473,
  'DrDoS_SNMP.csv': 483, 'DrDoS_SSDP.csv': 468, 'DrDoS_UDP.csv': 421, 'Portmap.csv': 368, 'Syn.csv': 443,
  'TFTP.csv': 484, 'UDP.csv': 485, 'UDPLag.csv': 427,
};
const FILES = Object.keys(COMPLETE_ROWS);
/** The mapping shipped in examples/, as a user would pass it to `ingest --format csv --mapping`. */
const MAPPING = loadMapping(path.join(repoRoot, 'examples', 'mappings', 'cic-flows.yaml'));

interface CicLoadResult {
  read: number;
  inserted: number;
  rejected: Reject[];
}

let target: ClickHouseTarget;

async function loadWithShippedMapping(file: string): Promise<CicLoadResult> {
  const summary = newSummary();
  const rejected: Reject[] = [];
  await ingestCsv(target, file, fs.createReadStream(file), { mapping: MAPPING, accountId: ACCOUNT, zoneId: '', onReject: (r) => rejected.push(r) }, summary);
  return { read: summary.read, inserted: summary.inserted, rejected };
}

interface Sum { packets: number; bytes: number; rows: number }
/** minutes: unix seconds of each minute holding a flow of the label (flows are stamped with their start, read as UTC). */
interface FileTruth { perLabel: Map<string, Sum>; minutes: Map<string, Set<number>>; complete: number; incompleteLines: number[] }

/** Per-label sums over complete rows (field count == header's), by plain string splitting. */
function truthFromCsv(file: string): FileTruth {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop(); // trailing newline, not a row
  const header = lines[0]!.split(',').map((h) => h.trim());
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${file}: no column ${name}`);
    return i;
  };
  const [fp, bp, fb, bb, lb, ts] = ['Total Fwd Packets', 'Total Backward Packets', 'Total Length of Fwd Packets', 'Total Length of Bwd Packets', 'Label', 'Timestamp']
    .map(col) as [number, number, number, number, number, number];
  const perLabel = new Map<string, Sum>();
  const minutes = new Map<string, Set<number>>();
  const incompleteLines: number[] = [];
  let complete = 0;
  lines.slice(1).forEach((line, i) => {
    const f = line.split(',');
    if (f.length !== header.length) {
      incompleteLines.push(i + 2); // 1-based, header is line 1
      return;
    }
    complete += 1;
    const label = f[lb]!.trim();
    const s = perLabel.get(label) ?? { packets: 0, bytes: 0, rows: 0 };
    s.packets += Number(f[fp]) + Number(f[bp]);
    s.bytes += Number(f[fb]) + Number(f[bb]);
    s.rows += 1;
    perLabel.set(label, s);
    // "2018-12-01 10:51:39.813448": the minute is the first 16 characters.
    const minute = Date.parse(`${f[ts]!.trim().slice(0, 16).replace(' ', 'T')}:00Z`) / 1000;
    minutes.set(label, (minutes.get(label) ?? new Set()).add(minute));
  });
  return { perLabel, minutes, complete, incompleteLines };
}

// Checked while the file is collected, not in beforeAll: a beforeAll failure shows every test as "skipped",
// and a missing data set must read as a failure of this file, never as a skip.
if (!fs.existsSync(DATA_DIR)) {
  throw new Error(`real-data check cannot run: CIC-DDoS2019 sample not found at ${DATA_DIR} (expected 13 CSV files and PROVENANCE.md); this is a failure, not a skip`);
}
const missingFiles = FILES.filter((f) => !fs.existsSync(path.join(DATA_DIR, f)));
if (missingFiles.length) throw new Error(`real-data check cannot run: missing in ${DATA_DIR}: ${missingFiles.join(', ')}`);

describe('CIC-DDoS2019 flow sample → net_samples → report', () => {
  let tmp = '';
  let report: ReportModel;
  const loads = new Map<string, CicLoadResult>();
  const truths = new Map<string, FileTruth>();
  const byLabel = new Map<string, Sum>();
  const minutesByLabel = new Map<string, Set<number>>();

  beforeAll(async () => {
    for (const f of FILES) {
      const t = truthFromCsv(path.join(DATA_DIR, f));
      truths.set(f, t);
      for (const [label, ms] of t.minutes) minutesByLabel.set(label, new Set([...(minutesByLabel.get(label) ?? []), ...ms]));
      for (const [label, s] of t.perLabel) {
        const acc = byLabel.get(label) ?? { packets: 0, bytes: 0, rows: 0 };
        byLabel.set(label, { packets: acc.packets + s.packets, bytes: acc.bytes + s.bytes, rows: acc.rows + s.rows });
      }
    }

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-cic-'));
    target = await connect({ env: {}, dataDir: tmp });
    await migrate(target);
    for (const f of FILES) loads.set(f, await loadWithShippedMapping(path.join(DATA_DIR, f)));
    report = await buildReport(target, {
      accountId: ACCOUNT,
      zoneIds: [],
      window: resolveWindow({ from: '2018-11-01T00:00:00Z', to: '2018-12-03T00:00:00Z', tz: 'UTC' }),
    });
  });

  afterAll(async () => {
    await target?.client.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const sumOf = (pred: (label: string) => boolean) => {
    let packets = 0;
    let bytes = 0;
    for (const [label, s] of byLabel) if (pred(label)) { packets += s.packets; bytes += s.bytes; }
    return { packets, bytes };
  };
  const attackLabels = () => [...byLabel.keys()].filter((l) => l !== 'BENIGN').sort();
  const l34Vectors = () => report.vectors.filter((v) => v.layer === 'L3/4');

  it('independent CSV parse agrees with PROVENANCE.md (5,739 complete rows, 12 cut-off last lines)', () => {
    for (const f of FILES) expect(truths.get(f)!.complete, f).toBe(COMPLETE_ROWS[f]);
    expect([...truths.values()].reduce((a, t) => a + t.complete, 0)).toBe(5739);
    expect(FILES.filter((f) => truths.get(f)!.incompleteLines.length > 0)).toHaveLength(12);
    expect(truths.get('TFTP.csv')!.incompleteLines).toEqual([]);
    expect(byLabel.has('MSSQL')).toBe(true); // UDP.csv's label is MSSQL, not UDP
    expect(byLabel.has('UDP')).toBe(false);
  });

  it('loader inserts every complete row and rejects exactly the truncated last lines', () => {
    let inserted = 0;
    let read = 0;
    for (const f of FILES) {
      const load = loads.get(f)!;
      const truth = truths.get(f)!;
      expect(load.inserted, f).toBe(truth.complete);
      expect(load.rejected.map((r) => r.line), f).toEqual(truth.incompleteLines);
      for (const r of load.rejected) expect(r.reason, f).toMatch(/columns/);
      expect(load.read, f).toBe(load.inserted + load.rejected.length);
      inserted += load.inserted;
      read += load.read;
    }
    expect(inserted).toBe(5739);
    expect(read).toBe(5739 + 12);
  });

  it('loading every file again leaves every count unchanged, raw and rolled up', async () => {
    const counts = async () => {
      const r = await target.client.query({
        query: `SELECT (SELECT count() FROM ddos.net_samples WHERE AccountID = {a:String}) AS n,
                       (SELECT toString(sum(Packets)) FROM ddos.net_1m WHERE AccountID = {a:String}) AS p1m,
                       (SELECT toString(sum(Bytes)) FROM ddos.net_sig_1h WHERE AccountID = {a:String}) AS b1h`,
        query_params: { a: ACCOUNT }, format: 'JSONEachRow',
      });
      return r.json();
    };
    const before = await counts();
    for (const f of FILES) await loadWithShippedMapping(path.join(DATA_DIR, f));
    expect(await counts()).toEqual(before);
  });

  it('report vectors are exactly the non-BENIGN labels, with the labels as written', () => {
    expect(l34Vectors().map((v) => v.vector).sort()).toEqual(attackLabels());
    expect(report.vectors.filter((v) => v.layer === 'L7')).toEqual([]);
  });

  it('each vector has the packets and bytes summed from the CSV', () => {
    for (const label of attackLabels()) {
      const v = l34Vectors().find((x) => x.vector === label);
      const want = byLabel.get(label)!;
      expect(v, label).toBeDefined();
      expect({ vector: label, packets: v!.packets, bytes: v!.bytes }).toEqual({ vector: label, packets: want.packets, bytes: want.bytes });
    }
  });

  it('L3/4 totals: all complete rows (BENIGN included); attack part = non-BENIGN rows', () => {
    const all = sumOf(() => true);
    const attack = sumOf((l) => l !== 'BENIGN');
    expect(report.totals.l34.packets).toBe(all.packets);
    expect(report.totals.l34.bytes).toBe(all.bytes);
    expect(report.totals.l34.attackPackets).toBe(attack.packets);
    expect(report.totals.l34.attackBytes).toBe(attack.bytes);
    expect(report.totals.l34.droppedPackets).toBe(0); // CIC has no mitigation outcome
  });

  it('an independent query on the raw table agrees with the report and the CSV', async () => {
    const res = await target!.client.query({
      query: `SELECT AttackVector AS vector, sum(Packets) AS packets, sum(Bytes) AS bytes, count() AS rows
              FROM {db:Identifier}.net_samples WHERE AccountID = {account:String} GROUP BY AttackVector ORDER BY vector`,
      query_params: { db: target!.database, account: ACCOUNT },
      format: 'JSONEachRow',
    });
    const raw = (await res.json<Record<string, unknown>>()).map((r) => ({
      vector: String(r.vector), packets: toNumber(r.packets), bytes: toNumber(r.bytes), rows: toNumber(r.rows),
    }));
    const expected = [...byLabel].map(([label, s]) => ({ vector: label === 'BENIGN' ? '' : label, ...s }))
      .sort((a, b) => (a.vector < b.vector ? -1 : a.vector > b.vector ? 1 : 0));
    expect(raw).toEqual(expected);
    for (const r of raw.filter((x) => x.vector !== '')) {
      const v = l34Vectors().find((x) => x.vector === r.vector);
      expect({ vector: r.vector, packets: v?.packets, bytes: v?.bytes }).toEqual({ vector: r.vector, packets: r.packets, bytes: r.bytes });
    }
  });

  it('the flows carry no attack id, so attacks are detected from the minute series, within the labelled traffic', () => {
    expect(report.attacks.length).toBeGreaterThan(0);
    for (const a of report.attacks) {
      expect(a.source).toBe('detected');
      expect(a.layer).toBe('L3/4');
      for (const v of a.vectors) expect(attackLabels()).toContain(v);
    }
    // Detected attacks never count more packets of a vector than the vector carries in the window.
    const attributed = new Map<string, number>();
    for (const a of report.attacks) if (a.vectors.length === 1) attributed.set(a.vectors[0]!, (attributed.get(a.vectors[0]!) ?? 0) + a.packets);
    for (const [vector, packets] of attributed) expect(packets).toBeLessThanOrEqual(l34Vectors().find((x) => x.vector === vector)!.packets);
  });
  it('every vector gets its own detected attacks, spanning exactly the minutes its labelled flows start in', () => {
    const sec = (isoTime: string) => Date.parse(isoTime) / 1000;
    for (const label of attackLabels()) {
      const minutes = [...minutesByLabel.get(label)!].sort((a, b) => a - b);
      // The labelled minutes in runs: a quiet stretch longer than the merge gap (5 minutes) starts a new attack.
      const runs: [number, number][] = [];
      for (const m of minutes) {
        const last = runs.at(-1);
        if (last && m - last[1] <= 6 * 60) last[1] = m;
        else runs.push([m, m]);
      }
      const mine = report.attacks.filter((a) => a.vectors.includes(label)).map((a) => [sec(a.start), sec(a.end) - 60]);
      expect({ label, spans: mine }).toEqual({ label, spans: runs });
    }
  });

  it('the vectors ran one after another, never at once, so every detected attack carries one vector', () => {
    expect(report.attacks.filter((a) => a.vectors.length !== 1).map((a) => [a.vectors, a.start])).toEqual([]);
  });

  it('the largest attack named in the summary is the largest by peak bit rate', () => {
    const top = [...l34Vectors()].sort((a, b) => b.peakBps - a.peakBps)[0]!;
    expect(top.vector).not.toBe('DrDoS_NTP');
    expect(report.summary.largestByBps).toMatchObject({ vector: top.vector });
    expect(report.summary.largestByBps!.value).toBeCloseTo(top.peakBps, 6);
    expect(report.summary.sentences.join(' ')).toContain(`peaked at`);
    const big = report.attacks.find((a) => a.id === report.summary.largestByBps!.attackId)!;
    expect(big.vectors).toEqual([top.vector]);
  });

  it('signatures leave out fields that flow records do not carry, and every vector gets a rule or a stated reason', () => {
    const sigs = report.signatures.items.filter((x) => x.scope === 'vector');
    expect(sigs.map((x) => x.vector).sort()).toEqual(attackLabels().sort());
    for (const sig of sigs) {
      const fields = sig.dimensions.map((d) => d.dimension);
      // CIC flows have no TTL, packet length or data centre: a row of "100% · 100%" would say nothing.
      for (const absent of ['ttl', 'length', 'colo', 'country', 'asn']) expect(fields, sig.vector).not.toContain(absent);
      expect(fields, sig.vector).toContain('protocol');
    }
    const covered = new Set([...report.recommendations.flatMap((r) => r.vectors), ...report.rulePolicy.rejected.map((r) => r.vector)]);
    expect([...covered].sort()).toEqual(attackLabels().sort());
    for (const r of report.recommendations) expect(r.backtest.collateralShare).toBeLessThanOrEqual(report.rulePolicy.maxCollateralShare);
    for (const r of report.rulePolicy.rejected) expect(r.reason.length).toBeGreaterThan(20);
  });
});
