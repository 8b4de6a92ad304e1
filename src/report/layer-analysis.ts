/**
 * The signatures-to-rules pipeline both layers share: read a layer's signature counts, derive candidate rules
 * per vector, backtest every candidate in one query, keep the best rule per vector within the collateral bound,
 * and let the layer narrow the kept rules (L3/4: to the attacked destinations, backtested again as narrowed).
 * net-analysis.ts and l7-analysis.ts say what differs (queries, fields, rule derivation and text).
 */
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { toNumber } from '../clickhouse/client.js';
import { selectRows } from '../clickhouse/queries.js';
import { buildSignatures, type SignatureCount, type TrafficSignature, type ValueLabeller } from '../analysis/signatures.js';
import { chooseRules, groupRecommendations, type Backtest, type Chosen, type Recommendation, type Rejection, type RenderedRule, type Scored } from '../analysis/recommend.js';
import { formatFineShare, formatPercent } from '../util/format.js';
import { displayText } from '../util/display.js';
import type { Layer } from './model.js';

type Row = Record<string, unknown>;

export interface LayerAnalysis {
  signatures: TrafficSignature[];
  recommendations: Omit<Recommendation, 'id'>[];
  rejected: Rejection[];
}

export interface LayerSpec<R> {
  layer: Layer;
  measure: Backtest['measure'];
  /** queries/analysis/<name>.sql returning (vector, attackId, perEpisode, dimension, value, <countColumn>). */
  signatureQuery: string;
  countColumn: string;
  dimensions: Record<string, string>;
  labelValue: ValueLabeller;
  /** Adjusts a built signature (e.g. drops fields that do not apply); identity when absent. */
  refine?: (sig: TrafficSignature) => TrafficSignature;
  candidates: (counts: SignatureCount[], vector: string) => R[];
  /** What was left out of a vector's candidates and why, for the report; absent when nothing is. */
  leftOut?: (counts: SignatureCount[], vector: string) => string | null;
  conditions: (rule: R) => number;
  /** queries/analysis/<name>.sql returning one row per rule (see runBacktests). */
  backtestQuery: string;
  backtestParams: (rules: R[]) => Record<string, unknown>;
  render: (vectors: string[], chosen: Scored<R>) => RenderedRule;
  /**
   * Narrows each chosen rule (e.g. to the attacked destinations) and gives its backtest as narrowed, in the order
   * given; absent when rules are used as chosen.
   */
  narrow?: (target: ClickHouseTarget, params: Record<string, unknown>, chosen: Chosen<R>[]) => Promise<Chosen<R>[]>;
}

export async function analyseLayer<R>(
  target: ClickHouseTarget,
  params: Record<string, unknown>,
  vectors: string[],
  maxCollateralShare: number,
  spec: LayerSpec<R>,
): Promise<LayerAnalysis> {
  if (vectors.length === 0) return { signatures: [], recommendations: [], rejected: [] };
  const rows = await selectRows<Row>(target, `analysis/${spec.signatureQuery}`, params);
  const counts: SignatureCount[] = rows.map((r) => ({
    vector: String(r.vector), attackId: r.perEpisode ? String(r.attackId) : '', dimension: String(r.dimension), value: String(r.value),
    count: toNumber(r[spec.countColumn]),
  }));
  const signatures = buildSignatures(spec.layer, counts, spec.dimensions, spec.labelValue).map(spec.refine ?? ((s) => s));

  const candidates = vectors.map((vector) => ({ vector, rules: spec.candidates(counts, vector) }));
  const all = candidates.flatMap((c) => c.rules);
  const backtests = all.length ? await runBacktests(target, spec.backtestQuery, { ...params, ...spec.backtestParams(all) }, all.length, spec.measure) : [];
  let offset = 0;
  const perVector = candidates.map(({ vector, rules }) => {
    const scored: Scored<R>[] = rules.map((rule, i) => ({ rule, conditions: spec.conditions(rule), backtest: backtests[offset + i]! }));
    offset += rules.length;
    return { vector, scored, note: spec.leftOut?.(counts, vector) ?? null };
  });
  const { chosen, rejected } = chooseRules(spec.layer, perVector, maxCollateralShare, formatFineShare);
  const final = spec.narrow && chosen.length ? await spec.narrow(target, params, chosen) : chosen;
  return { signatures, recommendations: groupRecommendations(spec.layer, final, spec.render), rejected };
}

/**
 * Runs a backtest query and returns one Backtest per rule, in rule order. The query returns one row per rule:
 * rule (1-based), targetMatched, targetTotal, attackMatched, passedAttackMatched, baselineMatched, baselineTotal.
 */
export async function runBacktests(
  target: ClickHouseTarget,
  query: string,
  params: Record<string, unknown>,
  ruleCount: number,
  measure: Backtest['measure'],
): Promise<Backtest[]> {
  const rows = await selectRows<Row>(target, `analysis/${query}`, params);
  const byRule = new Map(rows.map((r) => [toNumber(r.rule), r]));
  return Array.from({ length: ruleCount }, (_, i) => {
    const r = byRule.get(i + 1) ?? {};
    const targetTotal = toNumber(r.targetTotal);
    const baselineTotal = toNumber(r.baselineTotal);
    return {
      measure,
      attackShare: targetTotal > 0 ? toNumber(r.targetMatched) / targetTotal : 0,
      collateralShare: baselineTotal > 0 ? toNumber(r.baselineMatched) / baselineTotal : 0,
      attackMatched: toNumber(r.attackMatched),
      collateralMatched: toNumber(r.baselineMatched),
      passedAttackStopped: toNumber(r.passedAttackMatched),
    };
  });
}

/** "<vectors>: <what the rule matches> is 100.0% of its packets and 0% of baseline traffic." */
export function shareRationale(vectors: string[], matches: string, backtest: Backtest, unit: string, baseline: string): string {
  const several = vectors.length > 1;
  const attack = several && backtest.attackShare < 1
    ? `at least ${formatPercent(backtest.attackShare)} of each vector's`
    : `${formatPercent(backtest.attackShare)} of ${several ? "each vector's" : 'its'}`;
  return `${vectors.map((v) => displayText(v, { maxChars: 60 })).join(', ')}: ${matches} ${attack} ${unit} and ${formatFineShare(backtest.collateralShare)} of ${baseline}.`;
}
