/**
 * The incident report of one attack: the report pipeline run on the attack's own window (its first to last
 * minute, padded so that the onset shows) at one-minute resolution, with a section on the attack itself and on
 * how it compares with the account's earlier attacks. One operation for the CLI (`generate --attack`) and the
 * web server.
 */
import { createHash } from 'node:crypto';
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { together } from '../clickhouse/together.js';
import { EARLIEST_TIME_MS } from '../clickhouse/time.js';
import { RuntimeFailure } from '../errors.js';
import { LOOKBACK_DAYS, compareWithEarlier } from '../analysis/attack-history.js';
import { incidentSentences } from '../analysis/incident-summary.js';
import { attacksInWindow, findAttack, mainTargets, UnknownAttack, type ListedAttack } from './attacks.js';
import { buildReport } from './build.js';
import { COVERAGE_TOLERANCE_SECONDS, dataCoverage } from './coverage.js';
import { publishReport, type GenerateOptions, type GenerateResult } from './generate.js';
import type { AttackBrief, AttackRow, IncidentSection, ReportModel } from './model.js';
import { checkWindow, parseTimezone } from './window.js';

export interface IncidentRequest {
  accountId: string;
  attackId: string;
  /** IANA time zone the report shows its times in. */
  tz: string;
  /** Restrict to these zones (account-level L3/4 traffic is then left out, as in window reports). */
  zoneIds?: string[];
  /** Bound on a suggested rule's collateral share (0..1); the window report's default when absent. */
  maxCollateralShare?: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** One-minute bars up to this window length; beyond it, the usual 100-300 bars (each still showing one-minute peaks). */
const ONE_MINUTE_TIMELINE_MAX_MS = DAY;

/** Minutes shown either side of the attack: a tenth of its length, at least 10 and at most 60. */
export function attackPaddingMs(durationMs: number): number {
  return Math.min(60, Math.max(10, Math.ceil(durationMs / MINUTE / 10))) * MINUTE;
}

/** Builds the incident report's model (every query bound to the tenant, the attack id and its window). */
export async function buildIncidentReport(target: ClickHouseTarget, req: IncidentRequest): Promise<ReportModel> {
  const zoneIds = req.zoneIds ?? [];
  const timezone = parseTimezone(req.tz);
  const span = await findAttack(target, { accountId: req.accountId, zoneIds, attackId: req.attackId });
  if (!span) throw new UnknownAttack(req.accountId, req.attackId, zoneIds);
  const [primary] = span.layers;
  const pad = attackPaddingMs(span.endMs - span.startMs);
  // Padding past the end of the data would read as "data missing"; the window stops where the data does.
  const coverage = await dataCoverage(target, { accountId: req.accountId, zoneIds, window: { fromMs: span.startMs, toMs: span.endMs, timezone, aligned: false } });
  const lastSeenMs = coverage.lastSeen ? Date.parse(coverage.lastSeen) : span.endMs;
  const fromMs = span.startMs - pad;
  const toMs = Math.min(span.endMs + pad, Math.max(span.endMs, lastSeenMs));
  checkWindow(fromMs, toMs, { from: `the start of attack ${req.attackId}'s window`, to: 'its end' });
  const window = { fromMs, toMs, timezone, aligned: false };
  const lookbackFromMs = Math.max(EARLIEST_TIME_MS, span.startMs - LOOKBACK_DAYS * DAY);
  const oneMinute = toMs - fromMs <= ONE_MINUTE_TIMELINE_MAX_MS;

  const [model, lookback, targets] = await together(target, [
    () => buildReport(target, { accountId: req.accountId, zoneIds, window, maxCollateralShare: req.maxCollateralShare, timelineBucketSeconds: oneMinute ? 60 : undefined }),
    // To the attack's end, so that an earlier attack still running when this one began is counted whole.
    () => attacksInWindow(target, req.accountId, zoneIds, lookbackFromMs, span.endMs),
    () => mainTargets(target, req.accountId, zoneIds, lookbackFromMs, span.endMs),
  ] as const);

  const attack = model.attacks.find((a) => a.id === req.attackId && a.layer === primary!.layer);
  if (!attack) throw new RuntimeFailure(`attack ${req.attackId} was found but its window ${new Date(fromMs).toISOString()} to ${new Date(toMs).toISOString()} holds none of its traffic; was the data changed meanwhile? Try again`);
  const earlier = lookback
    .filter((a) => a.id !== req.attackId && Date.parse(a.start) < span.startMs)
    .map((a) => listedBrief(a, targets.get(`${a.layer} ${a.id}`) ?? null));
  const history = compareWithEarlier(
    rowBrief(attack),
    earlier,
    { from: new Date(lookbackFromMs).toISOString(), to: new Date(span.startMs).toISOString(), lookbackDays: LOOKBACK_DAYS },
    timezone,
  );
  const passedRow = model.mitigation.passedDuringAttacks.find((p) => p.attackId === attack.id && p.layer === attack.layer);
  const facts = {
    attack,
    outcomeRecorded: attack.layer === 'L7' || model.mitigation.l34OutcomeRecorded,
    passed: passedRow ? { packets: passedRow.passedPackets, bytes: passedRow.passedBytes, events: passedRow.passedEvents, share: passedRow.passedShare } : null,
    concurrent: model.attacks.filter((a) => a.id !== req.attackId).map(rowBrief),
    otherLayers: span.layers.slice(1).map((l) => l.layer),
    dataEndsWithAttack: lastSeenMs - span.endMs < COVERAGE_TOLERANCE_SECONDS * 1000,
  };
  const incident: IncidentSection = {
    attackId: req.attackId,
    ...facts,
    span: {
      start: new Date(span.startMs).toISOString(), end: new Date(span.endMs).toISOString(),
      paddingBeforeSeconds: (span.startMs - fromMs) / 1000, paddingAfterSeconds: (toMs - span.endMs) / 1000,
    },
    history,
    sentences: [...incidentSentences({ ...facts, timezone, rules: model }), `Times are shown in ${timezone}.`],
  };
  const notes = oneMinute ? model.notes : [...model.notes, `The attack's window is longer than a day, so the timeline shows ${model.timeline.bucketSeconds / 60}-minute intervals (each bar still the interval's busiest minute).`];
  return { ...model, reportId: incidentReportId(req.accountId, zoneIds, req.attackId, window), notes, incident };
}

/** Builds, renders and writes one attack's incident report: the same options and result as generateReport. */
export async function generateIncidentReport(target: ClickHouseTarget, req: IncidentRequest, opts: GenerateOptions): Promise<GenerateResult> {
  const t0 = performance.now();
  return publishReport(await buildIncidentReport(target, req), opts, t0);
}

function rowBrief(a: AttackRow): AttackBrief {
  return {
    id: a.id, layer: a.layer, vectors: a.vectors, start: a.start, end: a.end, durationSeconds: a.durationSeconds,
    peakPps: a.peakPps, peakBps: a.peakBps, peakRps: a.peakRps, target: a.layer === 'L7' ? a.target.host : a.target.ip,
  };
}

function listedBrief(a: ListedAttack, target: string | null): AttackBrief {
  return {
    id: a.id, layer: a.layer, vectors: a.vectors, start: a.start, end: a.end, durationSeconds: a.durationSeconds,
    peakPps: a.peakPps, peakBps: a.peakBps, peakRps: a.peakRps, target,
  };
}

/** Stable: the same attack, tenant and window give the same id (and never a window report's id). */
function incidentReportId(accountId: string, zoneIds: string[], attackId: string, window: { fromMs: number; toMs: number; timezone: string }): string {
  const h = createHash('sha256').update(JSON.stringify(['incident', accountId, [...zoneIds].sort(), attackId, window.fromMs, window.toMs, window.timezone])).digest('hex');
  return `AR-${h.slice(0, 10).toUpperCase()}`;
}
