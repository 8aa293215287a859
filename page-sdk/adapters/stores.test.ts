import { describe, expect, it } from 'vitest';
import { createSource } from '../live/subscribable.ts';
import { toExternalStore, toSvelteStore } from './stores.ts';

describe('store adapters', () => {
  it('gives React a subscribe/getSnapshot pair that follows the source', () => {
    const source = createSource<number>();
    const store = toExternalStore(source);
    let notified = 0;
    const stop = store.subscribe(() => notified++);
    expect(store.getSnapshot()).toBeUndefined();
    source.next(1);
    source.next(2);
    expect([notified, store.getSnapshot()]).toEqual([2, 2]);
    stop();
    source.next(3);
    expect(notified).toBe(2);
  });

  it('gives Svelte a store that calls run at once and on every change', () => {
    const source = createSource<string>();
    const seen: (string | undefined)[] = [];
    const stop = toSvelteStore(source).subscribe((v) => seen.push(v));
    source.next('a');
    stop();
    source.next('b');
    expect(seen).toEqual([undefined, 'a']);
    const late: (string | undefined)[] = [];
    toSvelteStore(source).subscribe((v) => late.push(v))();
    expect(late).toEqual(['b']);
  });
});
