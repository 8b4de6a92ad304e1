import { DEMO_TENANTS, L7_VECTORS, NET_VECTORS, type DemoTenant, type L7VectorTemplate, type NetVectorTemplate } from './catalog.js';
import { between, createRandom, logBetween, pick } from './random.js';

/** How traffic volume evolves over an episode; each has an inverse CDF in queries/seed/*.sql. */
export type Shape = 'plateau' | 'ramp' | 'decay' | 'trapezoid';
const SHAPES: Shape[] = ['plateau', 'ramp', 'decay', 'trapezoid'];

/** Mean of the shape's rate relative to its peak (total ≈ peak × duration × this; the seed adds an even fifth). */
export const SHAPE_MEAN: Record<Shape, number> = { plateau: 1, ramp: 0.5, decay: (1 - Math.exp(-4)) / 4, trapezoid: 0.8 };

export interface PlannedVector {
  template: NetVectorTemplate | L7VectorTemplate;
  /** Peak rate of this vector: packets/s at L3/4, requests/s at L7. */
  peakRate: number;
  rows: number;
  sampleInterval: number;
  /** Share of the attack the mitigation let through (detection takes a few seconds). */
  passShare: number;
}

export interface PlannedEpisode {
  attackId: string;
  tenant: DemoTenant;
  zoneId: string;
  layer: 'L3/4' | 'L7';
  shape: Shape;
  startMs: number;
  durationMs: number;
  targetIp: string;
  targetHost: string;
  vectors: PlannedVector[];
}

export interface SeedPlan {
  seed: number;
  scale: number;
  /** The seeded window [fromMs, toMs), which the row floor applies to. */
  fromMs: number;
  toMs: number;
  /** Start of the lighter history before the window (= fromMs when there is none), for period-over-period. */
  historyFromMs: number;
  episodes: PlannedEpisode[];
  baseline: { tenant: DemoTenant; fromMs: number; toMs: number; netRows: number; l7Rows: number }[];
}

const DAY = 86_400_000;
const MINUTE = 60_000;

/**
 * Rows at scale 1: just over the foundation's floor of 5M L3/4 samples and 1M L7 events. Everyday traffic
 * gets a large share, as in real sampled telemetry (and its rows are cheaper to write: they feed fewer
 * rollups), while every planted attack still gets hundreds to hundreds of thousands of samples.
 */
const NET_ATTACK_ROWS = 3_200_000;
const NET_BASELINE_ROWS = 1_860_000;
const L7_ATTACK_ROWS = 600_000;
const L7_BASELINE_ROWS = 420_000;
/** The history before the window gets this share of the window's rows: enough for a comparison. */
const HISTORY_SHARE = 0.12;

/**
 * Plans the demo data: per tenant, non-overlapping L3/4 and L7 episodes over `days` days ending at `toMs`,
 * single- and multi-vector, each with a shape, a target and a row budget. Pure and deterministic.
 */
export function planSeed(opts: { seed: number; scale: number; toMs: number; days: number; historyDays?: number }): SeedPlan {
  const rand = createRandom(opts.seed);
  const fromMs = opts.toMs - opts.days * DAY;
  const historyFromMs = fromMs - (opts.historyDays ?? 0) * DAY;
  const main: PlannedEpisode[] = [];
  for (const tenant of DEMO_TENANTS) {
    main.push(...planLayer(rand, tenant, 'L3/4', fromMs, opts.toMs, 10, ''));
    main.push(...planLayer(rand, tenant, 'L7', fromMs, opts.toMs, 5, ''));
  }
  assignRows(main, 'L3/4', Math.round(NET_ATTACK_ROWS * opts.scale));
  assignRows(main, 'L7', Math.round(L7_ATTACK_ROWS * opts.scale));
  const share = (rows: number, of: number) => Math.round((rows * of * opts.scale) / DEMO_TENANTS.length);
  const baseline = DEMO_TENANTS.map((tenant) => ({
    tenant, fromMs, toMs: opts.toMs, netRows: share(NET_BASELINE_ROWS, 1), l7Rows: share(L7_BASELINE_ROWS, 1),
  }));
  const history: PlannedEpisode[] = [];
  if (historyFromMs < fromMs) {
    // A separate random stream: adding history never changes the window's own plan.
    const hrand = createRandom(opts.seed ^ 0x5eed5eed);
    for (const tenant of DEMO_TENANTS) {
      history.push(...planLayer(hrand, tenant, 'L3/4', historyFromMs, fromMs, 7, 'h'));
      history.push(...planLayer(hrand, tenant, 'L7', historyFromMs, fromMs, 3, 'h'));
    }
    assignRows(history, 'L3/4', Math.round(NET_ATTACK_ROWS * HISTORY_SHARE * opts.scale));
    assignRows(history, 'L7', Math.round(L7_ATTACK_ROWS * HISTORY_SHARE * opts.scale));
    for (const tenant of DEMO_TENANTS) {
      baseline.push({ tenant, fromMs: historyFromMs, toMs: fromMs, netRows: share(NET_BASELINE_ROWS, HISTORY_SHARE), l7Rows: share(L7_BASELINE_ROWS, HISTORY_SHARE) });
    }
  }
  return { seed: opts.seed, scale: opts.scale, fromMs, toMs: opts.toMs, historyFromMs, episodes: [...history, ...main], baseline };
}

