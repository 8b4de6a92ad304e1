/**
 * What a report leaves out when a source lacks a raw column. Worked out from the queries that read each column
 * (the rollup MVs in queries/schema/02x-05x, queries/report, queries/analysis): a column listed here feeds the
 * part of the report named; a raw column not listed is read by no report query today.
 */
import type { SourceDefinition, SourceLayer } from './types.js';

const L34: Record<string, string> = {
  ZoneID: 'per-zone L3/4 figures: all L3/4 traffic is account-level (a report for given zones has no L3/4 part)',
  AttackID: 'the list of L3/4 attacks, their peaks and targets (l34_attacks, l34_attack_targets group by AttackID)',
  AttackVector: 'any L3/4 attack traffic: attack traffic is the rows with a vector (l34_totals, l34_vectors, l34_mitigation, l34_timeline), so everything shows as clean',
  Outcome: 'the mitigation outcome: "not recorded" (no dropped share, no traffic passed during attacks, signatures without outcome)',
  MitigationSystem: 'the mitigation breakdown by system (one unnamed system)',
  IPProtocol: 'the protocol in attack signatures and network rules',
  IPProtocolName: 'the protocol on the destination-port breakdown (53 instead of 53/UDP; ICMP and GRE not told apart at port 0)',
  IPTotalLength: 'packet-length buckets in attack signatures',
  IPTTL: 'TTL in attack signatures (no TTL signatures)',
  SourcePort: 'source ports in attack signatures and network rules',
  DestinationPort: 'the destination-port breakdown, and destination ports in signatures and rules',
  TCPFlags: 'TCP flags in attack signatures and rules',
  IPDestinationAddress: 'the targeted-IP breakdown and the destinations of attacks',
  IPSourceAddress: 'the counts of distinct source addresses and networks',
  ColoCode: 'the data-centre (colo) breakdowns',
  ColoCountry: 'the country of each data centre',
  SourceASN: 'the source-ASN breakdowns',
  SourceASNName: 'ASN names (numbers only)',
  SourceCountry: 'the source-country breakdown',
};

const L7: Record<string, string> = {
  SampleInterval: 'sampling: every row counts as one event',
  Source: 'the mitigation breakdown by security product (one unnamed source)',
  Action: 'blocked versus passed: no event counts as mitigated (l7_totals, l7_attacks, l7_vectors, l7_mitigation, signatures)',
  ClientIP: 'the client-IP breakdown and the counts of distinct client addresses',
  ClientASN: 'the client-ASN breakdown and ASN in L7 signatures',
  ClientASNDescription: 'ASN names (numbers only)',
  ClientCountry: 'the client-country breakdown and country in L7 signatures',
  ClientRequestHost: 'the host breakdowns and host in L7 rules',
  ClientRequestMethod: 'the request method in L7 signatures and rules',
  ClientRequestPath: 'the path breakdown and path in L7 signatures and rules',
  ClientRequestUserAgent: 'the user agent in L7 signatures and rules',
  EdgeResponseStatus: 'the response status in L7 signatures',
  JA3Hash: 'JA3 fingerprints in L7 signatures',
  JA4: 'JA4 fingerprints in L7 signatures',
  AttackID: 'the list of L7 attacks (l7_attacks, l7_attack_targets group by AttackID)',
  AttackVector: 'any L7 attack traffic: attack events are the rows with a vector (l7_totals, l7_vectors, l7_timeline)',
};

const BY_LAYER: Record<SourceLayer, Record<string, string>> = { l34: L34, l7: L7 };

/** One line per absent column that a report reads: `Column: what the reports will not contain`. */
export function absentConsequences(layer: SourceLayer, def: SourceDefinition): string[] {
  const src = def[layer];
  if (!src) return [];
  const absent = (c: string) => src.columns[c] === null || src.columns[c] === undefined;
  const lines = Object.entries(BY_LAYER[layer])
    .filter(([c]) => absent(c))
    .map(([c, what]) => `${c}: ${what}`);
  // Bytes default to SampleInterval x IPTotalLength (010_net_samples.sql): without both, every byte count is 0.
  if (layer === 'l34' && absent('Bytes') && absent('IPTotalLength')) lines.unshift('Bytes: byte volumes and bit rates (Bytes and IPTotalLength both absent, every byte count is 0)');
  return lines;
}

/** Absent columns no report reads: listed so the operator sees they were considered. */
export function absentUnused(layer: SourceLayer, def: SourceDefinition): string[] {
  const src = def[layer];
  if (!src) return [];
  const used = new Set([...Object.keys(BY_LAYER[layer]), 'AccountID', 'Datetime', 'SampleInterval', 'Packets', 'Bytes', 'ZoneID']);
  return Object.entries(src.columns).filter(([c, e]) => e === null && !used.has(c)).map(([c]) => c);
}

/**
 * The notes a report from this source carries, one per declared layer that lacks columns a report reads: which
 * columns the source does not record and what the report therefore leaves out, so a reader never takes a missing
 * breakdown for a quiet one.
 */
export function sourceNotes(def: SourceDefinition): string[] {
  const notes: string[] = [];
  for (const layer of ['l34', 'l7'] as const) {
    const src = def[layer];
    if (!src) continue;
    const lines = absentConsequences(layer, def);
    if (lines.length === 0) continue;
    const name = layer === 'l34' ? 'L3/4' : 'L7';
    notes.push(`${name} data comes from the source ${def.name} (${src.table}), which does not record ${lines.map((l) => l.split(':')[0]).join(', ')}; this report therefore has no ${lines.map((l) => l.slice(l.indexOf(':') + 2)).join('; no ')}.`);
  }
  return notes;
}
