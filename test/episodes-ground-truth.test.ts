import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, toNumber, type TestDb } from './helpers/db.js';
import { seedDemo } from '../src/seed/run.js';
import { DEMO_TENANTS } from '../src/seed/catalog.js';
import { resolveWindow } from '../src/report/window.js';
import { loadMinuteSeries } from '../src/report/series.js';
import { detectEpisodes, type Episode } from '../src/analysis/episodes.js';

// Detection against what the generator planted: start and end within 2 minutes, same vectors.
const TO_MS = Date.parse('2026-11-20T00:00:00Z');
const TOLERANCE_S = 120;
let db: TestDb;
interface Planted { AccountID: string; Layer: string; Vectors: string[]; s: string; e: string }
let planted: Planted[];
const detected: { account: string; episode: Episode }[] = [];

beforeAll(async () => {
  db = await openTestDb();
  await seedDemo(db.target, { seed: 23, scale: 0.03, days: 30, toMs: TO_MS });
  planted = await db.sql<Planted>(
    'SELECT AccountID, Layer, arraySort(Vectors) Vectors, toUnixTimestamp(StartTime) s, toUnixTimestamp(EndTime) e FROM ddos.seed_episodes',
  );
  const window = resolveWindow({ from: new Date(TO_MS - 30 * 86_400_000).toISOString(), to: new Date(TO_MS).toISOString() });
  for (const t of DEMO_TENANTS) {
    // Vector-labelled series only: unlabelled traffic at this small scale is a few heavily weighted samples a
    // minute, where a minute-level threshold cannot tell sampling noise from an attack (see the note in
    // src/analysis/episodes.ts).
    const series = (await loadMinuteSeries(db.target, { accountId: t.accountId, zoneIds: [], window })).filter((s) => s.vector !== '');
    for (const episode of detectEpisodes(series, window.fromMs / 1000, window.toMs / 1000)) detected.push({ account: t.accountId, episode });
  }
});

afterAll(async () => db?.close());

const matches = (p: Planted, d: { account: string; episode: Episode }) =>
  p.AccountID === d.account &&
  p.Layer === d.episode.layer &&
  JSON.stringify(p.Vectors) === JSON.stringify(d.episode.vectors) &&
  Math.abs(toNumber(p.s) - d.episode.start) <= TOLERANCE_S &&
  Math.abs(toNumber(p.e) - d.episode.end) <= TOLERANCE_S;

describe('episode detection on generated data, against the planted ground truth', () => {
  it('finds at least 95% of planted episodes and reports at most 5% that were not planted', () => {
    const found = planted.filter((p) => detected.some((d) => matches(p, d)));
    const spurious = detected.filter((d) => !planted.some((p) => matches(p, d)));
    const recall = found.length / planted.length;
    const falseShare = detected.length ? spurious.length / detected.length : 0;
    // The two figures the issue asks for, printed on every run.
    console.log(`episode detection: ${found.length}/${planted.length} planted found (${(recall * 100).toFixed(1)}%), ` +
      `${spurious.length}/${detected.length} detected not planted (${(falseShare * 100).toFixed(1)}%)`);
    for (const p of planted.filter((x) => !found.includes(x))) console.log('missed', JSON.stringify(p));
    for (const d of spurious) console.log('spurious', d.account, d.episode.layer, d.episode.vectors, new Date(d.episode.start * 1000).toISOString(), new Date(d.episode.end * 1000).toISOString());
    expect(planted.length).toBeGreaterThanOrEqual(40);
    expect(recall).toBeGreaterThanOrEqual(0.95);
    expect(falseShare).toBeLessThanOrEqual(0.05);
  });

});
