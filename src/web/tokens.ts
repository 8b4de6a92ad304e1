/**
 * API tokens: what a script sends as a bearer token and what a person pastes into the login form.
 *
 * A token is `ar_<id>_<secret>`: the id finds its record, the secret (32 random bytes) proves it. Only the
 * SHA-256 of the whole token is stored (`tokens.json` in the worker's state directory, owner-only), so a copy of
 * the file grants nothing. SHA-256 and not a password hash: the secret is 256 random bits, so there is nothing
 * to guess slowly, and every API request checks one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { mkdirOwnerOnly, writeOwnerOnlySync } from '../util/private-files.js';

export const SCOPES = ['read', 'generate', 'send', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface TokenRecord {
  id: string;
  name: string;
  /** SHA-256 of the whole token, hex. */
  hash: string;
  scopes: Scope[];
  /** Only these customers' data and actions; absent = every customer. */
  customers?: string[];
  createdAt: string;
  createdBy: string;
  expiresAt?: string;
  revokedAt?: string;
}

/** Who is asking: a token, a signed-in session (of a token) or a proxy's user. */
export interface Principal {
  name: string;
  scopes: ReadonlySet<Scope>;
  customers?: readonly string[];
  /** The token behind it, re-checked on every request of a session (a revoked token ends its sessions). */
  tokenId?: string;
  via: 'token' | 'session' | 'proxy';
}

const TOKEN_SHAPE = /^ar_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const NAME_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/** Every scope implies read; admin implies every scope. */
export function hasScope(p: Pick<Principal, 'scopes'>, scope: Scope): boolean {
  return p.scopes.has('admin') || p.scopes.has(scope) || (scope === 'read' && p.scopes.size > 0);
}

/** Whether the principal may see this customer at all; anything else answers as if the customer did not exist. */
export function seesCustomer(p: Pick<Principal, 'customers'>, customer: string): boolean {
  return !p.customers || p.customers.includes(customer);
}

export function tokenNameProblem(name: string): string | undefined {
  return NAME_SHAPE.test(name) ? undefined : 'must be 1-64 letters, digits, dots, dashes, underscores or @, starting with a letter or digit';
}

export class TokenStore {
  readonly file: string;

  constructor(stateDir: string) {
    mkdirOwnerOnly(stateDir);
    this.file = path.join(stateDir, 'tokens.json');
  }

  list(): TokenRecord[] {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as TokenRecord[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(`cannot read the token file ${this.file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private save(records: TokenRecord[]): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeOwnerOnlySync(tmp, JSON.stringify(records, null, 2));
    fs.renameSync(tmp, this.file);
  }

  /** Creates a token; the returned `token` is shown once and never stored. */
  create(p: { name: string; scopes: Scope[]; customers?: string[]; expiresAtMs?: number; createdBy: string }, nowMs = Date.now()): { token: string; record: TokenRecord } {
    const problem = tokenNameProblem(p.name);
    if (problem) throw new Error(`token name ${JSON.stringify(p.name)} ${problem}`);
    const records = this.list();
    if (records.some((r) => r.name === p.name && !r.revokedAt)) throw new Error(`a token named ${JSON.stringify(p.name)} exists; revoke it first or choose another name`);
    const id = crypto.randomBytes(6).toString('hex');
    const token = `ar_${id}_${crypto.randomBytes(32).toString('base64url')}`;
    const record: TokenRecord = {
      id, name: p.name, hash: sha256(token), scopes: [...new Set(p.scopes)], ...(p.customers ? { customers: [...new Set(p.customers)] } : {}),
      createdAt: new Date(nowMs).toISOString(), createdBy: p.createdBy, ...(p.expiresAtMs !== undefined ? { expiresAt: new Date(p.expiresAtMs).toISOString() } : {}),
    };
    this.save([...records, record]);
    return { token, record };
  }

  /** Revokes by id or name; returns the record, or undefined when none matches. */
  revoke(idOrName: string, nowMs = Date.now()): TokenRecord | undefined {
    const records = this.list();
    const r = records.find((t) => !t.revokedAt && (t.id === idOrName || t.name === idOrName));
    if (!r) return undefined;
    r.revokedAt = new Date(nowMs).toISOString();
    this.save(records);
    return r;
  }

  /** The principal a presented token stands for, or why it is refused (said to the log, never to the client). */
  verify(token: string, nowMs = Date.now()): { principal: Principal; record: TokenRecord } | { refused: string } {
    const m = TOKEN_SHAPE.exec(token);
    if (!m) return { refused: 'malformed token' };
    const record = this.list().find((r) => r.id === m[1]);
    if (!record) return { refused: 'unknown token' };
    const presented = Buffer.from(sha256(token), 'hex');
    if (!crypto.timingSafeEqual(presented, Buffer.from(record.hash, 'hex'))) return { refused: `forged token (id ${record.id})` };
    if (record.revokedAt) return { refused: `revoked token ${record.name}` };
    if (record.expiresAt && Date.parse(record.expiresAt) <= nowMs) return { refused: `expired token ${record.name}` };
    return { record, principal: principalOf(record, 'token') };
  }

  /** The principal of a token id still valid now (a session's token, re-checked on each request). */
  current(tokenId: string, nowMs = Date.now()): Principal | undefined {
    const record = this.list().find((r) => r.id === tokenId);
    if (!record || record.revokedAt || (record.expiresAt && Date.parse(record.expiresAt) <= nowMs)) return undefined;
    return principalOf(record, 'session');
  }
}

function principalOf(record: TokenRecord, via: Principal['via']): Principal {
  return { name: record.name, scopes: new Set(record.scopes), ...(record.customers ? { customers: record.customers } : {}), tokenId: record.id, via };
}
