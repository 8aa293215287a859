import { h } from './dom.ts';

/** Transient messages. They use role `alert`, so the page keeps exactly one `status` element. */
export function createToasts(): {
  element: HTMLElement;
  show(text: string, kind?: 'info' | 'error'): void;
} {
  const element = h('div', { class: 'toasts' });
  return {
    element,
    show(text, kind = 'info') {
      const toast = h('div', { class: `toast ${kind}`, role: 'alert' }, text);
      element.append(toast);
      setTimeout(() => toast.remove(), 8_000);
    },
  };
}
