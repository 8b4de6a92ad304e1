/**
 * Scoping a suggested L3/4 rule to the destinations its vector's attack traffic went to: a drop that applies to
 * every address behind the firewall stops far more legitimate traffic than one on the attacked hosts. Addresses
 * are stored IPv4-mapped in IPv6 columns (README, data model) and printed as IPv4 here. Pure.
 */
import net from 'node:net';
import { displayIp } from '../util/format.js';

/** Rule text stays readable: at most this many addresses, or else networks, are listed. */
export const MAX_SCOPE_ENTRIES = 8;
/** Network sizes destinations are aggregated to when there are too many to list. */
export const IPV4_PREFIX = 24;
export const IPV6_PREFIX = 64;

export interface DestinationScope {
  /** What the rule matches: addresses and CIDR networks as printed; empty when the rule is left unscoped. */
  networks: string[];
  /** Distinct destination addresses of the vector's attack traffic in the window. */
  addresses: number;
  /** Distinct /24 (IPv4) and /64 (IPv6) networks those addresses fall in. */
  prefixes: number;
}

/** One row of queries/analysis/l34_destinations.sql. */
export interface DestinationRow {
  addresses: number;
  someAddresses: string[];
  networks: number;
  someNetworks: string[];
}

/** The addresses when few enough, else their networks when few enough, else nothing (the rule stays unscoped). */
export function destinationScope(row: DestinationRow): DestinationScope {
  const base = { addresses: row.addresses, prefixes: row.networks };
  if (row.addresses > 0 && row.addresses <= MAX_SCOPE_ENTRIES) return { ...base, networks: row.someAddresses.map(displayIp) };
  if (row.networks > 0 && row.networks <= MAX_SCOPE_ENTRIES) {
    return { ...base, networks: row.someNetworks.map(displayIp).map((n) => `${n}/${net.isIPv4(n) ? IPV4_PREFIX : IPV6_PREFIX}`) };
  }
  return { ...base, networks: [] };
}

/** The scope's networks split by family, as printed. */
export function networksByFamily(scope: DestinationScope | null | undefined): { v4: string[]; v6: string[] } {
  const networks = scope?.networks ?? [];
  return { v4: networks.filter((n) => net.isIPv4(n.split('/')[0]!)), v6: networks.filter((n) => !net.isIPv4(n.split('/')[0]!)) };
}

/** A printed network as (start address of the IPv6 column, prefix length in it), for l34_scoped_backtest.sql. */
export function networkParam(network: string): [string, number] {
  const [address, bits] = network.split('/') as [string, string | undefined];
  if (net.isIPv4(address)) return [`::ffff:${address}`, 96 + (bits === undefined ? 32 : Number(bits))];
  return [address, bits === undefined ? 128 : Number(bits)];
}

/** "3 attacked addresses", "2 attacked networks": the scope in words, or null when unscoped. */
export function scopeWords(scope: DestinationScope | null | undefined): string | null {
  const networks = scope?.networks ?? [];
  if (networks.length === 0) return null;
  const prefixes = networks.some((n) => n.includes('/'));
  const noun = prefixes ? 'network' : 'address';
  return networks.length === 1 ? `the attacked ${noun} ${networks[0]}` : `${networks.length} attacked ${prefixes ? 'networks' : 'addresses'}`;
}
