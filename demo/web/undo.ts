import type { Toasts } from './toasts.ts';

/** How long a delete can be undone before it is sent. */
export const UNDO_MS = 10_000;

/**
 * Deletes that wait for their undo toast: the records disappear from the lists at once
 * (`hidden`), and the delete is written only when the toast goes (time, "Dismiss", or the page
 * being left); "Undo" brings them back untouched. Nothing reaches the local database or the
 * server before that, so an undo never has to recreate a record the server saw deleted.
 */
export function createUndoableDeletes(
  toasts: Toasts,
  report: (error: unknown) => void,
  changed: () => void,
): {
  hidden: ReadonlySet<string>;
  /** Hides `ids` and shows `text` with "Undo"; `commit` writes the delete. */
  remove(ids: string[], text: string, commit: () => Promise<void>, onUndo?: () => void): void;
} {
  const hidden = new Set<string>();
  const waiting = new Set<() => void>();
  // Leaving the page sends what was not undone: the person saw it deleted.
  addEventListener('pagehide', () => {
    for (const commit of [...waiting]) commit();
  });
  return {
    hidden,
    remove(ids, text, commit, onUndo) {
      for (const id of ids) hidden.add(id);
      changed();
      let settled = false;
      const send = () => {
        if (settled) return;
        settled = true;
        waiting.delete(send);
        // The ids stay hidden: the records are gone for good once the write lands.
        commit().catch((error: unknown) => {
          for (const id of ids) hidden.delete(id);
          changed();
          report(error);
        });
      };
      waiting.add(send);
      toasts.show(text, {
        ms: UNDO_MS,
        onClose: send,
        action: {
          label: 'Undo',
          run: () => {
            if (settled) return;
            settled = true;
            waiting.delete(send);
            for (const id of ids) hidden.delete(id);
            changed();
            onUndo?.();
          },
        },
      });
    },
  };
}
