/** The "## Web API" section of bench/RESULTS.md, and its splicing into an existing file (`BENCH_ONLY=web`). */
import os from 'node:os';
import { PER_USER, POLL_MS, USERS, WEB, type WebBench } from './web.js';
import { markdownTable, ms, ratio, spread } from './stats.js';

export const WEB_HEADING = '## Web API';

export function webSection(w: WebBench, dataDir: string, only: boolean): string {
  const c = w.concurrent;
  const cli = w.cli.median;
  const n = c.latencies.length;
  const table = markdownTable(
    ['7-day report, account acme (ms)', 'ms', 'min–max', '÷ CLI'],
    [
      ['CLI `generate` (a process: spawn→exit), median of 3, beside serve', ms(cli), spread(w.cli), '1.00×'],
      ['API, one user alone: submit→PDF downloaded, median of 3', ms(w.single.total.median), spread(w.single.total), ratio(w.single.total.median, cli)],
      ['of which the report in the server (job startedAt→finishedAt)', ms(w.single.run.median), spread(w.single.run), ratio(w.single.run.median, cli)],
      [`**API, ${USERS} users × ${PER_USER} at once: p50**`, ms(c.p50), '', `**${ratio(c.p50, cli)}**`],
      [`**API, ${USERS} users × ${PER_USER} at once: p95**`, ms(c.p95), '', `**${ratio(c.p95, cli)}**`],
      [`API, ${USERS} users × ${PER_USER} at once: max`, ms(c.max), '', ratio(c.max, cli)],
      ['of which waiting for a free slot (createdAt→startedAt), median', ms(c.wait.median), spread(c.wait), ''],
      ['of which the report in the server, median', ms(c.run.median), spread(c.run), ratio(c.run.median, cli)],
    ],
  );
  const from = new Date(w.window.fromMs).toISOString();
  const to = new Date(w.window.toMs).toISOString();
  const cores = os.cpus().length;
  return `${WEB_HEADING}

${only ? `Measured alone with \`BENCH_ONLY=web npm run bench\` on ${w.measuredAt} (the sections above are from the full run)` : `Measured in the run above, on ${w.measuredAt}`};
load average ${w.load[0].toFixed(1)} when the server started, ${w.load[1].toFixed(1)} when it stopped (${cores} cores, shared: compare ratios).

The same 7-day PDF report (account \`${w.account}\`, ${from} to ${to}, tz ${w.tz}, ${w.pdfBytes.toLocaleString('en')} bytes)
asked of \`attack-report serve\` on \`${dataDir}\` (served as its own local ClickHouse server), with web.concurrency
${WEB.concurrency} (reports at once) and web.queue ${WEB.queue}, one API token per user. One request = \`POST /api/v1/reports\` →
\`GET /api/v1/reports/ID\` every ${POLL_MS} ms until succeeded → the PDF downloaded, timed from the POST to the PDF's
last byte; after one warm-up report (Chromium launched in the server). The CLI (\`node bin/attack-report.js
--data-dir … generate --account ${w.account} --from … --to … --tz ${w.tz} --format pdf\`) runs while serve is up and
finds its server through the discovery file: same server, same data, but its own Node process and Chromium. The
${USERS} users each ask ${PER_USER} times in a row, all at once; percentiles by nearest rank (p95 of ${n} = the ${Math.ceil(0.95 * n)}th).

${table}

Throughput with ${USERS} users: ${n} reports in ${(c.wallMs / 1000).toFixed(1)} s = ${c.perMinute.toFixed(1)} reports/min (one user alone, one after
another: ${(60_000 / w.single.total.median).toFixed(1)}/min); ${c.refused} request(s) answered 429 (queue full). With ${USERS} users and ${WEB.concurrency} slots,
a request waited a median ${ms(c.wait.median)} ms for a slot (${ratio(c.wait.median, c.run.median)} the report's median time in the server), and the
${WEB.concurrency} reports running at once share ${cores} cores with each other and with the server's ClickHouse: the report in the
server took ${ratio(c.run.median, w.single.run.median)} its time alone.
`;
}
