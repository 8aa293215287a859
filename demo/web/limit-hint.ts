import { countCharacters, firstCharacters, textProblem } from '../text-limits.ts';
import { h } from './dom.ts';

let next = 0;

/**
 * The limit of a text field, shown under it, in characters as a person sees them (an emoji or
 * a letter with its accents is one; see text-limits.ts, which the schema and server use too):
 * silent while the text is short, "170 / 200 characters" near the limit, "… has at most 200
 * characters; this one has 312." past it, with a "Keep the first 200 characters" button (the
 * field is marked invalid). Nothing is cut unasked: pasted text stays whole until the person
 * decides, and the cut never splits a character.
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
  const text = h('span', { id, 'aria-live': 'polite' });
  const cut = h(
    'button',
    {
      type: 'button',
      class: 'link cut',
      hidden: true,
      on: {
        click: () => {
          field.value = firstCharacters(field.value.trim(), max);
          refresh();
          field.focus();
        },
      },
    },
    `Keep the first ${max} characters`,
  );
  const element = h('div', { class: 'limit' }, text, cut);
  field.setAttribute('aria-describedby', id);
  const problem = () => textProblem(field.value.trim(), max);
  const say = (message: string) => {
    text.textContent = message;
    cut.hidden = true;
    element.classList.toggle('bad', message !== '');
    element.hidden = message === '';
    if (message) field.setAttribute('aria-invalid', 'true');
    else field.removeAttribute('aria-invalid');
  };
  const refresh = () => {
    const value = field.value.trim();
    const found = problem();
    if (found?.kind === 'long') {
      say(`${what} has at most ${max} characters; this one has ${found.characters}.`);
      cut.hidden = false;
    } else if (found?.kind === 'heavy') {
      say(`${what} holds too many accents or joined symbols to be stored; please shorten it.`);
    } else {
      say('');
      // Near the limit, the count shows before it matters. Fewer code units than 80 % of the
      // limit means fewer characters too: no need to count them.
      const n = value.length < max * 0.8 ? 0 : countCharacters(value);
      if (n >= max * 0.8) {
        text.textContent = `${n} / ${max} characters`;
        element.hidden = false;
      }
    }
  };
  field.addEventListener('input', refresh);
  say('');
  return {
    element,
    over: () => problem() !== null,
    check: () => {
      refresh();
      return problem() === null;
    },
    say,
    refresh,
  };
}
