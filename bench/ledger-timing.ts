/**
 * A RunLedger that times every call it passes on (and the renew/release of the leases it hands out): the ledger
 * part of the ledger bench. Calls are attributed to the phase the caller sets (planning a tick, or executing runs),
 * so the per-run cost can be told from what an idle worker spends looking for work.
 */
import type { Lease, RunLedger } from '../src/scheduler/ledger-types.js';

export type Phase = 'plan' | 'run';

export interface LedgerTimes {
  /** Milliseconds spent awaiting the ledger, and calls, per phase. */
  ms: Record<Phase, number>;
  calls: Record<Phase, number>;
  /** Milliseconds per method, both phases. */
  byMethod: Record<string, { calls: number; ms: number }>;
}

export function timedLedger(inner: RunLedger): { ledger: RunLedger; times: LedgerTimes; setPhase(p: Phase): void } {
  const times: LedgerTimes = { ms: { plan: 0, run: 0 }, calls: { plan: 0, run: 0 }, byMethod: {} };
  let phase: Phase = 'plan';
  const record = (name: string, ms: number) => {
    times.ms[phase] += ms;
    times.calls[phase]++;
    const m = (times.byMethod[name] ??= { calls: 0, ms: 0 });
    m.calls++;
    m.ms += ms;
  };
  const timed = async <T>(name: string, call: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await call();
    } finally {
      record(name, performance.now() - t0);
    }
  };
  const wrapLease = (lease: Lease): Lease => ({
    owner: lease.owner,
    renew: () => timed('lease.renew', () => lease.renew()),
    release: () => timed('lease.release', () => lease.release()),
  });
  const ledger = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || prop === 'close') return value;
      const name = String(prop);
      return (...args: unknown[]) => timed(name, async () => {
        const out = (await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) as unknown;
        return name === 'lease' && out ? wrapLease(out as Lease) : out;
      });
    },
  });
  return { ledger, times, setPhase: (p) => (phase = p) };
}
