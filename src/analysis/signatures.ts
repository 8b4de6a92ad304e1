/**
 * Traffic signatures: for each attack vector (and each provider attack), how its traffic is distributed over
 * the fields a rule can match, set beside the baseline's distribution over the same values. A value the attack
 * concentrates on and the baseline rarely carries is what a rule can use. Pure: callers pass the per-value
 * counts that the signature queries return.
 */
import type { Layer } from '../report/model.js';

export interface SignatureCount {
  /** Attack vector; '' is the baseline (traffic attributed to no attack). */
  vector: string;
  /** Provider attack id for per-attack rows, '' for per-vector rows. */
  attackId: string;
  dimension: string;
  value: string;
  count: number;
}

export interface SignatureValue {
  value: string;
  /** Human-readable form of the value (e.g. "450–499 B"), for the PDF. */
  label: string;
  /** Share of the scope's attack traffic carrying this value, 0..1. */
  attackShare: number;
  /** Share of the baseline carrying this value, 0..1. */
  baselineShare: number;
}

export interface SignatureDimension {
  dimension: string;
  label: string;
  values: SignatureValue[];
}

export interface TrafficSignature {
  layer: Layer;
  scope: 'vector' | 'attack';
  vector: string;
  attackId: string | null;
  measure: 'packets' | 'requests';
  attackTotal: number;
  baselineTotal: number;
  /** Distinct source addresses and /24 (IPv4) or /48 (IPv6) networks, HyperLogLog estimates; null when not known. */
  sources: { addresses: number; networks: number } | null;
  dimensions: SignatureDimension[];
}

export type ValueLabeller = (dimension: string, value: string) => string;

/** The pseudo-dimension carrying each scope's total. */
export const TOTAL_DIMENSION = 'all';

/**
 * Builds one signature per scope (vector, or vector and attack id) from per-value counts. Values are listed
 * largest first, at most `maxValues` per dimension; `dimensionLabels` fixes the order and the names shown.
 */
export function buildSignatures(
  layer: Layer,
  counts: SignatureCount[],
  dimensionLabels: Record<string, string>,
  labelValue: ValueLabeller,
  maxValues = 5,
): TrafficSignature[] {
  const baseline = new Map<string, number>();
  let baselineTotal = 0;
  const scopes = new Map<string, { vector: string; attackId: string; rows: SignatureCount[] }>();
  for (const c of counts) {
    if (c.vector === '') {
      if (c.dimension === TOTAL_DIMENSION) baselineTotal += c.count;
      else baseline.set(`${c.dimension}\u0000${c.value}`, c.count);
      continue;
    }
    const key = `${c.vector}\u0000${c.attackId}`;
    let scope = scopes.get(key);
    if (!scope) scopes.set(key, (scope = { vector: c.vector, attackId: c.attackId, rows: [] }));
    scope.rows.push(c);
  }
  const signatures: TrafficSignature[] = [];
  for (const scope of scopes.values()) {
    const attackTotal = scope.rows.filter((r) => r.dimension === TOTAL_DIMENSION).reduce((a, r) => a + r.count, 0);
    if (attackTotal <= 0) continue;
    const dimensions = Object.entries(dimensionLabels).map(([dimension, label]) => ({
      dimension,
      label,
      values: scope.rows
        .filter((r) => r.dimension === dimension)
        .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
        .slice(0, maxValues)
        // Values under 1% of the attack say nothing about it; the largest value is always kept.
        .filter((r, i) => i === 0 || r.count / attackTotal >= 0.01)
        .map((r) => ({
          value: r.value,
          label: labelValue(dimension, r.value),
          attackShare: r.count / attackTotal,
          baselineShare: baselineTotal > 0 ? (baseline.get(`${dimension}\u0000${r.value}`) ?? 0) / baselineTotal : 0,
        })),
    }));
    signatures.push({
      layer,
      scope: scope.attackId === '' ? 'vector' : 'attack',
      vector: scope.vector,
      attackId: scope.attackId === '' ? null : scope.attackId,
      measure: layer === 'L3/4' ? 'packets' : 'requests',
      attackTotal,
      baselineTotal,
      sources: null,
      dimensions: dimensions.filter(informative),
    });
  }
  return signatures.sort((a, b) => a.scope.localeCompare(b.scope) || b.attackTotal - a.attackTotal || a.vector.localeCompare(b.vector));
}

/**
 * A field tells something when it has values and they are not one value shared alike by attack and baseline:
 * that is what a field looks like when the data does not record it (flow exports carry no TTL, no packet
 * length, no data centre), and it would only add a row of 100% · 100%.
 */
function informative(d: SignatureDimension): boolean {
  if (d.values.length === 0) return false;
  const [only] = d.values;
  return !(d.values.length === 1 && only!.attackShare > 0.999 && only!.baselineShare > 0.999);
}

/** Shares of one dimension for every value seen in the attack, for rule derivation (not truncated). */
export function dimensionShares(counts: SignatureCount[], vector: string, dimension: string): Map<string, { attack: number; baseline: number }> {
  const total = (v: string) => counts.filter((c) => c.vector === v && c.attackId === '' && c.dimension === TOTAL_DIMENSION).reduce((a, c) => a + c.count, 0);
  const attackTotal = total(vector);
  const baselineTotal = total('');
  const out = new Map<string, { attack: number; baseline: number }>();
  for (const c of counts) {
    if (c.attackId !== '' || c.dimension !== dimension) continue;
    if (c.vector !== vector && c.vector !== '') continue;
    const entry = out.get(c.value) ?? { attack: 0, baseline: 0 };
    if (c.vector === vector) entry.attack = attackTotal > 0 ? c.count / attackTotal : 0;
    else entry.baseline = baselineTotal > 0 ? c.count / baselineTotal : 0;
    out.set(c.value, entry);
  }
  return out;
}
