import type { DemoData, Todo } from './app.ts';
import { h } from './dom.ts';

/** One todo: a checkbox named by its title, rename in place, delete. */
export function todoItem(
  todo: Todo,
  data: DemoData,
  report: (error: unknown) => void,
): HTMLLIElement {
  const checkbox = h('input', {
    type: 'checkbox',
    checked: todo.done,
    on: { change: () => data.setDone(todo, checkbox.checked).catch(report) },
  });
  const label = h('label', {}, checkbox, h('span', { class: 'title' }, todo.title));
  const item = h(
    'li',
    { class: todo.done ? 'todo done' : 'todo' },
    label,
    h(
      'button',
      {
        class: 'icon',
        type: 'button',
        'aria-label': `Rename ${todo.title}`,
        on: { click: () => edit() },
      },
      'Rename',
    ),
    h(
      'button',
      {
        class: 'icon danger',
        type: 'button',
        'aria-label': `Delete ${todo.title}`,
        on: { click: () => data.deleteTodo(todo).catch(report) },
      },
      'Delete',
    ),
  );
  function edit() {
    const field = h('input', {
      class: 'edit',
      value: todo.title,
      'aria-label': `New title for ${todo.title}`,
    });
    // Chromium fires `blur` on a focused element it removes: without this guard, Escape (which
    // removes the field) would commit the edit, and Enter would rename twice.
    let finished = false;
    const finish = (save: boolean) => {
      if (finished) return;
      finished = true;
      const next = field.value.trim();
      const restore = () => item.replaceWith(todoItem(todo, data, report));
      if (!save || !next || next === todo.title) return restore();
      data.rename(todo, next).catch((error: unknown) => {
        report(error);
        restore();
      });
    };
    field.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') finish(true);
      if (e.key === 'Escape') finish(false);
    });
    field.addEventListener('blur', () => finish(true));
    label.replaceWith(field);
    field.focus();
  }
  return item;
}
