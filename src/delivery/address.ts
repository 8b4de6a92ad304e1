/**
 * Email addresses as the mailer will read them. A value is parsed with nodemailer's own address parser, so
 * what is checked (the allow-list, "one mailbox") is the address the message will actually go to:
 * `root<x>@globex.example` reads as a mailbox `x` named `root@globex.example`, not as an address at globex.
 */
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { z } from 'zod';
import { headerTextProblem } from '../util/header-text.js';

const plainAddress = z.email();

/**
 * Why `value` is not exactly one mailbox, or null. `named` allows a display name (`Reports <reports@x.example>`,
 * for a sender); without it the value must be the bare address (recipients, the allow-list's subjects).
 */
export function mailboxProblem(value: string, opts: { named?: boolean } = {}): string | null {
  const header = headerTextProblem(value);
  if (header) return header;
  const parsed = addressparser(value);
  if (parsed.length !== 1) return `must be exactly one email address (read as ${parsed.length})`;
  const [entry] = parsed;
  if (!entry || !('address' in entry)) return 'must be an email address, not a group';
  if (!entry.address) return 'must be an email address';
  if (!opts.named && (entry.name !== '' || entry.address !== value.trim())) {
    return `must be a plain address such as soc@example.com (read as ${JSON.stringify(entry.address)}${entry.name ? ` named ${JSON.stringify(entry.name)}` : ''})`;
  }
  if (!plainAddress.safeParse(entry.address).success) return `must be an email address (read as ${JSON.stringify(entry.address)})`;
  return null;
}

/** The domain a plain address is delivered to, lower-cased. */
export const addressDomain = (address: string): string => address.slice(address.lastIndexOf('@') + 1).toLowerCase();
