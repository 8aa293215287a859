import { h } from './dom.ts';

/** The sign-in form: one name is one user. `notice` says how the last sign-out went. */
export function renderSignIn(
  root: HTMLElement,
  onSignIn: (name: string) => Promise<void>,
  notice?: string | null,
) {
  const input = h('input', { id: 'name', autocomplete: 'username', maxlength: 64, required: true });
  const error = h('div', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    {
      class: 'panel signin',
      on: {
        submit: (e) => {
          e.preventDefault();
          error.textContent = '';
          onSignIn(input.value.trim()).catch((err: unknown) => {
            error.textContent = err instanceof Error ? err.message : String(err);
          });
        },
      },
    },
    h('h1', {}, 'Boards'),
    h('p', {}, 'Offline-first todos that sync across your tabs and devices.'),
    notice ? h('p', { class: 'notice', role: 'status' }, notice) : null,
    h('label', { for: 'name' }, 'Name'),
    h('div', { class: 'add' }, input, h('button', { class: 'primary', type: 'submit' }, 'Sign in')),
    error,
  );
  root.replaceChildren(form);
  input.focus();
}
