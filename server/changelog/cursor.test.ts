import { describe, expect, it } from 'vitest';
import { ServerError } from '../errors.ts';
import {
  cursorBinding,
  decodeChangelogId,
  encodeChangelogId,
  encodeCursor,
  encodeFullPullCursor,
  parseCursor,
} from './cursor.ts';

const alice = { scope: 'alice' };
const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ServerError);
    return (error as ServerError).code;
  }
};

describe('changelog ids', () => {
  it('round-trip every seq and are opaque base64url', () => {
    for (const seq of [0, 1, 9, 10, 255, 65_536, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      const id = encodeChangelogId(seq);
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeChangelogId(id)).toBe(seq);
    }
  });

  it('reject anything this server did not issue', () => {
    const bad = [
      '',
      'abc',
      '12',
      Buffer.from('2:5').toString('base64url'),
      Buffer.from('1:05').toString('base64url'),
      Buffer.from('1:-1').toString('base64url'),
      Buffer.from('1:1e3').toString('base64url'),
      Buffer.from('1:99999999999999999').toString('base64url'),
      `${encodeChangelogId(5)}=`,
      'MToz!',
      'x'.repeat(100),
    ];
    for (const id of bad) expect(decodeChangelogId(id), id).toBeUndefined();
  });
});

describe('cursors', () => {
  it('round-trip for their owner; null passes', () => {
    expect(parseCursor(null, alice)).toBeNull();
    expect(parseCursor(undefined, alice)).toBeNull();
    for (const seq of [0, 7, Number.MAX_SAFE_INTEGER]) {
      expect(parseCursor(encodeCursor(alice, seq), alice)).toEqual({ seq, fullPullSince: null });
    }
    const since = Date.now() - 5_000;
    expect(parseCursor(encodeFullPullCursor(alice, 7, since), alice)).toEqual({
      seq: 7,
      fullPullSince: since,
    });
  });

  it('are refused (400) for another scope or another account of the same scope', () => {
    const cursor = encodeCursor(alice, 3);
    expect(codeOf(() => parseCursor(cursor, { scope: 'bob' }))).toBe('BAD_REQUEST');
    expect(codeOf(() => parseCursor(cursor, { scope: 'alice', account: 'bob' }))).toBe(
      'BAD_REQUEST',
    );
    const full = encodeFullPullCursor(alice, 3, Date.now() - 1_000);
    expect(codeOf(() => parseCursor(full, { scope: 'bob' }))).toBe('BAD_REQUEST');
    // The account defaults to the scope: the same owner written out in full.
    expect(parseCursor(cursor, { scope: 'alice', account: 'alice' })?.seq).toBe(3);
  });

  it('bind account and scope as a pair, not as a concatenation', () => {
    expect(cursorBinding({ scope: 'b', account: 'a' })).not.toBe(
      cursorBinding({ scope: 'a', account: 'b' }),
    );
    expect(cursorBinding({ scope: 'bc', account: 'a' })).not.toBe(
      cursorBinding({ scope: 'c', account: 'ab' }),
    );
    const bindings = new Set(
      Array.from({ length: 2000 }, (_, i) => cursorBinding({ scope: `u${i}` })),
    );
    expect(bindings.size).toBe(2000);
  });

  it('a v1 cursor (no binding) is expired (409): the client starts over once', () => {
    for (const text of ['1:5', '1:0', `2:5:${Date.now() - 1000}`]) {
      const v1 = Buffer.from(text).toString('base64url');
      expect(
        codeOf(() => parseCursor(v1, alice)),
        text,
      ).toBe('CURSOR_EXPIRED');
    }
  });

  it('anything else is a 400, including non-canonical and future full-pull cursors', () => {
    const binding = cursorBinding(alice);
    const bad = [
      'nope',
      'x'.repeat(200),
      `${encodeCursor(alice, 5)}=`,
      Buffer.from(`3:${binding}:05`).toString('base64url'),
      Buffer.from(`3:${binding.toUpperCase()}:5`).toString('base64url'),
      Buffer.from(`3:${binding}:99999999999999999`).toString('base64url'),
      encodeFullPullCursor(alice, 7, Date.now() + 3_600_000),
      Buffer.from('1:5 ').toString('base64url'),
    ];
    for (const cursor of bad)
      expect(
        codeOf(() => parseCursor(cursor, alice)),
        cursor,
      ).toBe('BAD_REQUEST');
  });
});
