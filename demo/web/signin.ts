import { h } from './dom.ts';
import { checkUserName, LIMITS, signInError } from './messages.ts';
import { MAIN_ID } from './skip-link.ts';

/** The sign-in form: one name is one user. `notice` says how the last sign-out went. */
export function renderSignIn(
  root: HTMLElement,
  onSignIn: (name: string) => Promise<void>,
  notice?: string | null,
) {
  const input = h('input', {
    id: 'name',
    autocomplete: 'username',
    'aria-describedby': 'name-hint name-error',
  });
  const error = h('p', { class: 'error', id: 'name-error', role: 'alert' });
  const button = h('button', { class: 'primary', type: 'submit' }, 'Sign in');
  const fail = (message: string) => {
    error.textContent = message;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  };
  const form = h(
    'form',
    {
      class: 'panel signin',
      on: {
        submit: (e) => {
          e.preventDefault();
          error.textContent = '';
          input.removeAttribute('aria-invalid');
          const problem = checkUserName(input.value);
          if (problem) return fail(problem);
          button.disabled = true;
          onSignIn(input.value.trim()).catch((err: unknown) => {
            button.disabled = false;
            fail(signInError(err, navigator.onLine));
          });
        },
      },
    },
    h('h1', {}, 'Boards'),
    h('p', {}, 'Offline-first todos that sync across your tabs and devices.'),
    notice ? h('p', { class: 'notice', role: 'status' }, notice) : null,
    h('label', { for: 'name' }, 'Name'),
    h('div', { class: 'add' }, input, button),
    h('p', { class: 'hint', id: 'name-hint' }, `Any name up to ${LIMITS.userName} characters.`),
    error,
  );
  root.replaceChildren(h('main', { class: 'signin-page', id: MAIN_ID }, form));
  input.focus();
}
