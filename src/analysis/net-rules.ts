/**
 * Candidate L3/4 mitigation rules derived from a vector's signature (research/domain-ddos.md §6 heuristics),
 * and their text in three rule languages: Cloudflare Magic Firewall (Rules language), nftables and iptables.
 * Conditions only use the signature cube's exact port classes and bucket boundaries, so a backtest on the cube
 * counts exactly what the rule would match on the raw samples. Pure.
 */
import { dimensionShares, type SignatureCount } from './signatures.js';
import { networkParam, networksByFamily, scopeWords, type DestinationScope } from './net-scope.js';

/** Widths of the signature cube's length and TTL buckets (queries/schema/033_net_sig_1h.sql). */
export const LENGTH_STEP = 50;
export const TTL_STEP = 16;
/** The cube's class for an unprivileged port of no note: never a rule condition. */
export const OTHER_PORT = -1;

export interface NetRule {
  vector: string;
  protocol: number;
  sourcePorts: number[];
  destinationPorts: number[];
  /** Destination ports the rule leaves alone because legitimate traffic uses them. */
  excludedDestinationPorts: number[];
  tcpFlags: number | null;
  /** Inclusive packet-length bounds in bytes, on bucket boundaries. */
  length: [number, number] | null;
  /** Inclusive TTL bounds, on bucket boundaries. */
  ttl: [number, number] | null;
  /** The destinations the rule applies to (net-scope.ts); absent or without networks: every destination. */
  scope?: DestinationScope | null;
}

const PROTOCOL_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 47: 'gre', 50: 'esp', 51: 'ah', 132: 'sctp' };
const TCP_FLAG_NAMES: [number, string][] = [[1, 'FIN'], [2, 'SYN'], [4, 'RST'], [8, 'PSH'], [16, 'ACK'], [32, 'URG'], [64, 'ECE'], [128, 'CWR']];
const hasPorts = (protocol: number) => protocol === 6 || protocol === 17;
/**
 * ICMP and ICMPv6 carry the Packet Too Big messages path-MTU discovery needs (ICMP type 3 code 4, ICMPv6 type 2).
 * The signature cube does not record the ICMP type, so no rule could leave them out and be backtested exactly:
 * no ICMP rule is suggested at all.
 */
const PMTUD_PROTOCOLS = new Set([1, 58]);

export const protocolName = (p: number) => PROTOCOL_NAMES[p] ?? String(p);

export function tcpFlagsName(flags: number): string {
  const names = TCP_FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
  return names.length ? names.join(',') : 'NONE';
}

/** Labels of signature values, shared by the PDF and rationales. */
export function netValueLabel(dimension: string, value: string): string {
  const v = Number(value);
  switch (dimension) {
    case 'protocol': return protocolName(v).toUpperCase();
    case 'tcpFlags': return tcpFlagsName(v);
    case 'sourcePort':
    case 'destinationPort': return v === OTHER_PORT ? 'other (1024–65535)' : String(v);
    case 'length': return `${v}–${v + LENGTH_STEP - 1} B`;
    case 'ttl': return `${v}–${Math.min(255, v + TTL_STEP - 1)}`;
    case 'asn': return value === '0' ? 'unknown' : `AS${value}`;
    default: return value === '' ? 'unknown' : value;
  }
}

export const NET_DIMENSIONS: Record<string, string> = {
  protocol: 'Protocol', tcpFlags: 'TCP flags', sourcePort: 'Source port', destinationPort: 'Destination port', length: 'Packet length', ttl: 'TTL',
  colo: 'Ingress data centre', country: 'Source country (claimed)', asn: 'Source ASN (claimed)',
};

/** Shares of attack must a condition keep: a value or range is used only when it covers this much of the vector. */
const DOMINANT = 0.95;
const RANGE_COVER = 0.98;
/** Baseline destination ports below this share are not worth excluding. */
const EXCLUDE_MIN_BASELINE = 0.001;

/**
 * Candidate rules for one vector, from the broadest to the most specific. Empty when the vector has no
 * single protocol (nothing safe can be said then).
 */
