/**
 * L7 traffic signatures and suggested WAF custom rules for one report, like net-analysis.ts for L3/4: signature
 * query, candidate rules per vector, one backtest query for all candidates, best rule within the bound.
 */
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { toNumber } from '../clickhouse/client.js';
import { selectRows } from '../clickhouse/queries.js';
import { buildSignatures, type SignatureCount } from '../analysis/signatures.js';
import { L7_DIMENSIONS, describeL7Rule, l7BacktestParams, l7RuleCandidates, l7RuleConditions, l7ValueLabel, wafExpression, type L7Rule } from '../analysis/l7-rules.js';
import { selectRecommendations, type Backtest, type Scored } from '../analysis/recommend.js';
import { formatFineShare, formatPercent } from '../util/format.js';
import type { LayerAnalysis } from './net-analysis.js';

type Row = Record<string, unknown>;

export async function analyseL7Traffic(
  target: ClickHouseTarget,
  params: Record<string, unknown>,
  vectors: string[],
  maxCollateralShare: number,
): Promise<LayerAnalysis> {
  if (vectors.length === 0) return { signatures: [], recommendations: [], rejected: [] };
  const rows = await selectRows<Row>(target, 'analysis/l7_signatures', params);
  const counts: SignatureCount[] = rows.map((r) => ({
    vector: String(r.vector), attackId: r.perEpisode ? String(r.attackId) : '', dimension: String(r.dimension), value: String(r.value), count: toNumber(r.events),
  }));
  const signatures = buildSignatures('L7', counts, L7_DIMENSIONS, l7ValueLabel);

  const candidates = vectors.map((vector) => ({ vector, rules: l7RuleCandidates(counts, vector) }));
  const all = candidates.flatMap((c) => c.rules);
  const backtests = all.length ? await backtestL7Rules(target, params, all) : [];
  let offset = 0;
  const perVector = candidates.map(({ vector, rules }) => {
    const scored: Scored<L7Rule>[] = rules.map((rule, i) => ({ rule, conditions: l7RuleConditions(rule), backtest: backtests[offset + i]! }));
    offset += rules.length;
    return { vector, scored };
  });
  const chosen = selectRecommendations('L7', perVector, maxCollateralShare, (names, c) => ({
    kind: 'waf-custom-rule',
    // A rule that touches some legitimate traffic challenges rather than blocks, so people can still get through.
    action: c.backtest.collateralMatched > 0 ? 'managed_challenge' : 'block',
    expression: wafExpression(c.rule),
    rationale: `${names.join(', ')}: ${describeL7Rule(c.rule)} are ${names.length > 1 && c.backtest.attackShare < 1 ? `at least ${formatPercent(c.backtest.attackShare)} of each vector's` : `${formatPercent(c.backtest.attackShare)} of ${names.length > 1 ? 'each vector\'s' : 'its'}`} requests and ${formatFineShare(c.backtest.collateralShare)} of other security events.`,
    equivalents: [],
  }), formatFineShare);
  return { signatures, ...chosen };
}

/** Backtests rules in one query; the result is indexed like `rules`. */
export async function backtestL7Rules(target: ClickHouseTarget, params: Record<string, unknown>, rules: L7Rule[]): Promise<Backtest[]> {
  const rows = await selectRows<Row>(target, 'analysis/l7_backtest', { ...params, ...l7BacktestParams(rules) });
  const byRule = new Map(rows.map((r) => [toNumber(r.rule), r]));
  return rules.map((_, i) => {
    const r = byRule.get(i + 1) ?? {};
    const targetTotal = toNumber(r.targetTotal);
    const baselineTotal = toNumber(r.baselineTotal);
    return {
      measure: 'requests' as const,
      attackShare: targetTotal > 0 ? toNumber(r.targetEvents) / targetTotal : 0,
      collateralShare: baselineTotal > 0 ? toNumber(r.baselineEvents) / baselineTotal : 0,
      attackMatched: toNumber(r.attackEvents),
      collateralMatched: toNumber(r.baselineEvents),
      passedAttackStopped: toNumber(r.passedAttackEvents),
    };
  });
}
