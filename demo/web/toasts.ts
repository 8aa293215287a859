import { h } from './dom.ts';
import { createDeleteIntent } from './one-intent.ts';

/** A toast's button ("Undo"): runs `run`, then the toast closes. */
export interface ToastAction {
  label: string;
  run(): void;
}

export interface Toasts {
  element: HTMLElement;
  /**
   * Shows `text` for `ms` (default 8 s) of time in which the toast has neither the focus nor
   * the pointer (WCAG 2.2.1: the person can take as long as they need); an error whose text is
   * on screen already is not shown twice (one toast per cause).
   */
  show(
    text: string,
    options?: {
      kind?: 'info' | 'error';
      action?: ToastAction;
      ms?: number;
      /** Whether Ctrl+Z runs `action` while this is the newest toast with one (default true). */
      shortcut?: boolean;
      /** Runs once when the toast goes without its action run (timed out or dismissed). */
      onExpire?: () => void;
    },
  ): void;
}

/**
 * `text` with the name it quotes (‘…’, the app's quotes around every item's name) in a span of
 * its own, which styles.css clamps to two lines: a 500-character title would otherwise fill a
 * phone's screen with toasts. The clamp only hides the overflow, so the whole text stays in the
 * page for screen readers. From the first ‘ to the last ’, as a name may hold a ’ itself.
 */
function withNames(text: string): (string | HTMLElement)[] {
  const start = text.indexOf('‘');
  const end = text.lastIndexOf('’');
  if (start < 0 || end <= start) return [text];
  // The quotes go inside the span: a screen reader's text puts a space at each edge of it.
  return [
    text.slice(0, start),
    h('span', { class: 'toast-name' }, text.slice(start, end + 1)),
    text.slice(end + 1),
  ];
}

/** Input types without a text to edit: Ctrl+Z there has nothing of its own to undo. */
const NOT_TEXT = new Set([
  'checkbox',
  'radio',
  'button',
  'submit',
  'reset',
  'image',
  'file',
  'color',
  'range',
]);

/** Whether `target` edits text, where Ctrl+Z belongs to the field (it undoes the typing). */
function takesText(target: EventTarget | null): boolean {
  if (target instanceof HTMLTextAreaElement) return true;
  if (target instanceof HTMLInputElement) return !NOT_TEXT.has(target.type);
  return target instanceof HTMLElement && target.isContentEditable;
}

/**
 * Transient messages, in a `log` region (so the page keeps exactly one `status` element): a
 * tray the caller puts at the bottom of the window, below the page's scrolling area (see
 * `.frame` in styles.css), so a toast never lies over a row, wherever the list is scrolled to;
 * the area above it only gets shorter, so no content moves when toasts come and go. Each toast has
 * "Dismiss"; Ctrl+Z (⌘Z) outside a text field (a checkbox or a button is not one) runs the newest toast's action ("Undo"), so a
 * keyboard user need not travel to it. When a toast holding the focus closes, the focus goes
 * back where it was before it entered the toasts, else to `fallback()`.
 */
export function createToasts(fallback: () => HTMLElement | null): Toasts {
  const element = h('div', { class: 'toasts', role: 'log', 'aria-label': 'Messages' });
  const shown = new Map<string, HTMLElement>();
  const actions: (() => void)[] = [];
  const intent = createDeleteIntent();
  let returnTo: HTMLElement | null = null;

  element.addEventListener('focusin', (e) => {
    const from = e.relatedTarget;
    if (from instanceof HTMLElement && !element.contains(from)) returnTo = from;
  });
  document.addEventListener('keydown', (e) => {
    if (e.key.toLowerCase() !== 'z' || !(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey) return;
    if (takesText(e.target)) return;
    const newest = actions.at(-1);
    if (!newest) return;
    e.preventDefault();
    newest();
  });

  return {
    element,
    show(text, { kind = 'info', action, ms = 8_000, shortcut = true, onExpire } = {}) {
      if (kind === 'error' && shown.has(text)) return;
      let closed = false;
      let left = ms;
      let started = 0;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const run = () => {
        if (closed) return;
        close(true);
        action?.run();
      };
      const close = (ran = false) => {
        if (closed) return;
        closed = true;
        if (!ran) onExpire?.();
        clearTimeout(timer);
        if (shown.get(text) === toast) shown.delete(text);
        const at = actions.indexOf(run);
        if (at >= 0) actions.splice(at, 1);
        const hadFocus = toast.contains(document.activeElement);
        toast.remove();
        if (hadFocus) {
          const next = returnTo?.isConnected && !element.contains(returnTo) ? returnTo : fallback();
          next?.focus();
        }
      };
      const resume = () => {
        if (closed || timer !== undefined) return;
        started = Date.now();
        timer = setTimeout(() => close(), left);
      };
      const pause = () => {
        if (timer === undefined) return;
        clearTimeout(timer);
        timer = undefined;
        left = Math.max(0, left - (Date.now() - started));
      };
      const actionButton = action
        ? h(
            'button',
            {
              type: 'button',
              class: 'toast-action',
              'aria-keyshortcuts': shortcut ? 'Control+Z' : undefined,
            },
            action.label,
          )
        : null;
      const closeButton = h(
        'button',
        { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss' },
        h('span', { 'aria-hidden': 'true' }, '×'),
      );
      // A toast that goes lets the next one slide under the pointer: a double click's second
      // click must not undo or dismiss that one too.
      if (actionButton) intent.guard(actionButton, run);
      intent.guard(closeButton, () => close());
      const toast = h(
        'div',
        { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : undefined },
        h('span', { class: 'toast-text' }, ...withNames(text)),
        actionButton,
        closeButton,
      );
      const held = () => toast.matches(':hover') || toast.contains(document.activeElement);
      toast.addEventListener('pointerenter', pause);
      toast.addEventListener('focusin', pause);
      toast.addEventListener('pointerleave', () => {
        if (!held()) resume();
      });
      toast.addEventListener('focusout', (e) => {
        if (!toast.contains(e.relatedTarget as Node | null) && !toast.matches(':hover')) resume();
      });
      if (action && shortcut) actions.push(run);
      shown.set(text, toast);
      element.append(toast);
      // The tray scrolls once its toasts reach its height cap (styles.css): the newest in view.
      element.scrollTop = element.scrollHeight;
      resume();
    },
  };
}
