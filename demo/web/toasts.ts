import { h } from './dom.ts';

/** A toast's button ("Undo"): runs `run`, then the toast closes. */
export interface ToastAction {
  label: string;
  run(): void;
}

export interface Toasts {
  element: HTMLElement;
  /**
   * Shows `text` for `ms` (default 8 s); an error whose text is on screen already is not shown
   * twice (one toast per cause). `onClose` runs once when the toast goes, by time or by "Dismiss", not after `action`.
   */
  show(
    text: string,
    options?: { kind?: 'info' | 'error'; action?: ToastAction; onClose?(): void; ms?: number },
  ): void;
}

/**
 * Transient messages, in a `log` region (so the page keeps exactly one `status` element). Each
 * has a "Dismiss" button; on narrow screens they sit above the content instead of over it.
 */
export function createToasts(): Toasts {
  const element = h('div', { class: 'toasts', role: 'log', 'aria-label': 'Messages' });
  const shown = new Map<string, HTMLElement>();
  return {
    element,
    show(text, { kind = 'info', action, onClose, ms = 8_000 } = {}) {
      if (kind === 'error' && shown.has(text)) return;
      let closed = false;
      const close = (byAction: boolean) => {
        if (closed) return;
        closed = true;
        clearTimeout(timer);
        if (shown.get(text) === toast) shown.delete(text);
        toast.remove();
        if (!byAction) onClose?.();
      };
      const toast = h(
        'div',
        { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : undefined },
        h('span', { class: 'toast-text' }, text),
        action
          ? h(
              'button',
              {
                type: 'button',
                class: 'toast-action',
                on: {
                  click: () => {
                    close(true);
                    action.run();
                  },
                },
              },
              action.label,
            )
          : null,
        h(
          'button',
          {
            type: 'button',
            class: 'toast-close',
            'aria-label': 'Dismiss',
            on: { click: () => close(false) },
          },
          h('span', { 'aria-hidden': 'true' }, '×'),
        ),
      );
      const timer = setTimeout(() => close(false), ms);
      shown.set(text, toast);
      element.append(toast);
    },
  };
}
