import { describe, expect, it } from 'vitest';
import type { SignatureCount } from '../src/analysis/signatures.js';
import { buildSignatures } from '../src/analysis/signatures.js';
import { iptablesRule, magicFirewallExpression, netLeftOut, netRuleCandidates, netScopedBacktestParams, nftablesRule, type NetRule } from '../src/analysis/net-rules.js';
import { destinationScope } from '../src/analysis/net-scope.js';
import { netAlsoStops } from '../src/analysis/rule-effects.js';
import { hiddenValueNote, l7RuleCandidates, wafExpression } from '../src/analysis/l7-rules.js';
import { chooseRule, selectRecommendations, type Backtest, type Scored } from '../src/analysis/recommend.js';

/** Per-vector counts as the signature query returns them: one row per (field, value), plus the 'all' total. */
function counts(vector: string, total: number, fields: Record<string, Record<string, number>>): SignatureCount[] {
  const rows: SignatureCount[] = [{ vector, attackId: '', dimension: 'all', value: '0', count: total }];
  for (const [dimension, values] of Object.entries(fields)) {
    for (const [value, count] of Object.entries(values)) rows.push({ vector, attackId: '', dimension, value, count });
  }
  return rows;
}

const baseline = counts('', 1000, {
  protocol: { 6: 900, 17: 100 }, tcpFlags: { 2: 150, 16: 300, 24: 450, 0: 100 }, sourcePort: { '-1': 1000 },
  destinationPort: { 443: 700, 80: 200, 22: 100 }, length: { 50: 400, 1200: 300, 1250: 300 }, ttl: { 48: 500, 112: 500 },
});

