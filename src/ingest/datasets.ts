/**
 * How each Logpush dataset's fields become columns of our tables. Field names are matched without regard to
 * case, since spellings changed across Logpush versions (`IPTtl` and `IPTTL`, `TCPMss` and `TCPMSS`), and a
 * column may have several source fields (`SourceASNName`, formerly `SourceASNDescription`). Fields a
 * dataset has that no column keeps are ignored and counted in the summary.
 */
import { parseIp, parseText, parseTimestamp, parseUInt, RowError, clickhouseTime } from './values.js';

type Convert = (value: unknown, field: string) => string | number;

interface Column {
  /** Source fields, first present wins. */
  from: string[];
  convert: Convert;
}

export interface Dataset {
  name: string;
  table: 'net_samples' | 'l7_events';
  /** Column → its source fields and conversion; `Datetime` is required of every line. */
  columns: Record<string, Column>;
  /** Values every row gets. */
  constants?: Record<string, string | number>;
  /** Why a valid line is not loaded (counted in the summary, never silently dropped), or null to load it. */
  skip?: (row: Record<string, string | number>) => string | null;
}

const text: Convert = (v, f) => parseText(v, f);
const u8: Convert = (v, f) => parseUInt(v, f, 8);
const u16: Convert = (v, f) => parseUInt(v, f, 16);
const u32: Convert = (v, f) => parseUInt(v, f, 32);
const ip: Convert = (v, f) => parseIp(v, f);
const time: Convert = (v, f) => clickhouseTime(parseTimestamp(v, f));
const upper: Convert = (v, f) => parseText(v, f).toUpperCase();
/** Old exports name the data centre `ColoName` ("SJC", or "fra16" in newer ones): its letters are the code. */
const coloCode: Convert = (v, f) => parseText(v, f).replace(/\d+$/, '').toUpperCase();
const col = (convert: Convert, ...from: string[]): Column => ({ from, convert });
/** http_requests lists several security actions, sources and rules; the first is the one that acted. */
const first: Convert = (v, f) => parseText(Array.isArray(v) ? (v[0] ?? '') : v, f);

/** The request fields firewall_events and http_requests share. */
const REQUEST_COLUMNS: Record<string, Column> = {
  RayID: col(text, 'RayID', 'RayName'),
  ClientIP: col(ip, 'ClientIP'),
  ClientASN: col(u32, 'ClientASN'),
  ClientCountry: col(upper, 'ClientCountry'),
  ClientRequestHost: col(text, 'ClientRequestHost'),
  ClientRequestMethod: col(text, 'ClientRequestMethod'),
  ClientRequestPath: col(text, 'ClientRequestPath'),
  ClientRequestQuery: col(text, 'ClientRequestQuery'),
  ClientRequestProtocol: col(text, 'ClientRequestProtocol'),
  ClientRequestUserAgent: col(text, 'ClientRequestUserAgent', 'UserAgent'),
  EdgeColoCode: col(upper, 'EdgeColoCode', 'EdgeColoName'),
  EdgeResponseStatus: col(u16, 'EdgeResponseStatus'),
  OriginResponseStatus: col(u16, 'OriginResponseStatus'),
  JA3Hash: col(text, 'JA3Hash'),
  JA4: col(text, 'JA4'),
  BotScore: col(u8, 'BotScore'),
  ZoneName: col(text, 'ZoneName'),
};

