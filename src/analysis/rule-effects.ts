/**
 * What a suggested rule would also stop besides the attack, in words, for the "Would also stop" line under each
 * rule: the backtest gives the share of this window's baseline, but a reviewer must also know which kinds of
 * legitimate traffic the rule's conditions reach (tunnels, replies to the network's own queries, new connections),
 * which a quiet window may not show. Pure.
 */
import { protocolName, rangeWords, tcpFlagsName, type NetRule } from './net-rules.js';
import type { L7Rule } from './l7-rules.js';
import { scopeWords, type DestinationScope } from './net-scope.js';
import { listing } from '../util/format.js';

/** Protocols that carry tunnels: dropping one cuts every tunnel of that kind to the addresses the rule covers. */
const TUNNELS: Record<number, string> = {
  4: 'IP-in-IP', 41: 'IPv6-in-IPv4 (6in4)', 47: 'GRE', 50: 'IPsec (ESP)', 51: 'IPsec (AH)', 115: 'L2TPv3',
};

/** Services of the ports reflection attacks come from, so that the replies a rule drops can be named. */
const SERVICES: Record<number, string> = {
  17: 'QOTD', 19: 'chargen', 53: 'DNS', 111: 'portmapper', 123: 'NTP', 137: 'NetBIOS', 161: 'SNMP', 389: 'CLDAP', 443: 'HTTPS/QUIC',
  1900: 'SSDP', 3283: 'Apple Remote Desktop', 3702: 'WS-Discovery', 5353: 'mDNS', 11211: 'memcached',
};

const service = (port: number) => (SERVICES[port] ? `${SERVICES[port]} (port ${port})` : `port ${port}`);

/** What a Magic Firewall / nftables / iptables drop would also stop, as one sentence without the final period. */
export function netAlsoStops(rule: NetRule): string {
  const proto = protocolName(rule.protocol).toUpperCase();
  const what: string[] = [];
  const tunnel = TUNNELS[rule.protocol];
  if (tunnel) {
    what.push(`every ${tunnel} tunnel to the addresses it covers, the network's own included (site-to-site VPNs, provider tunnels such as Magic Transit's GRE tunnels)`);
  } else if (rule.sourcePorts.length) {
    what.push(`${listing(rule.sourcePorts.map(service))} replies to requests the network's own hosts send, and any other ${proto} from that port`);
  } else if (rule.protocol === 6 && rule.tcpFlags === 2) {
    what.push(`new connections from legitimate clients${rule.destinationPorts.length ? ` to ${listing(rule.destinationPorts.map(service))}` : ' to every port'}`);
  } else if (rule.protocol === 6 && rule.tcpFlags !== null) {
    what.push(`legitimate TCP packets with flags ${tcpFlagsName(rule.tcpFlags)}${rule.destinationPorts.length ? ` to ${listing(rule.destinationPorts.map(service))}` : ''}`);
  } else if (rule.destinationPorts.length) {
    what.push(`legitimate ${proto} to ${listing(rule.destinationPorts.map(service))}`);
  } else if (rule.excludedDestinationPorts.length) {
    what.push(`${proto} to every port but ${rule.excludedDestinationPorts.join(', ')}: VPNs, voice, games and any other ${proto} service on the other ports`);
  } else if (rule.protocol === 17) {
    what.push('all UDP: DNS, QUIC (HTTP/3), VPNs, voice and games');
  } else {
    what.push(`all ${proto} traffic`);
  }
  const only: string[] = [];
  if (rule.length) only.push(`of ${rangeWords(rule.length, 65535)} bytes`);
  if (rule.ttl) only.push(`with TTL ${rangeWords(rule.ttl, 255)}`);
  const narrowed = only.length ? `, when its packets are ${only.join(' and ')}` : '';
  return `${what.join('; ')}${narrowed}. ${reach(rule.scope)}`;
}

/** Which destinations the drop reaches: the attacked ones it lists, or, unscoped, every one and why. */
function reach(scope: DestinationScope | null | undefined): string {
  const listed = scopeWords(scope);
  if (listed) return `It applies only to ${listed}, where the attack traffic went; add any other address you expect to be attacked`;
  const why = scope && scope.addresses > 0
    ? `The attack traffic went to ${count(scope.addresses, 'destination')} in ${count(scope.prefixes, 'network')}, too many to list: the rule is not scoped, and `
    : 'As written ';
  return `${why}it applies to every address behind the firewall, not only the attacked ones`;
}

const count = (n: number, noun: string) => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;

const L7_EFFECTS: Record<L7Rule['field'], string> = {
  ja4: 'other clients with the same TLS fingerprint (the same browser, library or bot build)',
  ja3: 'other clients with the same TLS fingerprint (the same browser, library or bot build)',
  asn: 'every other client in these networks, people included',
  userAgent: 'legitimate clients that send the same user agent',
  path: 'legitimate requests to these paths, people included',
};

/** What a WAF custom rule would also stop, as one sentence without the final period. */
export const l7AlsoStops = (rule: L7Rule): string => L7_EFFECTS[rule.field];
