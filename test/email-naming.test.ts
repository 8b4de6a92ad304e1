import { describe, expect, it } from 'vitest';
import { attachmentName, emailPeriod } from '../src/delivery/naming.js';
import type { ReportModel } from '../src/report/model.js';

const model = (from: string, to: string, timezone: string) => ({ window: { from, to, timezone }, tenant: { accountId: 'acme', zoneIds: [] } }) as unknown as ReportModel;

describe('email subject period and attachment name', () => {
  it('a New York day (05:00Z to 05:00Z) reads as one date, and names the file after customer and day', () => {
    const m = model('2026-11-30T05:00:00.000Z', '2026-12-01T05:00:00.000Z', 'America/New_York');
    expect(emailPeriod(m)).toBe('30 Nov 2026');
    expect(attachmentName('Acme Retail', m)).toBe('Acme-Retail-attack-report-2026-11-30.pdf');
  });

  it('a week reads as its first and last day (the end is exclusive)', () => {
    const m = model('2026-11-23T00:00:00.000Z', '2026-11-30T00:00:00.000Z', 'Europe/Lisbon');
    expect(emailPeriod(m)).toBe('23 Nov 2026 – 29 Nov 2026');
    expect(attachmentName('Acme', m)).toBe('Acme-attack-report-2026-11-23-to-2026-11-29.pdf');
  });

  it('keeps file names to safe ASCII whatever the customer is called', () => {
    const m = model('2026-11-30T00:00:00.000Z', '2026-12-01T00:00:00.000Z', 'UTC');
    expect(attachmentName('Société Générale / "R&D" ../x', m)).toBe('Societe-Generale-R-D-x-attack-report-2026-11-30.pdf');
    expect(attachmentName('株式会社', m)).toBe('acme-attack-report-2026-11-30.pdf');
  });
});
