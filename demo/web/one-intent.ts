/** How long after a delete a pointer click on another delete button is taken as the same one. */
export const REPEAT_MS = 600;

/**
 * Guards the delete buttons of one list so that one intent deletes one record. Once a record
 * goes, the next row (or the next board) slides under the pointer, so a double click's second
 * click, a triple click, or a pointer click within `REPEAT_MS` of the last delete lands on
 * another record's button: those are ignored. Keyboard activations (`detail` 0) always count,
 * except a held-down Enter's auto-repeat, whose keydowns are cancelled.
 *
 * @example
 * const intent = createDeleteIntent();
 * intent.guard(button, () => remove(todo));
 */
export function createDeleteIntent(now: () => number = () => performance.now()) {
  let last = Number.NEGATIVE_INFINITY;
  return {
    guard(button: HTMLButtonElement, run: () => void): void {
      button.addEventListener('click', (e) => {
        if (e.detail > 1) return;
        if (e.detail === 1 && now() - last < REPEAT_MS) return;
        last = now();
        run();
      });
      button.addEventListener('keydown', (e) => {
        if (e.repeat && (e.key === 'Enter' || e.key === ' ')) e.preventDefault();
      });
    },
  };
}
