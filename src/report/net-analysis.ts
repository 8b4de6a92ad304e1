/**
 * L3/4 traffic signatures and suggested rules for one report: runs the signature query, derives candidate rules
 * per vector, backtests every candidate in one ClickHouse query, and keeps the best rule within the collateral
 * bound (or says why there is none).
 */
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { toNumber } from '../clickhouse/client.js';
import { selectRows } from '../clickhouse/queries.js';
import { buildSignatures, type SignatureCount, type TrafficSignature } from '../analysis/signatures.js';
import {
  NET_DIMENSIONS, describeNetRule, iptablesRule, magicFirewallExpression, netBacktestParams, netRuleCandidates, netRuleConditions,
  netValueLabel, nftablesRule, type NetRule,
} from '../analysis/net-rules.js';
import { selectRecommendations, type Backtest, type Recommendation, type Rejection, type Scored } from '../analysis/recommend.js';
import { formatFineShare, formatPercent } from '../util/format.js';

type Row = Record<string, unknown>;

export interface LayerAnalysis {
  signatures: TrafficSignature[];
  recommendations: Omit<Recommendation, 'id'>[];
  rejected: Rejection[];
}

export async function analyseNetTraffic(
  target: ClickHouseTarget,
  params: Record<string, unknown>,
  vectors: string[],
  maxCollateralShare: number,
): Promise<LayerAnalysis> {
  if (vectors.length === 0) return { signatures: [], recommendations: [], rejected: [] };
  const rows = await selectRows<Row>(target, 'analysis/l34_signatures', params);
  const counts: SignatureCount[] = rows.map((r) => ({
    vector: String(r.vector), attackId: r.perEpisode ? String(r.attackId) : '', dimension: String(r.dimension), value: String(r.value), count: toNumber(r.packets),
  }));
  const signatures = buildSignatures('L3/4', counts, NET_DIMENSIONS, netValueLabel).map(withoutInapplicableFields);

  const candidates = vectors.map((vector) => ({ vector, rules: netRuleCandidates(counts, vector) }));
  const all = candidates.flatMap((c) => c.rules);
  const backtests = all.length ? await backtestNetRules(target, params, all) : [];
  let offset = 0;
  const perVector = candidates.map(({ vector, rules }) => {
    const scored: Scored<NetRule>[] = rules.map((rule, i) => ({ rule, conditions: netRuleConditions(rule), backtest: backtests[offset + i]! }));
    offset += rules.length;
    return { vector, scored };
  });
  const chosen = selectRecommendations('L3/4', perVector, maxCollateralShare, (names, c) => ({
    kind: 'magic-firewall',
    action: 'block',
    expression: magicFirewallExpression(c.rule),
    rationale: `${names.join(', ')}: ${describeNetRule(c.rule)} is ${names.length > 1 && c.backtest.attackShare < 1 ? `at least ${formatPercent(c.backtest.attackShare)} of each vector's` : `${formatPercent(c.backtest.attackShare)} of ${names.length > 1 ? 'each vector\'s' : 'its'}`} packets and ${formatFineShare(c.backtest.collateralShare)} of baseline traffic.`,
    equivalents: [
      { kind: 'nftables', expression: nftablesRule(c.rule) },
      { kind: 'iptables', expression: iptablesRule(c.rule) },
    ],
  }), formatFineShare);
  return { signatures, ...chosen };
}

/** TCP flags mean nothing without TCP, nor ports without TCP or UDP: such fields are left out of a signature. */
function withoutInapplicableFields(sig: TrafficSignature): TrafficSignature {
  const protocols = sig.dimensions.find((d) => d.dimension === 'protocol')?.values ?? [];
  const share = (p: string) => protocols.find((v) => v.value === p)?.attackShare ?? 0;
  const tcp = share('6') > 0;
  const ports = tcp || share('17') > 0;
  return {
    ...sig,
    dimensions: sig.dimensions.filter((d) => (d.dimension === 'tcpFlags' ? tcp : d.dimension.endsWith('Port') ? ports : true)),
  };
}

/** Backtests rules in one query; the result is indexed like `rules`. */
export async function backtestNetRules(target: ClickHouseTarget, params: Record<string, unknown>, rules: NetRule[]): Promise<Backtest[]> {
  const rows = await selectRows<Row>(target, 'analysis/l34_backtest', { ...params, ...netBacktestParams(rules) });
  const byRule = new Map(rows.map((r) => [toNumber(r.rule), r]));
  return rules.map((_, i) => {
    const r = byRule.get(i + 1) ?? {};
    const targetTotal = toNumber(r.targetTotal);
    const baselineTotal = toNumber(r.baselineTotal);
    return {
      measure: 'packets' as const,
      attackShare: targetTotal > 0 ? toNumber(r.targetPackets) / targetTotal : 0,
      collateralShare: baselineTotal > 0 ? toNumber(r.baselinePackets) / baselineTotal : 0,
      attackMatched: toNumber(r.attackPackets),
      collateralMatched: toNumber(r.baselinePackets),
      passedAttackStopped: toNumber(r.passedAttackPackets),
    };
  });
}
