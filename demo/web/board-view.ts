import type { SpaceRole } from 'swsync/schema';
import type { Board, DemoData, SyncPhase, Todo } from './app.ts';
import { h } from './dom.ts';
import { createInlineEdit } from './inline-edit.ts';
import { createLimitHint } from './limit-hint.ts';
import { LIMITS } from './messages.ts';
import { createDeleteIntent } from './one-intent.ts';
import { createTodoList } from './todo-list.ts';
import type { Restore } from './undo.ts';

const number = new Intl.NumberFormat('en-US');

/** What the board panel shows when no board is open. */
export type NoBoard = 'loading' | 'syncing' | 'none' | 'pick';

const NO_BOARD_TITLE: Record<NoBoard, string> = {
  loading: 'Loading…',
  syncing: 'Syncing your boards…',
  none: 'No board yet',
  pick: 'Pick a board',
};

/**
 * The open board: its title with the board's actions, the "New todo" form and the todo list.
 * `tools` holds the board's actions (Rename, Delete); a feature for the open board (sharing,
 * say) appends its own controls there and reads `board()`.
 */
export function createBoardView(deps: {
  data: DemoData;
  report(error: unknown, subject?: string): void;
  /** Records deleted here, hidden before the live query drops them; see undo.ts. */
  hidden: ReadonlySet<string>;
  remove(ids: string[], text: string, write: () => Promise<Restore>, onUndo?: () => void): void;
  /** Opens the board `id` again (after its delete was undone). */
  reopen(id: string): void;
  /** Moves the focus to the board `id` in the board list. */
  focusBoard(id: string): void;
  focusNewBoard(): void;
  /** Tells that `text` was typed here and not saved (what it was for went elsewhere). */
  unsaved(message: string, text: string): void;
  /** Says `message` in passing (an info toast). */
  notify(message: string): void;
}) {
  const { data, report } = deps;
  let board: Board | null = null;
  let stop: (() => void) | null = null;
  let todos: Todo[] | null = null;
  let sync: SyncPhase = 'unknown';
  /** The account's role on the open board: only an owner renames or deletes it. */
  let role: SpaceRole = 'owner';
  /** Todos added here that the list's query has not returned yet: shown at once. */
  const added = new Map<string, Todo>();
  /** The todo just added here, until its row was scrolled into view and announced. */
  let justAdded: Todo | null = null;
  /** Toggles the list's query has not returned yet: the count says them at once. */
  const toggled = new Map<string, boolean>();
  /** The row (and its control) the focus goes to once an undone delete is back. */
  let refocus: { id: string; like: 'checkbox' | 'rename' | 'delete' } | null = null;
  /** The open board's rename field, while it is open. */
  let boardEditor: ReturnType<typeof createInlineEdit> | null = null;
  /** While the open board's rows are cleared away: what they held, told once for the board. */
  let clearing: { drafts: string[]; focused: boolean } | null = null;

  const title = h('h1', { id: 'board-title' }, NO_BOARD_TITLE.loading);
  const count = h('span', { class: 'count' });
  const renameButton = h(
    'button',
    { class: 'icon', type: 'button', on: { click: () => renameBoard() } },
    'Rename board',
  );
  const deleteButton = h('button', { class: 'icon danger', type: 'button' }, 'Delete board');
  // The next board opens under the same button: a double click must not delete it too.
  createDeleteIntent().guard(deleteButton, () => deleteBoard());
  const tools = h('div', { class: 'board-tools' }, renameButton, deleteButton);
  const heading = h('div', { class: 'board-title' }, title, count);
  const head = h('div', { class: 'board-head' }, heading, tools);

  const todoInput = h('input', { 'aria-label': 'New todo', placeholder: 'New todo' });
  const hint = createLimitHint(todoInput, LIMITS.todoTitle, 'A todo');
  const addButton = h('button', { class: 'primary', type: 'submit' }, 'Add todo');
  const form = h(
    'form',
    {
      class: 'add',
      on: {
        submit: (e) => {
          e.preventDefault();
          addTodo();
        },
      },
    },
    todoInput,
    addButton,
    hint.element,
  );
  // Says what was added, for those who do not see the row appear (a polite live region of its
  // own: the page's one `status` is the sync status).
  const announcer = h('p', { class: 'sr-only', 'aria-live': 'polite' });
  const list = createTodoList({
    setDone: (todo, done) => {
      toggled.set(todo.id, done);
      render();
      return data.setDone(todo, done).catch((e: unknown) => {
        if (toggled.get(todo.id) === done) toggled.delete(todo.id);
        render();
        report(e);
        throw e;
      });
    },
    rename: (todo, next) => data.rename(todo, next),
    remove: removeTodo,
    intent: createDeleteIntent(),
    lost: (todo, draft) => {
      if (clearing) clearing.drafts.push(draft);
      else {
        deps.unsaved(
          `‘${todo.title}’ was deleted in another tab or on another device: the new title ‘${draft}’ was not saved.`,
          draft,
        );
      }
    },
    focusAway: () => {
      if (clearing) clearing.focused = true;
      else todoInput.focus();
    },
  });
  const empty = h('p', { class: 'empty' });
  const element = h(
    'section',
    { class: 'panel board', 'aria-labelledby': 'board-title' },
    head,
    form,
    list.element,
    empty,
    announcer,
  );
  // The form stays at the top of the view while the list scrolls under it (styles.css), so the
  // person sees the row they added at the end of a long list and the field they type in at once;
  // the page's scroll padding keeps rows scrolled into view clear of it.
  new ResizeObserver(() => {
    document.documentElement.style.setProperty('--sticky-form-height', `${form.offsetHeight}px`);
  }).observe(form);

  function render() {
    const shown = (todos ?? []).filter((t) => !deps.hidden.has(t.id));
    for (const todo of todos ?? []) added.delete(todo.id);
    for (const todo of added.values()) if (!deps.hidden.has(todo.id)) shown.push(todo);
    list.render(shown);
    // New todos go at the end, which in a long list is far out of view: the row is scrolled to
    // and said, once the stored todos are here (before, the end is not known).
    if (justAdded && todos !== null) {
      list.reveal(justAdded.id);
      const n = number.format(shown.length);
      announcer.textContent = `Added ‘${justAdded.title}’ at the end of the list (${n} todos).`;
      justAdded = null;
    }
    // A restored todo comes back with the live query's next answer: it gets the focus then.
    const back = refocus && list.row(refocus.id);
    if (refocus && back) {
      back.focus(refocus.like);
      refocus = null;
    }
    for (const todo of todos ?? []) if (toggled.get(todo.id) === todo.done) toggled.delete(todo.id);
    const open = shown.filter((t) => !(toggled.get(t.id) ?? t.done)).length;
    // No count until the stored todos are here: a todo added meanwhile is not all there is.
    count.textContent =
      todos !== null && shown.length
        ? `${number.format(open)} open · ${number.format(shown.length - open)} done`
        : '';
    empty.hidden = shown.length > 0;
    empty.textContent =
      todos === null || sync === 'unknown'
        ? 'Loading…'
        : sync === 'initial'
          ? 'Syncing your todos…'
          : 'Nothing to do here yet';
  }

  /** One record per intent: the field is emptied before the write, so a second click adds nothing. */
  function addTodo() {
    const text = todoInput.value.trim();
    // Spaces only: say so, rather than doing nothing.
    if (!text && todoInput.value) hint.say('A todo needs a title; spaces alone are not one.');
    if (!text || !board || !hint.check()) return;
    todoInput.value = '';
    hint.refresh();
    const todo = data.newTodo(board.id, text);
    added.set(todo.id, todo);
    justAdded = todo;
    render();
    data.addTodo(todo).catch((error: unknown) => {
      added.delete(todo.id);
      if (justAdded === todo) justAdded = null;
      render();
      if (!todoInput.value) todoInput.value = text;
      hint.refresh();
      report(error, 'This todo');
    });
  }

  function removeTodo(todo: Todo) {
    const row = list.row(todo.id);
    const like = row?.focused() ?? 'delete';
    const next = list.neighbour(todo.id);
    deps.remove(
      [todo.id],
      `Deleted ‘${todo.title}’`,
      () => {
        added.delete(todo.id);
        return data.deleteTodo(todo);
      },
      () => {
        refocus = { id: todo.id, like };
        render();
      },
    );
    if (next) next.focus(like);
    else todoInput.focus();
  }

  function renameBoard() {
    const current = board;
    if (!current) return;
    const editor = createInlineEdit({
      value: current.name,
      label: 'New board name',
      max: LIMITS.boardName,
      what: 'A board name',
      save: (name) => data.renameBoard(current, name),
      done: (hadFocus) => {
        boardEditor = null;
        editor.element.replaceWith(heading);
        if (hadFocus) renameButton.focus();
      },
    });
    boardEditor = editor;
    heading.replaceWith(editor.element);
    editor.focus();
  }

  /**
   * Closes what is open on the board that is leaving (its rename, its rows) and says what was
   * typed there and not saved, with whether the focus was in this panel. `gone`: the board was
   * deleted or unshared elsewhere, so the "New todo" text is taken too (else it would go to the
   * next board); a board the person left on purpose keeps that text for the next one.
   */
  function leave(gone: boolean): { drafts: string[]; focused: boolean } {
    const left = { drafts: [] as string[], focused: element.contains(document.activeElement) };
    if (boardEditor) {
      const draft = boardEditor.abandon();
      if (draft !== null) left.drafts.push(draft);
      boardEditor.element.replaceWith(heading);
      boardEditor = null;
    }
    clearing = left;
    list.render([]);
    clearing = null;
    const typed = todoInput.value.trim();
    if (gone && typed) {
      left.drafts.push(typed);
      todoInput.value = '';
      hint.refresh();
    }
    if (!gone) left.drafts = [];
    return left;
  }

  function deleteBoard() {
    const current = board;
    if (!current) return;
    const n = (todos ?? []).length;
    const what = n === 0 ? '' : n === 1 ? ' and its todo' : ` and its ${n} todos`;
    deps.remove(
      [current.id],
      `Deleted board ‘${current.name}’${what}`,
      () => data.deleteBoard(current),
      () => deps.reopen(current.id),
    );
    // The next board is open now, or none is left. The focus goes where the deleted board was
    // in the list (the next one), not to this button: Enter pressed again must not delete it.
    if (board) deps.focusBoard(board.id);
    else deps.focusNewBoard();
  }

  /** A viewer's board is read-only; an editor's keeps its todos editable but not the board. */
  function applyRole() {
    const canWrite = board !== null && role !== 'viewer';
    todoInput.disabled = !canWrite;
    addButton.disabled = !canWrite;
    list.setReadOnly(!canWrite);
    renameButton.hidden = role !== 'owner';
    deleteButton.hidden = role !== 'owner';
  }

  return {
    element,
    tools,
    /** Where a feature for the open board puts its panel: after the title and its tools. */
    head,
    /** Sets the account's role on the open board (`owner` for its own boards). */
    setRole(next: SpaceRole) {
      if (next === role) return;
      const active = document.activeElement;
      role = next;
      applyRole();
      // A control that just went away or got disabled must not drop the focus onto the body.
      const lost = [todoInput, renameButton, deleteButton].find(
        (control) => control === active && (control.hidden || control.disabled),
      );
      if (lost) {
        title.setAttribute('tabindex', '-1');
        title.focus();
      }
    },
    todoInput,
    board: () => board,
    /** Opens `next` (its todos load), or shows why no board is open. */
    show(next: Board | null, why: NoBoard, gone = false) {
      if (next?.id !== board?.id) {
        stop?.();
        stop = null;
        const left = board;
        const { drafts, focused } = leave(gone);
        todos = null;
        added.clear();
        toggled.clear();
        justAdded = null;
        announcer.textContent = '';
        // The board went under the person's eyes: say why another one is open now.
        const why =
          left && `Board ‘${left.name}’ is gone (deleted elsewhere, or no longer shared with you)`;
        if (gone && why && drafts.length) {
          const typed = drafts.map((d) => `‘${d}’`).join(', ');
          const was = drafts.length === 1 ? 'was' : 'were';
          deps.unsaved(`${why}: ${typed} ${was} not saved.`, drafts.join('\n'));
        } else if (gone && why) deps.notify(`${why}.`);
        // The focus was in the panel of a board that went: it goes on to the next board's
        // "New todo" (the same field, so typing goes on), or to "New board" when none is left.
        if (gone && focused)
          queueMicrotask(() => (board ? todoInput.focus() : deps.focusNewBoard()));
        if (next) {
          stop = data.todos(next.id).subscribe((value) => {
            todos = value;
            render();
          });
        }
      }
      board = next;
      title.textContent = next ? next.name : NO_BOARD_TITLE[why];
      tools.hidden = !next;
      applyRole();
      form.hidden = !next && why !== 'none' && why !== 'pick';
      if (next) render();
      else {
        count.textContent = '';
        empty.hidden = true;
      }
    },
    refresh: render,
    /** Says whether an empty list is final (see SyncPhase). */
    setSync(phase: SyncPhase) {
      sync = phase;
      if (board) render();
    },
  };
}
