import type { ReportModel } from '../report/model.js';
import { displayText } from '../util/display.js';
import { formatBps, formatBytes, formatCount, formatDate, formatDuration, formatFineShare, formatPercent, formatPps, formatRps, formatTime, listing, signedPercent } from '../util/format.js';

type SummaryInput = Omit<ReportModel, 'summary'>;

const largest = (items: { id: string | null; vector: string | null; value: number }[]) => {
  let best: (typeof items)[number] | null = null;
  for (const item of items) if (item.value > 0 && (!best || item.value > best.value)) best = item;
  return best ? { attackId: best.id, vector: best.vector, value: best.value } : null;
};

/** Telemetry text inside a sentence: hidden characters as markers, and short enough to read. */
const show = (value: string) => displayText(value, { maxChars: 60 });
const names = (values: string[], sep = ', ') => values.map(show).join(sep);

/**
 * " against X" when the attack's main target is known. Nothing is claimed otherwise: a detected attack has no
 * resolved target, and a provider attack has none when its rows carry no vector (the target rollups hold
 * vector-labelled traffic only), which says nothing about how many targets it had.
 */
const against = (target: string | null) => (target ? ` against ${show(target)}` : '');

/** An attack's vectors as a name; the data may give an attack id without any vector. */
const vectorNames = (vectors: string[]) => (vectors.length > 0 ? names(vectors, ' + ') : 'no vector recorded');


/** What the suggested rules would do, and which vectors have no safe rule. */
export function ruleSentences(m: Pick<SummaryInput, 'recommendations' | 'rulePolicy'>): string[] {
  const out: string[] = [];
  const recs = m.recommendations;
  const bound = formatFineShare(m.rulePolicy.maxCollateralShare);
  if (recs.length > 0) {
    const covered = recs.flatMap((r) => r.vectors);
    out.push(
      `${recs.length} mitigation rule${recs.length === 1 ? ' is' : 's are'} suggested, covering ${covered.length} vector${covered.length === 1 ? '' : 's'}; ` +
        `each was replayed on this window's data and matches at most ${bound} of legitimate traffic.`,
    );
    const stopping = [...recs].sort((a, b) => b.backtest.passedAttackStopped - a.backtest.passedAttackStopped)[0]!;
    if (stopping.backtest.passedAttackStopped > 0) {
      out.push(
        `Rule ${stopping.id} (${names(stopping.vectors)}) would have stopped ${formatCount(stopping.backtest.passedAttackStopped)} attack ` +
          `${stopping.backtest.measure} that got through.`,
      );
    }
  }
  // Only vectors refused for their collateral are "outside the bound"; the others (ICMP, which path-MTU discovery
  // needs; no candidate at all) have their own reason, which the rules section gives.
  const overBound = m.rulePolicy.rejected.filter((r) => r.bestCollateralShare !== null);
  const otherwise = m.rulePolicy.rejected.filter((r) => r.bestCollateralShare === null);
  if (overBound.length > 0) {
    out.push(`No safe static rule exists for ${listing(overBound.map((r) => show(r.vector)))} within the ${bound} collateral bound.`);
  }
  if (otherwise.length > 0) {
    out.push(`No static rule is suggested for ${listing(otherwise.map((r) => show(r.vector)))}; the suggested rules section says why.`);
  }
  return out;
}

/**
 * The executive summary: counts, the largest attack by each rate, the top vector and how much was mitigated,
 * plus the same facts as plain sentences, most important first. Pure: the model in, the summary out.
 */
