import { describe, expect, it } from 'vitest';
import { PendingCount } from './pending-count.ts';

/** An outbox reduced to its length, counted by a request that answers when told. */
function outbox(length: number) {
  const state = { length, counts: 0, hold: false };
  const waiting: (() => void)[] = [];
  const count = async () => {
    state.counts++;
    if (state.hold) await new Promise<void>((resolve) => waiting.push(resolve));
    return state.length;
  };
  const release = () => {
    for (const go of waiting.splice(0)) go();
  };
  return { state, count, release };
}

describe('PendingCount', () => {
  it('counts once, then follows writes without counting', async () => {
    const box = outbox(3);
    const pending = new PendingCount(box.count);
    expect(await pending.get()).toBe(3);
    box.state.length += 2;
    pending.added(2);
    expect(await pending.get()).toBe(5);
    expect(box.state.counts).toBe(1);
  });

  it('counts again after a change, and on every read during one', async () => {
    const box = outbox(4);
    const pending = new PendingCount(box.count);
    await pending.get();
    await pending.changing(async () => {
      box.state.length = 1;
      expect(await pending.get()).toBe(1);
      box.state.length = 0;
      expect(await pending.get()).toBe(0);
    });
    expect(await pending.get()).toBe(0);
    expect(await pending.get()).toBe(0);
    expect(box.state.counts).toBe(4);
  });

  it('forgets when the change fails', async () => {
    const box = outbox(2);
    const pending = new PendingCount(box.count);
    await pending.get();
    await expect(
      pending.changing(async () => {
        box.state.length = 0;
        throw new Error('network');
      }),
    ).rejects.toThrow('network');
    expect(await pending.get()).toBe(0);
  });

  it('does not keep a count that a write overtook', async () => {
    const box = outbox(1);
    const pending = new PendingCount(box.count);
    box.state.hold = true;
    const first = pending.get();
    // The write commits while the count is in flight: the count may or may not include it.
    box.state.length = 2;
    pending.added(1);
    box.release();
    expect(await first).toBe(2);
    box.state.hold = false;
    expect(await pending.get()).toBe(2);
    expect(box.state.counts).toBe(2);
  });

  it('does not keep a count that a change overtook', async () => {
    const box = outbox(5);
    const pending = new PendingCount(box.count);
    box.state.hold = true;
    const first = pending.get();
    const run = pending.changing(async () => {
      box.state.length = 0;
    });
    box.release();
    await Promise.all([first, run]);
    box.state.hold = false;
    expect(await pending.get()).toBe(0);
  });
});
