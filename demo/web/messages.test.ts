import type { Rejection } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../schema.ts';
import {
  boardGoneFirst,
  checkUserName,
  friendlyError,
  readErrorMessage,
  rejectionMessages,
  signInError,
} from './messages.ts';

const rejection = (
  title: string,
  type: Rejection['error']['type'],
  message: string,
  operation: 'create' | 'update' | 'delete' = 'create',
): Rejection => ({
  event: {
    id: title,
    entityType: 'Todo',
    entityKeyPath: [`id-${title}`],
    operation,
    payload: operation === 'create' ? { id: `id-${title}`, title } : { done: true },
    createdAt: '2026-11-30T00:00:00.000Z',
  },
  error: { type, message, retryable: false },
});

describe('rejectionMessages', () => {
  const names = new Map([['id-Eggs', 'Eggs']]);
  const nameOf = (r: Rejection) => names.get(String(r.event.entityKeyPath?.[0]));

  it('names the item and the reason', () => {
    expect(
      rejectionMessages(
        [rejection('Buy milk', 'MISSING_PARENT', 'the parent record does not exist')],
        nameOf,
      ),
    ).toEqual(['‘Buy milk’ was not saved: its board was deleted on another device.']);
    expect(
      rejectionMessages(
        [rejection('Eggs', 'CONFLICT', 'the record does not exist', 'update')],
        nameOf,
      ),
    ).toEqual(['‘Eggs’ was not saved: it was deleted on another device.']);
  });

  it('tells one sentence per cause, however many items it hit', () => {
    const missing = (t: string) =>
      rejection(t, 'MISSING_PARENT', 'the parent record does not exist');
    expect(
      rejectionMessages(
        [missing('A'), missing('B'), missing('C'), rejection('D', 'SCOPE_VIOLATION', 'x')],
        nameOf,
      ),
    ).toEqual([
      '‘A’ and 2 more todos were not saved: their board was deleted on another device.',
      '‘D’ was not saved: it belongs to another account.',
    ]);
  });
});

describe('rejections of shared boards', () => {
  it('says that access was lost, or that the board can only be viewed', () => {
    const names = new Map([['id-Eggs', 'Eggs']]);
    const nameOf = (r: Rejection) => names.get(String(r.event.entityKeyPath?.[0]));
    expect(
      rejectionMessages(
        [
          rejection('Eggs', 'SCOPE_REVOKED', 'x', 'update'),
          rejection('Ham', 'SCOPE_REVOKED', 'x'),
          rejection('Jam', 'FORBIDDEN_ROLE', 'x'),
        ],
        nameOf,
      ),
    ).toEqual([
      '‘Eggs’ was not saved: you no longer have access to its board.',
      '‘Ham’ was not saved: you no longer have access to its board.',
      '‘Jam’ was not saved: you can only view its board.',
    ]);
  });
});

describe('rejectionMessages for a board deleted on another device', () => {
  const boardOf = new Map([
    ['id-Milk', 'b1'],
    ['id-Butter', 'b1'],
    ['id-Oats', 'b1'],
    ['id-Other', 'b2'],
  ]);
  const board = {
    of: (r: Rejection) =>
      r.event.entityType === 'Board'
        ? String(r.event.entityKeyPath?.[0])
        : boardOf.get(String(r.event.entityKeyPath?.[0])),
    name: (id: string) => (id === 'b1' ? 'Shopping list' : undefined),
  };
  const nameOf = () => undefined;
  const gone = 'the record does not exist';

  it('tells one sentence naming the board and counting the refused changes', () => {
    const rename: Rejection = {
      event: {
        id: 'r',
        entityType: 'Board',
        entityKeyPath: ['b1'],
        operation: 'update',
        payload: { name: 'Shops' },
        createdAt: '2026-11-30T00:00:00.000Z',
      },
      error: { type: 'CONFLICT', message: gone, retryable: false },
    };
    expect(
      rejectionMessages(
        [
          rejection('Milk', 'CONFLICT', gone, 'update'),
          rejection('Oats', 'CONFLICT', gone, 'update'),
          rejection('Butter', 'MISSING_PARENT', 'the parent record does not exist'),
          rename,
          rejection('Other', 'CONFLICT', gone, 'update'),
        ],
        nameOf,
        board,
      ),
    ).toEqual([
      '‘Shopping list’ was deleted on another device: 4 changes to it and its todos were not saved.',
      'A todo was not saved: it was deleted on another device.',
    ]);
  });

  it('keeps the todo’s own sentence when one todo alone was refused', () => {
    expect(
      rejectionMessages(
        [rejection('Butter', 'MISSING_PARENT', 'the parent record does not exist')],
        nameOf,
        board,
      ),
    ).toEqual(['‘Butter’ was not saved: its board was deleted on another device.']);
  });
});

