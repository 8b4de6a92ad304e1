/**
 * What a customer reads about a report in an email: the period in the subject and the attachment's file name.
 * Both in the report's time zone, and the last day is the one holding the window's last instant (the window
 * is half-open).
 */
import { DateTime } from 'luxon';
import type { ReportModel } from '../report/model.js';
import { formatDate } from '../util/format.js';

function days(model: ReportModel): { first: DateTime; last: DateTime } {
  const zone = model.window.timezone;
  return {
    first: DateTime.fromISO(model.window.from, { zone }),
    last: DateTime.fromMillis(Date.parse(model.window.to) - 1, { zone }),
  };
}

/** "30 Nov 2026" for a window within one local day, else "23 Nov 2026 – 29 Nov 2026". */
export function emailPeriod(model: ReportModel): string {
  const { first, last } = days(model);
  const tz = model.window.timezone;
  const from = formatDate(model.window.from, tz);
  return first.hasSame(last, 'day') ? from : `${from} – ${formatDate(new Date(last.toMillis()).toISOString(), tz)}`;
}

/** A customer name as file-name-safe ASCII: accents dropped, anything else between words a dash. */
function fileWord(text: string): string {
  const ascii = text.normalize('NFKD').replace(/\p{M}+/gu, '');
  return ascii.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60).replace(/-+$/, '');
}

/** `Acme-Retail-attack-report-2026-11-30.pdf`, or `…-2026-11-23-to-2026-11-29.pdf` for a longer window. */
export function attachmentName(customerName: string, model: ReportModel, ext = 'pdf'): string {
  const { first, last } = days(model);
  const dates = first.hasSame(last, 'day') ? first.toISODate() : `${first.toISODate()}-to-${last.toISODate()}`;
  const who = fileWord(customerName) || fileWord(model.tenant.accountId) || 'customer';
  return `${who}-attack-report-${dates}.${ext}`;
}
