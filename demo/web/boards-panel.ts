import type { Board } from './app.ts';
import { h } from './dom.ts';
import { createLimitHint } from './limit-hint.ts';
import { LIMITS } from './messages.ts';

/**
 * The board list and its "New board" form. Rows are keyed by board id and updated in place, so
 * the focused board keeps its focus when the list changes.
 */
export function createBoardsPanel(actions: {
  /** Resolves once the board exists locally; rejects with the reason it does not. */
  add(name: string): Promise<void>;
  select(id: string): void;
}) {
  const input = h('input', { 'aria-label': 'New board', placeholder: 'New board' });
  const hint = createLimitHint(input, LIMITS.boardName, 'A board name');
  const form = h(
    'form',
    {
      class: 'add',
      on: {
        submit: (e) => {
          e.preventDefault();
          add();
        },
      },
    },
    input,
    h('button', { class: 'primary', type: 'submit' }, 'Add board'),
    hint.element,
  );
  const list = h('ul', { class: 'boards', 'aria-label': 'Boards' });
  const note = h('p', { class: 'empty' });
  const rows = new Map<string, HTMLButtonElement>();
  const element = h(
    'nav',
    { class: 'panel', 'aria-label': 'Boards' },
    h('h2', {}, 'Boards'),
    form,
    list,
    note,
  );

  /** One record per intent: the field is emptied before the write, so a second click adds nothing. */
  function add() {
    const name = input.value.trim();
    if (!name && input.value) hint.say('A board needs a name; spaces alone are not one.');
    if (!name || !hint.check()) return;
    input.value = '';
    hint.refresh();
    actions.add(name).catch(() => {
      if (!input.value) input.value = name;
      hint.refresh();
    });
  }

  return {
    element,
    input,
    /** Focuses the row of board `id`; false when the list does not show it. */
    focus(id: string): boolean {
      rows.get(id)?.focus();
      return rows.has(id);
    },
    /** Shows `boards` with `current` marked; `note` shows when there is none. */
    render(boards: readonly Board[], current: string | null, emptyNote: string) {
      const keep = new Set(boards.map((b) => b.id));
      for (const [id, button] of rows) {
        if (keep.has(id)) continue;
        button.parentElement?.remove();
        rows.delete(id);
      }
      let cursor = list.firstElementChild;
      for (const board of boards) {
        let button = rows.get(board.id);
        if (!button) {
          const id = board.id;
          button = h('button', { type: 'button', on: { click: () => actions.select(id) } });
          rows.set(id, button);
          list.insertBefore(h('li', {}, button), cursor);
        } else if (cursor && button.parentElement === cursor) {
          cursor = cursor.nextElementSibling;
        } else if (button.parentElement) {
          list.insertBefore(button.parentElement, cursor);
        }
        if (button.textContent !== board.name) button.textContent = board.name;
        button.setAttribute('aria-current', board.id === current ? 'true' : 'false');
      }
      note.textContent = emptyNote;
      note.hidden = boards.length > 0 || !emptyNote;
    },
  };
}
