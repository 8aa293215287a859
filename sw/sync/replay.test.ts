import type { OutboxEvent } from 'swsync/schema';
import { describe, expect, it } from 'vitest';
import type { BaseRow, OutboxRow } from '../store/layout.ts';
import { replayRecord } from './replay.ts';

const at = '2026-01-01T00:00:00.000Z';
const row = (seq: number, operation: OutboxEvent['operation'], payload: object | null) =>
  ({
    seq,
    model: 'Todo',
    key: 't1',
    event: { id: `e${seq}`, entityType: 'Todo', operation, payload, createdAt: at },
  }) as OutboxRow;
const mark = (seq: number, parentKey: string) => ({
  seq,
  parentModel: 'Board',
  field: 'boardId',
  parentKey,
});
const base = (record: object | null, cascades = [mark(5, 'b1')]): BaseRow => ({
  model: 'Todo',
  key: 't1',
  record: record as Record<string, unknown> | null,
  version: 1,
  cascades,
});

describe('replayRecord with pending cascades', () => {
  it('removes a record still under the deleted parent', () => {
    expect(replayRecord(base({ id: 't1', boardId: 'b1' }), [])).toBeNull();
  });

  it('keeps a record the server moved to another parent meanwhile (pulled into base)', () => {
    expect(replayRecord(base({ id: 't1', boardId: 'b2' }), [])).toEqual({
      id: 't1',
      boardId: 'b2',
    });
  });

  it('interleaves marks with the record own events in outbox order', () => {
    const events = [
      row(3, 'update', { title: 'before' }),
      row(7, 'create', { id: 't1', boardId: 'b2', title: 'again' }),
    ];
    const record = { id: 't1', boardId: 'b1', title: 'x' };
    expect(replayRecord(base(record), events)).toEqual({ id: 't1', boardId: 'b2', title: 'again' });
    // Without the re-create, the update before the cascade is removed with it.
    expect(replayRecord(base(record), events.slice(0, 1))).toBeNull();
    // A later cascade of the new parent removes the re-created record too.
    expect(replayRecord(base(record, [mark(5, 'b1'), mark(9, 'b2')]), events)).toBeNull();
  });
});
