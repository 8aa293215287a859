import type { SpaceRole } from 'swsync/schema';
import { textProblem } from '../text-limits.ts';
import type { Board, DemoData } from './app.ts';
import type { BoardAccess } from './data.ts';
import { h } from './dom.ts';
import { FriendlyError, LIMITS } from './messages.ts';

const ROLE_WORDS: Record<SpaceRole, string> = {
  owner: 'Owner',
  editor: 'Can edit',
  viewer: 'Can view',
};

/**
 * Sharing the open board: the owner's "Share board" button opens a panel with the "Share
 * with" form (a user name and a "Role") and the "Members" list, each member with a "Remove
 * <name>" button. A member sees a line saying who shared the board and what they may do.
 * `changed` runs after a share or a removal, so the caller reloads the board's access.
 */
export function createSharePanel(deps: {
  data: DemoData;
  changed(): void;
  /** A short note that something worked ("Shared ‘Trip’ with Max."). */
  notify(text: string): void;
}) {
  const { data } = deps;
  let board: Board | null = null;
  let access: BoardAccess | null = null;
  let busy = false;

  const button = h(
    'button',
    {
      class: 'icon',
      type: 'button',
      hidden: true,
      'aria-expanded': 'false',
      'aria-controls': 'share-panel',
      on: { click: () => open(panel.hidden) },
    },
    'Share board',
  );
  const nameInput = h('input', {
    id: 'share-with',
    autocomplete: 'off',
    placeholder: 'User name',
  });
  const roleSelect = h(
    'select',
    { id: 'share-role' },
    h('option', { value: 'editor' }, ROLE_WORDS.editor),
    h('option', { value: 'viewer' }, ROLE_WORDS.viewer),
  );
  const shareButton = h('button', { class: 'primary', type: 'submit' }, 'Share');
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const form = h(
    'form',
    {
      class: 'share-form',
      on: {
        submit: (e) => {
          e.preventDefault();
          void share();
        },
      },
    },
    h('div', { class: 'field grow' }, h('label', { for: 'share-with' }, 'Share with'), nameInput),
    h('div', { class: 'field' }, h('label', { for: 'share-role' }, 'Role'), roleSelect),
    shareButton,
  );
  const members = h('ul', { class: 'members', 'aria-label': 'Members' });
  const panel = h(
    'section',
    { class: 'share', id: 'share-panel', hidden: true, 'aria-label': 'Sharing' },
    form,
    error,
    h('h2', { class: 'members-title' }, 'Members'),
    members,
  );
  // Escape closes the panel from wherever the person is in it: one of its fields, its button,
  // or nowhere (a click on the panel's text leaves the focus on the body). A listener on the
  // panel alone missed the last two and left the button saying "expanded". An Escape another
  // control used (an inline edit cancels with it) is not this panel's.
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || panel.hidden || e.defaultPrevented) return;
    const at = document.activeElement;
    const ours = !at || at === document.body || at === button || panel.contains(at);
    if (!ours) return;
    open(false);
    button.focus();
  });
  const note = h('p', { class: 'share-note', hidden: true });
  const element = h('div', {}, note, panel);

  function open(show: boolean) {
    panel.hidden = !show;
    button.setAttribute('aria-expanded', String(show));
    if (show) {
      say(null);
      nameInput.focus();
    }
  }

  function say(text: string | null) {
    error.textContent = text ?? '';
    error.hidden = text === null;
  }

  async function share() {
    const current = board;
    const name = nameInput.value.trim();
    if (!current || busy) return;
    if (!name) {
      say('Enter the name of the person to share this board with.');
      nameInput.focus();
      return;
    }
    // Checked here, not by `maxlength`: that counts UTF-16 code units and cuts an emoji in two.
    if (textProblem(name, LIMITS.userName)) {
      say(`No one has that name: a name has at most ${LIMITS.userName} characters.`);
      nameInput.focus();
      return;
    }
    const role = roleSelect.value === 'viewer' ? 'viewer' : 'editor';
    busy = true;
    shareButton.disabled = true;
    try {
      await data.share(current, name, role);
      say(null);
      nameInput.value = '';
      deps.notify(`Shared ‘${current.name}’ with ${name}.`);
      deps.changed();
    } catch (e) {
      say(
        e instanceof FriendlyError
          ? e.message
          : 'The board could not be shared. Check your connection and try again.',
      );
    } finally {
      busy = false;
      shareButton.disabled = false;
    }
    nameInput.focus();
  }

  async function remove(member: BoardAccess['members'][number], control: HTMLButtonElement) {
    const scope = access?.scope;
    if (!scope) return;
    control.disabled = true;
    try {
      await data.unshare(scope, member.account);
      // The focus goes on to the next member's button, else back to the form.
      const item = control.closest('li');
      const next = (item?.nextElementSibling ?? item?.previousElementSibling)?.querySelector(
        'button:not(:disabled)',
      );
      item?.remove();
      ((next as HTMLButtonElement | null) ?? nameInput).focus();
      deps.notify(`${member.name} was removed from ‘${board?.name ?? 'this board'}’.`);
      deps.changed();
    } catch {
      control.disabled = false;
      say(`${member.name} could not be removed. Check your connection and try again.`);
    }
  }

  let drawn = '';
  function renderMembers() {
    // The same answer again (a roles change, a reload of the access) keeps the rows as they are.
    const shape = JSON.stringify([access?.role, access?.members]);
    if (shape === drawn) return;
    drawn = shape;
    const active = document.activeElement;
    const focused = members.contains(active) ? active?.textContent : null;
    // Owners first, then by name: the list reads as "who shared it, with whom".
    const list = [...(access?.members ?? [])].sort(
      (a, b) =>
        Number(b.role === 'owner') - Number(a.role === 'owner') || a.name.localeCompare(b.name),
    );
    const owner = access?.role === 'owner';
    members.replaceChildren(
      ...list.map((m) => {
        const you = m.account === data.userId ? ' (you)' : '';
        const removable = owner && m.role !== 'owner';
        return h(
          'li',
          {},
          h('span', { class: 'member-name' }, `${m.name}${you}`),
          h('span', { class: 'member-role' }, ROLE_WORDS[m.role]),
          removable
            ? h(
                'button',
                {
                  class: 'icon danger',
                  type: 'button',
                  on: { click: (e) => void remove(m, e.currentTarget as HTMLButtonElement) },
                },
                `Remove ${m.name}`,
              )
            : null,
        );
      }),
    );
    const none = h('li', { class: 'member-none' }, 'Only you, until you share it.');
    if (list.length === 0) members.append(none);
    // Rebuilt rows: the focus goes back to the same member's button, else to the form.
    if (focused !== null && focused !== undefined) {
      const same = [...members.querySelectorAll('button')].find((b) => b.textContent === focused);
      (same ?? nameInput).focus();
    }
  }

  return {
    /** Goes into the board's tools. */
    button,
    /** Goes after the board's title. */
    element,
    /**
     * Shows the sharing of `next` for the account's `role` on it; `known` is the server's
     * answer about it, when one came.
     */
    show(next: Board | null, role: SpaceRole, known: BoardAccess | null) {
      if (next?.id !== board?.id) {
        open(false);
        say(null);
        nameInput.value = '';
      }
      board = next;
      access = known;
      const owner = next !== null && role === 'owner';
      button.hidden = !owner;
      if (!owner) open(false);
      renderMembers();
      const sharer = known?.members.find((m) => m.role === 'owner')?.name;
      note.hidden = next === null || role === 'owner';
      note.textContent =
        `Shared with you${sharer ? ` by ${sharer}` : ''}. ` +
        (role === 'viewer' ? 'You can view this board.' : 'You can edit its todos.');
    },
  };
}