describe('friendlyError', () => {
  it('never shows a validator’s raw text', () => {
    const parsed = demoSchema.models.Todo.fields.safeParse({ title: 'x'.repeat(501) });
    expect(parsed.success).toBe(false);
    const text = friendlyError(parsed.error, 'A title');
    expect(text).toBe('A title is too long, so it was not saved.');
    expect(
      friendlyError(new Error('Todo: title: Too big: expected string to have <=500 characters')),
    ).not.toMatch(/expected|Too big/);
  });
});

describe('sign-in messages', () => {
  it('says offline in words, and asks for a name when it is blank', () => {
    expect(signInError(new TypeError('Failed to fetch'), false)).toMatch(/^You are offline/);
    expect(signInError(new TypeError('Failed to fetch'), true)).toMatch(
      /^Could not reach the server\./,
    );
    expect(signInError(new Error('sign-in failed (500)'), true)).toBe(
      'Signing in did not work. Please try again in a moment.',
    );
    expect(checkUserName('   ')).toBe('Enter a name to sign in.');
    expect(checkUserName('ada')).toBeNull();
  });

  it('counts a name in characters a person sees, as the server does', () => {
    expect(checkUserName('👍🏽'.repeat(64))).toBeNull();
    expect(checkUserName('👍🏽'.repeat(65))).toBe('A name has at most 64 characters.');
  });
});

describe('boardGoneFirst', () => {
  it('names the todo and its board, and says which undo comes first', () => {
    expect(boardGoneFirst('Buy milk', 'Groceries')).toBe(
      '‘Buy milk’ is on the board ‘Groceries’, deleted here: undo the board’s delete first, then this one.',
    );
    expect(boardGoneFirst('Buy milk', undefined)).toMatch(
      /^‘Buy milk’ is on a board, deleted here/,
    );
  });
});

describe('readErrorMessage', () => {
  it('asks to close the other tabs when the database or the worker is held up, says nothing on sign-out, else asks to reload', () => {
    const heldUp = { code: 'UNAVAILABLE', details: { method: 'read', attempts: 1 } };
    expect(readErrorMessage(heldUp)).toMatch(
      /another tab of this app.*Close or reload the app’s other tabs/,
    );
    // A worker that has not answered yet: a first install, or the same hold keeping it from its
    // database. Reloading this tab would not help; it goes on by itself.
    const noWorker = { code: 'UNAVAILABLE', details: { method: 'hello', attempts: 3 } };
    expect(readErrorMessage(noWorker)).toMatch(
      /still waiting for its sync worker.*goes on by itself/,
    );
    expect(readErrorMessage(noWorker)).not.toMatch(/Reload the page/);
    expect(readErrorMessage({ code: 'CLIENT_CLOSED' })).toBeNull();
    expect(readErrorMessage(new Error('NotIndexedError'))).toMatch(/Reload the page/);
    expect(readErrorMessage(null)).toMatch(/Reload the page/);
  });
});
