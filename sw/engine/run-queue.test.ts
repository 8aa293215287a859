import { describe, expect, it } from 'vitest';
import { RunQueue } from './run-queue.ts';

describe('RunQueue', () => {
  function recorder() {
    const runs: string[] = [];
    let active = 0;
    let most = 0;
    const queue = new RunQueue<string>(
      async (reason) => {
        most = Math.max(most, ++active);
        runs.push(reason);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active--;
      },
      (reason) => reason === 'manual',
    );
    return { queue, runs, most: () => most };
  }

  it('folds triggers during a run into one follow-up with the first background reason', async () => {
    const { queue, runs, most } = recorder();
    await Promise.all(['write', 'timer', 'poke', 'write'].map((r) => queue.trigger(r)));
    expect(runs).toEqual(['write', 'timer']);
    expect(most()).toBe(1);
  });

  it('gives the follow-up the urgent reason when one was folded in', async () => {
    const { queue, runs } = recorder();
    await Promise.all(['write', 'timer', 'manual', 'poke'].map((r) => queue.trigger(r)));
    expect(runs).toEqual(['write', 'manual']);
    await queue.trigger('timer');
    expect(runs).toEqual(['write', 'manual', 'timer']);
  });

  it('survives a run that throws', async () => {
    const queue = new RunQueue<string>(
      async () => {
        throw new Error('boom');
      },
      () => false,
    );
    await expect(queue.trigger('a')).resolves.toBeUndefined();
    await expect(queue.trigger('b')).resolves.toBeUndefined();
  });
});
