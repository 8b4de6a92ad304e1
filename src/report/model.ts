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
}
