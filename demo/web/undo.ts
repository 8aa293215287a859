import { UndoLaterError } from './messages.ts';
import type { Toasts } from './toasts.ts';

/** How long the "Undo" of a delete is offered (the toast waits while it has focus or hover). */
export const UNDO_MS = 10_000;

/** Writes back exactly what a delete removed (same ids and content), as one transaction. */
export type Restore = () => Promise<void>;

/**
 * Deletes with an undo toast. The delete is written at once, as one local write (the engine's
 * cascade removes the todos with their board), so the outbox pushes it, other tabs see it go,
 * and a sign-out right after it cannot lose it. `ids` are hidden from the lists meanwhile, so
 * the rows go before the live query answers. "Undo" runs the `Restore` the write resolved with:
 * it re-creates the deleted records (the server accepts a create of a key its owner deleted).
 */
export function createUndoableDeletes(
  toasts: Toasts,
  report: (error: unknown) => void,
  changed: () => void,
): {
  hidden: Set<string>;
  /** Hides `ids`, runs `write` and shows `text` with "Undo"; `onUndo` runs once restored. */
  remove(ids: string[], text: string, write: () => Promise<Restore>, onUndo?: () => void): void;
} {
  const hidden = new Set<string>();
  return {
    hidden,
    remove(ids, text, write, onUndo) {
      for (const id of ids) hidden.add(id);
      changed();
      const restore = write();
      restore.catch((error: unknown) => {
        for (const id of ids) hidden.delete(id);
        changed();
        report(error);
      });
      // Offered again after an `UndoLaterError`, it leaves Ctrl+Z to the board's undo, which must
      // come first (else each Ctrl+Z would only say "not yet" again).
      const offer = (say: string, kind: 'info' | 'error') =>
        toasts.show(say, {
          kind,
          shortcut: kind === 'info',
          ms: UNDO_MS,
          // The delete is long in the lists by then: a record of these ids that shows up again
          // was restored elsewhere (another tab's or device's undo) and must be seen.
          onExpire: () => {
            for (const id of ids) hidden.delete(id);
            changed();
          },
          action: {
            label: 'Undo',
            run: () => {
              restore
                .then((run) => run())
                .then(() => {
                  for (const id of ids) hidden.delete(id);
                  changed();
                  onUndo?.();
                })
                .catch((error: unknown) => {
                  // Not yet (its board's delete comes first): said, and still on offer.
                  if (error instanceof UndoLaterError) offer(error.message, 'error');
                  else report(error);
                });
            },
          },
        });
      offer(text, 'info');
    },
  };
}
