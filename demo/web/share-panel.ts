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

/** What a member may do, as the end of "<name> can now …". */
const ROLE_VERBS: Record<'editor' | 'viewer', string> = { editor: 'edit', viewer: 'view' };

type Member = BoardAccess['members'][number];

/**
 * Sharing the open board: the owner's "Share board" button opens a panel with the "Share
 * with" form (a user name and a "Role") and the "Members" list, each member with a "Role for
 * <name>" choice and a "Remove <name>" button. Sharing with a member again changes their role,
 * or says they have it already. A member sees a line saying who shared the board and what they
 * may do, and "Who has this board": the "Members" list, read only.
 * `changed` runs after a share, a role change or a removal, so the caller reloads the access.
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
  // A member's view of the same list: who else has the board, nothing to change.
  const seenMembers = h('ul', { class: 'members', 'aria-label': 'Members' });
  const seenBy = h(
    'details',
    { class: 'members-seen', hidden: true },
    h('summary', {}, 'Who has this board'),
    seenMembers,
  );
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
  const element = h('div', {}, note, seenBy, panel);

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
      const membership = await data.share(current, name, role);
      say(null);
      nameInput.value = '';
      deps.notify(
        membership === 'grant'
          ? `Shared ‘${current.name}’ with ${name}.`
          : membership === 'role'
            ? `${name} can now ${ROLE_VERBS[role]} ‘${current.name}’.`
            : `${name} already has ‘${current.name}’ (${ROLE_WORDS[role]}).`,
      );
      if (membership !== null) deps.changed();
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

  async function changeRole(member: Member, control: HTMLSelectElement) {
    const scope = access?.scope;
    const role = control.value === 'viewer' ? 'viewer' : 'editor';
    if (!scope || member.role === 'owner' || role === member.role) return;
    control.disabled = true;
    try {
      await data.setRole(scope, member.account, role);
      say(null);
      deps.notify(`${member.name} can now ${ROLE_VERBS[role]} ‘${board?.name ?? 'this board'}’.`);
      deps.changed();
    } catch {
      control.value = member.role;
      say(`The role of ${member.name} could not be changed. Check your connection and try again.`);
    } finally {
      control.disabled = false;
      control.focus();
    }
  }

  async function remove(member: Member, control: HTMLButtonElement) {
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
    // Which member's control had the focus, so the rebuilt row's same control gets it back.
    const focused =
      active instanceof HTMLElement && members.contains(active) ? active.dataset.focusKey : null;
    // Owners first, then by name: the list reads as "who shared it, with whom".
    const list = [...(access?.members ?? [])].sort(
      (a, b) =>
        Number(b.role === 'owner') - Number(a.role === 'owner') || a.name.localeCompare(b.name),
    );
    const owner = access?.role === 'owner';
    members.replaceChildren(...list.map((m) => memberRow(m, owner)));
    seenMembers.replaceChildren(...list.map((m) => memberRow(m, false)));
    const none = h('li', { class: 'member-none' }, 'Only you, until you share it.');
    if (list.length === 0) members.append(none);
    // Rebuilt rows: the focus goes back to the same member's control, else to the form.
    if (focused) {
      const same = [...members.querySelectorAll<HTMLElement>('[data-focus-key]')].find(
        (c) => c.dataset.focusKey === focused,
      );
      (same ?? nameInput).focus();
    }
  }

  /** One member's row; an owner's rows of other members can change their role or remove them. */
  function memberRow(m: Member, owner: boolean): HTMLLIElement {
    const you = m.account === data.userId ? ' (you)' : '';
    const name = h('span', { class: 'member-name' }, `${m.name}${you}`);
    if (!owner || m.role === 'owner') {
      return h('li', {}, name, h('span', { class: 'member-role' }, ROLE_WORDS[m.role]));
    }
    const role = h(
      'select',
      {
        class: 'member-role-choice',
        'aria-label': `Role for ${m.name}`,
        'data-focus-key': `role:${m.account}`,
        on: { change: (e) => void changeRole(m, e.currentTarget as HTMLSelectElement) },
      },
      h('option', { value: 'editor' }, ROLE_WORDS.editor),
      h('option', { value: 'viewer' }, ROLE_WORDS.viewer),
    );
    role.value = m.role;
    const removal = h(
      'button',
      {
        class: 'icon danger',
        type: 'button',
        'data-focus-key': `remove:${m.account}`,
        on: { click: (e) => void remove(m, e.currentTarget as HTMLButtonElement) },
      },
      `Remove ${m.name}`,
    );
    return h('li', {}, name, role, removal);
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
      seenBy.hidden = note.hidden || (known?.members.length ?? 0) === 0;
      note.textContent =
        `Shared with you${sharer ? ` by ${sharer}` : ''}. ` +
        (role === 'viewer' ? 'You can view this board.' : 'You can edit its todos.');
    },
  };
}
