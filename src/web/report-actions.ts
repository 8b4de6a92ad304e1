/**
 * Report jobs of the web app and the API: an on-demand report of a customer (or, for principals that see every
 * customer, of an account) over a window, or the incident report of one attack; and the attack listing that
 * incident reports are asked from. The same operations as `generate` and `generate --attack`.
 */
import { z } from 'zod';
import { WINDOW_KINDS } from '../config/schema.js';
import { UsageError, errorMessage } from '../errors.js';
import { FORMATS, type Format } from '../report/generate.js';
import { onDemandReport } from '../report/on-demand.js';
import { parseDuration, resolveWindow, type ReportWindow } from '../report/window.js';
import { generateIncidentReport } from '../report/incident.js';
import { listAttacks, type AttackListing } from '../report/attacks.js';
import { LIST_ACCOUNTS_HINT } from '../report/presence.js';
import { windowFor } from '../scheduler/windows.js';
import { DEFAULT_BRANDING } from '../render/branding.js';
import { ATTACK_ID_PATTERN, ATTACK_ID_RULE } from '../util/attack-id.js';
import { customerFor, HttpError, now, tenantId, type WebDeps } from './actions.js';
import { jobFiles, type Job } from './jobs.js';
import type { Principal } from './tokens.js';

export const reportInputSchema = z
  .object({
    customer: tenantId.optional().describe('a customer of the configuration (its account, zones, time zone and branding)'),
    account: tenantId.optional().describe('an account id in the telemetry, for tokens not limited to customers'),
    zones: z.array(tenantId).max(100).optional(),
    window: z.enum(WINDOW_KINDS).optional().describe('a window ending now, in the time zone'),
    from: z.string().max(40).optional().describe('ISO 8601 start (with to); without an offset it is read in tz'),
    to: z.string().max(40).optional(),
    tz: z.string().max(64).optional().describe("IANA time zone; default the customer's, else UTC"),
    formats: z.array(z.enum(FORMATS)).min(1).max(3).default(['pdf', 'html', 'json']),
    paper: z.enum(['a4', 'letter']).default('a4'),
    landscape: z.boolean().default(false),
    allowEmpty: z.boolean().default(false).describe('produce the report even for an account with no telemetry at all'),
    attack: z.string().regex(ATTACK_ID_PATTERN, `must be ${ATTACK_ID_RULE}`).optional().describe("an incident report of this attack (ids from …/attacks): the attack's own window at one-minute resolution; no window, from or to"),
  })
  .strict();
export type ReportInput = z.infer<typeof reportInputSchema>;

/** A window from the input: a named window ending now in the zone, or from/to (messages name the field). */
function windowOf(input: ReportInput, zone: string, nowMs: number): ReportWindow {
  try {
    if (input.window !== undefined) {
      if (input.from !== undefined || input.to !== undefined) throw new UsageError('give either window or from and to, not both');
      // A window ending now ends with the current minute, as `generate --last` does: no "widened" note for it.
      const w = windowFor(input.window, zone, Math.ceil(nowMs / 60_000) * 60_000);
      return resolveWindow({ from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString(), tz: zone }, nowMs);
    }
    if (input.from === undefined && input.to === undefined) throw new UsageError(`a window is required: window (${WINDOW_KINDS.join(', ')}), or from and to`);
    return resolveWindow({ from: input.from, to: input.to, tz: zone }, nowMs);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new HttpError(400, 'invalid_window', errorMessage(err).replace(/--(from|to|last|tz)\b/g, '$1'));
  }
}

