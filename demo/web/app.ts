import type { RecordOf, SyncStatus } from 'swsync/schema';
import type { DemoSchema } from '../schema.ts';
import { h } from './dom.ts';
import { selectedBoard } from './session.ts';
import { statusText } from './status-text.ts';
import { createToasts } from './toasts.ts';
import { todoItem } from './todo-item.ts';

export type Board = RecordOf<DemoSchema['models']['Board']>;
export type Todo = RecordOf<DemoSchema['models']['Todo']>;

export interface Live<T> {
  subscribe(listener: (value: T) => void): () => void;
}

/** What the view needs from the sync client; `data.ts` provides it. */
export interface DemoData {
  boards: Live<Board[]>;
  todos(boardId: string): Live<Todo[]>;
  status: Live<SyncStatus>;
  onRejected(listener: (message: string) => void): void;
  addBoard(name: string): Promise<Board>;
  addTodo(boardId: string, title: string): Promise<void>;
  setDone(todo: Todo, done: boolean): Promise<void>;
  rename(todo: Todo, title: string): Promise<void>;
  deleteTodo(todo: Todo): Promise<void>;
  /** The user's explicit ask: the one trigger (with a network change) that skips a backoff. */
  syncNow(): Promise<void>;
}

/** Renders the signed-in app into `root`. Forms are built once; only lists re-render. */
export function renderApp(
  root: HTMLElement,
  data: DemoData,
  user: {
    name: string;
    /** `removeData`: delete this account's local data too ("Sign out and remove data"). */
    onSignOut(removeData: boolean): Promise<void>;
  },
) {
  const toasts = createToasts();
  const report = (error: unknown) =>
    toasts.show(error instanceof Error ? error.message : String(error), 'error');
  data.onRejected((message) => toasts.show(message, 'error'));

  const status = h('div', { class: 'pill', role: 'status', 'aria-live': 'polite' }, 'Connecting…');
  const banner = h(
    'div',
    { class: 'banner', hidden: true },
    'You are offline. Changes are saved on this device and sync when you reconnect.',
  );
  const progressBar = h('div', { style: 'width: 0%' });
  const progress = h(
    'div',
    { class: 'progress', role: 'progressbar', 'aria-label': 'Initial sync', hidden: true },
    progressBar,
  );
  const retryNow = h(
    'button',
    {
      class: 'link',
      type: 'button',
      hidden: true,
      on: { click: () => void data.syncNow().catch(report) },
    },
    'Retry now',
  );
  let latest: SyncStatus | null = null;
  let ticking: ReturnType<typeof setInterval> | undefined;
  const showStatus = () => {
    const s = latest;
    if (!s) return;
    const text = statusText(s);
    // Only a changed text is written: a countdown tick must not re-announce the same line.
    if (status.textContent !== text) status.textContent = text;
    status.dataset.state = !s.online
      ? 'offline'
      : s.retry
        ? 'retrying'
        : s.pending > 0
          ? 'pending'
          : text === 'Synced'
            ? 'synced'
            : 'busy';
    retryNow.hidden = !s.online || s.retry === null || s.paused !== null;
  };
  data.status.subscribe((s) => {
    latest = s;
    showStatus();
    // "Retrying in 8 s" counts down between status changes.
    if (s.retry && ticking === undefined) ticking = setInterval(showStatus, 1000);
    if (!s.retry && ticking !== undefined) {
      clearInterval(ticking);
      ticking = undefined;
    }
    banner.hidden = s.online;
    const initial = s.initialSync;
    progress.hidden = !initial || initial.done;
    if (initial) {
      progress.setAttribute('aria-valuetext', `${initial.records} records`);
      progressBar.style.width = `${Math.min(95, 10 + Math.log10(initial.records + 1) * 25)}%`;
    }
  });

  const boardInput = h('input', {
    'aria-label': 'New board',
    placeholder: 'New board',
    maxlength: 200,
  });
  const boardList = h('ul', { class: 'boards', 'aria-label': 'Boards' });
  const boardForm = h(
    'form',
    {
      class: 'add',
      on: {
        submit: (e) => {
          e.preventDefault();
          void addBoard();
        },
      },
    },
    boardInput,
    h('button', { class: 'primary', type: 'submit' }, 'Add board'),
  );

  const title = h('h1', {}, 'No board yet');
  const count = h('span', { class: 'count' });
  const todoInput = h('input', {
    'aria-label': 'New todo',
    placeholder: 'New todo',
    maxlength: 500,
  });
  const addTodoButton = h('button', { class: 'primary', type: 'submit' }, 'Add todo');
  const todoForm = h(
    'form',
    {
      class: 'add',
      on: {
        submit: (e) => {
          e.preventDefault();
          void addTodo();
        },
      },
    },
    todoInput,
    addTodoButton,
  );
  const todoList = h('ul', { class: 'todos', 'aria-label': 'Todos' });

  let boards: Board[] = [];
  let current: string | null = selectedBoard.get();
  let stopTodos: (() => void) | null = null;

  async function addBoard() {
    const name = boardInput.value.trim();
    if (!name) return;
    try {
      const board = await data.addBoard(name);
      boardInput.value = '';
      select(board.id);
    } catch (error) {
      report(error);
    }
  }

  async function addTodo() {
    const text = todoInput.value.trim();
    if (!text || !current) return;
    try {
      await data.addTodo(current, text);
      todoInput.value = '';
    } catch (error) {
      report(error);
    }
  }

  function select(id: string) {
    current = id;
    selectedBoard.set(id);
    renderBoards();
    stopTodos?.();
    stopTodos = data.todos(id).subscribe(renderTodos);
  }

  function renderBoards() {
    const active = boards.find((b) => b.id === current);
    title.textContent = active?.name ?? (boards.length ? 'Pick a board' : 'No board yet');
    todoInput.disabled = !active;
    addTodoButton.disabled = !active;
    boardList.replaceChildren(
      ...boards.map((board) =>
        h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              'aria-current': board.id === current ? 'true' : 'false',
              on: { click: () => select(board.id) },
            },
            board.name,
          ),
        ),
      ),
    );
    if (!boards.length) boardList.append(h('li', { class: 'empty' }, 'Create your first board'));
  }

  function renderTodos(todos: Todo[]) {
    const open = todos.filter((t) => !t.done).length;
    count.textContent = todos.length ? `${open} open · ${todos.length - open} done` : '';
    todoList.replaceChildren(...todos.map((todo) => todoItem(todo, data, report)));
    if (!todos.length) todoList.append(h('li', { class: 'empty' }, 'Nothing to do here yet'));
  }

  data.boards.subscribe((next) => {
    boards = next;
    if (current && !boards.some((b) => b.id === current)) current = null;
    if (!current && boards[0]) select(boards[0].id);
    else renderBoards();
  });
  if (current) select(current);

  function signOutButton(label: string, removeData: boolean) {
    const button = h('button', { class: 'link', type: 'button' }, label);
    button.addEventListener('click', () => {
      button.disabled = true;
      user.onSignOut(removeData).catch((error: unknown) => {
        button.disabled = false;
        report(error);
      });
    });
    return button;
  }

  root.replaceChildren(
    h(
      'header',
      { class: 'topbar' },
      h('div', { class: 'brand' }, 'sw', h('span', {}, 'sync'), ' boards'),
      h('div', { class: 'spacer' }),
      status,
      retryNow,
      h('span', { class: 'user' }, user.name),
      signOutButton('Sign out', false),
      signOutButton('Sign out and remove data', true),
    ),
    progress,
    banner,
    h(
      'main',
      { class: 'layout' },
      h('nav', { class: 'panel' }, h('h2', {}, 'Boards'), boardForm, boardList),
      h(
        'section',
        { class: 'panel' },
        h('div', { class: 'board-head' }, title, count),
        todoForm,
        todoList,
      ),
    ),
    toasts.element,
  );
}