export function netRuleCandidates(counts: SignatureCount[], vector: string): NetRule[] {
  const shares = (dim: string) => [...dimensionShares(counts, vector, dim).entries()].map(([value, s]) => ({ value: Number(value), ...s }));
  const protocols = shares('protocol').filter((p) => p.attack > 0).sort((a, b) => b.attack - a.attack);
  const top = protocols[0];
  if (!top || top.attack < 0.99) return [];
  const protocol = top.value;
  if (PMTUD_PROTOCOLS.has(protocol)) return [];

  const single = (dim: string) => {
    const best = shares(dim).filter((v) => v.attack > 0).sort((a, b) => b.attack - a.attack)[0];
    return best && best.attack >= DOMINANT && best.value !== OTHER_PORT ? best.value : null;
  };
  const tcpFlags = protocol === 6 ? single('tcpFlags') : null;
  const sourcePort = hasPorts(protocol) ? single('sourcePort') : null;
  const destinationPorts = hasPorts(protocol) ? coveringSet(shares('destinationPort'), 3) : [];
  // Only a flood with no port of its own needs the legitimate ports carved out.
  const excluded = hasPorts(protocol) && destinationPorts.length === 0 && sourcePort === null
    ? shares('destinationPort').filter((v) => v.value !== OTHER_PORT && v.baseline >= EXCLUDE_MIN_BASELINE).sort((a, b) => b.baseline - a.baseline).slice(0, 8).map((v) => v.value).sort((a, b) => a - b)
    : [];
  const length = coveringRange(shares('length'), LENGTH_STEP, 65535);
  const ttl = coveringRange(shares('ttl'), TTL_STEP, 255);

  const base: NetRule = {
    vector, protocol, sourcePorts: sourcePort === null ? [] : [sourcePort], destinationPorts, excludedDestinationPorts: [],
    tcpFlags, length: null, ttl: null,
  };
  const variants: NetRule[] = [base];
  if (excluded.length) variants.push({ ...base, excludedDestinationPorts: excluded });
  const out: NetRule[] = [];
  for (const v of variants) {
    out.push(v);
    if (length) out.push({ ...v, length });
    if (ttl) out.push({ ...v, ttl });
    if (length && ttl) out.push({ ...v, length, ttl });
  }
  return out;
}

/** Why a vector's traffic gets no candidate rule although one protocol carries it, for the report; null otherwise. */
export function netLeftOut(counts: SignatureCount[], vector: string): string | null {
  const protocols = [...dimensionShares(counts, vector, 'protocol').entries()].filter(([, s]) => s.attack >= 0.99);
  const protocol = protocols.length ? Number(protocols[0]![0]) : null;
  if (protocol === null || !PMTUD_PROTOCOLS.has(protocol)) return null;
  return 'dropping ICMP would also drop the Packet Too Big messages that path-MTU discovery needs (ICMP type 3 code 4, ICMPv6 type 2), ' +
    'and this data does not record the ICMP type a rule would need to spare them; rate-limit ICMP to the attacked addresses instead';
}

/** Up to `max` exact values that together carry DOMINANT of the attack, or none. */
function coveringSet(values: { value: number; attack: number }[], max: number): number[] {
  const sorted = values.filter((v) => v.attack > 0).sort((a, b) => b.attack - a.attack);
  const chosen: number[] = [];
  let covered = 0;
  for (const v of sorted.slice(0, max)) {
    if (v.value === OTHER_PORT) return [];
    chosen.push(v.value);
    covered += v.attack;
    if (covered >= DOMINANT) return chosen.sort((a, b) => a - b);
  }
  return [];
}

/** The narrowest run of buckets that carries RANGE_COVER of the attack, as inclusive raw bounds. */
function coveringRange(values: { value: number; attack: number }[], step: number, max: number): [number, number] | null {
  const buckets = values.filter((v) => v.attack > 0).sort((a, b) => a.value - b.value);
  let best: [number, number] | null = null;
  let sum = 0;
  let lo = 0;
  for (let hi = 0; hi < buckets.length; hi++) {
    sum += buckets[hi]!.attack;
    while (lo < hi && sum - buckets[lo]!.attack >= RANGE_COVER) sum -= buckets[lo++]!.attack;
    if (sum >= RANGE_COVER) {
      const range: [number, number] = [buckets[lo]!.value, buckets[hi]!.value];
      if (!best || range[1] - range[0] < best[1] - best[0]) best = range;
    }
  }
  if (!best) return null;
  const range: [number, number] = [best[0], Math.min(max, best[1] + step - 1)];
  // A range over the whole domain matches every packet: it is no condition at all.
  return range[0] === 0 && range[1] >= max ? null : range;
}

/** How many conditions a rule sets: fewer is simpler to read and to deploy. */
export function netRuleConditions(rule: NetRule): number {
  return 1 + (rule.sourcePorts.length ? 1 : 0) + (rule.destinationPorts.length ? 1 : 0) + (rule.excludedDestinationPorts.length ? 1 : 0) +
    (rule.tcpFlags === null ? 0 : 1) + (rule.length ? 1 : 0) + (rule.ttl ? 1 : 0);
}

