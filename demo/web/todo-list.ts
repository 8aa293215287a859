import type { Todo } from './app.ts';
import { h } from './dom.ts';
import { type RowActions, type TodoRow, todoRow } from './todo-item.ts';

/**
 * A board's todos as a keyed list: each update touches only the rows whose todo changed, adds
 * and removes rows without moving the others, so a focused checkbox or button keeps its focus
 * and a toggle at 10,000 rows costs one row's work (rows off screen are not laid out either:
 * see `content-visibility` in styles.css).
 */
export function createTodoList(actions: RowActions): {
  element: HTMLUListElement;
  /** Shows exactly `todos`, in this order. */
  render(todos: readonly Todo[]): void;
  row(id: string): TodoRow | undefined;
  /** The row after `id` in the list, else the one before it. */
  neighbour(id: string): TodoRow | undefined;
} {
  const element = h('ul', { class: 'todos', 'aria-label': 'Todos' });
  const rows = new Map<string, TodoRow>();
  const byElement = new WeakMap<Element, TodoRow>();

  function render(todos: readonly Todo[]) {
    const keep = new Set(todos.map((t) => t.id));
    for (const [id, row] of rows) {
      if (keep.has(id)) continue;
      row.element.remove();
      rows.delete(id);
    }
    // Rows that stay keep their relative order (todos are sorted by creation), so only new
    // rows are inserted; no row holding the focus is ever detached.
    let cursor = element.firstElementChild;
    for (const todo of todos) {
      const existing = rows.get(todo.id);
      if (existing) {
        if (existing.todo !== todo) existing.update(todo);
        if (existing.element === cursor) {
          cursor = cursor.nextElementSibling;
          continue;
        }
        element.insertBefore(existing.element, cursor);
        continue;
      }
      const row = todoRow(todo, actions);
      rows.set(todo.id, row);
      byElement.set(row.element, row);
      element.insertBefore(row.element, cursor);
    }
  }

  function neighbour(id: string) {
    const li = rows.get(id)?.element;
    const other = li?.nextElementSibling ?? li?.previousElementSibling;
    return other ? byElement.get(other) : undefined;
  }

  return { element, render, row: (id) => rows.get(id), neighbour };
}
