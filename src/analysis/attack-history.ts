/**
 * How one attack compares with the account's earlier attacks: the rank of its peak and of its duration among the
 * attacks of the same layer that started in the lookback period before it, which of its vectors are new, whether
 * its target was attacked before, and the attack before it. Pure: attacks in, comparison and sentences out.
 */
import type { AttackBrief, AttackHistory, Layer } from '../report/model.js';
import { displayText } from '../util/display.js';
import { formatBps, formatDate, formatDuration, formatRps, formatTime, listing } from '../util/format.js';

/** How far back an incident report looks for the account's earlier attacks. */
export const LOOKBACK_DAYS = 90;
const LARGEST_SHOWN = 5;

const show = (value: string) => displayText(value, { maxChars: 60 });
const layerName = (layer: Layer) => (layer === 'L7' ? 'application-layer (L7)' : 'network-layer (L3/4)');

export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * `earlier` are the tenant's attacks of both layers that started in the lookback period [from, to), to being
 * this attack's start; the caller has left this attack and any that started with or after it out.
 */
export function compareWithEarlier(
  attack: AttackBrief,
  earlier: AttackBrief[],
  period: { from: string; to: string; lookbackDays: number },
  timezone: string,
): AttackHistory {
  const measure = attack.layer === 'L7' ? 'rps' : 'bps';
  const rate = (a: AttackBrief) => (measure === 'rps' ? a.peakRps : a.peakBps);
  const same = earlier.filter((a) => a.layer === attack.layer);
  // Largest first; of equal peaks the earlier attack first, so that the order is the same on every run.
  const bySize = [...same].sort((a, b) => rate(b) - rate(a) || a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
  const previous = [...earlier].sort((a, b) => b.start.localeCompare(a.start) || a.id.localeCompare(b.id))[0] ?? null;

  const knownVectors = attack.vectors
    .map((vector) => {
      const seen = earlier.filter((a) => a.vectors.includes(vector));
      const lastStart = seen.map((a) => a.start).sort().at(-1);
      return lastStart ? { vector, attacks: seen.length, lastStart } : null;
    })
    .filter((v): v is NonNullable<typeof v> => v !== null);
  const history: Omit<AttackHistory, 'sentences'> = {
    lookbackDays: period.lookbackDays,
    from: period.from,
    to: period.to,
    measure,
    earlier: same.length,
    earlierOtherLayer: earlier.length - same.length,
    peak: {
      value: rate(attack),
      rank: 1 + same.filter((a) => rate(a) > rate(attack)).length,
      outOf: same.length + 1,
      median: median(same.map(rate)),
      largest: bySize[0] ?? null,
    },
    duration: {
      seconds: attack.durationSeconds,
      rank: 1 + same.filter((a) => a.durationSeconds > attack.durationSeconds).length,
      outOf: same.length + 1,
      medianSeconds: median(same.map((a) => a.durationSeconds)),
    },
    newVectors: attack.vectors.filter((v) => !knownVectors.some((k) => k.vector === v)),
    knownVectors,
    sameTarget: attack.target ? { value: attack.target, attacks: same.filter((a) => a.target === attack.target).length } : null,
    previous,
    largestEarlier: bySize.slice(0, LARGEST_SHOWN),
  };
  return { ...history, sentences: historySentences(attack, history, timezone) };
}

function historySentences(attack: AttackBrief, h: Omit<AttackHistory, 'sentences'>, tz: string): string[] {
  const fmt = h.measure === 'rps' ? formatRps : formatBps;
  const days = `the ${h.lookbackDays} days before it`;
  const out: string[] = [];
  if (h.earlier === 0) {
    const others = h.earlierOtherLayer ? ` (${h.earlierOtherLayer} attack${h.earlierOtherLayer === 1 ? '' : 's'} of the other layer were recorded in that time)` : '';
    out.push(`It is the first ${layerName(attack.layer)} attack on this account in ${days}${others}.`);
  } else {
    const largest = h.peak.largest!;
    const layer = layerName(attack.layer);
    const ratio = h.peak.median && h.peak.median > 0 ? `, ${(h.peak.value / h.peak.median).toFixed(1)} times the median earlier peak (${fmt(h.peak.median)})` : '';
    const largestText = `${fmt(h.measure === 'rps' ? largest.peakRps : largest.peakBps)} on ${formatDate(largest.start, tz)}`;
    out.push(
      h.peak.rank === 1
        ? `Its peak of ${fmt(h.peak.value)} is the largest of the account's ${layer} attacks in ${days} (${h.earlier} earlier)${ratio}; the largest before it peaked at ${largestText}.`
        : `Its peak of ${fmt(h.peak.value)} ranks ${ordinal(h.peak.rank)} of the account's ${h.peak.outOf} ${layer} attacks in ${days}, this one included${ratio}; the largest peaked at ${largestText}.`,
    );
    const longest = h.duration.rank === 1 ? ', longer than any of them' : '';
    out.push(`It lasted ${formatDuration(h.duration.seconds)}; the median earlier attack of its layer lasted ${formatDuration(h.duration.medianSeconds ?? 0)}${longest}.`);
  }
  if (h.newVectors.length > 0 && h.earlier + h.earlierOtherLayer > 0) {
    out.push(`New for this account: ${listing(h.newVectors.map(show))} appeared in none of its attacks in ${days}.`);
  }
  for (const k of h.knownVectors.slice(0, 3)) {
    out.push(`${show(k.vector)} was seen in ${k.attacks} earlier attack${k.attacks === 1 ? '' : 's'}, the last on ${formatDate(k.lastStart, tz)}.`);
  }
  if (h.sameTarget && h.earlier > 0) {
    out.push(
      h.sameTarget.attacks > 0
        ? `Its main target, ${show(h.sameTarget.value)}, was also the main target of ${h.sameTarget.attacks} earlier attack${h.sameTarget.attacks === 1 ? '' : 's'}.`
        : `Its main target, ${show(h.sameTarget.value)}, was not the main target of any earlier attack in that time.`,
    );
  }
  if (h.previous) {
    const gap = (Date.parse(attack.start) - Date.parse(h.previous.start)) / 1000;
    out.push(`The attack before it (${show(h.previous.id)}, ${h.previous.layer}) began ${formatDuration(gap)} earlier, at ${formatTime(h.previous.start, tz)}.`);
  }
  return out;
}
