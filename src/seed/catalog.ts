/**
 * What the demo generator can plant: tenants, and one template per attack vector with the traffic
 * signature a real attack of that kind shows (protocol, ports, packet sizes, TTLs, sources, mitigation).
 */

export interface DemoTenant {
  accountId: string;
  accountName: string;
  zones: { zoneId: string; zoneName: string; hosts: string[] }[];
  /** Documentation prefixes (RFC 5737), so demo targets never collide with real networks. */
  prefix: string;
}

export const DEMO_TENANTS: DemoTenant[] = [
  {
    accountId: 'acme',
    accountName: 'Acme Retail',
    prefix: '203.0.113.',
    zones: [
      { zoneId: 'acme-shop', zoneName: 'shop.acme.example', hosts: ['shop.acme.example', 'www.acme.example'] },
      { zoneId: 'acme-api', zoneName: 'api.acme.example', hosts: ['api.acme.example'] },
    ],
  },
  {
    accountId: 'globex',
    accountName: 'Globex Gaming',
    prefix: '198.51.100.',
    zones: [{ zoneId: 'globex-play', zoneName: 'play.globex.example', hosts: ['play.globex.example', 'login.globex.example'] }],
  },
  {
    accountId: 'initech',
    accountName: 'Initech Bank',
    prefix: '192.0.2.',
    zones: [{ zoneId: 'initech-online', zoneName: 'online.initech.example', hosts: ['online.initech.example'] }],
  },
];

export const DEMO_ACCOUNT = 'acme';

export interface NetVectorTemplate {
  layer: 'L3/4';
  vector: string;
  protocol: number;
  protocolName: string;
  tcpFlags: number;
  tcpFlagsString: string;
  /** Fixed source port for reflection (e.g. 53 for DNS); 0 = random ephemeral. */
  sourcePort: number;
  /** Destination ports to hit; empty = random ports. */
  destinationPorts: number[];
  sizeMin: number;
  sizeMax: number;
  ttlMin: number;
  ttlMax: number;
  /** Reflectors come from a bounded pool; spoofed floods use random addresses. */
  sourcePool: number;
  mitigationSystem: string;
  ruleId: string;
  ruleName: string;
  /** Peak rate range in packets per second. */
  peakPps: [number, number];
}

export interface L7VectorTemplate {
  layer: 'L7';
  vector: string;
  source: string;
  actions: string[];
  ruleId: string;
  description: string;
  methods: string[];
  paths: string[];
  randomQuery: boolean;
  botPool: number;
  peakRps: [number, number];
}

export type VectorTemplate = NetVectorTemplate | L7VectorTemplate;

const tcp = (flags: number, name: string) => ({ protocol: 6, protocolName: 'tcp', tcpFlags: flags, tcpFlagsString: name });
const udp = { protocol: 17, protocolName: 'udp', tcpFlags: 0, tcpFlagsString: '' };

export const NET_VECTORS: NetVectorTemplate[] = [
  { layer: 'L3/4', vector: 'SYN Flood', ...tcp(0x02, 'S'), sourcePort: 0, destinationPorts: [443, 80], sizeMin: 40, sizeMax: 74, ttlMin: 30, ttlMax: 250, sourcePool: 0, mitigationSystem: 'dosd', ruleId: 'a1b2c3d4e5f60001', ruleName: 'SYN flood', peakPps: [3e6, 40e6] },
  { layer: 'L3/4', vector: 'ACK Flood', ...tcp(0x10, 'A'), sourcePort: 0, destinationPorts: [443], sizeMin: 40, sizeMax: 64, ttlMin: 40, ttlMax: 250, sourcePool: 0, mitigationSystem: 'flowtrackd', ruleId: 'a1b2c3d4e5f60002', ruleName: 'Out-of-state ACK', peakPps: [2e6, 20e6] },
  { layer: 'L3/4', vector: 'UDP Flood', ...udp, sourcePort: 0, destinationPorts: [], sizeMin: 512, sizeMax: 1400, ttlMin: 40, ttlMax: 128, sourcePool: 0, mitigationSystem: 'dosd', ruleId: 'a1b2c3d4e5f60003', ruleName: 'Generic UDP flood', peakPps: [1e6, 12e6] },
  { layer: 'L3/4', vector: 'DNS Amplification', ...udp, sourcePort: 53, destinationPorts: [], sizeMin: 1200, sizeMax: 1500, ttlMin: 44, ttlMax: 60, sourcePool: 4000, mitigationSystem: 'dosd', ruleId: 'a1b2c3d4e5f60004', ruleName: 'DNS amplification', peakPps: [0.5e6, 8e6] },
  { layer: 'L3/4', vector: 'NTP Amplification', ...udp, sourcePort: 123, destinationPorts: [], sizeMin: 468, sizeMax: 482, ttlMin: 48, ttlMax: 58, sourcePool: 1500, mitigationSystem: 'dosd', ruleId: 'a1b2c3d4e5f60005', ruleName: 'NTP amplification', peakPps: [0.5e6, 6e6] },
  { layer: 'L3/4', vector: 'SSDP Amplification', ...udp, sourcePort: 1900, destinationPorts: [], sizeMin: 300, sizeMax: 420, ttlMin: 50, ttlMax: 64, sourcePool: 8000, mitigationSystem: 'dosd', ruleId: 'a1b2c3d4e5f60006', ruleName: 'SSDP amplification', peakPps: [0.3e6, 4e6] },
  { layer: 'L3/4', vector: 'Memcached Amplification', ...udp, sourcePort: 11211, destinationPorts: [], sizeMin: 1400, sizeMax: 1500, ttlMin: 50, ttlMax: 60, sourcePool: 300, mitigationSystem: 'dosd', ruleId: 'a1b2c3d4e5f60007', ruleName: 'Memcached amplification', peakPps: [0.5e6, 10e6] },
  { layer: 'L3/4', vector: 'GRE Flood', protocol: 47, protocolName: 'gre', tcpFlags: 0, tcpFlagsString: '', sourcePort: 0, destinationPorts: [0], sizeMin: 500, sizeMax: 1400, ttlMin: 50, ttlMax: 120, sourcePool: 0, mitigationSystem: 'magic-firewall', ruleId: 'a1b2c3d4e5f60008', ruleName: 'GRE flood', peakPps: [0.5e6, 5e6] },
  { layer: 'L3/4', vector: 'ICMP Flood', protocol: 1, protocolName: 'icmp', tcpFlags: 0, tcpFlagsString: '', sourcePort: 0, destinationPorts: [0], sizeMin: 64, sizeMax: 1000, ttlMin: 40, ttlMax: 128, sourcePool: 0, mitigationSystem: 'dosd', ruleId: 'a1b2c3d4e5f60009', ruleName: 'ICMP flood', peakPps: [0.3e6, 3e6] },
];

