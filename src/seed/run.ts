import type { ClickHouseTarget } from '../clickhouse/client.js';
import { runCommand, selectRows } from '../clickhouse/queries.js';
import { toNumber } from '../clickhouse/client.js';
import { toClickHouseTime } from '../clickhouse/time.js';
import { LOCAL_SUFFIX } from '../clickhouse/cluster-ddl.js';
import {
  ASNS, BOT_USER_AGENTS, COLOS, COLO_COUNTRIES, DEMO_TENANTS, JA3_BOT, JA3_LEGIT, JA4_BOT, JA4_LEGIT,
  LEGIT_USER_AGENTS, type L7VectorTemplate, type NetVectorTemplate,
} from './catalog.js';
import { planSeed, type PlannedEpisode, type SeedPlan } from './plan.js';

export interface SeedOptions {
  seed: number;
  scale: number;
  days: number;
  /** End of the seeded window (exclusive); defaults to the start of the current UTC hour. */
  toMs?: number;
  /** Days of lighter history before the window, so that reports can compare with a previous period. */
  historyDays?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SeedResult {
  seedRun: string;
  plan: SeedPlan;
  netRows: number;
  l7Rows: number;
  elapsedMs: number;
}

/** Every table the seed writes, directly or through a rollup's materialized view: a re-seed empties them all. */
const TABLES = [
  'net_samples', 'l7_events', 'net_1m', 'l7_1m', 'net_dims_1h', 'l7_dims_1h', 'net_sig_1h', 'l7_sig_1h', 'net_sig_1d', 'l7_sig_1d',
  'net_src_1h', 'sources_1h', 'seed_episodes', 'tenants',
];

/** Every sampled address, port and vector of the baseline; attack arrays come from the vector template. */
const BASELINE_PATHS = [
  '/', '/products', '/cart', '/checkout', '/wp-admin/setup-config.php', '/.env', '/api/v1/orders',
  '/search?q=<img src=http://127.0.0.1:9/x.png onerror=alert(1)>', "/login' OR '1'='1",
  '/static/' + 'a'.repeat(300) + '.js', '/%E2%80%AEfdp.exe', '/каталог/товары', '/商品/列表', '/منتجات',
];
const HOSTILE_UAS = ['<script>fetch("http://127.0.0.1:9/leak")</script>', 'Mozilla/5.0 😀\u200B\u200D(zero-width)'];

/**
 * Writes the demo data: for every demo tenant a legitimate baseline and the planned attack episodes, all
 * generated inside ClickHouse (INSERT ... SELECT over numbers()), plus the ground truth of what was planted.
 * Re-seeding replaces the demo tenants' rows; other accounts are untouched.
 */
export async function seedDemo(target: ClickHouseTarget, opts: SeedOptions): Promise<SeedResult> {
  const started = Date.now();
  const toMs = opts.toMs ?? Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const plan = planSeed({ seed: opts.seed, scale: opts.scale, toMs, days: opts.days, historyDays: opts.historyDays ?? 0 });
  const seedRun = `seed-${opts.seed}-${new Date(toMs).toISOString()}`;
  const accounts = DEMO_TENANTS.map((t) => t.accountId);
  // Only demo data in the database (the usual case): emptying the tables is instant; otherwise delete the demo
  // accounts' rows and leave everyone else's alone.
  const [others] = await selectRows<{ rows: unknown }>(target, 'seed/other_accounts', { accounts });
  const onlyDemo = toNumber(others?.rows) === 0;
  await clearTables(target, onlyDemo, accounts);

  const steps = plan.baseline.length * 2 + 2;
  let done = 0;
  const tick = () => opts.onProgress?.(++done, steps);
  let stream = 0;
  let netRows = 0;
  let l7Rows = 0;

  for (const b of plan.baseline) {
    const common = { seed: opts.seed, fromMs: b.fromMs, toMs: b.toMs, days: (b.toMs - b.fromMs) / 86_400_000, ...sourceArrays(false) };
    // About 80k packets/s of everyday traffic per tenant, represented by the row budget.
    const packets = 80_000 * ((b.toMs - b.fromMs) / 1000);
    const sampleInterval = Math.max(1, Math.round(packets / Math.max(1, b.netRows)));
    await runCommand(target, 'seed/net_baseline', {
      ...common, stream: ++stream, account: b.tenant.accountId, prefix: b.tenant.prefix, rows: b.netRows, sampleInterval,
    });
    netRows += b.netRows;
    tick();
    await runCommand(target, 'seed/l7_baseline', {
      ...common, stream: ++stream, account: b.tenant.accountId, rows: b.l7Rows,
      zones: b.tenant.zones.map((z) => z.zoneId), zoneNames: b.tenant.zones.map((z) => z.zoneName),
      hosts: b.tenant.zones.map((z) => z.hosts[0] ?? z.zoneName),
      paths: BASELINE_PATHS, userAgents: [...LEGIT_USER_AGENTS, ...HOSTILE_UAS], ja3: JA3_LEGIT, ja4: JA4_LEGIT,
    });
    l7Rows += b.l7Rows;
    tick();
  }

  // All attack vectors of a layer go in one INSERT each: one large parallel insert instead of dozens of small
  // ones (each of which would write a part per table and rollup and keep the merges busy).
  const items = plan.episodes.flatMap((e) => e.vectors.map((v) => ({ e, v, stream: ++stream })));
  const netItems = items.filter((x) => x.v.template.layer === 'L3/4');
  const l7Items = items.filter((x) => x.v.template.layer === 'L7');
  const common = (list: typeof items) => {
    let end = 0;
    return {
      seed: opts.seed,
      ends: list.map((x) => (end += x.v.rows)),
      total: list.reduce((n, x) => n + x.v.rows, 0),
      streams: list.map((x) => x.stream),
      accounts: list.map((x) => x.e.tenant.accountId),
      zones: list.map((x) => x.e.zoneId),
      attackIds: list.map((x) => x.e.attackId),
      vectors: list.map((x) => x.v.template.vector),
      startsMs: list.map((x) => x.e.startMs),
      durationsMs: list.map((x) => x.e.durationMs),
      shapes: list.map((x) => x.e.shape),
      sampleIntervals: list.map((x) => x.v.sampleInterval),
      passShares: list.map((x) => x.v.passShare),
      ...sourceArrays(true),
    };
  };
  if (netItems.length > 0) {
    const net = netItems.map((x) => x.v.template as NetVectorTemplate);
    await runCommand(target, 'seed/net_attacks', {
      ...common(netItems),
      ruleIds: net.map((t) => t.ruleId), ruleNames: net.map((t) => t.ruleName), mitigationSystems: net.map((t) => t.mitigationSystem),
      sourcePools: net.map((t) => t.sourcePool), targetIps: netItems.map((x) => x.e.targetIp), protocols: net.map((t) => t.protocol),
      protocolNames: net.map((t) => t.protocolName), sizeMins: net.map((t) => t.sizeMin), sizeMaxes: net.map((t) => t.sizeMax),
      ttlMins: net.map((t) => t.ttlMin), ttlMaxes: net.map((t) => t.ttlMax), sourcePorts: net.map((t) => t.sourcePort),
      destinationPortLists: net.map((t) => t.destinationPorts), tcpFlagValues: net.map((t) => t.tcpFlags),
      tcpFlagsStrings: net.map((t) => t.tcpFlagsString),
    });
    netRows += netItems.reduce((n, x) => n + x.v.rows, 0);
  }
  tick();
  if (l7Items.length > 0) {
    const l7 = l7Items.map((x) => x.v.template as L7VectorTemplate);
    await runCommand(target, 'seed/l7_attacks', {
      ...common(l7Items),
      zoneNames: l7Items.map((x) => x.e.tenant.zones.find((z) => z.zoneId === x.e.zoneId)?.zoneName ?? ''),
      sources: l7.map((t) => t.source), actionLists: l7.map((t) => t.actions), ruleIds: l7.map((t) => t.ruleId),
      descriptions: l7.map((t) => t.description), botPools: l7.map((t) => t.botPool), hosts: l7Items.map((x) => x.e.targetHost),
      methodLists: l7.map((t) => t.methods), pathLists: l7.map((t) => t.paths), randomQueries: l7.map((t) => t.randomQuery),
      userAgents: BOT_USER_AGENTS, ja3: JA3_BOT, ja4: JA4_BOT,
    });
    l7Rows += l7Items.reduce((n, x) => n + x.v.rows, 0);
  }
  tick();

  await target.client.insert({
    table: `${target.database}.seed_episodes`,
    format: 'JSONEachRow',
    values: plan.episodes.map((e) => groundTruthRow(seedRun, e)),
  });
  await target.client.insert({
    table: `${target.database}.tenants`,
    format: 'JSONEachRow',
    values: DEMO_TENANTS.flatMap((t) => [
      { AccountID: t.accountId, AccountName: t.accountName, ZoneID: '', ZoneName: '' },
      ...t.zones.map((z) => ({ AccountID: t.accountId, AccountName: t.accountName, ZoneID: z.zoneId, ZoneName: z.zoneName })),
    ]),
  });
  await target.client.insert({
    table: `${target.database}.seed_runs`,
    format: 'JSONEachRow',
    values: [{ SeedRun: seedRun, Seed: opts.seed, Scale: opts.scale, WindowFrom: toClickHouseTime(plan.fromMs), WindowTo: toClickHouseTime(plan.toMs) }],
  });
  return { seedRun, plan, netRows, l7Rows, elapsedMs: Date.now() - started };
}

/**
 * Empties the demo tables, or deletes the demo accounts' rows from them. On a cluster neither works through a
 * Distributed table (TRUNCATE there only drops rows still queued for sending; DELETE is refused), so every
 * server of the cluster clears its own `_local` tables.
 */
async function clearTables(target: ClickHouseTarget, onlyDemo: boolean, accounts: string[]): Promise<void> {
  const statement = onlyDemo ? 'seed/truncate' : 'seed/delete_account';
  if (!target.cluster) {
    for (const table of TABLES) await runCommand(target, statement, { table, accounts });
    return;
  }
  for (const url of target.cluster.nodes) {
    const node = await target.cluster.connectNode(url);
    try {
      for (const table of TABLES) await runCommand(node, statement, { table: `${table}${LOCAL_SUFFIX}`, accounts });
    } finally {
      await node.client.close().catch(() => undefined);
    }
  }
}

function sourceArrays(attack: boolean) {
  // Attack sources skew towards hosting and botnet-heavy networks; legitimate users towards eyeball ISPs.
  const asns = attack ? ASNS : [...ASNS].reverse();
  return {
    colos: COLOS,
    coloCountries: COLO_COUNTRIES,
    asns: asns.map((a) => a[0]),
    asnNames: asns.map((a) => a[1]),
    asnCountries: asns.map((a) => a[2]),
  };
}

function groundTruthRow(seedRun: string, e: PlannedEpisode) {
  return {
    SeedRun: seedRun,
    AccountID: e.tenant.accountId,
    ZoneID: e.zoneId,
    AttackID: e.attackId,
    Layer: e.layer,
    Vectors: e.vectors.map((v) => v.template.vector),
    Shape: e.shape,
    StartTime: toClickHouseTime(e.startMs),
    EndTime: toClickHouseTime(e.startMs + e.durationMs),
    Target: e.layer === 'L3/4' ? e.targetIp : e.targetHost,
    PeakRate: e.vectors.reduce((s, v) => s + v.peakRate, 0),
    Rows: e.vectors.reduce((s, v) => s + v.rows, 0),
  };
}

export interface SeedRunInfo {
  seedRun: string;
  fromMs: number;
  toMs: number;
}

export async function latestSeedRun(target: ClickHouseTarget): Promise<SeedRunInfo | undefined> {
  const rows = await selectRows<{ SeedRun: string; fromMs: unknown; toMs: unknown }>(target, 'seed/latest_run');
  const row = rows[0];
  return row ? { seedRun: row.SeedRun, fromMs: toNumber(row.fromMs), toMs: toNumber(row.toMs) } : undefined;
}

