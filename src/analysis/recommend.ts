/**
 * Choosing which backtested candidate rule to recommend for each vector, under the configured collateral bound.
 * Pure: the backtest figures come from ClickHouse (queries/analysis/*_backtest.sql).
 */
import type { Layer } from '../report/model.js';
import type { DestinationScope } from './net-scope.js';

export type RuleKind = 'magic-firewall' | 'nftables' | 'iptables' | 'waf-custom-rule' | 'rate-limiting-rule';

export interface Backtest {
  /** What the counts are: sampled-packet estimates at L3/4, requests (security events) at L7. */
  measure: 'packets' | 'requests';
  /** Share of the targeted vector's traffic the rule matches, 0..1. */
  attackShare: number;
  /** Share of the baseline (traffic attributed to no attack) the rule matches, 0..1. */
  collateralShare: number;
  /** Attack traffic matched, any vector. */
  attackMatched: number;
  /** Baseline traffic matched. */
  collateralMatched: number;
  /** Attack traffic that got through in this window and that the rule would have stopped. */
  passedAttackStopped: number;
}

export interface Recommendation {
  id: string;
  layer: Layer;
  kind: RuleKind;
  vectors: string[];
  action: string;
  expression: string;
  rationale: string;
  /** Legitimate traffic the rule's conditions also reach, in words (one sentence, no final period). */
  alsoStops: string;
  /** The same rule in other rule languages (same backtest). */
  equivalents: { kind: RuleKind; expression: string }[];
  /** L3/4: the destinations the rule is limited to (no networks: every destination). */
  scope?: DestinationScope;
  backtest: Backtest;
}

export interface Rejection {
  layer: Layer;
  vector: string;
  /** Plain-language reason no rule is suggested. */
  reason: string;
  /** The lowest collateral among candidates that stop at least MIN_ATTACK_SHARE, if any. */
  bestCollateralShare: number | null;
}

/** A rule that leaves most of the attack through is not worth deploying. */
export const MIN_ATTACK_SHARE = 0.5;

export interface Scored<R> {
  rule: R;
  conditions: number;
  backtest: Backtest;
}

/**
 * The candidate to recommend: within the collateral bound, the one matching the most of its vector (ties within
 * half a percent go to the simpler rule, then to the lower collateral). Null when none qualifies.
 */
export function chooseRule<R>(candidates: Scored<R>[], maxCollateralShare: number): Scored<R> | null {
  const eligible = candidates.filter((c) => c.backtest.collateralShare <= maxCollateralShare && c.backtest.attackShare >= MIN_ATTACK_SHARE);
  if (eligible.length === 0) return null;
  const bestShare = Math.max(...eligible.map((c) => c.backtest.attackShare));
  return eligible
    .filter((c) => c.backtest.attackShare >= bestShare - 0.005)
    .sort((a, b) => a.conditions - b.conditions || a.backtest.collateralShare - b.backtest.collateralShare)[0]!;
}

/**
 * Why no candidate qualified, in one sentence, with the figure that decided it. `why` is the layer's own reason
 * when there is no candidate at all (e.g. values a rule cannot write visibly).
 */
export function rejectionFor<R>(layer: Layer, vector: string, candidates: Scored<R>[], maxCollateralShare: number, pct: (x: number) => string, why?: string | null): Rejection {
  if (candidates.length === 0) {
    const reason = why ? why : layer === 'L3/4'
      ? 'no single protocol carries 99% of its packets, so no header rule can single it out'
      : 'no short list of values of any request field carries 95% of its requests';
    return { layer, vector, reason, bestCollateralShare: null };
  }
  const strong = candidates.filter((c) => c.backtest.attackShare >= MIN_ATTACK_SHARE);
  if (strong.length === 0) {
    return { layer, vector, reason: `no candidate rule matches even ${pct(MIN_ATTACK_SHARE)} of its traffic`, bestCollateralShare: null };
  }
  const best = Math.min(...strong.map((c) => c.backtest.collateralShare));
  return {
    layer, vector, bestCollateralShare: best,
    reason: `the safest candidate would also match ${pct(best)} of baseline traffic, above the ${pct(maxCollateralShare)} bound`,
  };
}

export type RenderedRule = Pick<Recommendation, 'kind' | 'action' | 'expression' | 'rationale' | 'alsoStops' | 'equivalents' | 'scope'>;

/** A vector's chosen rule, and what was left out of its candidates (said in the rationale). */
export interface Chosen<R> {
  vector: string;
  chosen: Scored<R>;
  note: string | null;
}

/** The chosen rule of every vector that has one within the bound, and a rejection for every vector that has none. */
export function chooseRules<R>(
  layer: Layer,
  /** `note`: what the layer left out of the vector's candidates and why, said where the rule would have been. */
  perVector: { vector: string; scored: Scored<R>[]; note?: string | null }[],
  maxCollateralShare: number,
  pct: (x: number) => string,
): { chosen: Chosen<R>[]; rejected: Rejection[] } {
  const chosen: Chosen<R>[] = [];
  const rejected: Rejection[] = [];
  for (const { vector, scored, note } of perVector) {
    const best = chooseRule(scored, maxCollateralShare);
    if (best) chosen.push({ vector, chosen: best, note: note ?? null });
    else rejected.push(rejectionFor(layer, vector, scored, maxCollateralShare, pct, note));
  }
  return { chosen, rejected };
}

/**
 * One recommendation per chosen rule, vectors whose chosen rules read the same made one: its attack share is the
 * smallest of theirs, so the figure holds for each of them.
 */
export function groupRecommendations<R>(layer: Layer, chosen: Chosen<R>[], render: (vectors: string[], chosen: Scored<R>) => RenderedRule): Omit<Recommendation, 'id'>[] {
  const groups: { vectors: string[]; chosen: Scored<R>; expression: string; notes: string[] }[] = [];
  for (const { vector, chosen: rule, note } of chosen) {
    const expression = render([vector], rule).expression;
    const same = groups.find((g) => g.expression === expression);
    if (!same) groups.push({ vectors: [vector], chosen: rule, expression, notes: note ? [note] : [] });
    else {
      same.vectors.push(vector);
      if (note) same.notes.push(note);
      if (rule.backtest.attackShare < same.chosen.backtest.attackShare) same.chosen = rule;
    }
  }
  return groups.map((g) => {
    const rendered = render(g.vectors, g.chosen);
    const rationale = g.notes.length ? `${rendered.rationale} Not used: ${[...new Set(g.notes)].join('; ')}.` : rendered.rationale;
    return { layer, vectors: g.vectors, ...rendered, rationale, backtest: g.chosen.backtest };
  });
}

/** chooseRules, then groupRecommendations. */
export function selectRecommendations<R>(
  layer: Layer,
  perVector: { vector: string; scored: Scored<R>[]; note?: string | null }[],
  maxCollateralShare: number,
  render: (vectors: string[], chosen: Scored<R>) => RenderedRule,
  pct: (x: number) => string,
): { recommendations: Omit<Recommendation, 'id'>[]; rejected: Rejection[] } {
  const { chosen, rejected } = chooseRules(layer, perVector, maxCollateralShare, pct);
  return { recommendations: groupRecommendations(layer, chosen, render), rejected };
}
