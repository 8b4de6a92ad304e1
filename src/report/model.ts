/**
 * The report model: everything a report says, as data. JSON output is this object; HTML and PDF render it.
 * Field names listed in the foundation issue's JSON contract are fixed; schemas/report.schema.json mirrors
 * this file and a test validates real output against it.
 */
import type { Comparison } from '../analysis/comparison.js';
import type { PassedDuringAttack } from '../analysis/efficacy.js';
import type { Recommendation, Rejection } from '../analysis/recommend.js';
import type { TrafficSignature } from '../analysis/signatures.js';

export const SCHEMA_VERSION = 1;

export type Layer = 'L3/4' | 'L7';

export interface VectorRow {
  layer: Layer;
  /** The label exactly as it appears in the data. */
  vector: string;
  /** Our taxonomy key when the label is known (e.g. l4.tcp.syn_flood), else null. */
  family: string | null;
  packets: number;
  bytes: number;
  droppedPackets: number;
  droppedBytes: number;
  events: number;
  mitigatedEvents: number;
  peakPps: number;
  peakBps: number;
  peakRps: number;
  /** ISO time of the peak minute. */
  peakAt: string | null;
}

export interface AttackRow {
  id: string;
  /** Where the attack comes from: the provider's attack id, or detection from the minute series. */
  source: 'provider' | 'detected';
  layer: Layer;
  vectors: string[];
  start: string;
  end: string;
  durationSeconds: number;
  packets: number;
  bytes: number;
  droppedPackets: number;
  droppedBytes: number;
  events: number;
  mitigatedEvents: number;
  peakPps: number;
  peakBps: number;
  peakRps: number;
  peakAt: string | null;
  /** Radar bitrate bucket of the peak (L3/4 only; Radar has none for L7). */
  sizeBucket: string | null;
  /** Radar duration bucket. */
  durationBucket: string;
  target: { ip: string | null; port: number | null; host: string | null; path: string | null; share: number };
}

export interface TopItem {
  value: string;
  label: string;
  packets: number;
  bytes: number;
  events: number;
  share: number;
}

export interface TimelinePoint {
  t: string;
  vector: string;
  packets: number;
  bytes: number;
  events: number;
  /** Rates of the bucket's busiest minute (the minute's count / 60; bits for bps). */
  peakPps: number;
  peakBps: number;
  peakRps: number;
}

/** Which span the data covers; see src/report/coverage.ts. */
export interface Coverage {
  /** Per layer: first and last minute with data inside the window (start of the first, end of the last), and the end of the last minute seen at any time; null when none. */
  layers: { layer: Layer; firstInWindow: string | null; lastInWindow: string | null; lastSeen: string | null }[];
  /** End of the last minute with data for this tenant at any time, any layer; null when it has none at all. */
  lastSeen: string | null;
  /** True when the tenant's data (any layer) stops more than a few minutes before the window ends (it may not have arrived yet). */
  dataEndsEarly: boolean;
  /** Where the data ends (lastSeen), when dataEndsEarly; else null. */
  dataEnd: string | null;
  /** Seconds of the window after dataEnd (at most the window's length); 0 when the data reaches the end. */
  missingSeconds: number;
}

