import type { Todo } from '../../demo/web/app.ts';
import { createDeleteIntent } from '../../demo/web/one-intent.ts';
import { type RowActions, todoRow } from '../../demo/web/todo-item.ts';
import { createTodoList } from '../../demo/web/todo-list.ts';

/** The list renderers compared: the demo's keyed list, and a full redraw (the baseline). */
type Kind = 'keyed' | 'redraw';

const actions: RowActions = {
  setDone: async () => {},
  rename: async () => {},
  remove: () => {},
  intent: createDeleteIntent(),
  lost: () => {},
  focusAway: () => {},
};

const at = (n: number) => new Date(Date.UTC(2026, 0, 1) + n).toISOString();
const todo = (n: number): Todo => ({
  id: `todo-${n}`,
  boardId: 'board',
  title: `Todo number ${n}`,
  done: false,
  createdAt: at(n),
  updatedAt: at(n),
});

/** Resolves once the frame showing the last DOM change was rendered. */
const painted = () =>
  new Promise<void>((resolve) =>
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      channel.port2.postMessage(null);
    }),
  );

let todos: Todo[] = [];
let render: (todos: readonly Todo[]) => void = () => {};

async function setup(kind: Kind, count: number): Promise<number> {
  const root = document.getElementById('root')!;
  root.replaceChildren();
  todos = Array.from({ length: count }, (_, i) => todo(i));
  if (kind === 'keyed') {
    const list = createTodoList(actions);
    root.append(list.element);
    render = list.render;
  } else {
    const list = document.createElement('ul');
    list.className = 'todos';
    root.append(list);
    render = (next) => list.replaceChildren(...next.map((t) => todoRow(t, actions).element));
  }
  const start = performance.now();
  render(todos);
  await painted();
  return performance.now() - start;
}

/** Scrolls so that row `index` (or the end, past the last) is in view, and lets it draw. */
async function reveal(index: number): Promise<void> {
  const list = document.querySelector('.todos')!;
  const rowTop = list.getBoundingClientRect().top + scrollY + index * 49;
  scrollTo(0, Math.max(0, rowTop - innerHeight / 2));
  await painted();
  await painted();
}

/** Time from a new list with todo `index` toggled to the frame that shows it, in ms. */
async function toggle(index: number): Promise<number> {
  await reveal(index);
  const start = performance.now();
  const old = todos[index]!;
  todos = todos.with(index, { ...old, done: !old.done });
  render(todos);
  await painted();
  return performance.now() - start;
}

/** Time from a new list with one more todo to the frame that shows it, in ms. */
async function add(): Promise<number> {
  await reveal(todos.length);
  const start = performance.now();
  todos = [...todos, todo(todos.length)];
  render(todos);
  await painted();
  return performance.now() - start;
}

Object.assign(window, { bench: { setup, toggle, add } });