export const DATASETS: Record<string, Dataset> = {
  network_analytics_logs: {
    name: 'network_analytics_logs',
    table: 'net_samples',
    columns: {
      Datetime: col(time, 'Datetime'),
      SampleInterval: col(u32, 'SampleInterval'),
      AttackID: col(text, 'AttackID'),
      AttackCampaignID: col(text, 'AttackCampaignID'),
      AttackVector: col(text, 'AttackVector'),
      RuleID: col(text, 'RuleID'),
      RuleName: col(text, 'RuleName'),
      RulesetID: col(text, 'RulesetID'),
      MitigationSystem: col(text, 'MitigationSystem'),
      MitigationReason: col(text, 'MitigationReason'),
      MitigationScope: col(text, 'MitigationScope'),
      Outcome: col(text, 'Outcome'),
      Verdict: col(text, 'Verdict'),
      Direction: col(text, 'Direction'),
      ColoCode: { from: ['ColoCode', 'ColoName'], convert: (v, f) => (f.toLowerCase() === 'coloname' ? coloCode(v, f) : upper(v, f)) },
      ColoCity: col(text, 'ColoCity'),
      ColoCountry: col(upper, 'ColoCountry'),
      IPSourceAddress: col(ip, 'IPSourceAddress'),
      IPDestinationAddress: col(ip, 'IPDestinationAddress'),
      IPProtocol: col(u8, 'IPProtocol'),
      IPProtocolName: col(upper, 'IPProtocolName'),
      IPTotalLength: col(u16, 'IPTotalLength'),
      IPTTL: col(u8, 'IPTTL'),
      IPFragmentOffset: col(u16, 'IPFragmentOffset'),
      IPMoreFragments: { from: ['IPMoreFragments'], convert: (v, f) => (parseUInt(v, f, 16) > 0 ? 1 : 0) },
      SourcePort: col(u16, 'SourcePort'),
      DestinationPort: col(u16, 'DestinationPort'),
      TCPFlags: col(u8, 'TCPFlags'),
      TCPFlagsString: col(text, 'TCPFlagsString'),
      TCPWindowSize: col(u16, 'TCPWindowSize'),
      ICMPType: col(u8, 'ICMPType'),
      ICMPCode: col(u8, 'ICMPCode'),
      SourceASN: col(u32, 'SourceASN'),
      SourceASNName: col(text, 'SourceASNName', 'SourceASNDescription'),
      SourceCountry: col(upper, 'SourceCountry'),
      DestinationASN: col(u32, 'DestinationASN'),
      DestinationCountry: col(upper, 'DestinationCountry'),
    },
  },
  firewall_events: {
    name: 'firewall_events',
    table: 'l7_events',
    columns: {
      ...REQUEST_COLUMNS,
      Datetime: col(time, 'Datetime'),
      Kind: col(text, 'Kind'),
      Source: col(text, 'Source'),
      Action: col(text, 'Action'),
      RuleID: col(text, 'RuleID'),
      Description: col(text, 'Description'),
      MatchIndex: col(u8, 'MatchIndex'),
      ClientASNDescription: col(text, 'ClientASNDescription'),
    },
  },
  // http_requests logs every request; l7_events holds security events (one per rule match), so only the
  // requests a security product acted on are loaded, and the others are counted as skipped.
  http_requests: {
    name: 'http_requests',
    table: 'l7_events',
    constants: { Kind: 'http_requests' },
    columns: {
      ...REQUEST_COLUMNS,
      Datetime: col(time, 'EdgeStartTimestamp', 'Datetime'),
      Source: col(first, 'SecuritySources', 'SecuritySource'),
      Action: col(first, 'SecurityAction', 'SecurityActions'),
      RuleID: col(first, 'SecurityRuleID', 'SecurityRuleIDs'),
      Description: col(text, 'SecurityRuleDescription'),
    },
    skip: (row) => (row.Action ? null : 'no security action (l7_events holds security events only)'),
  },
};

export interface MappedRow {
  row: Record<string, string | number>;
  /** Fields of the line that no column keeps. */
  ignored: string[];
  /** Why this valid line is not loaded, if it is not. */
  skipped: string | null;
}

/** Lower-cased field name → column, per dataset, built once. */
const lookups = new Map<Dataset, Map<string, string>>();

function lookup(ds: Dataset): Map<string, string> {
  let map = lookups.get(ds);
  if (!map) {
    map = new Map();
    for (const [column, def] of Object.entries(ds.columns)) for (const f of def.from) map.set(f.toLowerCase(), column);
    lookups.set(ds, map);
  }
  return map;
}

/** One parsed JSON line → a row of the dataset's table (the tenant columns are added by the loader). */
export function mapRecord(ds: Dataset, record: unknown): MappedRow {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new RowError('the line is not a JSON object');
  const byColumn = new Map<string, { field: string; value: unknown; rank: number }>();
  const ignored: string[] = [];
  const map = lookup(ds);
  for (const [field, value] of Object.entries(record as Record<string, unknown>)) {
    const column = map.get(field.toLowerCase());
    if (!column) {
      ignored.push(field);
      continue;
    }
    // Empty values are absent: the column keeps its default, and another spelling of the field may fill it.
    if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    const rank = ds.columns[column]!.from.findIndex((f) => f.toLowerCase() === field.toLowerCase());
    const seen = byColumn.get(column);
    if (!seen || rank < seen.rank) byColumn.set(column, { field, value, rank });
  }
  if (!byColumn.has('Datetime')) throw new RowError(`no ${ds.columns.Datetime!.from[0]} field (is this line from another dataset?)`);
  const row: Record<string, string | number> = { ...ds.constants };
  for (const [column, { field, value }] of byColumn) row[column] = ds.columns[column]!.convert(value, field);
  return { row, ignored, skipped: ds.skip?.(row) ?? null };
}
