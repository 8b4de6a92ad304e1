import { describe, expect, it } from 'vitest';
import { planSeed } from '../src/seed/plan.js';
import { DEMO_TENANTS } from '../src/seed/catalog.js';

const TO = Date.parse('2026-11-21T00:00:00Z');

describe('demo seed plan', () => {
  const plan = planSeed({ seed: 42, scale: 1, toMs: TO, days: 30 });

  it('is deterministic for a seed and differs between seeds', () => {
    const again = planSeed({ seed: 42, scale: 1, toMs: TO, days: 30 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(plan));
    expect(JSON.stringify(planSeed({ seed: 43, scale: 1, toMs: TO, days: 30 }))).not.toBe(JSON.stringify(plan));
  });

  it('plants at least 8 vectors across both layers for 3 tenants, inside the window', () => {
    const vectors = new Set(plan.episodes.flatMap((e) => e.vectors.map((v) => v.template.vector)));
    expect(vectors.size).toBeGreaterThanOrEqual(8);
    expect(new Set(plan.episodes.map((e) => e.layer))).toEqual(new Set(['L3/4', 'L7']));
    expect(new Set(plan.episodes.map((e) => e.tenant.accountId))).toEqual(new Set(DEMO_TENANTS.map((t) => t.accountId)));
    expect(plan.episodes.some((e) => e.vectors.length > 1)).toBe(true);
    for (const e of plan.episodes) {
      expect(e.startMs).toBeGreaterThanOrEqual(plan.fromMs);
      expect(e.startMs + e.durationMs).toBeLessThanOrEqual(plan.toMs);
    }
  });

  it('history before the window: lighter, separate ids, never changes the window\'s own episodes', () => {
    const withHistory = planSeed({ seed: 42, scale: 1, toMs: TO, days: 30, historyDays: 30 });
    expect(withHistory.historyFromMs).toBe(plan.fromMs - 30 * 86_400_000);
    const inWindow = withHistory.episodes.filter((e) => e.startMs >= plan.fromMs);
    expect(JSON.stringify(inWindow.map((e) => [e.attackId, e.startMs, e.durationMs]))).toBe(JSON.stringify(plan.episodes.map((e) => [e.attackId, e.startMs, e.durationMs])));
    const history = withHistory.episodes.filter((e) => e.startMs < plan.fromMs);
    expect(history.length).toBeGreaterThan(20);
    for (const e of history) expect(e.startMs + e.durationMs).toBeLessThanOrEqual(plan.fromMs);
    const rows = (eps: typeof history) => eps.flatMap((e) => e.vectors).reduce((s, v) => s + v.rows, 0);
    expect(rows(history)).toBeLessThan(rows(inWindow) / 3);
  });

  it('never overlaps two episodes of one tenant and layer (unambiguous ground truth)', () => {
    for (const t of DEMO_TENANTS) {
      for (const layer of ['L3/4', 'L7']) {
        const eps = plan.episodes.filter((e) => e.tenant === t && e.layer === layer).sort((a, b) => a.startMs - b.startMs);
        for (let i = 1; i < eps.length; i++) expect(eps[i]!.startMs).toBeGreaterThan(eps[i - 1]!.startMs + eps[i - 1]!.durationMs);
      }
    }
  });

  it('meets the default size floor: 5M L3/4 samples and 1M L7 events', () => {
    const rows = (layer: string) => plan.episodes.filter((e) => e.layer === layer).flatMap((e) => e.vectors).reduce((s, v) => s + v.rows, 0);
    const net = rows('L3/4') + plan.baseline.reduce((s, b) => s + b.netRows, 0);
    const l7 = rows('L7') + plan.baseline.reduce((s, b) => s + b.l7Rows, 0);
    expect(net).toBeGreaterThanOrEqual(5_000_000);
    expect(l7).toBeGreaterThanOrEqual(1_000_000);
  });
});