export const L7_VECTORS: L7VectorTemplate[] = [
  { layer: 'L7', vector: 'HTTP Flood', source: 'l7ddos', actions: ['block', 'managed_challenge'], ruleId: 'l7-0001', description: 'HTTP requests from known botnet signatures', methods: ['GET'], paths: ['/', '/index.html', '/products', '/search'], randomQuery: false, botPool: 20000, peakRps: [50e3, 600e3] },
  { layer: 'L7', vector: 'Cache Busting', source: 'l7ddos', actions: ['managed_challenge', 'block'], ruleId: 'l7-0002', description: 'HTTP requests with random query strings (cache busting)', methods: ['GET'], paths: ['/', '/assets/app.js', '/catalog'], randomQuery: true, botPool: 8000, peakRps: [20e3, 200e3] },
  { layer: 'L7', vector: 'Login Abuse', source: 'ratelimit', actions: ['block'], ruleId: 'rl-0003', description: 'Rate limit on login endpoints', methods: ['POST'], paths: ['/login', '/api/v1/auth', '/wp-login.php'], randomQuery: false, botPool: 3000, peakRps: [2e3, 40e3] },
];

export const COLOS = ['FRA', 'AMS', 'LHR', 'CDG', 'IAD', 'ORD', 'SJC', 'SIN', 'NRT', 'GRU', 'MAD', 'WAW', 'JNB', 'SYD'];
export const COLO_COUNTRIES = ['DE', 'NL', 'GB', 'FR', 'US', 'US', 'US', 'SG', 'JP', 'BR', 'ES', 'PL', 'ZA', 'AU'];
export const ASNS: [number, string, string][] = [
  [4134, 'CHINANET-BACKBONE', 'CN'], [4837, 'CHINA169-BACKBONE', 'CN'], [14061, 'DIGITALOCEAN-ASN', 'US'],
  [16509, 'AMAZON-02', 'US'], [9009, 'M247', 'GB'], [3462, 'HINET', 'TW'], [12389, 'ROSTELECOM-AS', 'RU'],
  [45090, 'TENCENT-NET-AP', 'CN'], [24940, 'HETZNER-AS', 'DE'], [16276, 'OVH', 'FR'], [4766, 'KIXS-AS-KR', 'KR'],
  [8452, 'TE-AS', 'EG'], [9829, 'BSNL-NIB', 'IN'], [28573, 'CLARO S.A.', 'BR'], [7922, 'COMCAST-7922', 'US'],
];

export const BOT_USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'python-requests/2.31.0',
  'Go-http-client/1.1',
  'Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0)',
  'curl/8.4.0',
  '<script>alert("ua")</script>',
  'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/115.0 \u202Egnp.exe\u200B',
  'Мой-Бот/1.0 爬虫 بوت',
];
export const LEGIT_USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
];
export const JA4_BOT = ['t13d1516h2_8daaf6152771_02713d6af862', 't12d190800_d83cc789557e_7af1ed941c26', 't13d301000_1d37bd780c83_d339722ba4af'];
export const JA4_LEGIT = ['t13d1517h2_8daaf6152771_b0da82dd1658', 't13d1715h2_5b57614c22b0_3d5424432f57'];
export const JA3_BOT = ['e7d705a3286e19ea42f587b344ee6865', '6734f37431670b3ab4292b8f60f29984', '3b5074b1b5d032e5620f69f9f700ff0e'];
export const JA3_LEGIT = ['cd08e31494f9531f560d64c695473da9', '773906b0efdefa24a7f2b8eb6985bf37'];
