import { describe, expect, it } from 'vitest';
import type { ClickHouseTarget } from '../src/clickhouse/client.js';
import { together } from '../src/clickhouse/together.js';

// together() only reads whether the target is in-process; no query is run here.
const target = (embedded: boolean) => ({ embedded }) as ClickHouseTarget;

/** Tasks that record when each starts and ends; each ends on a later tick than it starts. */
function recorder() {
  const events: string[] = [];
  const task = (name: string, value: number) => async () => {
    events.push(`start ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    events.push(`end ${name}`);
    return value;
  };
  return { events, task };
}

describe('together', () => {
  it('starts every task at once on a server and returns their results in order', async () => {
    const { events, task } = recorder();
    const results = await together(target(false), [task('a', 1), task('b', 2), task('c', 3)] as const);
    expect(results).toEqual([1, 2, 3]);
    expect(events.slice(0, 3)).toEqual(['start a', 'start b', 'start c']);
  });

  it('runs them one after another, in the order given, in-process', async () => {
    const { events, task } = recorder();
    const results = await together(target(true), [task('a', 1), task('b', 2), task('c', 3)] as const);
    expect(results).toEqual([1, 2, 3]);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('rejects with the first failure', async () => {
    const fail = async () => {
      throw new Error('query failed');
    };
    await expect(together(target(false), [async () => 1, fail] as const)).rejects.toThrow('query failed');
    await expect(together(target(true), [fail, async () => 1] as const)).rejects.toThrow('query failed');
  });
});
