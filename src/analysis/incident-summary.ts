/**
 * One attack in plain sentences, for the incident report's first section: what, when, how large, what the
 * mitigation did with it and what else happened in its window. Pure: the attack's figures in, sentences out.
 */
import type { AttackBrief, AttackRow, IncidentSection, Layer, ReportModel } from '../report/model.js';
import { displayText } from '../util/display.js';
import { formatBps, formatBytes, formatCount, formatDuration, formatPercent, formatPps, formatRps, formatTime, listing } from '../util/format.js';
import { ruleSentences } from './summary.js';

const show = (value: string) => displayText(value, { maxChars: 60 });

export interface IncidentFacts {
  attack: AttackRow;
  outcomeRecorded: boolean;
  passed: IncidentSection['passed'];
  concurrent: AttackBrief[];
  otherLayers: Layer[];
  dataEndsWithAttack: boolean;
  timezone: string;
  rules: Pick<ReportModel, 'recommendations' | 'rulePolicy'>;
}

/** "203.0.113.7:53", "shop.example/cart", or null when the attack's target is not known. */
export function targetText(a: AttackRow): string | null {
  if (a.layer === 'L7') return a.target.host ? `${a.target.host}${a.target.path ?? ''}` : null;
  return a.target.ip ? `${a.target.ip}${a.target.port ? `:${a.target.port}` : ''}` : null;
}

export function incidentSentences(f: IncidentFacts): string[] {
  const a = f.attack;
  const tz = f.timezone;
  const net = a.layer === 'L3/4';
  const target = targetText(a);
  const vectors = a.vectors.length ? a.vectors.map(show).join(' + ') : 'no vector recorded';
  const out: string[] = [
    `Attack ${show(a.id)} (${net ? 'network layer, L3/4' : 'application layer, L7'}: ${vectors}) ran from ${formatTime(a.start, tz)} ` +
      `to ${formatTime(a.end, tz)}, ${formatDuration(a.durationSeconds)}${target ? `, against ${show(target)}` : ''}.`,
  ];
  const at = a.peakAt ? ` at ${formatTime(a.peakAt, tz)}` : '';
  out.push(
    net
      ? `It peaked at ${formatBps(a.peakBps)} and ${formatPps(a.peakPps)}${at}, and carried an estimated ${formatBytes(a.bytes)} in ${formatCount(a.packets)} packets.`
      : `It peaked at ${formatRps(a.peakRps)}${at}, with ${formatCount(a.events)} requests logged as security events.`,
  );
  if (!f.outcomeRecorded) {
    out.push('The data records no mitigation outcome for it, so nothing is said about what was dropped or got through.');
  } else if (net) {
    const dropped = a.bytes > 0 ? a.droppedBytes / a.bytes : null;
    out.push(
      f.passed
        ? `${formatPercent(dropped)} of its bytes were dropped; ${formatBytes(f.passed.bytes)} (${formatCount(f.passed.packets)} packets, ${formatPercent(f.passed.share)} of them) got through.`
        : 'All of its traffic was dropped; none got through.',
    );
  } else {
    out.push(
      `${formatCount(a.mitigatedEvents)} of its ${formatCount(a.events)} requests (${formatPercent(a.events > 0 ? a.mitigatedEvents / a.events : null)}) were mitigated` +
        (f.passed ? `; ${formatCount(f.passed.events)} got through.` : '; none got through.'),
    );
  }
  if (f.dataEndsWithAttack) {
    out.push("The account's data ends within minutes of the attack's last minute: the attack may still have been running when the data stops.");
  }
  if (f.concurrent.length > 0) {
    const ids = f.concurrent.slice(0, 3).map((c) => show(c.id));
    const more = f.concurrent.length > 3 ? ` and ${f.concurrent.length - 3} more` : '';
    out.push(
      `${f.concurrent.length} other attack${f.concurrent.length === 1 ? ' was' : 's were'} active in this report's window (${listing(ids)}${more}); ` +
        'the vector, target, source and mitigation sections count their traffic too.',
    );
  }
  if (f.otherLayers.length > 0) {
    out.push(`The same attack id also appears in the ${f.otherLayers.join(' and ')} telemetry; that part is in the attack list.`);
  }
  out.push(...ruleSentences(f.rules));
  return out;
}
