import { h } from './dom.ts';
import { createLimitHint } from './limit-hint.ts';
import { friendlyError } from './messages.ts';

/**
 * A text field that edits one value in place: Enter saves, Escape cancels, leaving the field
 * saves. A value over `max` characters is not sent: the field stays open and says why, so
 * nothing typed is lost. `done` runs once, after a save or a cancel, with whether the field
 * still held the focus then: true after Enter or Escape (and when the window lost the focus),
 * false when the person clicked or tabbed elsewhere; only then may the caller move the focus
 * (back to the button that opened the editor, say), else it would take it from where the
 * person put it and what they type next would go astray.
 */
export function createInlineEdit(options: {
  value: string;
  label: string;
  max: number;
  /** "A title", "A board name": the subject of the messages. */
  what: string;
  save(value: string): Promise<void>;
  done(hadFocus: boolean): void;
}): {
  element: HTMLElement;
  focus(): void;
  /**
   * Ends the edit without saving and without `done` (what it edited is gone): returns the text
   * typed, when it differs from `value`, so the caller can tell the person it was not saved.
   */
  abandon(): string | null;
} {
  const field = h('input', { class: 'edit', value: options.value, 'aria-label': options.label });
  const hint = createLimitHint(field, options.max, options.what);
  const element = h('div', { class: 'inline-edit' }, field, hint.element);
  // Chromium fires `blur` on a focused element it removes: without this guard, Escape (which
  // removes the field) would commit the edit, and Enter would save twice.
  let finished = false;
  let saving = false;
  const finish = async (save: boolean) => {
    if (finished || saving) return;
    const next = field.value.trim();
    if (save && next && next !== options.value) {
      if (!hint.check()) return;
      saving = true;
      try {
        await options.save(next);
      } catch (error) {
        saving = false;
        hint.say(friendlyError(error, options.what));
        // The field stays open with the reason; the focus comes back only if it had not moved on.
        if (holdsFocus()) field.focus();
        return;
      }
    }
    finished = true;
    options.done(holdsFocus());
  };
  // Read when the edit ends: on a click elsewhere `blur` runs while the focus is on <body>, and
  // a save's await lets it reach the clicked control; after Enter or Escape the field has it. A
  // window that lost the focus keeps the field as its focused element.
  const holdsFocus = () => document.activeElement === field;
  field.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' && e.key !== 'Escape') return;
    // `done` may move the focus to the button that opened the editor while this key is still
    // down; its default action would then press that button and open the editor again.
    e.preventDefault();
    void finish(e.key === 'Enter');
  });
  field.addEventListener('blur', () => {
    // An invalid value keeps the editor open; leaving it then cancels nothing and saves nothing.
    if (hint.over()) return;
    void finish(true);
  });
  return {
    element,
    focus: () => {
      field.focus();
      field.select();
    },
    abandon: () => {
      // A save under way was sent already: its own result tells.
      if (saving) return null;
      finished = true;
      const typed = field.value.trim();
      return typed && typed !== options.value ? typed : null;
    },
  };
}
