/**
 * Traffic signatures and suggested mitigation rules for both layers, with the policy that chose them.
 */
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { toNumber } from '../clickhouse/client.js';
import { selectRows } from '../clickhouse/queries.js';
import { together } from '../clickhouse/together.js';
import type { Recommendation, Rejection } from '../analysis/recommend.js';
import type { TrafficSignature } from '../analysis/signatures.js';
import { analyseNetTraffic } from './net-analysis.js';
import { analyseL7Traffic } from './l7-analysis.js';
import type { VectorRow } from './model.js';

/** Default bound on a suggested rule's collateral: one legitimate packet or request in a thousand. */
export const DEFAULT_MAX_COLLATERAL_SHARE = 0.001;

export const BASELINE_DEFINITION =
  'Baseline: the same tenant\'s traffic in this window that no mitigation system attributed to an attack ' +
  '(L3/4: all sampled packets without an attack vector; L7: security events without an attack vector, because ' +
  'the firewall-events export only holds requests that some rule matched).';

export const SIGNATURE_CAVEATS = [
  'L3/4 source addresses can be spoofed: source countries and ASNs are those the packets claim, the data centre is where they landed, and L3/4 rules here match on packet headers (protocol, ports, flags, length, TTL), never on sources.',
  'Distinct sources are HyperLogLog estimates (about 2% error); a network is a /24 for IPv4 and a /48 for IPv6.',
  'Packet lengths are grouped by 50 bytes and TTLs by 16, and rules are drawn on those boundaries, so every backtest figure is exact.',
  'Backtests replay this window only: a rule that matched no legitimate traffic here can still match some tomorrow. Roll a rule out in a logging or counting mode first where the platform has one.',
];

export interface TrafficAnalysis {
  signatures: { baseline: string; caveats: string[]; items: TrafficSignature[] };
  recommendations: Recommendation[];
  rulePolicy: { maxCollateralShare: number; rejected: Rejection[] };
}

export async function analyseTraffic(
  target: ClickHouseTarget,
  params: Record<string, unknown>,
  vectors: VectorRow[],
  maxCollateralShare: number,
): Promise<TrafficAnalysis> {
  const names = (layer: VectorRow['layer']) => vectors.filter((v) => v.layer === layer).map((v) => v.vector);
  const [net, l7, sources] = await together(target, [
    () => analyseNetTraffic(target, params, names('L3/4'), maxCollateralShare),
    () => analyseL7Traffic(target, params, names('L7'), maxCollateralShare),
    () => (vectors.length ? selectRows<Record<string, unknown>>(target, 'analysis/sources', params) : Promise.resolve([])),
  ] as const);
  const items = [...net.signatures, ...l7.signatures].map((sig) => {
    const row = sources.find((r) => r.layer === sig.layer && r.vector === sig.vector && (sig.attackId === null ? !r.perEpisode : r.perEpisode && r.attackId === sig.attackId));
    return row ? { ...sig, sources: { addresses: toNumber(row.addresses), networks: toNumber(row.networks) } } : sig;
  });
  return {
    signatures: { baseline: BASELINE_DEFINITION, caveats: SIGNATURE_CAVEATS, items },
    recommendations: [...net.recommendations, ...l7.recommendations].map((r, i) => ({ id: `R${i + 1}`, ...r })),
    rulePolicy: { maxCollateralShare, rejected: [...net.rejected, ...l7.rejected] },
  };
}
