import type { Todo } from './app.ts';
import { h } from './dom.ts';
import { type RowActions, type TodoRow, todoRow } from './todo-item.ts';

/** Up to this many todos every row is in the page; above, only a window around the view. */
export const WINDOW_ABOVE = 300;
/** The height (px) a row not drawn is taken to have until drawn rows were measured: one line. */
const ROW_HEIGHT = 49;
/** Rows drawn beyond each edge of the view, so scrolling and Tab find rows ready. */
const OVERSCAN = 20;

/**
 * A board's todos as a keyed list: each update touches only the rows whose todo changed, adds
 * and removes rows without moving the others, so a focused checkbox or button keeps its focus.
 * Above `WINDOW_ABOVE` todos only the rows near the view are drawn (spacers stand for the
 * others, and each row says its place with aria-posinset/aria-setsize), so a toggle or an add
 * costs the same at 10,000 todos as at 100 (`npm run bench:list`).
 */
export function createTodoList(actions: RowActions): {
  element: HTMLUListElement;
  /** Shows exactly `todos`, in this order. */
  render(todos: readonly Todo[]): void;
  /** The drawn row of `id`, if it is drawn. */
  row(id: string): TodoRow | undefined;
  /** The row after `id` in the list, else the one before it, if drawn. */
  neighbour(id: string): TodoRow | undefined;
  /** Every row's controls disabled (a viewer's board) or enabled. */
  setReadOnly(readOnly: boolean): void;
  /**
   * Draws the row of `id` (wherever it is in a long list) and scrolls it into view, just
   * enough to show it whole; returns it, or undefined when `id` is not in the list.
   */
  reveal(id: string): TodoRow | undefined;
} {
  const element = h('ul', { class: 'todos', 'aria-label': 'Todos' });
  const before = h('li', { class: 'spacer', 'aria-hidden': 'true' });
  const after = h('li', { class: 'spacer', 'aria-hidden': 'true' });
  const rows = new Map<string, TodoRow>();
  let todos: readonly Todo[] = [];
  let index = new Map<string, number>();
  /** The index the window is kept around while a row has the focus. */
  let anchor: number | null = null;
  /** The index `reveal` draws the window around, before it scrolls there. */
  let target: number | null = null;
  let readOnly = false;
  /** The drawn rows' mean height (px): titles that wrap make rows taller than one line. */
  let rowHeight = ROW_HEIGHT;
  const idOf = new WeakMap<Element, string>();

  function range(): [number, number] {
    const n = todos.length;
    if (n <= WINDOW_ABOVE) return [0, n];
    const visible = Math.ceil(innerHeight / Math.min(rowHeight, ROW_HEIGHT));
    // Where the view is about to be, not where it is: the rows a screen above the target.
    if (target !== null) {
      return [Math.max(0, target - visible - OVERSCAN), Math.min(n, target + OVERSCAN)];
    }
    const first = firstInView();
    let start = Math.max(0, first - OVERSCAN);
    let end = Math.min(n, first + visible + OVERSCAN);
    if (end <= start) [start, end] = [Math.max(0, n - visible - OVERSCAN), n];
    // The focused row stays drawn, with rows to Tab to, while it is near the view; scrolled
    // far away, it goes (as in any long list drawn in windows).
    if (anchor !== null) {
      const from = Math.max(0, anchor - OVERSCAN);
      const to = Math.min(n, anchor + OVERSCAN);
      if (to >= start - visible && from <= end + visible) {
        start = Math.min(start, from);
        end = Math.max(end, to);
      }
    }
    return [start, end];
  }

  /**
   * The index of the row at the top of the view. The page scrolls in an element (app.ts) that
   * starts at the window's top, so a drawn row there is found by its box; the view's top over a
   * spacer is placed by the rows' mean height. Estimating from a fixed height instead drifts
   * when titles wrap (by hundreds of rows at 2,000 long titles), and the window then moved away
   * from the row Tab had just focused, which dropped the focus to <body>.
   */
  function firstInView(): number {
    if (before.parentNode === element) {
      let last: Element | null = null;
      for (let li = before.nextElementSibling; li && li !== after; li = li.nextElementSibling) {
        const box = li.getBoundingClientRect();
        last = li;
        if (box.bottom <= 0) continue;
        const at = index.get(idOf.get(li) ?? '');
        if (box.top <= 0 && at !== undefined) return at;
        break;
      }
      const afterTop = after.getBoundingClientRect().top;
      const lastAt = last && index.get(idOf.get(last) ?? '');
      if (afterTop <= 0 && lastAt != null) {
        return Math.min(todos.length - 1, lastAt + 1 + Math.floor(-afterTop / rowHeight));
      }
      const beforeBox = before.getBoundingClientRect();
      if (beforeBox.bottom > 0) return Math.floor(-beforeBox.top / rowHeight);
    }
    return Math.floor(-element.getBoundingClientRect().top / rowHeight);
  }

  function draw() {
    const [start, end] = range();
    const shown = todos.slice(start, end);
    const keep = new Set(shown.map((t) => t.id));
    for (const [id, row] of rows) {
      if (keep.has(id)) continue;
      row.element.remove();
      rows.delete(id);
    }
    const windowed = todos.length > WINDOW_ABOVE;
    if (windowed && before.parentNode !== element) element.prepend(before);
    if (windowed && after.parentNode !== element) element.append(after);
    if (!windowed) {
      before.remove();
      after.remove();
    }
    before.style.height = `${start * rowHeight}px`;
    after.style.height = `${(todos.length - end) * rowHeight}px`;
    // Rows that stay keep their relative order (todos are sorted by creation), so only new
    // rows are inserted; no row holding the focus is ever detached.
    let cursor = windowed ? before.nextElementSibling : element.firstElementChild;
    shown.forEach((todo, i) => {
      let row = rows.get(todo.id);
      if (row) {
        if (row.todo !== todo) row.update(todo);
        if (row.element === cursor) cursor = cursor.nextElementSibling;
        else element.insertBefore(row.element, cursor);
      } else {
        row = todoRow(todo, actions);
        if (readOnly) row.setReadOnly(true);
        rows.set(todo.id, row);
        idOf.set(row.element, todo.id);
        element.insertBefore(row.element, cursor);
      }
      if (windowed) {
        row.element.setAttribute('aria-posinset', String(start + i + 1));
        row.element.setAttribute('aria-setsize', String(todos.length));
      } else if (row.element.hasAttribute('aria-setsize')) {
        row.element.removeAttribute('aria-posinset');
        row.element.removeAttribute('aria-setsize');
      }
    });
    if (windowed && shown.length > 0) measure(start, end);
  }

  /**
   * Takes the drawn rows' mean height for the rows not drawn, and sizes the spacers by it, so
   * the scroll range matches the list. Small changes are ignored: each one moves the spacers.
   */
  function measure(start: number, end: number) {
    let total = 0;
    for (const row of rows.values()) total += row.element.offsetHeight;
    const mean = total / rows.size;
    if (!(mean > 0) || Math.abs(mean - rowHeight) < rowHeight * 0.1) return;
    rowHeight = mean;
    before.style.height = `${start * rowHeight}px`;
    after.style.height = `${(todos.length - end) * rowHeight}px`;
  }

  let scheduled = false;
  // Captured: the scroll of the element the page scrolls in does not bubble to the window.
  addEventListener(
    'scroll',
    () => {
      if (scheduled || todos.length <= WINDOW_ABOVE) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        draw();
      });
    },
    { passive: true, capture: true },
  );
  element.addEventListener('focusin', (e) => {
    const li = (e.target as Element).closest('li');
    const id = [...rows].find(([, row]) => row.element === li)?.[0];
    anchor = id === undefined ? null : (index.get(id) ?? null);
    // Tab reached a row near the window's edge: draw the rows after it.
    if (anchor !== null && todos.length > WINDOW_ABOVE) draw();
  });
  element.addEventListener('focusout', (e) => {
    if (!element.contains(e.relatedTarget as Node | null)) anchor = null;
  });

  const find = (id: string) => rows.get(id);
  return {
    element,
    render(next) {
      const old = todos;
      const oldIndex = index;
      todos = next;
      index = new Map(next.map((t, i) => [t.id, i]));
      // Rows whose todo is gone (deleted in another tab or on another device; a delete made here
      // moved the focus on already): close them before they are detached, and keep the focus.
      let refocus: { id: string; like: 'checkbox' | 'rename' | 'delete' } | null = null;
      for (const [id, row] of rows) {
        if (index.has(id)) continue;
        const { draft, focused } = row.close();
        if (draft !== null) actions.lost(row.todo, draft);
        if (focused === null) continue;
        const at = oldIndex.get(id) ?? -1;
        const after = old.slice(at + 1).find((t) => index.has(t.id));
        const before = old.slice(0, Math.max(at, 0)).findLast((t) => index.has(t.id));
        const other = after ?? before;
        refocus = other ? { id: other.id, like: focused } : null;
        if (!other) actions.focusAway();
      }
      const focusedId = anchor === null ? undefined : [...rows].find(([, r]) => r.focused())?.[0];
      if (focusedId !== undefined) anchor = index.get(focusedId) ?? anchor;
      if (refocus) anchor = index.get(refocus.id) ?? anchor;
      draw();
      if (refocus) rows.get(refocus.id)?.focus(refocus.like);
    },
    row: find,
    setReadOnly(next) {
      if (next === readOnly) return;
      readOnly = next;
      for (const row of rows.values()) row.setReadOnly(next);
    },
    reveal(id) {
      const at = index.get(id);
      if (at === undefined) return undefined;
      target = at;
      try {
        draw();
      } finally {
        target = null;
      }
      const row = rows.get(id);
      // The scroll that follows draws the window around the new view again.
      row?.element.scrollIntoView({ block: 'nearest' });
      return row;
    },
    neighbour(id) {
      const i = index.get(id);
      if (i === undefined) return undefined;
      const other = todos[i + 1] ?? todos[i - 1];
      return other && find(other.id);
    },
  };
}
