import { h } from './dom.ts';

let next = 0;

/**
 * The limit of a text field, shown under it: silent while the text is short, "170 / 200 characters" near
 * the limit, "… has at most 200 characters; this one has 312." past it (the field is marked invalid). Nothing is cut: pasted text
 * stays whole, so the person decides what to drop.
 */
export function createLimitHint(
  field: HTMLInputElement,
  max: number,
  what: string,
): {
  element: HTMLElement;
  /** Whether the text is over the limit now. */
  over(): boolean;
  /** Shows the message when over the limit; true when the value may be sent. */
  check(): boolean;
  /** Shows `message` (an error from a save) until the text changes. */
  say(message: string): void;
  /** Updates the hint after the field's value was set by code (no `input` event then). */
  refresh(): void;
} {
  const id = `limit-${++next}`;
  const element = h('p', { class: 'limit', id, 'aria-live': 'polite' });
  field.setAttribute('aria-describedby', id);
  const length = () => field.value.trim().length;
  const over = () => length() > max;
  const say = (message: string) => {
    element.textContent = message;
    element.classList.toggle('bad', message !== '');
    if (message) field.setAttribute('aria-invalid', 'true');
    else field.removeAttribute('aria-invalid');
  };
  const refresh = () => {
    const n = length();
    if (n > max) say(`${what} has at most ${max} characters; this one has ${n}.`);
    else {
      say('');
      // Near the limit, the count shows before it matters.
      if (n >= max * 0.8) element.textContent = `${n} / ${max} characters`;
    }
  };
  field.addEventListener('input', refresh);
  return {
    element,
    over,
    check: () => {
      refresh();
      return !over();
    },
    say,
    refresh,
  };
}