/** Parameters of queries/analysis/l34_backtest.sql for a list of rules (arrays indexed like the rules). */
export function netBacktestParams(rules: NetRule[]) {
  const ports = new Set(rules.flatMap((r) => [...r.sourcePorts, ...r.destinationPorts, ...r.excludedDestinationPorts]));
  return {
    ports: [...ports].sort((a, b) => a - b),
    vectors: rules.map((r) => r.vector),
    protocols: rules.map((r) => r.protocol),
    sourcePorts: rules.map((r) => r.sourcePorts),
    destinationPorts: rules.map((r) => r.destinationPorts),
    excludedDestinationPorts: rules.map((r) => r.excludedDestinationPorts),
    tcpFlags: rules.map((r) => r.tcpFlags ?? -1),
    lengthFrom: rules.map((r) => (r.length ? r.length[0] : 0)),
    lengthTo: rules.map((r) => (r.length ? Math.floor(r.length[1] / LENGTH_STEP) * LENGTH_STEP : 65535)),
    ttlFrom: rules.map((r) => (r.ttl ? r.ttl[0] : 0)),
    ttlTo: rules.map((r) => (r.ttl ? Math.floor(r.ttl[1] / TTL_STEP) * TTL_STEP : 255)),
  };
}

/**
 * Parameters of queries/analysis/l34_scoped_backtest.sql: the conditions as for the rollup backtest (the same
 * port classes and length and TTL buckets), and each rule's destination networks.
 */
export function netScopedBacktestParams(rules: NetRule[]) {
  const networks = rules.map((r) => (r.scope?.networks ?? []).map(networkParam));
  return {
    ...netBacktestParams(rules),
    dstNetworks: networks.map((n) => n.map(([address]) => address)),
    dstBits: networks.map((n) => n.map(([, bits]) => bits)),
  };
}

const set = (ports: number[], sep: string) => (ports.length === 1 ? String(ports[0]) : `{${ports.join(sep)}}`);

/** The comparisons of an inclusive range that constrain: `ge 0` or `le` the field's maximum match everything. */
const bounds = (field: string, [lo, hi]: [number, number], max: number) =>
  [lo > 0 ? `${field} ge ${lo}` : '', hi < max ? `${field} le ${hi}` : ''].filter(Boolean);

/** Cloudflare Magic Firewall expression (Rules language), action block. */
export function magicFirewallExpression(rule: NetRule): string {
  const proto = protocolName(rule.protocol);
  const parts = [`ip.proto eq "${proto}"`];
  if (rule.scope?.networks.length) parts.push(`ip.dst in {${rule.scope.networks.join(' ')}}`);
  if (rule.sourcePorts.length) parts.push(rule.sourcePorts.length === 1 ? `${proto}.srcport eq ${rule.sourcePorts[0]}` : `${proto}.srcport in ${set(rule.sourcePorts, ' ')}`);
  if (rule.destinationPorts.length) parts.push(rule.destinationPorts.length === 1 ? `${proto}.dstport eq ${rule.destinationPorts[0]}` : `${proto}.dstport in ${set(rule.destinationPorts, ' ')}`);
  if (rule.excludedDestinationPorts.length) parts.push(`not ${proto}.dstport in {${rule.excludedDestinationPorts.join(' ')}}`);
  if (rule.tcpFlags !== null) parts.push(`tcp.flags eq ${rule.tcpFlags}`);
  if (rule.length) parts.push(...bounds('ip.len', rule.length, 65535));
  if (rule.ttl) parts.push(...bounds('ip.ttl', rule.ttl, 255));
  return parts.join(' and ');
}

/**
 * nftables rule for an ingress chain (`table netdev filter`, chain `ingress`), action drop: IPv4, or one rule per
 * address family (one a line) when the scope lists IPv6 networks. `ip6 length` counts the payload only, so the
 * IPv6 length bounds are the total length's less the 40-byte header.
 */
export function nftablesRule(rule: NetRule): string {
  const { v4, v6 } = networksByFamily(rule.scope);
  const lines: string[] = [];
  if (v4.length || !v6.length) lines.push(nftablesLine(rule, 'ip', v4));
  if (v6.length) lines.push(nftablesLine(rule, 'ip6', v6));
  return lines.join('\n');
}

