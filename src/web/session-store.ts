/**
 * Browser sessions in memory, bounded: @fastify/session's default store never forgets a session whose browser
 * does not come back. Sessions hold only the id of the token they were opened with (re-checked on every
 * request), so losing them on a restart costs a sign-in, nothing more.
 */
import type { Session } from 'fastify';

type Callback = (err?: unknown, session?: Session | null) => void;

export class BoundedSessionStore {
  private readonly sessions = new Map<string, { session: Session; expiresAt: number }>();

  constructor(private readonly ttlMs: number, private readonly max = 10_000) {}

  set(id: string, session: Session, cb: Callback): void {
    this.sessions.delete(id);
    this.sessions.set(id, { session, expiresAt: Date.now() + this.ttlMs });
    // The oldest sessions go first when a flood of sign-ins would exceed the bound.
    while (this.sessions.size > this.max) this.sessions.delete(this.sessions.keys().next().value!);
    cb();
  }

  get(id: string, cb: Callback): void {
    const entry = this.sessions.get(id);
    if (!entry || entry.expiresAt <= Date.now()) {
      this.sessions.delete(id);
      cb(undefined, null);
      return;
    }
    cb(undefined, entry.session);
  }

  destroy(id: string, cb: Callback): void {
    this.sessions.delete(id);
    cb();
  }
}
