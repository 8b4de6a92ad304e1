/**
 * Maps vector labels seen in telemetry (provider names, CIC labels) to our stable family keys
 * (research/domain-ddos.md §5). Unknown labels stay as they are: the report never renames what it
 * does not recognise.
 */
const FAMILIES: [RegExp, string][] = [
  [/^syn[ _-]?flood$|^syn$/i, 'l4.tcp.syn_flood'],
  [/^syn[ -]?ack/i, 'l4.tcp.synack_reflection'],
  [/^ack[ _-]?flood$|out-of-state ack/i, 'l4.tcp.ack_flood'],
  [/^(rst|fin)/i, 'l4.tcp.rst_fin_flood'],
  [/^udp[ _-]?flood$|^udp$|^drdos_udp$/i, 'l4.udp.flood'],
  [/udp[ _-]?lag/i, 'l4.udp.flood'],
  [/dns/i, 'l4.udp.amp.dns'],
  [/ntp/i, 'l4.udp.amp.ntp'],
  [/ssdp/i, 'l4.udp.amp.ssdp'],
  [/memcache/i, 'l4.udp.amp.memcached'],
  [/ldap/i, 'l4.udp.amp.cldap'],
  [/snmp/i, 'l4.udp.amp.snmp'],
  [/netbios/i, 'l4.udp.amp.netbios'],
  [/mssql/i, 'l4.udp.amp.mssql'],
  [/chargen/i, 'l4.udp.amp.chargen'],
  [/portmap|tftp/i, 'l4.udp.amp.other'],
  [/gre/i, 'l3.gre.flood'],
  [/icmp/i, 'l3.icmp.flood'],
  [/fragment/i, 'l3.ip.fragment'],
  [/cache[ _-]?bust/i, 'l7.http.cache_busting'],
  [/login|credential/i, 'l7.http.login_abuse'],
  [/slowloris|slow ?http|rudy/i, 'l7.http.slow'],
  [/rapid[ _-]?reset/i, 'l7.http.h2_rapid_reset'],
  [/http[ _-]?flood|hulk|goldeneye|loic/i, 'l7.http.flood'],
];

export function vectorFamily(label: string): string | null {
  for (const [re, family] of FAMILIES) if (re.test(label)) return family;
  return null;
}
