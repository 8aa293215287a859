import { describe, expect, it } from 'vitest';
import { ServerError } from '../errors.ts';
import {
  decodeChangelogId,
  encodeChangelogId,
  encodeFullPullCursor,
  parseCursor,
} from './cursor.ts';

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

  it('parseCursor: null passes, a malformed cursor is a BAD_REQUEST', () => {
    expect(parseCursor(null)).toBeNull();
    expect(parseCursor(undefined)).toBeNull();
    expect(parseCursor(encodeChangelogId(7))).toEqual({ seq: 7, fullPullSince: null });
    const since = Date.now() - 5_000;
    expect(parseCursor(encodeFullPullCursor(7, since))).toEqual({ seq: 7, fullPullSince: since });
    // A full pull cannot claim to begin in the future.
    expect(() => parseCursor(encodeFullPullCursor(7, Date.now() + 3_600_000))).toThrow(ServerError);
    const error = (() => {
      try {
        parseCursor('nope');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).code).toBe('BAD_REQUEST');
  });
});
