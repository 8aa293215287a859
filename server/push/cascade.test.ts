import type { PushResult } from 'swsync/schema';
import { expect, it } from 'vitest';
import { ServerError } from '../errors.ts';
import {
  describeEachStore,
  drain,
  driverError,
  ev,
  foldersSchema,
  recordKey,
  uniqueScope,
  withFaults,
} from '../testing/index.ts';
import { applyPush, type PushEventInput } from './index.ts';

/**
 * The server's cascade is the truth (issue #10.5): a parent's delete deletes the children under
 * it when it runs, in its own transaction, and nothing if it is refused.
 */
describeEachStore('cascade with its parent', (getStore) => {
  const push = (scope: string, events: readonly PushEventInput[], store = getStore()) =>
    applyPush({ store, schema: foldersSchema, scopeKey: scope, events });
  const types = (results: PushResult[]) => results.map((r) => r.error?.type ?? null);

  /** A folder with two notes, at version 1 each. */
  async function folderWithNotes() {
    const scope = uniqueScope();
    const folder = recordKey('f');
    const notes = [recordKey('n'), recordKey('n')];
    const results = await push(scope, [
      ev.create('Folder', { id: folder, userId: scope, name: 'Work' }),
      ...notes.map((id) => ev.create('Note', { id, folderId: folder, text: id })),
    ]);
    expect(types(results)).toEqual([null, null, null]);
    return { scope, folder, notes };
  }
  const live = async (scope: string) => [...(await drain(getStore(), scope)).records.keys()].sort();

  it('a stale (version-checked) parent delete is a CONFLICT and deletes no child', async () => {
    const { scope, folder, notes } = await folderWithNotes();
    await push(scope, [ev.update('Folder', folder, { name: 'Renamed' }, { baseVersion: 1 })]);
    const [refused] = await push(scope, [ev.delete('Folder', folder, { baseVersion: 1 })]);
    expect(refused).toMatchObject({ error: { type: 'CONFLICT' }, version: 2 });
    expect(await live(scope)).toEqual(
      [`Folder/${folder}`, ...notes.map((n) => `Note/${n}`)].sort(),
    );
  });

  it('deletes only the children under the parent when it runs: a child moved away survives', async () => {
    const { scope, folder, notes } = await folderWithNotes();
    const other = recordKey('f');
    await push(scope, [
      ev.create('Folder', { id: other, userId: scope, name: 'Other' }),
      ev.update('Note', notes[1]!, { folderId: other }),
    ]);
    expect(types(await push(scope, [ev.delete('Folder', folder)]))).toEqual([null]);
    expect(await live(scope)).toEqual([`Folder/${other}`, `Note/${notes[1]}`].sort());
  });

  it('restrict anywhere below refuses the whole delete, cascading children included', async () => {
    const { scope, folder, notes } = await folderWithNotes();
    await push(scope, [ev.create('NotePin', { id: recordKey('p'), noteId: notes[0]! })]);
    const before = await live(scope);
    const [refused] = await push(scope, [ev.delete('Folder', folder)]);
    expect(refused).toMatchObject({ error: { type: 'CONFLICT' }, record: { id: folder } });
    expect(await live(scope)).toEqual(before);
  });

  it('v1 clients that send child deletes ahead of a refused parent delete get the documented results', async () => {
    const { scope, folder, notes } = await folderWithNotes();
    await push(scope, [ev.update('Folder', folder, { name: 'Renamed' }, { baseVersion: 1 })]);
    // Independent events: each child delete is applied, the stale parent delete is refused.
    const results = await push(scope, [
      ...notes.map((n) => ev.delete('Note', n)),
      ev.delete('Folder', folder, { baseVersion: 1 }),
    ]);
    expect(types(results)).toEqual([null, null, 'CONFLICT']);
    expect(await live(scope)).toEqual([`Folder/${folder}`]);
  });

  it('the cascade commits with its parent or not at all', async () => {
    const { scope, folder, notes } = await folderWithNotes();
    const failing = withFaults(getStore(), {
      when: (sql) => sql.includes('INSERT INTO swsync_events'),
      error: () => driverError('57P01'),
    });
    const error = await push(scope, [ev.delete('Folder', folder)], failing).catch((e) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(await live(scope)).toEqual(
      [`Folder/${folder}`, ...notes.map((n) => `Note/${n}`)].sort(),
    );
    expect(types(await push(scope, [ev.delete('Folder', folder)]))).toEqual([null]);
    expect(await live(scope)).toEqual([]);
  });
});
