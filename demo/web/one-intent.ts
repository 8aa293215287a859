/** How long after a delete a pointer click on another delete button is taken as the same one. */
export const REPEAT_MS = 600;

/** How far (px) the pointer may have moved for a click to count as "on the same spot". */
const STILL_PX = 4;

/**
 * Guards the delete buttons of one list (or any buttons whose click takes their item away, as a
 * toast's "Undo" and "Dismiss") so that one intent deletes one record. Once a record
 * goes, the next row (or the next board) slides under the pointer, so a double click's second
 * click, a triple click, or a pointer click on the same spot within `REPEAT_MS` of the last
 * delete lands on another record's button: those are ignored (a click elsewhere counts). Keyboard activations (`detail` 0) always count,
 * except a held-down Enter's auto-repeat, whose keydowns are cancelled.
 *
 * @example
 * const intent = createDeleteIntent();
 * intent.guard(button, () => remove(todo));
 */
export function createDeleteIntent(now: () => number = () => performance.now()) {
  let last: { at: number; x: number; y: number } | null = null;
  const guarded = new WeakSet<EventTarget>();
  // A press anywhere else (the toast's Undo, say) ends the double click: the next counts.
  addEventListener(
    'pointerdown',
    (e) => {
      const target = e.target instanceof Element ? e.target.closest('button') : null;
      if (!target || !guarded.has(target)) last = null;
    },
    true,
  );
  return {
    guard(button: HTMLButtonElement, run: () => void): void {
      guarded.add(button);
      button.addEventListener('click', (e) => {
        if (e.detail > 1) return;
        const still =
          last !== null &&
          now() - last.at < REPEAT_MS &&
          Math.abs(e.clientX - last.x) < STILL_PX &&
          Math.abs(e.clientY - last.y) < STILL_PX;
        if (e.detail === 1 && still) return;
        last = e.detail === 1 ? { at: now(), x: e.clientX, y: e.clientY } : null;
        run();
      });
      button.addEventListener('keydown', (e) => {
        if (e.repeat && (e.key === 'Enter' || e.key === ' ')) e.preventDefault();
      });
    },
  };
}
