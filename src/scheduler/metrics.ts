/**
 * Prometheus metrics of the worker and the optional HTTP endpoint that serves them with /healthz.
 */
import http from 'node:http';
import { Counter, Histogram, Registry } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  private readonly runs = new Counter({ name: 'attack_report_runs_total', help: 'Runs finished, by final status', labelNames: ['status'], registers: [this.registry] });
  private readonly duration = new Histogram({
    name: 'attack_report_run_duration_seconds', help: 'Duration of runs (report, archive and email)', buckets: [1, 2, 5, 10, 30, 60, 120, 300], registers: [this.registry],
  });
  private readonly emails = new Counter({ name: 'attack_report_emails_total', help: 'Emails, by result', labelNames: ['result'], registers: [this.registry] });
  lastTickAt: string | null = null;

  runFinished(status: string, durationMs: number): void {
    this.runs.inc({ status });
    this.duration.observe(durationMs / 1000);
  }

  runSkipped(): void {
    this.runs.inc({ status: 'skipped' });
  }

  emailSent(ok: boolean): void {
    this.emails.inc({ result: ok ? 'sent' : 'failed' });
  }
}

/** Serves /healthz (JSON) and /metrics (Prometheus text) on 127.0.0.1:`port`; resolves with the port bound. */
export function serveMetrics(metrics: Metrics, port: number, host = '127.0.0.1'): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', lastTickAt: metrics.lastTickAt }));
    } else if (req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}
