/**
 * How each Logpush dataset's fields become columns of our tables. Field names are matched without regard to
 * case, since spellings changed across Logpush versions (`IPTtl` and `IPTTL`, `TCPMss` and `TCPMSS`), and a
 * column may have several source fields (`SourceASNName`, formerly `SourceASNDescription`). Fields a
 * dataset has that no column keeps are ignored and counted in the summary.
 */
import { parseIp, parseText, parseTimestamp, parseUInt, clickhouseTime } from './values.js';

/**
 * How a value becomes a column value. The NDJSON loader converts in ClickHouse (convert-sql.ts); the CSV
 * loader converts in Node (`convertValue` below). Both follow the rules of values.ts.
 */
export type Kind = 'text' | 'upper' | 'u8' | 'u16' | 'u32' | 'ip' | 'time' | 'flag' | 'colo' | 'first';

export interface Column {
  /** Source fields, first present wins. */
  from: string[];
  kind: Kind;
}

export interface Dataset {
  name: string;
  table: 'net_samples' | 'l7_events';
  /** Column → its source fields and conversion; `Datetime` is required of every line. */
  columns: Record<string, Column>;
  /** Values every row gets. */
  constants?: Record<string, string | number>;
  /** Valid lines not loaded: when `column` is empty, the line is counted as skipped with `reason`, never silently dropped. */
  skipWhenEmpty?: { column: string; reason: string };
}

/** Node-side conversion of one value (the CSV loader), throwing a RowError whose message is the reject reason. */
export function convertValue(kind: Kind, value: unknown, field: string): string | number {
  switch (kind) {
    case 'text': return parseText(value, field);
    case 'upper': return parseText(value, field).toUpperCase();
    case 'u8': return parseUInt(value, field, 8);
    case 'u16': return parseUInt(value, field, 16);
    case 'u32': return parseUInt(value, field, 32);
    case 'ip': return parseIp(value, field);
    case 'time': return clickhouseTime(parseTimestamp(value, field));
    case 'flag': return parseUInt(value, field, 16) > 0 ? 1 : 0;
    case 'colo': return parseText(value, field).replace(/\d+$/, '').toUpperCase();
    case 'first': return parseText(Array.isArray(value) ? (value[0] ?? '') : value, field);
  }
}

const col = (kind: Kind, ...from: string[]): Column => ({ from, kind });

/** The request fields firewall_events and http_requests share. */
const REQUEST_COLUMNS: Record<string, Column> = {
  RayID: col('text', 'RayID', 'RayName'),
  ClientIP: col('ip', 'ClientIP'),
  ClientASN: col('u32', 'ClientASN'),
  ClientCountry: col('upper', 'ClientCountry'),
  ClientRequestHost: col('text', 'ClientRequestHost'),
  ClientRequestMethod: col('text', 'ClientRequestMethod'),
  ClientRequestPath: col('text', 'ClientRequestPath'),
  ClientRequestQuery: col('text', 'ClientRequestQuery'),
  ClientRequestProtocol: col('text', 'ClientRequestProtocol'),
  ClientRequestUserAgent: col('text', 'ClientRequestUserAgent', 'UserAgent'),
  EdgeColoCode: col('upper', 'EdgeColoCode', 'EdgeColoName'),
  EdgeResponseStatus: col('u16', 'EdgeResponseStatus'),
  OriginResponseStatus: col('u16', 'OriginResponseStatus'),
  JA3Hash: col('text', 'JA3Hash'),
  JA4: col('text', 'JA4'),
  BotScore: col('u8', 'BotScore'),
  ZoneName: col('text', 'ZoneName'),
};

export const DATASETS: Record<string, Dataset> = {
  network_analytics_logs: {
    name: 'network_analytics_logs',
    table: 'net_samples',
    columns: {
      Datetime: col('time', 'Datetime'),
      SampleInterval: col('u32', 'SampleInterval'),
      AttackID: col('text', 'AttackID'),
      AttackCampaignID: col('text', 'AttackCampaignID'),
      AttackVector: col('text', 'AttackVector'),
      RuleID: col('text', 'RuleID'),
      RuleName: col('text', 'RuleName'),
      RulesetID: col('text', 'RulesetID'),
      MitigationSystem: col('text', 'MitigationSystem'),
      MitigationReason: col('text', 'MitigationReason'),
      MitigationScope: col('text', 'MitigationScope'),
      Outcome: col('text', 'Outcome'),
      Verdict: col('text', 'Verdict'),
      Direction: col('text', 'Direction'),
      // Old exports name the data centre `ColoName` ("SJC", or "fra16" in newer ones): its letters are the code.
      ColoCode: col('colo', 'ColoCode', 'ColoName'),
      ColoCity: col('text', 'ColoCity'),
      ColoCountry: col('upper', 'ColoCountry'),
      IPSourceAddress: col('ip', 'IPSourceAddress'),
      IPDestinationAddress: col('ip', 'IPDestinationAddress'),
      IPProtocol: col('u8', 'IPProtocol'),
      IPProtocolName: col('upper', 'IPProtocolName'),
      IPTotalLength: col('u16', 'IPTotalLength'),
      IPTTL: col('u8', 'IPTTL'),
      IPFragmentOffset: col('u16', 'IPFragmentOffset'),
      IPMoreFragments: col('flag', 'IPMoreFragments'),
      SourcePort: col('u16', 'SourcePort'),
      DestinationPort: col('u16', 'DestinationPort'),
      TCPFlags: col('u8', 'TCPFlags'),
      TCPFlagsString: col('text', 'TCPFlagsString'),
      TCPWindowSize: col('u16', 'TCPWindowSize'),
      ICMPType: col('u8', 'ICMPType'),
      ICMPCode: col('u8', 'ICMPCode'),
      SourceASN: col('u32', 'SourceASN'),
      SourceASNName: col('text', 'SourceASNName', 'SourceASNDescription'),
      SourceCountry: col('upper', 'SourceCountry'),
      DestinationASN: col('u32', 'DestinationASN'),
      DestinationCountry: col('upper', 'DestinationCountry'),
    },
  },
  firewall_events: {
    name: 'firewall_events',
    table: 'l7_events',
    columns: {
      ...REQUEST_COLUMNS,
      Datetime: col('time', 'Datetime'),
      Kind: col('text', 'Kind'),
      Source: col('text', 'Source'),
      Action: col('text', 'Action'),
      RuleID: col('text', 'RuleID'),
      Description: col('text', 'Description'),
      MatchIndex: col('u8', 'MatchIndex'),
      ClientASNDescription: col('text', 'ClientASNDescription'),
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
      Datetime: col('time', 'EdgeStartTimestamp', 'Datetime'),
      Source: col('first', 'SecuritySources', 'SecuritySource'),
      Action: col('first', 'SecurityAction', 'SecurityActions'),
      RuleID: col('first', 'SecurityRuleID', 'SecurityRuleIDs'),
      Description: col('text', 'SecurityRuleDescription'),
    },
    skipWhenEmpty: { column: 'Action', reason: 'no security action (l7_events holds security events only)' },
  },
};
