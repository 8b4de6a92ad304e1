/**
 * L3/4 traffic signatures and suggested rules (Magic Firewall, with nftables and iptables equivalents) for one
 * report, through the shared pipeline in layer-analysis.ts.
 */
import type { ClickHouseTarget } from '../clickhouse/client.js';
import type { TrafficSignature } from '../analysis/signatures.js';
import {
  NET_DIMENSIONS, describeNetRule, iptablesRule, magicFirewallExpression, netBacktestParams, netRuleCandidates, netRuleConditions,
  netLeftOut, netValueLabel, nftablesRule, type NetRule,
} from '../analysis/net-rules.js';
import { netAlsoStops } from '../analysis/rule-effects.js';
import type { Backtest } from '../analysis/recommend.js';
import { analyseLayer, runBacktests, shareRationale, type LayerAnalysis, type LayerSpec } from './layer-analysis.js';

const NET_SPEC: LayerSpec<NetRule> = {
  layer: 'L3/4',
  measure: 'packets',
  signatureQuery: 'l34_signatures',
  countColumn: 'packets',
  dimensions: NET_DIMENSIONS,
  labelValue: netValueLabel,
  refine: withoutInapplicableFields,
  candidates: netRuleCandidates,
  leftOut: netLeftOut,
  conditions: netRuleConditions,
  backtestQuery: 'l34_backtest',
  backtestParams: netBacktestParams,
  render: (vectors, c) => ({
    kind: 'magic-firewall',
    action: 'block',
    expression: magicFirewallExpression(c.rule),
    rationale: shareRationale(vectors, `${describeNetRule(c.rule)} is`, c.backtest, 'packets', 'baseline traffic'),
    alsoStops: netAlsoStops(c.rule),
    equivalents: [
      { kind: 'nftables', expression: nftablesRule(c.rule) },
      { kind: 'iptables', expression: iptablesRule(c.rule) },
    ],
  }),
};

export function analyseNetTraffic(target: ClickHouseTarget, params: Record<string, unknown>, vectors: string[], maxCollateralShare: number): Promise<LayerAnalysis> {
  return analyseLayer(target, params, vectors, maxCollateralShare, NET_SPEC);
}

/** Backtests rules in one query; the result is indexed like `rules`. */
export function backtestNetRules(target: ClickHouseTarget, params: Record<string, unknown>, rules: NetRule[]): Promise<Backtest[]> {
  return runBacktests(target, NET_SPEC.backtestQuery, { ...params, ...netBacktestParams(rules) }, rules.length, NET_SPEC.measure);
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