export function summarize(m: SummaryInput): ReportModel['summary'] {
  const l34 = m.attacks.filter((a) => a.layer === 'L3/4');
  const l7 = m.attacks.filter((a) => a.layer === 'L7');
  // Without attack ids (e.g. flow exports) the largest "attack" is the largest vector peak.
  const byAttack = m.attacks.length > 0;
  const candidates = (pick: (x: { peakBps: number; peakPps: number; peakRps: number }) => number) =>
    byAttack
      ? m.attacks.map((a) => ({ id: a.id, vector: a.vectors.join(' + ') || null, value: pick(a) }))
      : m.vectors.map((v) => ({ id: null, vector: v.vector, value: pick(v) }));
  const largestByBps = largest(candidates((x) => x.peakBps));
  const largestByPps = largest(candidates((x) => x.peakPps));
  const largestByRps = largest(candidates((x) => x.peakRps));

  const netVectors = m.vectors.filter((v) => v.layer === 'L3/4');
  const l7Vectors = m.vectors.filter((v) => v.layer === 'L7');
  const netAttackBytes = netVectors.reduce((s, v) => s + v.bytes, 0);
  const l7AttackEvents = l7Vectors.reduce((s, v) => s + v.events, 0);
  let topVector: ReportModel['summary']['topVector'] = null;
  const topNet = netVectors[0];
  const topL7 = l7Vectors[0];
  if (topNet && netAttackBytes > 0) topVector = { layer: 'L3/4', vector: topNet.vector, share: topNet.bytes / netAttackBytes };
  else if (topL7 && l7AttackEvents > 0) topVector = { layer: 'L7', vector: topL7.vector, share: topL7.events / l7AttackEvents };

  const attackBytes = m.totals.l34.attackBytes;
  const droppedAttackBytes = netVectors.reduce((s, v) => s + v.droppedBytes, 0);
  // Flow exports carry no outcome at all: say "no mitigation data" rather than "0% dropped".
  const hasOutcome = m.mitigation.l34OutcomeRecorded;
  const mitigatedShare = {
    l34Bytes: attackBytes > 0 && hasOutcome ? droppedAttackBytes / attackBytes : null,
    l7Events: m.totals.l7.events > 0 ? m.totals.l7.mitigatedEvents / m.totals.l7.events : null,
  };

  const sentences: string[] = [];
  const tz = m.window.timezone;
  const noData = m.totals.l34.packets === 0 && m.totals.l7.events === 0;
  if (m.coverage.dataEndsEarly && m.coverage.dataEnd) {
    // First of all: a window whose data has not all arrived must not read as a quiet one.
    sentences.push(
      `The data ends at ${formatTime(m.coverage.dataEnd, tz)}, ${formatDuration(m.coverage.missingSeconds)} before the end of this window: ` +
        'later traffic may not have arrived yet (or there was none); nothing below covers that part of the window.',
    );
  }
  if (noData) {
    sentences.push('No traffic or security events were seen for this account in the reporting window.');
  } else {
    if (byAttack) {
      const detected = m.attacks.filter((a) => a.source === 'detected').length;
      sentences.push(
        `${m.attacks.length} attack${m.attacks.length === 1 ? '' : 's'} targeted this account: ` +
          `${l34.length} at the network layer (L3/4) and ${l7.length} at the application layer (L7)` +
          (detected ? `; ${detected === m.attacks.length ? 'all' : detected} detected from the traffic itself, as the data carries no attack ids.` : '.'),
      );
    } else if (m.vectors.length > 0) {
      sentences.push(`Attack traffic of ${m.vectors.length} vector${m.vectors.length === 1 ? '' : 's'} was seen; the data carries no attack ids, so no attack list is given.`);
    } else {
      sentences.push('No attack traffic was identified in the reporting window.');
    }
    const big = m.attacks.find((a) => a.id === largestByBps?.attackId);
    if (largestByBps && big) {
      sentences.push(
        `The largest network-layer attack peaked at ${formatBps(largestByBps.value)} (${formatPps(big.peakPps)}) ` +
          `at ${big.peakAt ? formatTime(big.peakAt, tz) : formatTime(big.start, tz)}: ${vectorNames(big.vectors)}${against(big.target.ip)}.`,
      );
    } else if (largestByBps) {
      sentences.push(`The largest network-layer peak was ${formatBps(largestByBps.value)} (${show(largestByBps.vector ?? '')}).`);
    }
    const bigL7 = m.attacks.find((a) => a.id === largestByRps?.attackId);
    if (largestByRps && bigL7) {
      sentences.push(
        `The largest application-layer attack peaked at ${formatRps(largestByRps.value)}: ${vectorNames(bigL7.vectors)}${against(bigL7.target.host)}.`,
      );
    } else if (largestByRps) {
      sentences.push(`The largest application-layer peak was ${formatRps(largestByRps.value)} (${show(largestByRps.vector ?? '')}).`);
    }
    if (topVector) {
      sentences.push(`${show(topVector.vector)} was the top vector, ${formatPercent(topVector.share)} of ${topVector.layer === 'L3/4' ? 'attack bytes' : 'attack requests'}.`);
    }
    const cmp = m.comparison;
    const attacksMetric = cmp.metrics.find((x) => x.metric === 'attacks');
    const period = `the previous period (${formatDate(cmp.previous.from, tz)} – ${formatDate(new Date(Date.parse(cmp.previous.to) - 1).toISOString(), tz)})`;
    if (!cmp.previousHasData) {
      // Before the data starts, "no attacks" would be a claim the data cannot make.
      sentences.push(`There is no data for ${period}, so this period is not compared with it.`);
    } else if (attacksMetric && byAttack) {
      sentences.push(
        attacksMetric.change === null
          ? `No attacks were recorded in ${period}.`
          : `Compared with ${period}, attacks went from ${attacksMetric.previous} to ${attacksMetric.current} (${signedPercent(attacksMetric.change)}).`,
      );
    }
    if (cmp.newVectors.length > 0 && attacksMetric && attacksMetric.previous > 0) {
      sentences.push(`New this period: ${names(cmp.newVectors.map((v) => v.vector))}.`);
    }
    if (cmp.goneVectors.length > 0) {
      sentences.push(`Seen in the previous period but not in this one: ${names(cmp.goneVectors.map((v) => v.vector))}.`);
    }
    if (cmp.newTargets.length > 0 && attacksMetric && attacksMetric.previous > 0) {
      const shown = cmp.newTargets.slice(0, 3).map((t) => show(t.value));
      sentences.push(`Targets not attacked in the previous period: ${shown.join(', ')}${cmp.newTargets.length > 3 ? ` and ${cmp.newTargets.length - 3} more` : ''}.`);
    }
    if (mitigatedShare.l34Bytes !== null) {
      sentences.push(`${formatPercent(mitigatedShare.l34Bytes)} of network-layer attack traffic (${formatBytes(droppedAttackBytes)}) was dropped.`);
      const worst = m.mitigation.passedDuringAttacks.find((p) => p.layer === 'L3/4');
      if (worst) {
        // Ranked by the volume that got through (what reached the customer), not by the share of the attack.
        sentences.push(
          `By volume, the most attack traffic got through during the ${vectorNames(worst.vectors)} attack of ${formatTime(worst.start, tz)}: ` +
            `${formatBytes(worst.passedBytes)} passed (${formatPercent(worst.passedShare)} of its packets).`,
        );
      }
    } else if (attackBytes > 0 || m.totals.l34.attackPackets > 0) {
      sentences.push('The network-layer data carries no mitigation outcome, so nothing is said about what was dropped.');
    }
    if (mitigatedShare.l7Events !== null) {
      sentences.push(`${formatCount(m.totals.l7.mitigatedEvents)} of ${formatCount(m.totals.l7.events)} application-layer security events (${formatPercent(mitigatedShare.l7Events)}) were mitigated.`);
    }
    sentences.push(...ruleSentences(m));
  }
  sentences.push(`Times are shown in ${tz}.`);
  return {
    attackCount: m.attacks.length,
    l34AttackCount: l34.length,
    l7AttackCount: l7.length,
    largestByBps,
    largestByPps,
    largestByRps,
    topVector,
    mitigatedShare,
    sentences,
  };
}
