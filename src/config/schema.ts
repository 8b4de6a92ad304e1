/**
 * The configuration file's schema (YAML, see config.example.yaml): the ClickHouse connection, SMTP, the
 * provider's branding, the archive, the worker, and the customers with their recipients and schedules.
 * Cross-field rules (recipients inside the customer's allow-list, schedule names unique, valid cron
 * expressions and time zones) are checked here too, so `config check` reports every problem at once.
 */
import { CronExpressionParser } from 'cron-parser';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { brandFieldsSchema } from '../render/branding.js';
import { TENANT_ID_PATTERN, TENANT_ID_RULE, tenantIdProblem } from '../util/tenant-id.js';
import { addressDomain, mailboxProblem } from '../delivery/address.js';
import { headerTextProblem } from '../util/header-text.js';

/** Presets: when the schedule fires (in the customer's zone) and the window it covers. */
export const PRESETS = {
  daily: { cron: '0 6 * * *', window: 'previous-day' },
  weekly: { cron: '0 6 * * 1', window: 'previous-week' },
  monthly: { cron: '0 6 1 * *', window: 'previous-month' },
} as const;

/** Calendar windows in the customer's zone, or a rolling duration ending at the scheduled time. */
export const WINDOW_KINDS = ['previous-day', 'previous-week', 'previous-month', 'last-24h', 'last-7d', 'last-30d'] as const;
export type WindowKind = (typeof WINDOW_KINDS)[number];