export interface ReportModel {
  schemaVersion: number;
  reportId: string;
  generatedAt: string;
  source: string;
  tenant: { accountId: string; accountName: string | null; zoneIds: string[]; zoneNames: string[] };
  window: { from: string; to: string; timezone: string; durationSeconds: number; alignedToMinutes: boolean };
  /** Which span the data covers: a window whose data stops early reads as "no data", not as "no attack". */
  coverage: Coverage;
  totals: {
    l34: { packets: number; bytes: number; droppedPackets: number; droppedBytes: number; attackPackets: number; attackBytes: number };
    l7: { events: number; mitigatedEvents: number; attackEvents: number };
  };
  vectors: VectorRow[];
  attacks: AttackRow[];
  /** Attack counts per Radar bucket, every bucket listed (zeros included) in Radar's order. */
  distribution: {
    size: { bucket: string; label: string; attacks: number }[];
    duration: { bucket: string; label: string; attacks: number }[];
  };
  timeline: { bucketSeconds: number; l34: TimelinePoint[]; l7: TimelinePoint[] };
  topTargets: { ips: TopItem[]; ports: TopItem[]; hosts: TopItem[]; paths: TopItem[] };
  topSources: {
    l34: { colos: TopItem[]; asns: TopItem[]; caveat: string };
    l7: { countries: TopItem[]; asns: TopItem[]; ips: TopItem[] };
  };
  /** Period over period: this window against the previous window of the same length. */
  comparison: Comparison;
  mitigation: {
    /** Attacks during which attack traffic got through, the most traffic first (L3/4 by bytes, then L7 by requests). */
    passedDuringAttacks: PassedDuringAttack[];
    /** Whether the L3/4 data records a mitigation outcome at all (flow exports do not): without it, no dropped share is shown. */
    l34OutcomeRecorded: boolean;
    l34: { system: string; outcome: string; packets: number; bytes: number }[];
    l7: { source: string; action: string; events: number; mitigated: boolean }[];
  };
  /** Per vector and per provider attack: how the traffic spreads over rule fields, beside the baseline. */
  signatures: { baseline: string; caveats: string[]; items: TrafficSignature[] };
  /** Suggested rules, each backtested on this window's data within the collateral bound. */
  recommendations: Recommendation[];
  /** The collateral bound rules were held to, and the vectors for which no rule met it. */
  rulePolicy: { maxCollateralShare: number; rejected: Rejection[] };
  summary: {
    attackCount: number;
    l34AttackCount: number;
    l7AttackCount: number;
    largestByBps: { attackId: string | null; vector: string | null; value: number } | null;
    largestByPps: { attackId: string | null; vector: string | null; value: number } | null;
    largestByRps: { attackId: string | null; vector: string | null; value: number } | null;
    topVector: { layer: Layer; vector: string; share: number } | null;
    mitigatedShare: { l34Bytes: number | null; l7Events: number | null };
    sentences: string[];
  };
  notes: string[];
  /** Present in an incident report (one attack, `generate --attack`): the attack and how it compares with the account's earlier ones. */
  incident?: IncidentSection;
}

/** An attack in a few figures, as the incident report lists other attacks. */
export interface AttackBrief {
  id: string;
  layer: Layer;
  vectors: string[];
  start: string;
  end: string;
  durationSeconds: number;
  peakPps: number;
  peakBps: number;
  peakRps: number;
  /** The attack's largest destination: an IP at L3/4, a host at L7; null when not known. */
  target: string | null;
}

/**
 * One attack's incident: the report's window is the attack's first to last minute, padded so that its onset
 * shows, at one-minute resolution; every other section of the report covers that window.
 */
export interface IncidentSection {
  attackId: string;
  /** The attack as the attack list has it: the window holds all of it, so these are its whole figures. */
  attack: AttackRow;
  /** The attack's own span (first minute to the end of its last), and the padding around it in the window. */
  span: { start: string; end: string; paddingBeforeSeconds: number; paddingAfterSeconds: number };
  /** The account's data ends within the padding after the attack's last minute: it may still have been running. */
  dataEndsWithAttack: boolean;
  /** Other layers whose telemetry carries the same id (their part is in the attack list). */
  otherLayers: Layer[];
  /** Whether the data records the mitigation outcome for this attack (L7 always; L3/4 unless flow exports). */
  outcomeRecorded: boolean;
  /** Attack traffic that got through: packets and bytes at L3/4, requests at L7, and its share of the attack. */
  passed: { packets: number; bytes: number; events: number; share: number } | null;
  /** Other attacks active in the window: their traffic is in the report's other sections too. */
  concurrent: AttackBrief[];
  history: AttackHistory;
  /** The attack in plain sentences, most important first (the comparison's are in history.sentences). */
  sentences: string[];
}

/** How the attack compares with the account's (or zones') attacks of the same layer that started before it. */
export interface AttackHistory {
  lookbackDays: number;
  /** Earlier attacks are those that started in [from, to); to is the attack's start. */
  from: string;
  to: string;
  /** The rate the attacks are ranked by: bits per second at L3/4, requests per second at L7. */
  measure: 'bps' | 'rps';
  /** Earlier attacks of the same layer, and of the other layer (not compared: other rates). */
  earlier: number;
  earlierOtherLayer: number;
  /** Rank 1 is the largest of the earlier attacks and this one (outOf = earlier + 1); ties rank alike. */
  peak: { value: number; rank: number; outOf: number; median: number | null; largest: AttackBrief | null };
  duration: { seconds: number; rank: number; outOf: number; medianSeconds: number | null };
  /** This attack's vectors no earlier attack (of either layer) had, and those seen before, with how often and when last. */
  newVectors: string[];
  knownVectors: { vector: string; attacks: number; lastStart: string }[];
  /** How many earlier attacks had the same main target; null when this attack's target is not known. */
  sameTarget: { value: string; attacks: number } | null;
  /** The latest earlier attack of either layer. */
  previous: AttackBrief | null;
  /** The largest earlier attacks of the same layer, by peak, at most five. */
  largestEarlier: AttackBrief[];
  sentences: string[];
}