function planLayer(
  rand: () => number,
  tenant: DemoTenant,
  layer: 'L3/4' | 'L7',
  fromMs: number,
  toMs: number,
  count: number,
  idPrefix: string,
): PlannedEpisode[] {
  const out: PlannedEpisode[] = [];
  // Slots keep episodes of one tenant and layer apart, so the ground truth is unambiguous.
  const slot = (toMs - fromMs) / count;
  for (let i = 0; i < count; i++) {
    const durationMs = Math.round(logBetween(rand, 3, 200)) * MINUTE;
    const slack = Math.max(0, slot - durationMs - 30 * MINUTE);
    const startMs = Math.floor((fromMs + i * slot + between(rand, 0, slack)) / MINUTE) * MINUTE + Math.floor(rand() * 60) * 1000;
    const zone = pick(rand, tenant.zones);
    const multi = rand() < 0.3 ? (rand() < 0.5 ? 3 : 2) : 1;
    const templates: (NetVectorTemplate | L7VectorTemplate)[] = [];
    const pool: (NetVectorTemplate | L7VectorTemplate)[] = layer === 'L3/4' ? NET_VECTORS : L7_VECTORS;
    // Cycle through the catalogue so that every vector appears for every tenant at least once.
    templates.push(pool[(i + DEMO_TENANTS.indexOf(tenant)) % pool.length]!);
    while (templates.length < Math.min(multi, pool.length)) {
      const t = pick(rand, pool);
      if (!templates.includes(t)) templates.push(t);
    }
    const vectors = templates.map((template) => {
      const [lo, hi] = template.layer === 'L3/4' ? template.peakPps : template.peakRps;
      return { template, peakRate: logBetween(rand, lo, hi), rows: 0, sampleInterval: 1, passShare: between(rand, 0.001, 0.03) };
    });
    out.push({
      attackId: `${layer === 'L7' ? 'l7' : 'l34'}-${tenant.accountId}-${idPrefix}${String(i + 1).padStart(2, '0')}-${Math.floor(rand() * 0xffffff).toString(16).padStart(6, '0')}`,
      tenant,
      zoneId: layer === 'L3/4' ? '' : zone.zoneId,
      layer,
      shape: pick(rand, SHAPES),
      startMs,
      durationMs,
      targetIp: `${tenant.prefix}${10 + Math.floor(rand() * 40)}`,
      targetHost: pick(rand, zone.hosts),
      vectors,
    });
  }
  return out;
}

/**
 * Splits the row budget across episodes in proportion to the square root of their volume: big attacks get
 * more samples (as adaptive sampling gives), small ones still enough to show their shape.
 */
function assignRows(episodes: PlannedEpisode[], layer: 'L3/4' | 'L7', budget: number): void {
  const items = episodes.filter((e) => e.layer === layer).flatMap((e) => e.vectors.map((v) => ({ e, v })));
  const volume = (e: PlannedEpisode, v: PlannedVector) => v.peakRate * (e.durationMs / 1000) * SHAPE_MEAN[e.shape];
  const weights = items.map(({ e, v }) => Math.sqrt(volume(e, v)));
  const total = weights.reduce((a, b) => a + b, 0);
  items.forEach(({ e, v }, i) => {
    const events = volume(e, v);
    // At least 25 rows per minute of the episode, so that no minute of a planted attack is empty of samples.
    const rows = Math.max(200, 25 * Math.ceil(e.durationMs / 60_000), Math.round((budget * weights[i]!) / total));
    // L7 security events are logged one row per request (SampleInterval 1 in Logpush); when the budget is
    // smaller than the attack we thin them as GraphQL's adaptive sampling does and keep the weight.
    v.sampleInterval = Math.max(1, Math.round(events / rows));
    v.rows = Math.max(1, Math.round(events / v.sampleInterval));
  });
}
