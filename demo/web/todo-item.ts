import type { Todo } from './app.ts';
import { h } from './dom.ts';
import { createInlineEdit } from './inline-edit.ts';
import { LIMITS } from './messages.ts';
import type { createDeleteIntent } from './one-intent.ts';

/** What a row asks of the list it is in. */
export interface RowActions {
  /** Rejects when the write could not be made (the row then shows the stored state again). */
  setDone(todo: Todo, done: boolean): Promise<void>;
  rename(todo: Todo, title: string): Promise<void>;
  remove(todo: Todo): void;
  /** The list's guard of its delete buttons (one-intent.ts). */
  intent: ReturnType<typeof createDeleteIntent>;
  /** `todo` went (deleted elsewhere) while its rename held `draft`, which was not saved. */
  lost(todo: Todo, draft: string): void;
  /** The focused row went and no row is left to take the focus. */
  focusAway(): void;
}

/** One rendered todo, updated in place so a focused control keeps its focus. */
export interface TodoRow {
  readonly element: HTMLLIElement;
  readonly todo: Todo;
  update(todo: Todo): void;
  /** Disables (true) or enables the row's controls: a viewer's rows cannot be changed. */
  setReadOnly(readOnly: boolean): void;
  /** Moves focus into the row: to the control of the same kind as `like`, else the checkbox. */
  focus(like?: 'checkbox' | 'rename' | 'delete'): void;
  /** Which of the row's controls holds the focus, if one does. */
  focused(): 'checkbox' | 'rename' | 'delete' | null;
  /**
   * Called before the row goes because its todo is gone (deleted elsewhere): ends an open
   * rename without saving it (its blur would write to a record that no longer exists) and says
   * what the row held: the title typed there, if any, and the control with the focus (the
   * rename field counts as "rename").
   */
  close(): { draft: string | null; focused: 'checkbox' | 'rename' | 'delete' | null };
}

/** A todo row: a checkbox named by the title, rename in place, delete. */
export function todoRow(initial: Todo, actions: RowActions): TodoRow {
  let todo = initial;
  // The state a toggle asked for, until the list shows it: a query result computed before the
  // write landed must not untick the box under the person's finger.
  let wanted: boolean | null = null;
  const checkbox = h('input', {
    type: 'checkbox',
    checked: todo.done,
    on: {
      change: () => {
        // Shown at once: the write and the list's next query come later.
        const done = checkbox.checked;
        wanted = done;
        item.classList.toggle('done', done);
        actions.setDone(todo, done).catch(() => {
          if (wanted !== done) return;
          wanted = null;
          row.update(todo);
        });
      },
    },
  });
  const title = h('span', { class: 'title' }, todo.title);
  const label = h('label', {}, checkbox, title);
  const renameButton = h(
    'button',
    { class: 'icon', type: 'button', on: { click: () => edit() } },
    h('span', { class: 'glyph', 'aria-hidden': 'true' }, '✎'),
    h('span', { class: 'word' }, 'Rename'),
  );
  const deleteButton = h(
    'button',
    { class: 'icon danger', type: 'button' },
    h('span', { class: 'glyph', 'aria-hidden': 'true' }, '✕'),
    h('span', { class: 'word' }, 'Delete'),
  );
  actions.intent.guard(deleteButton, () => actions.remove(todo));
  const item = h('li', { class: 'todo' }, label, renameButton, deleteButton);
  const name = () => {
    renameButton.setAttribute('aria-label', `Rename ${todo.title}`);
    deleteButton.setAttribute('aria-label', `Delete ${todo.title}`);
  };
  name();
  item.classList.toggle('done', todo.done);
  let editing = false;
  let editor: ReturnType<typeof createInlineEdit> | null = null;

  function edit() {
    editing = true;
    editor = createInlineEdit({
      value: todo.title,
      label: `New title for ${todo.title}`,
      max: LIMITS.todoTitle,
      what: 'A title',
      save: (next) => actions.rename(todo, next),
      done: (hadFocus) => {
        editing = false;
        editor?.element.replaceWith(label);
        editor = null;
        row.update(todo);
        if (hadFocus) renameButton.focus();
      },
    });
    label.replaceWith(editor.element);
    editor.focus();
  }

  function focused(): 'checkbox' | 'rename' | 'delete' | null {
    const active = document.activeElement;
    if (active === checkbox) return 'checkbox';
    if (active === renameButton || editor?.element.contains(active)) return 'rename';
    if (active === deleteButton) return 'delete';
    return null;
  }

  const row: TodoRow = {
    element: item,
    get todo() {
      return todo;
    },
    update(next) {
      const renamed = next.title !== todo.title;
      todo = next;
      if (editing) return;
      if (renamed || title.textContent !== next.title) {
        title.textContent = next.title;
        name();
      }
      if (wanted === next.done) wanted = null;
      const done = wanted ?? next.done;
      if (checkbox.checked !== done) checkbox.checked = done;
      item.classList.toggle('done', done);
    },
    setReadOnly(readOnly) {
      for (const control of [checkbox, renameButton, deleteButton]) control.disabled = readOnly;
    },
    focus(like) {
      (like === 'rename' ? renameButton : like === 'delete' ? deleteButton : checkbox).focus();
    },
    focused,
    close() {
      const was = focused();
      const draft = editor?.abandon() ?? null;
      editor = null;
      editing = false;
      return { draft, focused: was };
    },
  };
  return row;
}
