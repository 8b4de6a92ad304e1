/**
 * L3/4 traffic signatures and suggested rules (Magic Firewall, with nftables and iptables equivalents) for one
 * report, through the shared pipeline in layer-analysis.ts.
 */
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { toNumber } from '../clickhouse/client.js';
import { selectRows } from '../clickhouse/queries.js';
import type { TrafficSignature } from '../analysis/signatures.js';
import {
  NET_DIMENSIONS, describeNetRule, iptablesRule, magicFirewallExpression, netBacktestParams, netRuleCandidates, netRuleConditions,
  netLeftOut, netScopedBacktestParams, netValueLabel, nftablesRule, type NetRule,
} from '../analysis/net-rules.js';
import { MAX_SCOPE_ENTRIES, destinationScope } from '../analysis/net-scope.js';
import { netAlsoStops } from '../analysis/rule-effects.js';
import type { Backtest, Chosen } from '../analysis/recommend.js';
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
    ...(c.rule.scope ? { scope: c.rule.scope } : {}),
  }),
  narrow: scopeToDestinations,
};

export function analyseNetTraffic(target: ClickHouseTarget, params: Record<string, unknown>, vectors: string[], maxCollateralShare: number): Promise<LayerAnalysis> {
  return analyseLayer(target, params, vectors, maxCollateralShare, NET_SPEC);
}

/** Backtests rules in one query; the result is indexed like `rules`. */
export function backtestNetRules(target: ClickHouseTarget, params: Record<string, unknown>, rules: NetRule[]): Promise<Backtest[]> {
  return runBacktests(target, NET_SPEC.backtestQuery, { ...params, ...netBacktestParams(rules) }, rules.length, NET_SPEC.measure);
}

/** Backtests rules on net_samples, destination scopes included, in one query; the result is indexed like `rules`. */
export function backtestScopedNetRules(target: ClickHouseTarget, params: Record<string, unknown>, rules: NetRule[]): Promise<Backtest[]> {
  return runBacktests(target, 'l34_scoped_backtest', { ...params, ...netScopedBacktestParams(rules) }, rules.length, NET_SPEC.measure);
}

/**
 * Each chosen rule limited to the destinations its vector's attack traffic went to, with its backtest recounted
 * on net_samples as limited (the cube, which chose it, has no destination): one query for the destinations and
 * one for the backtests, whatever the number of rules.
 */
async function scopeToDestinations(target: ClickHouseTarget, params: Record<string, unknown>, chosen: Chosen<NetRule>[]): Promise<Chosen<NetRule>[]> {
  const rows = await selectRows<Record<string, unknown>>(target, 'analysis/l34_destinations', {
    ...params, vectors: [...new Set(chosen.map((c) => c.vector))], limit: MAX_SCOPE_ENTRIES,
  });
  const scopes = new Map(rows.map((r) => [String(r.vector), destinationScope({
    addresses: toNumber(r.addresses), someAddresses: (r.someAddresses as string[]) ?? [],
    networks: toNumber(r.networks), someNetworks: (r.someNetworks as string[]) ?? [],
  })]));
  const rules = chosen.map((c) => ({ ...c.chosen.rule, scope: scopes.get(c.vector) ?? null }));
  const backtests = await backtestScopedNetRules(target, params, rules);
  return chosen.map((c, i) => ({ ...c, chosen: { ...c.chosen, rule: rules[i]!, backtest: backtests[i]! } }));
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