function nftablesLine(rule: NetRule, family: 'ip' | 'ip6', networks: string[]): string {
  const proto = protocolName(rule.protocol);
  const parts = [family === 'ip' ? `ip protocol ${proto}` : `meta l4proto ${proto}`];
  const nftSet = (ports: (number | string)[]) => (ports.length === 1 ? String(ports[0]) : `{ ${ports.join(', ')} }`);
  if (networks.length) parts.push(`${family} daddr ${nftSet(networks)}`);
  if (rule.sourcePorts.length) parts.push(`${proto} sport ${nftSet(rule.sourcePorts)}`);
  if (rule.destinationPorts.length) parts.push(`${proto} dport ${nftSet(rule.destinationPorts)}`);
  if (rule.excludedDestinationPorts.length) parts.push(`${proto} dport != { ${rule.excludedDestinationPorts.join(', ')} }`);
  if (rule.tcpFlags !== null) parts.push(`tcp flags == 0x${rule.tcpFlags.toString(16)}`);
  if (rule.length) {
    parts.push(family === 'ip' ? `ip length ${rule.length[0]}-${rule.length[1]}` : `ip6 length ${Math.max(0, rule.length[0] - 40)}-${Math.max(0, rule.length[1] - 40)}`);
  }
  if (rule.ttl) parts.push(`${family === 'ip' ? 'ip ttl' : 'ip6 hoplimit'} ${rule.ttl[0]}-${rule.ttl[1]}`);
  return `nft add rule netdev filter ingress ${parts.join(' ')} drop`;
}

/**
 * iptables rule in the raw table (before connection tracking), action DROP: IPv4, or with an ip6tables rule (one a
 * line) when the scope lists IPv6 networks. `-d` takes a comma-separated list.
 */
export function iptablesRule(rule: NetRule): string {
  const { v4, v6 } = networksByFamily(rule.scope);
  const lines: string[] = [];
  if (v4.length || !v6.length) lines.push(iptablesLine(rule, 'iptables', v4));
  if (v6.length) lines.push(iptablesLine(rule, 'ip6tables', v6));
  return lines.join('\n');
}

function iptablesLine(rule: NetRule, command: 'iptables' | 'ip6tables', networks: string[]): string {
  const parts = [`-p ${protocolName(rule.protocol)}`];
  if (networks.length) parts.push(`-d ${networks.join(',')}`);
  const ports = (ports: number[], flag: 'sport' | 'dport', negate = false) =>
    ports.length === 1 ? `${negate ? '! ' : ''}--${flag} ${ports[0]}` : `-m multiport ${negate ? '! ' : ''}--${flag}s ${ports.join(',')}`;
  if (rule.sourcePorts.length) parts.push(ports(rule.sourcePorts, 'sport'));
  if (rule.destinationPorts.length) parts.push(ports(rule.destinationPorts, 'dport'));
  if (rule.excludedDestinationPorts.length) parts.push(ports(rule.excludedDestinationPorts, 'dport', true));
  if (rule.tcpFlags !== null) parts.push(`--tcp-flags ALL ${tcpFlagsName(rule.tcpFlags)}`);
  // Both families' length match counts the whole packet, header included.
  if (rule.length) parts.push(`-m length --length ${rule.length[0]}:${rule.length[1]}`);
  if (rule.ttl) {
    const [match, gt, lt] = command === 'iptables' ? ['ttl', '--ttl-gt', '--ttl-lt'] : ['hl', '--hl-gt', '--hl-lt'];
    if (rule.ttl[0] > 0) parts.push(`-m ${match} ${gt} ${rule.ttl[0] - 1}`);
    if (rule.ttl[1] < 255) parts.push(`-m ${match} ${lt} ${rule.ttl[1] + 1}`);
  }
  return `${command} -t raw -A PREROUTING ${parts.join(' ')} -j DROP`;
}

/** One line saying which traffic the rule singles out, in words. */
export function describeNetRule(rule: NetRule): string {
  const bits = [protocolName(rule.protocol).toUpperCase()];
  if (rule.tcpFlags !== null) bits.push(`with flags ${tcpFlagsName(rule.tcpFlags)}`);
  if (rule.sourcePorts.length) bits.push(`from source port ${rule.sourcePorts.join('/')}`);
  if (rule.destinationPorts.length) bits.push(`to port ${rule.destinationPorts.join('/')}`);
  if (rule.excludedDestinationPorts.length) bits.push(`to any port but ${rule.excludedDestinationPorts.join('/')}`);
  if (rule.length) bits.push(`of ${rangeWords(rule.length, 65535)} bytes`);
  if (rule.ttl) bits.push(`with TTL ${rangeWords(rule.ttl, 255)}`);
  const scope = scopeWords(rule.scope);
  if (scope) bits.push(`to ${scope}`);
  return bits.join(' ');
}

/** "450–549", "at most 99", "at least 240": only the bounds that constrain. */
export function rangeWords([lo, hi]: [number, number], max: number): string {
  if (lo === 0) return `at most ${hi}`;
  if (hi >= max) return `at least ${lo}`;
  return `${lo}–${hi}`;
}
