/**
 * Logpush NDJSON ingest on generated exports: every timestamp encoding, field spellings of different Logpush
 * versions, IPv4 and IPv6, unknown fields, bad lines among good ones, gzip (whole and cut off), and loading
 * the same file twice, checked in the raw table and in the rollups fed from it.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, toNumber, type TestDb } from './helpers/db.js';
import { DATASETS } from '../src/ingest/datasets.js';
import { ingestNdjson } from '../src/ingest/ndjson.js';
import { newSummary, skippedCount, type Reject } from '../src/ingest/batches.js';
import { parseTimestamp } from '../src/ingest/values.js';
import { chunkFiles } from '../src/ingest/chunks.js';
import { boundLines, type OversizedLine } from '../src/ingest/lines.js';

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => db?.close());

const fresh = newSummary;

async function load(dataset: keyof typeof DATASETS, account: string, content: string | Buffer, batchRows = 3, staging?: 'file' | 'upload') {
  const summary = fresh();
  const rejects: Reject[] = [];
  await ingestNdjson(db.target, 'test.ndjson', Readable.from([Buffer.from(content)]), { dataset: DATASETS[dataset]!, accountId: account, zoneId: '', batchRows, staging, onReject: (r) => rejects.push(r) }, summary);
  return { summary, rejects };
}

const sample = (over: Record<string, unknown>) => JSON.stringify({
  Datetime: '2026-11-10T10:00:00Z', SampleInterval: 100, IPSourceAddress: '198.51.100.7', IPDestinationAddress: '203.0.113.10', IPProtocol: 17,
  IPProtocolName: 'udp', IPTotalLength: 512, SourcePort: 53, DestinationPort: 4444, Outcome: 'drop', AttackVector: 'DNS Amplification', ...over,
});

const TIMESTAMPS: [string | number, string][] = [
  ['2026-11-10T10:00:00Z', '2026-11-10T10:00:00.000Z'],
  ['2026-11-10T12:00:00+02:00', '2026-11-10T10:00:00.000Z'],
  ['2026-11-10T12:00:00+0200', '2026-11-10T10:00:00.000Z'],
  ['2026-11-10 10:00:00.5', '2026-11-10T10:00:00.500Z'],
  ['2026-11-10T10:00:00.123456789Z', '2026-11-10T10:00:00.123Z'],
  [1_762_768_800, '2025-11-10T10:00:00.000Z'],
  [1_762_768_800.25, '2025-11-10T10:00:00.250Z'],
  ['1762768800', '2025-11-10T10:00:00.000Z'],
  ['1762768800123', '2025-11-10T10:00:00.123Z'],
  ['1762768800123456', '2025-11-10T10:00:00.123Z'],
  ['1762768800123456789', '2025-11-10T10:00:00.123Z'],
];
const NOT_TIMESTAMPS = ['yesterday', '2026-13-45T00:00:00Z', '2026-11-10', '-1762768800', true];

describe('timestamps', () => {
  // The same table drives the Node conversion (CSV) and the ClickHouse one (NDJSON), so the two cannot drift.
  it('ClickHouse converts every encoding to the instant Node does, and rejects the same values', async () => {
    const lines = [...TIMESTAMPS.map(([t]) => t), ...NOT_TIMESTAMPS].map((t, i) => sample({ Datetime: t, SourcePort: i }));
    const { rejects } = await load('network_analytics_logs', 'times', lines.join('\n'), 100);
    const rows = await db.sql<{ port: number; t: string }>("SELECT SourcePort AS port, formatDateTime(Datetime, '%Y-%m-%dT%H:%i:%S.%fZ') AS t FROM ddos.net_samples WHERE AccountID = 'times' ORDER BY port");
    expect(rows.map((r) => [TIMESTAMPS[r.port]![0], r.t.replace(/(\.\d{3})\d*Z$/, '$1Z')])).toEqual(TIMESTAMPS);
    expect(rejects.map((r) => r.line)).toEqual(NOT_TIMESTAMPS.map((_, i) => TIMESTAMPS.length + i + 1));
    for (const r of rejects) expect(r.reason).toMatch(/^Datetime .* is not a timestamp/);
  });

  it.each(TIMESTAMPS)('%s is %s', (input, expected) => {
    expect(new Date(parseTimestamp(input, 'Datetime')).toISOString()).toBe(expected);
  });

  it.each(NOT_TIMESTAMPS)('%s is rejected with the field named', (input) => {
    expect(() => parseTimestamp(input, 'Datetime')).toThrow(/Datetime/);
  });
});

describe('network_analytics_logs', () => {
  it('loads every line it can, rejects the others with line and reason, and counts ignored fields', async () => {
    const lines = [
      sample({ IPTtl: 240, TCPMss: 512 }), // old spellings
      sample({ IPTTL: 54, Datetime: '1762768800' }), // new spelling, unix seconds
      'this is not json',
      sample({ ipttl: 64, IPSourceAddress: '2001:db8::7' }), // lower case, IPv6
      JSON.stringify({ SampleInterval: 1 }), // no Datetime
      sample({ IPTTL: 300 }), // out of range
      sample({ IPSourceAddress: '999.1.1.1' }),
      '',
      sample({ ColoName: 'fra16', SourceASNDescription: 'EXAMPLE-AS', SourceASN: '64500' }), // old names, number as text
      '[1,2,3]',
      sample({ Datetime: '2026-11-10T10:00:00.5Z' }).slice(0, 60), // cut-off last line
    ];
    const { summary, rejects } = await load('network_analytics_logs', 'na', lines.join('\n'));
    expect(summary).toMatchObject({ read: 10, inserted: 4, rejected: 6 });
    expect(rejects.map((r) => [r.line, r.reason.split(' ')[0]])).toEqual([[3, 'not'], [5, 'no'], [6, 'IPTTL'], [7, 'IPSourceAddress'], [10, 'the'], [11, 'not']]);
    expect(rejects.find((r) => r.line === 6)!.reason).toBe('IPTTL "300" is not an integer from 0 to 255');
    expect(summary.ignoredFields).toEqual(new Map([['TCPMss', 1]]));
    const rows = await db.sql<{ ttl: number; src: string; t: string; colo: string; asn: number; asnName: string; packets: string; bytes: string }>(
      `SELECT IPTTL AS ttl, toString(IPSourceAddress) AS src, toString(Datetime) AS t, ColoCode AS colo, SourceASN AS asn, SourceASNName AS asnName,
              toString(Packets) AS packets, toString(Bytes) AS bytes
       FROM ddos.net_samples WHERE AccountID = 'na' ORDER BY Datetime, ttl`);
    expect(rows.map((r) => r.ttl)).toEqual([54, 0, 64, 240]);
    expect(rows.find((r) => r.ttl === 64)!.src).toBe('2001:db8::7');
    expect(rows.find((r) => r.ttl === 240)!.src).toBe('::ffff:198.51.100.7');
    expect(rows[0]!.t).toBe('2025-11-10 10:00:00.000');
    expect(rows.find((r) => r.colo === 'FRA')).toMatchObject({ asn: 64500, asnName: 'EXAMPLE-AS' });
    // Each row stands for SampleInterval packets of IPTotalLength bytes.
    expect(rows.every((r) => r.packets === '100' && r.bytes === '51200')).toBe(true);
  });

  it('loading the same file again changes nothing, in the raw table or in the rollups', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => sample({ Datetime: `2026-11-11T10:${String(i).padStart(2, '0')}:00Z`, IPTTL: 50 + i })).join('\n');
    const counts = async () => {
      const [raw] = await db.sql<{ n: string; p: string }>("SELECT count() AS n, toString(sum(Packets)) AS p FROM ddos.net_samples WHERE AccountID = 'idem'");
      const [m] = await db.sql<{ p: string }>("SELECT toString(sum(Packets)) AS p FROM ddos.net_1m WHERE AccountID = 'idem'");
      const [sig] = await db.sql<{ p: string }>("SELECT toString(sum(Packets)) AS p FROM ddos.net_sig_1h WHERE AccountID = 'idem'");
      const [sig1d] = await db.sql<{ p: string }>("SELECT toString(sum(Packets)) AS p FROM ddos.net_sig_1d WHERE AccountID = 'idem'");
      return { raw: raw!.n, packets: raw!.p, minute: m!.p, hourly: sig!.p, daily: sig1d!.p };
    };
    await load('network_analytics_logs', 'idem', lines, 7);
    const first = await counts();
    expect(first).toEqual({ raw: '20', packets: '2000', minute: '2000', hourly: '2000', daily: '2000' });
    await load('network_analytics_logs', 'idem', lines, 7);
    await load('network_analytics_logs', 'idem', zlib.gzipSync(lines), 7);
    expect(await counts()).toEqual(first);
  });

  it('chunks larger than the engine\'s blocks: a reload adds and drops nothing', async () => {
    // 10,000-line chunks convert in 8,192-row blocks: each chunk's rows reach the table from two blocks.
    const lines = Array.from({ length: 30_000 }, (_, i) => sample({ Datetime: new Date(Date.UTC(2026, 10, 15) + i * 1000).toISOString(), SourcePort: i % 65536 })).join('\n');
    const count = async () => (await db.sql<{ n: string; m: string }>("SELECT (SELECT count() FROM ddos.net_samples WHERE AccountID = 'blocks') AS n, (SELECT toString(sum(Packets)) FROM ddos.net_1m WHERE AccountID = 'blocks') AS m"))[0];
    await load('network_analytics_logs', 'blocks', lines, 10_000);
    expect(await count()).toEqual({ n: '30000', m: '3000000' });
    await load('network_analytics_logs', 'blocks', zlib.gzipSync(lines), 10_000);
    await load('network_analytics_logs', 'blocks', lines, 10_000);
    expect(await count()).toEqual({ n: '30000', m: '3000000' });
  });

  it('reads gzip; a gzip file cut off loads the lines before the cut, then fails saying where it stopped, its counts adding up', async () => {
    const lines = Array.from({ length: 400 }, (_, i) => sample({ Datetime: `2026-11-12T10:00:${String(i % 60).padStart(2, '0')}Z`, SourcePort: i }));
    const gz = zlib.gzipSync(lines.join('\n'));
    const whole = await load('network_analytics_logs', 'gz', gz, 100);
    expect(whole.summary).toMatchObject({ read: 400, inserted: 400, rejected: 0 });
    const summary = fresh();
    const cutAt = Math.floor(gz.length * 0.6);
    const failure = await ingestNdjson(db.target, 'cut.ndjson.gz', Readable.from([gz.subarray(0, cutAt)]), { dataset: DATASETS.network_analytics_logs!, accountId: 'gzcut', zoneId: '', batchRows: 100 }, summary)
      .then(() => null, (err: Error) => err.message);
    expect(failure).toMatch(new RegExp(`^cut\\.ndjson\\.gz is cut off or corrupt: decompression stopped at byte ${cutAt} of the compressed input, after line ${summary.read} \\(unexpected end of file\\); the lines before it were loaded$`));
    expect(summary.inserted).toBeGreaterThan(100);
    expect(summary.read).toBe(summary.inserted + summary.rejected + skippedCount(summary));
    const [{ n }] = await db.sql<{ n: string }>("SELECT count() AS n FROM ddos.net_samples WHERE AccountID = 'gzcut'") as [{ n: string }];
    expect(toNumber(n)).toBe(summary.inserted);
  });
});

describe('a file of garbage', () => {
  it('lists every bad line, page after page, and loads the few good ones', async () => {
    const lines = Array.from({ length: 25_000 }, (_, i) => (i % 5_000 === 0 ? sample({ SourcePort: i }) : `garbage line ${i}`));
    const { summary, rejects } = await load('network_analytics_logs', 'garbage', lines.join('\n'), 25_000);
    expect(summary).toMatchObject({ read: 25_000, inserted: 5, rejected: 24_995 });
    expect(rejects.map((r) => r.line)).toEqual(lines.flatMap((l, i) => (l.startsWith('garbage') ? [i + 1] : [])));
    expect(rejects[0]).toMatchObject({ reason: 'not JSON', text: 'garbage line 1' });
  });
});

describe('firewall_events', () => {
  it('maps request fields, upper-cases countries, and rejects objects where text is expected', async () => {
    const event = (over: Record<string, unknown>) => JSON.stringify({
      Datetime: '2026-11-10T10:00:00Z', Action: 'block', Source: 'l7ddos', ClientIP: '2001:db8::1', ClientCountry: 'us', ClientRequestHost: 'shop.example',
      ClientRequestPath: '/login', ClientRequestUserAgent: 'curl/8', ClientASN: 64500, EdgeResponseStatus: 403, RayID: 'abc', ...over,
    });
    const { summary, rejects } = await load('firewall_events', 'fw', [event({}), event({ ClientRequestPath: { nested: true } }), event({ Metadata: { a: 1 }, Datetime: 1762768800 })].join('\n'));
    expect(summary).toMatchObject({ read: 3, inserted: 2, rejected: 1, ignoredFields: new Map([['Metadata', 1]]) });
    expect(rejects[0]).toMatchObject({ line: 2, reason: 'ClientRequestPath is an object, not text' });
    const rows = await db.sql<{ c: string; ip: string; status: number }>("SELECT ClientCountry AS c, toString(ClientIP) AS ip, EdgeResponseStatus AS status FROM ddos.l7_events WHERE AccountID = 'fw'");
    expect(rows).toEqual([{ c: 'US', ip: '2001:db8::1', status: 403 }, { c: 'US', ip: '2001:db8::1', status: 403 }]);
  });
});

describe('http_requests', () => {
  it('loads the requests a security product acted on as security events, and counts the others as skipped', async () => {
    const request = (over: Record<string, unknown>) => JSON.stringify({
      EdgeStartTimestamp: '2026-11-10T10:00:00Z', ClientIP: '198.51.100.9', ClientRequestHost: 'shop.example', ClientRequestPath: '/',
      SecurityAction: '', SecurityActions: [], SecuritySources: [], SecurityRuleID: '', EdgeResponseStatus: 200, Cookies: {}, ...over,
    });
    const { summary } = await load('http_requests', 'http', [
      request({ SecurityAction: 'block', SecuritySources: ['waf'], SecurityRuleID: 'r1', EdgeResponseStatus: 403 }),
      request({}),
      request({ SecurityActions: ['managedChallenge'], SecuritySources: ['botManagement', 'waf'] }),
    ].join('\n'));
    expect(summary).toMatchObject({ read: 3, inserted: 2, rejected: 0, skipped: { 'no security action (l7_events holds security events only)': 1 } });
    const rows = await db.sql("SELECT Action AS action, Source AS source, RuleID AS rule, Kind AS kind FROM ddos.l7_events WHERE AccountID = 'http' ORDER BY action");
    expect(rows).toEqual([
      { action: 'block', source: 'waf', rule: 'r1', kind: 'http_requests' },
      { action: 'managedChallenge', source: 'botManagement', rule: '', kind: 'http_requests' },
    ]);
  });
});

describe('memory', () => {
  it('streams: a file larger than the batch is inserted in several batches', async () => {
    const file = `${db.dir}/big.ndjson`;
    fs.writeFileSync(file, Array.from({ length: 2_500 }, (_, i) => sample({ Datetime: `2026-11-13T1${i % 10}:00:00Z`, SourcePort: i % 65536 })).join('\n'));
    const summary = fresh();
    let batches = 0;
    await ingestNdjson(db.target, file, fs.createReadStream(file, { highWaterMark: 4096 }), { dataset: DATASETS.network_analytics_logs!, accountId: 'big', zoneId: '', batchRows: 1_000, onProgress: () => batches++ }, summary);
    expect(summary).toMatchObject({ read: 2_500, inserted: 2_500 });
    expect(batches).toBe(3);
  });
});

describe('chunks', () => {
  const text = ['{"a":1}', '', '{"a":2}\r', '{"a":3}', '{"a":4}', '{"a":5}', '{"a":6}', '{"a":7 cut'].join('\n');
  async function cut(pieceSize: number, input = text, linesPerChunk = 3) {
    const dir = fs.mkdtempSync(`${db.dir}/chunks-`);
    const bytes = Buffer.from(input);
    const pieces = Array.from({ length: Math.ceil(bytes.length / pieceSize) }, (_, i) => bytes.subarray(i * pieceSize, (i + 1) * pieceSize));
    const out = [];
    for await (const c of chunkFiles(Readable.from(pieces), linesPerChunk, dir)) out.push({ ...c, text: fs.readFileSync(c.file, 'utf8') });
    return out;
  }

  it('cuts every N lines whatever the read sizes, numbering lines from 1 and counting a last line without a newline', async () => {
    const chunks = await cut(5);
    // Three records a chunk: the blank line 2 rides in the first, counted as blank.
    expect(chunks.map((c) => [c.firstLine, c.lines, c.records, c.blank])).toEqual([[1, 4, 3, 1], [5, 3, 3, 0], [8, 1, 1, 0]]);
    expect(chunks.map((c) => c.text).join('')).toBe(text);
    expect(chunks[2]!.text).toBe('{"a":7 cut');
    // The same input read in other piece sizes gives the same chunks: the same deduplication tokens.
    for (const size of [1, 64, 4096]) expect((await cut(size)).map((c) => c.sha256)).toEqual(chunks.map((c) => c.sha256));
  });

  it('makes no empty chunk when the input ends on a chunk boundary', async () => {
    expect((await cut(4, '1\n2\n3\n4\n5\n6\n')).map((c) => [c.firstLine, c.lines, c.text])).toEqual([[1, 3, '1\n2\n3\n'], [4, 3, '4\n5\n6\n']]);
  });

  it('hands over the lines read before an input fails, then the failure', async () => {
    const dir = fs.mkdtempSync(`${db.dir}/chunks-`);
    async function* failing() {
      yield Buffer.from('1\n2\n3\n4\n5');
      throw new Error('unexpected end of file');
    }
    const seen: string[] = [];
    await expect((async () => {
      for await (const c of chunkFiles(failing(), 3, dir)) seen.push(fs.readFileSync(c.file, 'utf8'));
    })()).rejects.toThrow('unexpected end of file');
    expect(seen).toEqual(['1\n2\n3\n', '4\n5']);
  });
});

describe('deduplication tokens', () => {
  it('carry no input: a tenant id with a backslash-quote payload, past the CLI\'s checks (a later API), is stored as data and runs nothing', async () => {
    const pwned = `${db.dir}/pwned.csv`;
    const chars = (t: string) => `char(${[...t].map((c) => c.charCodeAt(0)).join(',')})`;
    const account = `x\\'; INSERT INTO FUNCTION file(${chars(pwned)}, ${chars('CSV')}) SELECT 1; --`;
    const line = JSON.stringify({ Datetime: '2026-11-10T10:00:00Z', Action: 'block', Source: 'waf' });
    const { summary } = await load('firewall_events', account, line);
    expect(summary).toMatchObject({ read: 1, inserted: 1 });
    expect(fs.existsSync(pwned)).toBe(false);
    const rows = await db.sql<{ n: string }>('SELECT count() AS n FROM ddos.l7_events WHERE AccountID = {a:String}', { a: account });
    expect(rows).toEqual([{ n: '1' }]);
  });
});

describe('line bounds', () => {
  async function bounded(input: Buffer, pieceSize: number, max: number) {
    const pieces = Array.from({ length: Math.ceil(input.length / pieceSize) }, (_, i) => input.subarray(i * pieceSize, (i + 1) * pieceSize));
    const over: OversizedLine[] = [];
    const out: Buffer[] = [];
    let largest = 0;
    for await (const b of boundLines(Readable.from(pieces), max, (o) => over.push(o))) {
      out.push(b);
      largest = Math.max(largest, b.length);
    }
    return { text: Buffer.concat(out).toString(), over, largest };
  }

  it('replaces an over-long line by an empty one, by number, whatever the read sizes, never passing on more than a piece', async () => {
    const long = `{"x":"${'y'.repeat(100_000)}"}`;
    const input = Buffer.from(['{"a":1}', long, '{"a":3}', `${long}tail`].join('\n'));
    for (const size of [1, 7, 4096, 1 << 20]) {
      const { text, over, largest } = await bounded(input, size, 1024);
      expect(text).toBe('{"a":1}\n\n{"a":3}\n');
      expect(over.map((o) => [o.line, o.bytes, o.head.length])).toEqual([[2, long.length, 500], [4, long.length + 4, 500]]);
      expect(largest).toBeLessThanOrEqual(Math.max(size, 1025));
    }
  });

  it('keeps lines at the bound', async () => {
    const input = Buffer.from(`${'a'.repeat(1024)}\n${'b'.repeat(1024)}`);
    for (const size of [3, 1000, 5000]) expect(await bounded(input, size, 1024)).toMatchObject({ text: input.toString(), over: [] });
  });

  it('chunks carry no blank line before their first record, and an input of blank lines makes no chunk file', async () => {
    const dir = fs.mkdtempSync(`${db.dir}/chunks-`);
    const chunks = [];
    for await (const c of chunkFiles(Readable.from([Buffer.from('\n \n\t\r\n{"a":1}\n\n{"a":2}\n\n\n')]), 1, dir)) chunks.push({ ...c, text: c.file ? fs.readFileSync(c.file, 'utf8') : '' });
    expect(chunks.map((c) => [c.firstLine, c.lines, c.records, c.blank, c.text])).toEqual([[4, 1, 1, 3, '{"a":1}\n'], [6, 1, 1, 1, '{"a":2}\n'], [9, 0, 0, 2, '']]);
    const blank = [];
    for await (const c of chunkFiles(Readable.from([Buffer.from('\n'.repeat(10_000))]), 100, dir)) blank.push(c);
    expect(blank.map((c) => [c.file, c.records, c.blank])).toEqual([['', 0, 10_000]]);
  });
});

describe('hostile text', () => {
  // What attackers control: user agents, paths and hosts, with every character that means something to
  // TabSeparated, JSON, SQL or our own query parameters.
  const agents = [
    'tab\there', 'back\\slash \\t not a tab', 'quote " and \' apostrophe', 'carriage\rreturn', "'); DROP TABLE ddos.l7_events; --",
    '{account:String} {db:Identifier}', 'ünïcødé 攻撃 🐛', '\u0000nul', '{"nested": "json text"}', '[not a list',
  ];
  const content = agents.map((ua, i) => JSON.stringify({ Datetime: `2026-11-14T10:00:0${i}Z`, Action: 'block', ClientRequestUserAgent: ua, ClientRequestPath: `/p${i}`, ClientIP: '2001:db8::9' })).join('\n');

  it.each(['file', 'upload'] as const)('is stored exactly as sent, through %s staging', async (staging) => {
    const { summary, rejects } = await load('firewall_events', `hostile-${staging}`, content, 4, staging);
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ read: agents.length, inserted: agents.length });
    const rows = await db.sql<{ ua: string }>('SELECT ClientRequestUserAgent AS ua FROM ddos.l7_events WHERE AccountID = {a:String} ORDER BY Datetime', { a: `hostile-${staging}` });
    expect(rows.map((r) => r.ua)).toEqual(agents);
  });

  it('Windows line ends (CRLF) load like Unix ones', async () => {
    const { summary, rejects } = await load('firewall_events', 'crlf', `${content.replaceAll('\n', '\r\n')}\r\n`, 4);
    expect(rejects).toEqual([]);
    expect(summary).toMatchObject({ read: agents.length, inserted: agents.length });
  });

  it('a bad line reads back in the reject list as it was, through both stagings', async () => {
    // A tab between tokens is JSON whitespace; a raw tab inside a string is not JSON.
    const bad = `{"Datetime":\t"2026-11-14T10:00:00Z", "ClientRequestUserAgent": "x\\t\\\\y", "BotScore": "300"}`;
    const notJson = `{"Datetime": "2026-11-14T10:00:00Z", "ClientRequestUserAgent": "raw\ttab\\\\"}\r`;
    for (const staging of ['file', 'upload'] as const) {
      const { rejects } = await load('firewall_events', `hostile-bad-${staging}`, `${content}\n${bad}\n${notJson}`, 4, staging);
      expect(rejects).toEqual([
        { file: 'test.ndjson', line: agents.length + 1, reason: 'BotScore "300" is not an integer from 0 to 255', text: bad },
        { file: 'test.ndjson', line: agents.length + 2, reason: 'not JSON', text: notJson },
      ]);
    }
  });
});
