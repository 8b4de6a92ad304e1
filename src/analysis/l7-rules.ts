/**
 * Candidate L7 rules (Cloudflare WAF custom rules) derived from a vector's signature. Each rule tests one
 * request field against a short list of values: a client fingerprint (JA4, JA3), the client network (ASN), the
 * user agent or the path. One field per rule keeps the backtest exact on the per-field rollup and the rule
 * easy to review. Values come from attacker-controlled telemetry, so they are written as escaped string
 * literals, and values that cannot be written faithfully (control characters, very long strings) are never used.
 * Pure.
 */
import { dimensionShares, type SignatureCount } from './signatures.js';
import { hasHiddenCharacter } from '../util/display.js';
import { listing } from '../util/format.js';

export type L7Field = 'ja4' | 'ja3' | 'asn' | 'userAgent' | 'path';

export interface L7Rule {
  vector: string;
  field: L7Field;
  values: string[];
}

export const L7_DIMENSIONS: Record<string, string> = {
  host: 'Host', path: 'Path', method: 'Method', userAgent: 'User agent', ja4: 'JA4', ja3: 'JA3', status: 'Edge status', country: 'Client country', asn: 'Client ASN',
};

export const l7ValueLabel = (dimension: string, value: string) =>
  value === '' ? '(empty)' : dimension === 'asn' ? (value === '0' ? 'unknown' : `AS${value}`) : value;

/** Fields in order of preference: fingerprints are the hardest for a bot to vary, paths the likeliest to be shared with people. */
const FIELDS: { field: L7Field; max: number; rulesField: string; noun: [string, string] }[] = [
  { field: 'ja4', max: 5, rulesField: 'cf.bot_management.ja4', noun: ['JA4 fingerprint', 'JA4 fingerprints'] },
  { field: 'ja3', max: 5, rulesField: 'cf.bot_management.ja3_hash', noun: ['JA3 fingerprint', 'JA3 fingerprints'] },
  { field: 'asn', max: 5, rulesField: 'ip.src.asnum', noun: ['source network', 'source networks'] },
  { field: 'userAgent', max: 5, rulesField: 'http.user_agent', noun: ['user agent', 'user agents'] },
  { field: 'path', max: 6, rulesField: 'http.request.uri.path', noun: ['path', 'paths'] },
];

const DOMINANT = 0.95;
const MAX_VALUE_LENGTH = 256;
/**
 * Visible text only: a rule must say exactly what it matches, and a reviewer must see exactly what it says. A
 * Rules-language string literal has escapes for `"` and `\` only (developers.cloudflare.com/ruleset-engine/
 * rules-language/values/), none for an arbitrary code point, so a value holding any hidden character (the class
 * in util/display.ts: tag characters, bidi controls, zero-width and format characters, controls...) cannot be
 * written visibly and rules its field out.
 */
const expressible = (field: L7Field, v: string) =>
  v !== '' && v.length <= MAX_VALUE_LENGTH && !hasHiddenCharacter(v) && (field !== 'asn' || /^[1-9][0-9]*$/.test(v));

/**
 * Fields whose values would have made a rule for the vector but hold hidden characters, as a sentence for the
 * report ("its JA4 fingerprints and paths hold hidden characters..."), or null. Said where the rule would have been.
 */
export function hiddenValueNote(counts: SignatureCount[], vector: string): string | null {
  const fields = FIELDS.filter(({ field, max }) => {
    const values = [...dimensionShares(counts, vector, field).entries()].filter(([, s]) => s.attack > 0).sort((a, b) => b[1].attack - a[1].attack);
    let covered = 0;
    for (const [value, s] of values.slice(0, max)) {
      if (hasHiddenCharacter(value)) return true;
      covered += s.attack;
      if (covered >= DOMINANT) return false;
    }
    return false;
  });
  if (fields.length === 0) return null;
  return `its ${listing(fields.map((f) => f.noun[1]))} hold hidden characters (shown as [U+…] in this report), which a Rules-language string cannot write visibly, so no rule is built on them`;
}

/** Candidate rules for one vector: for each field, the shortest list of values carrying 95% of its events. */
export function l7RuleCandidates(counts: SignatureCount[], vector: string): L7Rule[] {
  const out: L7Rule[] = [];
  for (const { field, max } of FIELDS) {
    const values = [...dimensionShares(counts, vector, field).entries()].filter(([, s]) => s.attack > 0).sort((a, b) => b[1].attack - a[1].attack);
    const chosen: string[] = [];
    let covered = 0;
    for (const [value, s] of values.slice(0, max)) {
      if (!expressible(field, value)) break;
      chosen.push(value);
      covered += s.attack;
      if (covered >= DOMINANT) {
        out.push({ vector, field, values: chosen.sort() });
        break;
      }
    }
  }
  return out;
}

/** Tie-break weight: fewer values, and fields earlier in the preference order, first. */
export const l7RuleConditions = (rule: L7Rule) => FIELDS.findIndex((f) => f.field === rule.field) * 10 + rule.values.length;

/** Parameters of queries/analysis/l7_backtest.sql (arrays indexed like the rules). */
export function l7BacktestParams(rules: L7Rule[]) {
  return {
    named: [...new Set(rules.flatMap((r) => r.values))].sort(),
    vectors: rules.map((r) => r.vector),
    fields: rules.map((r) => r.field),
    values: rules.map((r) => r.values),
  };
}

/** A Rules-language string literal: backslash and double quote escaped, its only escapes (expressible() ruled out the rest). */
export const rulesString = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Cloudflare WAF custom rule expression (Rules language). */
export function wafExpression(rule: L7Rule): string {
  const spec = FIELDS.find((f) => f.field === rule.field)!;
  const literal = (v: string) => (rule.field === 'asn' ? v : rulesString(v));
  return rule.values.length === 1
    ? `(${spec.rulesField} eq ${literal(rule.values[0]!)})`
    : `(${spec.rulesField} in {${rule.values.map(literal).join(' ')}})`;
}

/** One line saying which requests the rule singles out, in words. */
export function describeL7Rule(rule: L7Rule): string {
  const spec = FIELDS.find((f) => f.field === rule.field)!;
  return `requests with ${rule.values.length === 1 ? `one ${spec.noun[0]}` : `${rule.values.length} ${spec.noun[1]}`}`;
}
