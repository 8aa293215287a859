import { defineSchema, model } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { createWrite, updateWrite } from './writes.ts';

const schema = defineSchema({
  Note: model({
    fields: z.object({ id: z.string(), userId: z.string(), text: z.string(), extra: z.any() }),
    key: 'id',
    scope: 'userId',
  }),
});
const note = { id: 'n1', userId: 'u1', text: 'hello', extra: null };

function refusal(write: () => unknown): ValidationError {
  try {
    write();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('the write was accepted');
}

describe('page writes refuse what the worker would, as a ValidationError naming the field', () => {
  it('a NUL character in a string field (create and update)', () => {
    const created = refusal(() => createWrite(schema, 'Note', { ...note, text: 'a\u0000b' }));
    expect(created.message).toBe('Note: text: a NUL character (\\u0000) cannot be stored');
    expect(created.code).toBe('VALIDATION_FAILED');
    expect(created.issues).toEqual([
      { path: ['text'], message: 'a NUL character (\\u0000) cannot be stored' },
    ]);
    const updated = refusal(() => updateWrite(schema, 'Note', 'n1', { text: '\u0000' }));
    expect(updated.message).toBe('Note: text: a NUL character (\\u0000) cannot be stored');
  });

  it('a lone surrogate, and a value JSON cannot carry in a z.any() field', () => {
    expect(refusal(() => createWrite(schema, 'Note', { ...note, text: '\uD800' })).message).toBe(
      'Note: text: a lone surrogate is not well-formed text',
    );
    expect(
      refusal(() => createWrite(schema, 'Note', { ...note, extra: { at: new Date(0) } })).message,
    ).toBe('Note: extra.at: a Date cannot travel as JSON');
  });

  it('accepts the same record without them', () => {
    expect(createWrite(schema, 'Note', note).record).toEqual(note);
  });
});