describe('L3/4 rule candidates', () => {
  it('a reflection vector gives its source port, then narrower length and TTL variants', () => {
    const ntp = counts('NTP', 500, {
      protocol: { 17: 500 }, tcpFlags: { 0: 500 }, sourcePort: { 123: 500 }, destinationPort: { '-1': 490, 80: 10 },
      length: { 450: 480, 500: 15, 900: 5 }, ttl: { 48: 500 },
    });
    const rules = netRuleCandidates([...baseline, ...ntp], 'NTP');
    expect(rules[0]).toMatchObject({ protocol: 17, sourcePorts: [123], destinationPorts: [], tcpFlags: null, length: null, ttl: null });
    // 450–499 holds 96%, not 98%: the narrowest range holding 98% runs to the 500 bucket.
    expect(rules.find((r) => r.length)!.length).toEqual([450, 549]);
    expect(rules.find((r) => r.ttl)!.ttl).toEqual([48, 63]);
    expect(rules.length).toBe(4);
  });

  it('a random-port flood leaves the ports that legitimate traffic uses alone', () => {
    const udp = counts('UDP', 500, { protocol: { 17: 500 }, sourcePort: { '-1': 500 }, destinationPort: { '-1': 480, 7: 10, 9: 10 }, length: { 600: 500 }, ttl: { 64: 500 } });
    const rules = netRuleCandidates([...baseline, ...udp], 'UDP');
    expect(rules.some((r) => r.excludedDestinationPorts.join() === '22,80,443')).toBe(true);
    expect(rules.every((r) => r.destinationPorts.length === 0 && r.sourcePorts.length === 0)).toBe(true);
  });

  it('an ICMP flood gets no rule, since no rule here could spare path-MTU discovery, and the report says to rate-limit instead', () => {
    for (const protocol of [1, 58]) {
      const icmp = counts('ICMP Flood', 500, { protocol: { [protocol]: 500 }, length: { 50: 500 }, ttl: { 48: 500 } });
      expect(netRuleCandidates([...baseline, ...icmp], 'ICMP Flood')).toEqual([]);
      const note = netLeftOut([...baseline, ...icmp], 'ICMP Flood');
      expect(note).toMatch(/Packet Too Big .*path-MTU discovery .*type 3 code 4, ICMPv6 type 2.*rate-limit ICMP/);
      const { rejected } = selectRecommendations('L3/4', [{ vector: 'ICMP Flood', scored: [], note }], 0.001,
        () => ({ kind: 'magic-firewall' as const, action: 'block', expression: '', rationale: '', alsoStops: '', equivalents: [] }), String);
      expect(rejected[0]!.reason).toBe(note);
    }
    const udp = counts('UDP', 500, { protocol: { 17: 500 } });
    expect(netLeftOut([...baseline, ...udp], 'UDP')).toBeNull();
  });

  it('prints only conditions that constrain: no bound at the edge of the field, no range over the whole field', () => {
    const lowTtl: NetRule = { vector: 'x', protocol: 17, sourcePorts: [123], destinationPorts: [], excludedDestinationPorts: [], tcpFlags: null, length: [0, 99], ttl: [240, 255] };
    expect(magicFirewallExpression(lowTtl)).toBe('ip.proto eq "udp" and udp.srcport eq 123 and ip.len le 99 and ip.ttl ge 240');
    expect(magicFirewallExpression(lowTtl)).not.toMatch(/ge 0\b|le 255\b|le 65535\b/);
    // TTLs spread from 0 to 255: the narrowest range carrying 98% of the attack is the whole field, so no TTL variant.
    const spread = counts('NTP', 500, { protocol: { 17: 500 }, sourcePort: { 123: 500 }, length: { 450: 500 }, ttl: { 0: 250, 240: 250 } });
    const rules = netRuleCandidates([...baseline, ...spread], 'NTP');
    expect(rules.every((r) => r.ttl === null)).toBe(true);
    expect(rules.map((r) => magicFirewallExpression(r)).join(' | ')).not.toMatch(/ip\.ttl/);
  });

  it('says what each rule would also stop: tunnels, replies to the network\'s own queries, new connections', () => {
    const base: NetRule = { vector: 'x', protocol: 47, sourcePorts: [], destinationPorts: [], excludedDestinationPorts: [], tcpFlags: null, length: null, ttl: null };
    expect(netAlsoStops(base)).toMatch(/^every GRE tunnel to the addresses it covers, the network's own included/);
    expect(netAlsoStops({ ...base, protocol: 50 })).toMatch(/^every IPsec \(ESP\) tunnel/);
    expect(netAlsoStops({ ...base, protocol: 4 })).toMatch(/^every IP-in-IP tunnel/);
    expect(netAlsoStops({ ...base, protocol: 17, sourcePorts: [53, 123], length: [450, 549] }))
      .toMatch(/^DNS \(port 53\) and NTP \(port 123\) replies to requests the network's own hosts send.*, when its packets are of 450–549 bytes/);
    expect(netAlsoStops({ ...base, protocol: 6, tcpFlags: 2, destinationPorts: [443] })).toMatch(/^new connections from legitimate clients to HTTPS\/QUIC \(port 443\)/);
    expect(netAlsoStops({ ...base, protocol: 17 })).toMatch(/^all UDP: DNS, QUIC/);
    for (const r of [base, { ...base, protocol: 17 }]) expect(netAlsoStops(r)).toMatch(/applies to every address behind the firewall/);
  });

  it('a vector spread over protocols gets no rule', () => {
    const mixed = counts('Mixed', 100, { protocol: { 6: 60, 17: 40 } });
    expect(netRuleCandidates([...baseline, ...mixed], 'Mixed')).toEqual([]);
  });
});

describe('rule text', () => {
  const rule: NetRule = {
    vector: 'x', protocol: 17, sourcePorts: [53, 123], destinationPorts: [], excludedDestinationPorts: [443], tcpFlags: null, length: [450, 499], ttl: [0, 63],
  };
  it('Magic Firewall, nftables and iptables say the same thing', () => {
    expect(magicFirewallExpression(rule)).toBe('ip.proto eq "udp" and udp.srcport in {53 123} and not udp.dstport in {443} and ip.len ge 450 and ip.len le 499 and ip.ttl le 63');
    expect(nftablesRule(rule)).toBe('nft add rule netdev filter ingress ip protocol udp udp sport { 53, 123 } udp dport != { 443 } ip length 450-499 ip ttl 0-63 drop');
    expect(iptablesRule(rule)).toBe('iptables -t raw -A PREROUTING -p udp -m multiport --sports 53,123 ! --dport 443 -m length --length 450:499 -m ttl --ttl-lt 64 -j DROP');
    const syn: NetRule = { ...rule, protocol: 6, sourcePorts: [], excludedDestinationPorts: [], destinationPorts: [443], tcpFlags: 2, length: null, ttl: [240, 255] };
    expect(magicFirewallExpression(syn)).toBe('ip.proto eq "tcp" and tcp.dstport eq 443 and tcp.flags eq 2 and ip.ttl ge 240');
    expect(iptablesRule(syn)).toBe('iptables -t raw -A PREROUTING -p tcp --dport 443 --tcp-flags ALL SYN -m ttl --ttl-gt 239 -j DROP');
  });

  it('a rule scoped to the attacked addresses says so in all three languages, IPv4-mapped addresses written as IPv4', () => {
    const scope = destinationScope({ addresses: 2, someAddresses: ['::ffff:203.0.113.10', '::ffff:203.0.113.12'], networks: 1, someNetworks: ['::ffff:203.0.113.0'] });
    expect(scope).toEqual({ networks: ['203.0.113.10', '203.0.113.12'], addresses: 2, prefixes: 1 });
    const ntp: NetRule = { ...rule, sourcePorts: [123], excludedDestinationPorts: [], length: null, ttl: [0, 63], scope };
    expect(magicFirewallExpression(ntp)).toBe('ip.proto eq "udp" and ip.dst in {203.0.113.10 203.0.113.12} and udp.srcport eq 123 and ip.ttl le 63');
    expect(nftablesRule(ntp)).toBe('nft add rule netdev filter ingress ip protocol udp ip daddr { 203.0.113.10, 203.0.113.12 } udp sport 123 ip ttl 0-63 drop');
    expect(iptablesRule(ntp)).toBe('iptables -t raw -A PREROUTING -p udp -d 203.0.113.10,203.0.113.12 --sport 123 -m ttl --ttl-lt 64 -j DROP');
    expect(netAlsoStops(ntp)).toMatch(/It applies only to 2 attacked addresses, where the attack traffic went/);
    expect(netAlsoStops(ntp)).not.toMatch(/every address behind the firewall/);
    expect(netScopedBacktestParams([ntp])).toMatchObject({ dstNetworks: [['::ffff:203.0.113.10', '::ffff:203.0.113.12']], dstBits: [[128, 128]], ttlFrom: [0], ttlTo: [48] });
  });

  it('more than 8 addresses are listed as their /24 (IPv4) and /64 (IPv6) networks, each family in its own firewall command', () => {
    const scope = destinationScope({
      addresses: 12, someAddresses: Array.from({ length: 9 }, (_, i) => `::ffff:203.0.113.${i}`),
      networks: 2, someNetworks: ['::ffff:198.51.100.0', '2001:db8:0:1::'],
    });
    expect(scope.networks).toEqual(['198.51.100.0/24', '2001:db8:0:1::/64']);
    const gre: NetRule = { vector: 'GRE', protocol: 47, sourcePorts: [], destinationPorts: [], excludedDestinationPorts: [], tcpFlags: null, length: [500, 1399], ttl: [48, 127], scope };
    expect(magicFirewallExpression(gre)).toBe('ip.proto eq "gre" and ip.dst in {198.51.100.0/24 2001:db8:0:1::/64} and ip.len ge 500 and ip.len le 1399 and ip.ttl ge 48 and ip.ttl le 127');
    expect(nftablesRule(gre).split('\n')).toEqual([
      'nft add rule netdev filter ingress ip protocol gre ip daddr 198.51.100.0/24 ip length 500-1399 ip ttl 48-127 drop',
      'nft add rule netdev filter ingress meta l4proto gre ip6 daddr 2001:db8:0:1::/64 ip6 length 460-1359 ip6 hoplimit 48-127 drop',
    ]);
    expect(iptablesRule(gre).split('\n')).toEqual([
      'iptables -t raw -A PREROUTING -p gre -d 198.51.100.0/24 -m length --length 500:1399 -m ttl --ttl-gt 47 -m ttl --ttl-lt 128 -j DROP',
      'ip6tables -t raw -A PREROUTING -p gre -d 2001:db8:0:1::/64 -m length --length 500:1399 -m hl --hl-gt 47 -m hl --hl-lt 128 -j DROP',
    ]);
    expect(netAlsoStops(gre)).toMatch(/^every GRE tunnel to the addresses it covers.*It applies only to 2 attacked networks/);
    expect(netScopedBacktestParams([gre])).toMatchObject({ dstNetworks: [['::ffff:198.51.100.0', '2001:db8:0:1::']], dstBits: [[120, 64]] });
  });

  it('traffic to more networks than can be listed leaves the rule unscoped, and the rule says so with the counts', () => {
    const scope = destinationScope({
      addresses: 1300, someAddresses: Array.from({ length: 9 }, (_, i) => `::ffff:10.0.0.${i}`),
      networks: 40, someNetworks: Array.from({ length: 9 }, (_, i) => `::ffff:10.0.${i}.0`),
    });
    expect(scope).toEqual({ networks: [], addresses: 1300, prefixes: 40 });
    const udp: NetRule = { ...rule, sourcePorts: [123], excludedDestinationPorts: [], scope };
    expect(magicFirewallExpression(udp)).not.toMatch(/ip\.dst/);
    expect(nftablesRule(udp)).not.toMatch(/daddr/);
    expect(iptablesRule(udp)).not.toMatch(/ -d /);
    expect(netAlsoStops(udp)).toMatch(/The attack traffic went to 1,300 destinations in 40 networks, too many to list: the rule is not scoped, and it applies to every address behind the firewall/);
  });

  it('attacker strings are escaped in WAF expressions, and unprintable ones are never used', () => {
    const l7 = counts('Bots', 100, {
      userAgent: { 'Evil "bot" \\ v1': 97, 'x\ny': 3 },
      ja4: { 't13d\u0007evil': 100 },
    });
    const rules = l7RuleCandidates(l7, 'Bots');
    expect(rules.map((r) => r.field)).toEqual(['userAgent']);
    expect(wafExpression(rules[0]!)).toBe('(http.user_agent eq "Evil \\"bot\\" \\\\ v1")');
  });

  it('a value with any hidden character (tags, separators, format, default-ignorable) is never written into a rule, and the report says why', () => {
    // The Rules language escapes only " and \\: these characters would sit in the literal unseen.
    for (const hidden of ['\u{E0020}', '\u2028', '\u2029', '\u061C', '\u00AD', '\u034F', '\u3164', '\uFE0F', '\u{E0100}', '\u200D', '\uE000']) {
      const l7 = counts('Bots', 100, { ja4: { [`t13d1516h2${hidden}`]: 100 }, path: { [`/login${hidden}`]: 100 }, userAgent: { 'CleanBot/1.0': 100 } });
      const rules = l7RuleCandidates(l7, 'Bots');
      expect(rules.map((r) => r.field), JSON.stringify(hidden)).toEqual(['userAgent']);
      expect(hiddenValueNote(l7, 'Bots')).toMatch(/^its JA4 fingerprints and paths hold hidden characters/);
    }
    const clean = counts('Bots', 100, { ja4: { t13d1516h2: 100 } });
    expect(hiddenValueNote(clean, 'Bots')).toBeNull();
    // With no other field to use, the rejection says so where the rule would have been.
    const only = counts('Bots', 100, { path: { '/login\u{E0041}': 100 } });
    const { recommendations, rejected } = selectRecommendations('L7', [{ vector: 'Bots', scored: [], note: hiddenValueNote(only, 'Bots') }], 0.001,
      () => ({ kind: 'waf-custom-rule' as const, action: 'block', expression: '', rationale: '', alsoStops: '', equivalents: [] }), (x) => `${x * 100}%`);
    expect(recommendations).toEqual([]);
    expect(rejected[0]!.reason).toMatch(/^its paths hold hidden characters .* so no rule is built on them$/);
  });
});

const bt = (attackShare: number, collateralShare: number): Backtest => ({
  measure: 'packets', attackShare, collateralShare, attackMatched: attackShare * 100, collateralMatched: collateralShare * 1000, passedAttackStopped: 0,
});

describe('choosing a rule', () => {
  it('never exceeds the collateral bound, prefers coverage, then simplicity', () => {
    const c: Scored<string>[] = [
      { rule: 'broad', conditions: 1, backtest: bt(1, 0.2) },
      { rule: 'narrow', conditions: 3, backtest: bt(0.97, 0) },
      { rule: 'medium', conditions: 2, backtest: bt(0.968, 0.0005) },
      { rule: 'weak', conditions: 1, backtest: bt(0.3, 0) },
    ];
    expect(chooseRule(c, 0.001)!.rule).toBe('medium');
    expect(chooseRule(c, 0)!.rule).toBe('narrow');
    expect(chooseRule(c.filter((x) => x.rule !== 'narrow'), 0)).toBeNull();
  });

  it('merges vectors whose rules read the same and explains the rest', () => {
    const render = (vectors: string[], s: Scored<string>) => ({ kind: 'magic-firewall' as const, action: 'block', expression: s.rule, rationale: vectors.join('+'), alsoStops: '', equivalents: [] });
    const { recommendations, rejected } = selectRecommendations('L3/4', [
      { vector: 'A', scored: [{ rule: 'same', conditions: 1, backtest: bt(1, 0) }] },
      { vector: 'B', scored: [{ rule: 'same', conditions: 1, backtest: bt(0.9, 0) }] },
      { vector: 'C', scored: [{ rule: 'wide', conditions: 1, backtest: bt(1, 0.05) }] },
    ], 0.001, render, (x) => `${x * 100}%`);
    expect(recommendations).toHaveLength(1);
    expect(recommendations[0]).toMatchObject({ vectors: ['A', 'B'], rationale: 'A+B', backtest: { attackShare: 0.9 } });
    expect(rejected).toEqual([{ layer: 'L3/4', vector: 'C', bestCollateralShare: 0.05, reason: 'the safest candidate would also match 5% of baseline traffic, above the 0.1% bound' }]);
  });
});

describe('signatures', () => {
  it('set each attack value beside its baseline share and drop values under 1%', () => {
    const ntp = counts('NTP', 1000, { sourcePort: { 123: 995, 80: 5 }, length: { 50: 600, 1200: 400 } });
    const [sig] = buildSignatures('L3/4', [...baseline, ...ntp], { sourcePort: 'Source port', length: 'Length' }, (_d, v) => v);
    expect(sig!.attackTotal).toBe(1000);
    expect(sig!.dimensions[0]!.values).toEqual([{ value: '123', label: '123', attackShare: 0.995, baselineShare: 0 }]);
    expect(sig!.dimensions[1]!.values.map((v) => [v.value, v.baselineShare])).toEqual([['50', 0.4], ['1200', 0.3]]);
  });
});
