import { h } from './dom.ts';

/**
 * The account menu's "Sign out and remove data": with changes still unsynced it first says
 * what would be lost and asks again in the menu itself (no blocking dialog): "Remove anyway"
 * removes them with the rest, "Keep my data" goes back (plain "Sign out" keeps them for the
 * next sign-in). Without unsynced changes it removes at once.
 *
 * @param pending the unsynced changes now (the sync status's count)
 * @param remove signs out and removes the data; a failure re-enables the controls
 */
export function removeDataButton(
  pending: () => number,
  remove: () => Promise<void>,
  report: (error: unknown) => void,
): HTMLElement {
  const start = h('button', { class: 'link', type: 'button' }, 'Sign out and remove data');
  const root = h('div', { class: 'remove-data' }, start);
  const run = (buttons: HTMLButtonElement[]) => {
    for (const b of buttons) b.disabled = true;
    remove().catch((error: unknown) => {
      for (const b of buttons) b.disabled = false;
      report(error);
    });
  };
  start.addEventListener('click', () => {
    const count = pending();
    if (count === 0) return run([start]);
    const changes = count === 1 ? '1 change has' : `${count} changes have`;
    const anyway = h('button', { class: 'link danger', type: 'button' }, 'Remove anyway');
    const keep = h('button', { class: 'link', type: 'button' }, 'Keep my data');
    const warning = h(
      'div',
      { class: 'remove-warning' },
      h(
        'p',
        { role: 'alert' },
        `${changes} not synced yet. Removing this account’s data from this device deletes ${count === 1 ? 'it' : 'them'} for good.`,
      ),
      anyway,
      keep,
    );
    anyway.addEventListener('click', () => run([anyway, keep]));
    keep.addEventListener('click', () => {
      root.replaceChildren(start);
      start.focus();
    });
    root.replaceChildren(warning);
    keep.focus();
  });
  return root;
}
