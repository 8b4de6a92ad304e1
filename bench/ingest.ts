/**
 * Ingest benchmark (issue 6): a generated gzip NDJSON export of network analytics (mixed timestamp encodings
 * and field spellings, as real exports are) loaded by `attack-report ingest` in its own process into a fresh
 * embedded engine. Reports rows per second and the peak memory (PSS) of that process, against a baseline
 * measured in the same run: reading, decompressing and splitting the same file into lines in Node, the floor
 * of any streaming loader.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { processTreeMemory } from '../src/render/renderer.js';
import { PACKAGE_ROOT } from '../src/util/paths.js';

export interface IngestBench {
  lines: number;
  fileBytes: number;
  ingestMs: number;
  rowsPerSecond: number;
  peakMemoryBytes: number;
  baselineRowsPerSecond: number;
  summary: string;
}

/** Deterministic export lines: the i-th line is always the same. */
function* exportLines(count: number): Generator<string> {
  const t0 = Date.UTC(2026, 10, 1);
  for (let i = 0; i < count; i++) {
    const t = t0 + i * 50;
    // Every fourth line a unix-seconds string, every seventh nanoseconds, else RFC 3339; old and new spellings.
    const datetime = i % 4 === 0 ? String(Math.floor(t / 1000)) : i % 7 === 0 ? `${t}000000` : new Date(t).toISOString();
    const ttl = i % 2 === 0 ? { IPTTL: 40 + (i % 80) } : { IPTtl: 40 + (i % 80) };
    yield JSON.stringify({
      Datetime: datetime, SampleInterval: 1000, AttackID: i % 3 === 0 ? `a${i >> 16}` : '', AttackVector: i % 3 === 0 ? 'DNS Amplification' : '',
      ColoCode: ['FRA', 'AMS', 'LHR', 'SJC'][i % 4], IPSourceAddress: `198.51.${(i >> 8) & 255}.${i & 255}`, IPDestinationAddress: `203.0.113.${i % 32}`,
      IPProtocol: 17, IPProtocolName: 'UDP', IPTotalLength: 60 + (i % 1400), ...ttl, SourcePort: i % 3 === 0 ? 53 : 1024 + (i % 60000),
      DestinationPort: 443, TCPFlags: 0, MitigationSystem: 'dosd', Outcome: i % 3 === 0 ? 'drop' : 'pass', Verdict: 'pass', Direction: 'ingress',
      SourceASN: 64496 + (i % 16), SourceCountry: 'DE', DestinationASN: 13335, DestinationCountry: 'US', GREEtherType: 0, IPv4Checksum: i % 65536, UDPChecksum: 7,
    });
  }
}

export async function writeExport(file: string, lines: number): Promise<void> {
  const source = Readable.from((function* () {
    let chunk: string[] = [];
    for (const line of exportLines(lines)) {
      chunk.push(line);
      if (chunk.length === 10_000) {
        yield `${chunk.join('\n')}\n`;
        chunk = [];
      }
    }
    if (chunk.length) yield `${chunk.join('\n')}\n`;
  })());
  await pipeline(source, zlib.createGzip({ level: 6 }), fs.createWriteStream(file));
}

/** Lines per second to read, decompress and split the file: no parsing, no database. */
async function baseline(file: string): Promise<number> {
  const started = performance.now();
  let n = 0;
  for await (const _ of readline.createInterface({ input: fs.createReadStream(file).pipe(zlib.createGunzip()), crlfDelay: Infinity })) n++;
  return n / ((performance.now() - started) / 1000);
}

export async function benchIngest(lines: number, log: (line: string) => void): Promise<IngestBench> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-bench-ingest-'));
  try {
    const file = path.join(dir, 'network_analytics.ndjson.gz');
    log(`ingest: writing a ${lines.toLocaleString('en')}-line gzip export…`);
    await writeExport(file, lines);
    const baselineRowsPerSecond = await baseline(file);
    const dataDir = path.join(dir, 'clickhouse');
    // The schema is created first, so that the timed run measures loading only.
    await run(['--data-dir', dataDir, 'db', 'migrate'], () => undefined);
    let peak = 0;
    const started = performance.now();
    const summary = await run(['--data-dir', dataDir, 'ingest', '--dataset', 'network_analytics_logs', '--account', 'bench-ingest', '--rejects', path.join(dir, 'rejects.ndjson'), file], (pid) => {
      peak = Math.max(peak, processTreeMemory(pid));
    });
    const ingestMs = performance.now() - started;
    return { lines, fileBytes: fs.statSync(file).size, ingestMs, rowsPerSecond: lines / (ingestMs / 1000), peakMemoryBytes: peak, baselineRowsPerSecond, summary };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the CLI, sampling its process tree every 500 ms; resolves with its stderr's summary line. */
function run(args: string[], sample: (pid: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'attack-report.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setInterval(() => child.pid && sample(child.pid), 500);
    child.once('exit', (code) => {
      clearInterval(timer);
      if (code === 0) resolve(stderr.split('\n').find((l) => l.includes('read ')) ?? '');
      else reject(new Error(`attack-report ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}
