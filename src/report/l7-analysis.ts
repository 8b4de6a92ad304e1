/**
 * L7 traffic signatures and suggested WAF custom rules for one report, through the shared pipeline in
 * layer-analysis.ts.
 */
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { L7_DIMENSIONS, describeL7Rule, hiddenValueNote, l7BacktestParams, l7RuleCandidates, l7RuleConditions, l7ValueLabel, wafExpression, type L7Rule } from '../analysis/l7-rules.js';
import type { Backtest } from '../analysis/recommend.js';
import { l7AlsoStops } from '../analysis/rule-effects.js';
import { analyseLayer, runBacktests, shareRationale, type LayerAnalysis, type LayerSpec } from './layer-analysis.js';

const L7_SPEC: LayerSpec<L7Rule> = {
  layer: 'L7',
  measure: 'requests',
  signatureQuery: 'l7_signatures',
  countColumn: 'events',
  dimensions: L7_DIMENSIONS,
  labelValue: l7ValueLabel,
  candidates: l7RuleCandidates,
  leftOut: hiddenValueNote,
  conditions: l7RuleConditions,
  backtestQuery: 'l7_backtest',
  backtestParams: l7BacktestParams,
  render: (vectors, c) => ({
    kind: 'waf-custom-rule',
    // A rule that touches some legitimate traffic challenges rather than blocks, so people can still get through.
    action: c.backtest.collateralMatched > 0 ? 'managed_challenge' : 'block',
    expression: wafExpression(c.rule),
    rationale: shareRationale(vectors, `${describeL7Rule(c.rule)} are`, c.backtest, 'requests', 'other security events'),
    alsoStops: l7AlsoStops(c.rule),
    equivalents: [],
  }),
};

export function analyseL7Traffic(target: ClickHouseTarget, params: Record<string, unknown>, vectors: string[], maxCollateralShare: number): Promise<LayerAnalysis> {
  return analyseLayer(target, params, vectors, maxCollateralShare, L7_SPEC);
}

/** Backtests rules in one query; the result is indexed like `rules`. */
export function backtestL7Rules(target: ClickHouseTarget, params: Record<string, unknown>, rules: L7Rule[]): Promise<Backtest[]> {
  return runBacktests(target, L7_SPEC.backtestQuery, { ...params, ...l7BacktestParams(rules) }, rules.length, L7_SPEC.measure);
}