/** Queues an on-demand report; the job's files are the report's formats. */
export async function submitReport(deps: WebDeps, p: Principal, input: ReportInput): Promise<Job> {
  if ((input.customer === undefined) === (input.account === undefined)) throw new HttpError(400, 'invalid_request', 'give exactly one of customer or account');
  let accountId: string;
  let zoneIds: string[];
  let zone: string;
  let customerId: string;
  let branding = DEFAULT_BRANDING;
  if (input.customer !== undefined) {
    const c = customerFor(deps, p, input.customer);
    accountId = c.accountId;
    const extra = (input.zones ?? []).filter((z) => c.zones.length > 0 && !c.zones.includes(z));
    if (extra.length) throw new HttpError(400, 'invalid_request', `zones ${extra.join(', ')} are not zones of customer ${c.id} (${c.zones.join(', ')})`);
    zoneIds = input.zones ?? c.zones;
    zone = input.tz ?? c.timezone;
    customerId = c.id;
    branding = deps.ctx.branding.get(c.id) ?? DEFAULT_BRANDING;
  } else {
    // A raw account is every customer's data at once: only a principal that sees every customer may ask.
    if (p.customers) throw new HttpError(403, 'forbidden', `${p.name} is limited to customers (${p.customers.join(', ')}); ask by customer, not by account`);
    accountId = input.account!;
    zoneIds = input.zones ?? [];
    zone = input.tz ?? 'UTC';
    customerId = `account:${accountId}`;
  }
  const formats = input.formats as Format[];
  if (input.attack !== undefined) return submitIncident(deps, p, input, { accountId, zoneIds, zone, customerId, branding, formats });
  const window = windowOf(input, zone, now(deps));
  const title = `${input.customer ?? accountId}${zoneIds.length ? ` (${zoneIds.join(', ')})` : ''}, ${new Date(window.fromMs).toISOString().slice(0, 16)}Z to ${new Date(window.toMs).toISOString().slice(0, 16)}Z`;
  const job = deps.jobs.submit({ kind: 'report', customer: customerId, by: p.name, title }, async (h) => {
    deps.ctx.log.info({ job: h.job.id, by: p.name, account: accountId, window: { from: window.fromMs, to: window.toMs } }, 'report job started');
    await deps.ctx.storeReady?.();
    const result = await onDemandReport(deps.ctx.target, { accountId, zoneIds, window }, {
      formats, outDir: h.job.dir, renderer: deps.ctx.renderer, branding, page: { paper: input.paper === 'letter' ? 'Letter' : 'A4', landscape: input.landscape },
      allowEmpty: input.allowEmpty, emptyHint: `Check the id (${LIST_ACCOUNTS_HINT}), or ask with allowEmpty to produce the report anyway`,
      notes: deps.ctx.reportNotes, onStage: (s) => h.stage(s),
      ...(deps.ctx.sourceGaps ? { sourceGaps: deps.ctx.sourceGaps, gapsHint: 'Ask an operator to sync the source (attack-report source sync), or choose a window it holds' } : {}),
    });
    return {
      files: jobFiles(Object.values(result.files)),
      result: { notes: result.model.notes, dataEndsEarly: result.model.coverage.dataEndsEarly, summary: result.model.summary.sentences, timings: result.timings },
    };
  });
  await deps.ctx.ledger.audit({ by: p.name, action: 'report', ...(input.customer ? { customer: input.customer } : {}), detail: `job ${job.id}: ${title}, ${formats.join(',')}` });
  return job;
}

/** Queues the incident report of one attack; an unknown id (or another account's) fails the job naming it. */
async function submitIncident(
  deps: WebDeps, p: Principal, input: ReportInput,
  t: { accountId: string; zoneIds: string[]; zone: string; customerId: string; branding: typeof DEFAULT_BRANDING; formats: Format[] },
): Promise<Job> {
  if (input.window !== undefined || input.from !== undefined || input.to !== undefined) throw new HttpError(400, 'invalid_request', 'an incident report covers its attack\'s own window: give attack without window, from or to');
  const title = `incident ${input.attack} of ${input.customer ?? t.accountId}`;
  const job = deps.jobs.submit({ kind: 'incident', customer: t.customerId, by: p.name, title }, async (h) => {
    await deps.ctx.storeReady?.();
    const result = await generateIncidentReport(deps.ctx.target, { accountId: t.accountId, zoneIds: t.zoneIds, attackId: input.attack!, tz: t.zone }, {
      formats: t.formats, outDir: h.job.dir, renderer: deps.ctx.renderer, branding: t.branding, page: { paper: input.paper === 'letter' ? 'Letter' : 'A4', landscape: input.landscape },
      notes: deps.ctx.reportNotes, onStage: (s) => h.stage(s),
    });
    return {
      files: jobFiles(Object.values(result.files)),
      result: { notes: result.model.notes, summary: result.model.summary.sentences, timings: result.timings },
    };
  });
  await deps.ctx.ledger.audit({ by: p.name, action: 'incident-report', ...(input.customer ? { customer: input.customer } : {}), detail: `job ${job.id}: ${title}, ${t.formats.join(',')}` });
  return job;
}

export const attackQuerySchema = z
  .object({
    since: z.string().regex(/^\d+\s*[hdw]$/, 'must be a duration such as 24h, 30d or 2w').default('30d'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

/** The customer's attacks in the last `since`, newest first, each with the id an incident report is asked by. */
export async function attacksOf(deps: WebDeps, p: Principal, customer: string, q: z.infer<typeof attackQuerySchema>): Promise<AttackListing> {
  const c = customerFor(deps, p, customer);
  const toMs = Math.ceil(now(deps) / 60_000) * 60_000;
  const fromMs = toMs - parseDuration(q.since, 'since');
  await deps.ctx.storeReady?.();
  return listAttacks(deps.ctx.target, { accountId: c.accountId, zoneIds: c.zones, fromMs, toMs, limit: q.limit });
}