const FORMATS = ['pdf', 'html', 'json'] as const;
// Customer and schedule ids go into run ids and archive paths, so they follow the tenant id rule.
const identifier = z.string().regex(TENANT_ID_PATTERN, `must be ${TENANT_ID_RULE}`);
/** An AccountID or ZoneID of the telemetry (src/util/tenant-id.ts); an empty one is reported by the caller's min(1). */
const tenantId = (schema: z.ZodString) =>
  schema.superRefine((v, ctx) => {
    const problem = v === '' ? undefined : tenantIdProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
export const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 ** 2;
/** One plain address, as nodemailer will read it (so the allow-list is checked on the address mail goes to). */
const email = z.string().superRefine((v, ctx) => {
  const problem = mailboxProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
/** Text that goes into a mail header (the subject): no CR, LF or other control characters. */
const headerText = (inner: z.ZodString) => inner.superRefine((v, ctx) => {
  const problem = headerTextProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const domain = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'must be a domain name such as example.com')
  .transform((d) => d.toLowerCase());

export function isValidZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}

export function cronProblem(expr: string): string | null {
  if (expr.trim().split(/\s+/).length !== 5) return 'must have five fields: minute hour day-of-month month day-of-week';
  try {
    CronExpressionParser.parse(expr, { tz: 'UTC' }).next();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** "10MB", "512 KB", "1048576" → bytes. */
const byteSize = z.union([z.number().int().positive(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(v);
  if (!m) {
    ctx.addIssue({ code: 'custom', message: 'must be a size such as 10MB, 512KB or a number of bytes' });
    return z.NEVER;
  }
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Math.round(Number(m[1]) * unit);
});

const scheduleSchema = z
  .object({
    name: identifier,
    preset: z.enum(Object.keys(PRESETS) as [keyof typeof PRESETS]).optional(),
    cron: z.string().optional(),
    window: z.enum(WINDOW_KINDS).optional(),
    formats: z.array(z.enum(FORMATS)).min(1).default(['pdf']),
    /** What to do with windows whose time passed while the worker was down. */
    misfire: z.enum(['catch-up', 'skip']).default('catch-up'),
    /** At most this many missed windows are produced on catch-up; older ones are recorded as skipped. */
    maxCatchUp: z.number().int().min(1).max(100).default(5),
    /** Spreads runs over this many seconds after their time (the same delay for the same window every time). */
    jitterSeconds: z.number().int().min(0).max(3600).default(0),
    /** Replaces the customer's recipients for this schedule. */
    recipients: z.array(email).min(1).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.preset && !s.cron) ctx.addIssue({ code: 'custom', message: 'needs a preset (daily, weekly, monthly) or a cron expression', path: [] });
    if (s.preset && s.cron) ctx.addIssue({ code: 'custom', message: 'has both a preset and a cron expression; keep one', path: ['cron'] });
    if (s.cron) {
      const problem = cronProblem(s.cron);
      if (problem) ctx.addIssue({ code: 'custom', message: `is not a valid cron expression (${problem})`, path: ['cron'] });
    }
    if (s.cron && !s.window) ctx.addIssue({ code: 'custom', message: `is required with a cron expression; one of ${WINDOW_KINDS.join(', ')}`, path: ['window'] });
  })
  .transform((s) => ({
    name: s.name,
    cron: s.cron ?? PRESETS[s.preset!].cron,
    window: (s.window ?? PRESETS[s.preset!].window) as WindowKind,
    formats: [...new Set(s.formats)],
    misfire: s.misfire,
    maxCatchUp: s.maxCatchUp,
    jitterSeconds: s.jitterSeconds,
    recipients: s.recipients,
  }));

const customerSchema = z
  .object({
    id: identifier,
    name: headerText(z.string().trim().min(1).max(120)),
    accountId: tenantId(z.string().trim().min(1, 'is required: the AccountID of the customer in the telemetry')),
    zones: z.array(tenantId(z.string().trim().min(1))).default([]),
    timezone: z.string().refine(isValidZone, 'is not an IANA time zone (such as Europe/Lisbon)'),
    // brandFieldsSchema refuses control characters in name and reportTitle, which go into the email's subject too.
    branding: brandFieldsSchema.optional(),
    /** Every recipient's domain must be in this list: a typo cannot send one customer's report elsewhere. */
    allowedDomains: z.array(domain).min(1),
    recipients: z.array(email).min(1),
    schedules: z.array(scheduleSchema).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    const allowed = new Set(c.allowedDomains);
    const check = (list: string[] | undefined, path: (string | number)[]) =>
      list?.forEach((address, i) => {
        const d = addressDomain(address);
        if (!allowed.has(d)) ctx.addIssue({ code: 'custom', message: `${address} is outside the allowed domains (${[...allowed].join(', ')})`, path: [...path, i] });
      });
    check(c.recipients, ['recipients']);
    const names = new Map<string, number>();
    c.schedules.forEach((s, i) => {
      check(s.recipients, ['schedules', i, 'recipients']);
      if (names.has(s.name)) ctx.addIssue({ code: 'custom', message: `duplicate schedule name ${JSON.stringify(s.name)} (also schedules.${names.get(s.name)})`, path: ['schedules', i, 'name'] });
      else names.set(s.name, i);
    });
  });

export const configSchema = z
  .object({
    clickhouse: z
      .object({
        url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
        user: z.string().optional(),
        password: z.string().optional(),
        database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier').optional(),
        dataDir: z.string().min(1).optional(),
        /** A cluster (a `<remote_servers>` name) the tables are sharded over, and every server of it (README, cluster deployment). */
        cluster: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier').optional(),
        clusterNodes: z.array(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })).min(1).optional(),
        /** A source definition (your own tables, attached with `source attach`): reports read it instead of the product's tables. */
        source: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    smtp: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(587),
        /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
        secure: z.boolean().default(false),
        user: z.string().optional(),
        password: z.string().optional(),
        /** One mailbox, with or without a display name: `Reports <reports@provider.example>`. */
        from: z.string().superRefine((v, ctx) => {
          const problem = mailboxProblem(v, { named: true });
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
        /** Attachments whose encoded size exceeds this are replaced by a note with the archive location. */
        maxMessageBytes: byteSize.default(DEFAULT_MAX_MESSAGE_BYTES),
        retries: z
          .object({ attempts: z.number().int().min(1).max(10).default(4), minDelayMs: z.number().int().min(0).default(2000), maxDelayMs: z.number().int().min(0).default(60_000) })
          .strict()
          .default({ attempts: 4, minDelayMs: 2000, maxDelayMs: 60_000 }),
      })
      .strict()
      .optional(),
    branding: z.string().min(1).optional().describe('path to the provider branding JSON, relative to the config file'),
    output: z
      .object({
        dir: z.string().min(1).default('./archive'),
        /** Path of each artifact under dir: {customer} {schedule} {from} {to} {runId} {ext}. */
        path: z.string().min(1).default('{customer}/{schedule}/{from}_{to}.{ext}'),
      })
      .strict()
      .default({ dir: './archive', path: '{customer}/{schedule}/{from}_{to}.{ext}' }),
    worker: z
      .object({
        stateDir: z.string().min(1).default('./state'),
        /** A run still running after this long is marked failed (stuck) and may be attempted again. */
        stuckRunMinutes: z.number().int().min(1).default(30),
        maxAttempts: z.number().int().min(1).max(20).default(3),
        /** A failed run is attempted again after this many minutes times its attempts so far. */
        retryAfterMinutes: z.number().min(0).default(10),
        httpPort: z.number().int().min(0).max(65535).optional(),
        /** Reports produced at once. */
        concurrency: z.number().int().min(1).max(8).default(2),
        /** On SIGTERM, runs in progress get this long to finish before they are recorded as abandoned. */
        shutdownGraceSeconds: z.number().min(0).max(600).default(20),
        /** A window is produced only this long after its end: telemetry pipelines deliver late. */
        dataDelayMinutes: z.number().min(0).max(1440).default(15),
        /**
         * Where the run ledger lives: absent, the JSON files under stateDir (one host); a postgres:// URL, a
         * PostgreSQL database shared by workers on several hosts.
         */
        ledger: z.string().regex(/^postgres(ql)?:\/\/./, 'must be a postgres:// or postgresql:// URL (leave it out for the JSON files under worker.stateDir)').optional(),
        /**
         * How long a worker owns a running run (and its schedule) without renewing: its heartbeat renews every
         * quarter of this, and a worker that vanished is replaced once it has passed. Short enough for a quick
         * takeover, long enough that a busy host or a slow ledger does not miss four beats in a row.
         */
        leaseSeconds: z.number().int().min(5).max(3600).default(60),
      })
      .strict()
      .default({ stateDir: './state', stuckRunMinutes: 30, maxAttempts: 3, retryAfterMinutes: 10, concurrency: 2, shutdownGraceSeconds: 20, dataDelayMinutes: 15, leaseSeconds: 60 }),
    /** The web app and HTTP API (`attack-report serve`). */
    web: z
      .object({
        /** Loopback by default: anything else must be chosen, and then sits behind TLS (a reverse proxy). */
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** The address users reach the app at (through a proxy: its public https:// address); links in emails use it. */
        publicUrl: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
        /** Report jobs waiting to run; one more is answered 429 with Retry-After. */
        queue: z.number().int().min(1).max(1000).default(8),
        /** Report jobs run at once. */
        concurrency: z.number().int().min(1).max(8).default(1),
        /** Requests per minute per client (token, session or address). */
        rateLimitPerMinute: z.number().int().min(1).default(300),
        /** How long a signed download link stays valid. */
        linkTtl: z.string().regex(/^\d+\s*[mhdw]$/, 'must be a duration such as 90m, 24h, 7d or 2w').default('7d'),
        /** Put a signed download link in every report email, not only in the note that replaces an oversized attachment. */
        linksInEmails: z.boolean().default(false),
        /** How long a browser session lasts without use. */
        sessionHours: z.number().min(0.1).max(24 * 30).default(12),
        /**
         * An identity header set by a trusted reverse proxy (e.g. X-Forwarded-User), honoured only from the
         * listed proxy addresses; the user it names gets these scopes and customers.
         */
        proxy: z
          .object({
            header: z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a header name'),
            from: z.array(z.string().min(1)).min(1).default(['127.0.0.1', '::1']),
            scopes: z.array(z.enum(['read', 'generate', 'send', 'admin'])).min(1),
            customers: z.array(z.string().min(1)).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080, queue: 8, concurrency: 1, rateLimitPerMinute: 300, linkTtl: '7d', linksInEmails: false, sessionHours: 12 }),
    customers: z.array(customerSchema).min(1, 'lists no customer'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const ids = new Map<string, number>();
    c.customers.forEach((cu, i) => {
      if (ids.has(cu.id)) ctx.addIssue({ code: 'custom', message: `duplicate customer id ${JSON.stringify(cu.id)} (also customers.${ids.get(cu.id)})`, path: ['customers', i, 'id'] });
      else ids.set(cu.id, i);
    });
    if (!c.smtp && c.customers.some((cu) => cu.schedules.length > 0)) {
      ctx.addIssue({ code: 'custom', message: 'is required: schedules send email', path: ['smtp'] });
    }
    if (c.output.path.includes('..')) ctx.addIssue({ code: 'custom', message: 'must not contain ..', path: ['output', 'path'] });
    if (!c.output.path.includes('{ext}')) ctx.addIssue({ code: 'custom', message: 'must contain {ext}, so formats do not overwrite each other', path: ['output', 'path'] });
  });

export type Config = z.infer<typeof configSchema>;
export type CustomerConfig = Config['customers'][number];
export type ScheduleConfig = CustomerConfig['schedules'][number];
