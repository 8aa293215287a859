import type { RecordOf, SpaceRole, SyncStatus } from 'swsync/schema';
import type { DemoSchema } from '../schema.ts';
import { createBoardView, type NoBoard } from './board-view.ts';
import { createBoardsPanel } from './boards-panel.ts';
import type { BoardAccess } from './data.ts';
import { h } from './dom.ts';
import { friendlyError } from './messages.ts';
import { scrollWithKeys } from './page-scroll.ts';
import { removeDataButton } from './remove-data.ts';
import { selectedBoard } from './session.ts';
import { createSharePanel } from './share-panel.ts';
import { MAIN_ID } from './skip-link.ts';
import { createStatusView } from './status-view.ts';
import { createToasts } from './toasts.ts';
import { createUndoableDeletes, type Restore } from './undo.ts';

export type Board = RecordOf<DemoSchema['models']['Board']>;
export type Todo = RecordOf<DemoSchema['models']['Todo']>;

export interface Live<T> {
  subscribe(listener: (value: T) => void): () => void;
}

/** What the view needs from the sync client; `data.ts` provides it. */
export interface DemoData {
  /** The signed-in account: the owner of the boards whose `userId` it is. */
  userId: string;
  /** Every board this account can read, its own and those shared with it. */
  boards: Live<Board[]>;
  todos(boardId: string): Live<Todo[]>;
  status: Live<SyncStatus>;
  /** One sentence per cause of rejected changes, naming the item and the reason. */
  onRejected(listener: (message: string) => void): void;
  /**
   * A sentence when the lists on screen cannot be read again (another tab holds the local
   * database): told once, until they read again.
   */
  onReadError(listener: (message: string) => void): void;
  addBoard(name: string): Promise<Board>;
  renameBoard(board: Board, name: string): Promise<void>;
  /** Deletes the board and, with it, its todos; resolves with what re-creates them all. */
  deleteBoard(board: Board): Promise<Restore>;
  /** A new todo record (not stored yet): the view shows it before `addTodo` resolves. */
  newTodo(boardId: string, title: string): Todo;
  addTodo(todo: Todo): Promise<void>;
  setDone(todo: Todo, done: boolean): Promise<void>;
  rename(todo: Todo, title: string): Promise<void>;
  /** Deletes the todo; resolves with what re-creates it. */
  deleteTodo(todo: Todo): Promise<Restore>;
  /** The user's explicit ask: the one trigger (with a network change) that skips a backoff. */
  syncNow(): Promise<void>;
  /** Who can see `boardId` and the caller's role on it (needs the server). */
  access(boardId: string): Promise<BoardAccess>;
  /**
   * Shares `board` with the user `name`, or changes their role on it; resolves with what the
   * server did: `'grant'` (a new member), `'role'` (a member's role changed) or `null` (they
   * were a member with that role already). Throws a `FriendlyError` for a name never signed in.
   */
  share(board: Board, name: string, role: 'editor' | 'viewer'): Promise<Membership>;
  /** Changes the role of `account`, a member of the shared `scope`. */
  setRole(scope: string, account: string, role: 'editor' | 'viewer'): Promise<void>;
  /** Removes `account` from the shared `scope`. */
  unshare(scope: string, account: string): Promise<void>;
}

/** What a share did, as the members route answers it. */
export type Membership = 'grant' | 'role' | null;

/**
 * How far this page knows the local data to be complete: `'initial'` while a first full sync
 * runs, `'settled'` once a sync ended (or none can run: offline, paused, failing).
 */
export type SyncPhase = 'unknown' | 'initial' | 'settled';

function syncPhase(s: SyncStatus): SyncPhase {
  if (s.initialSync && !s.initialSync.done) return 'initial';
  const settled =
    !s.online ||
    s.lastSyncAt !== null ||
    s.initialSync?.done === true ||
    s.paused !== null ||
    s.lastError !== null;
  return settled ? 'settled' : 'unknown';
}

/**
 * Renders the signed-in app into `root`. Everything is built once; lists update in place.
 * `focusOnStart`: move the focus to "New todo" (a board is open) or "New board" (none is) once
 * the boards are known, as after a sign-in.
 */
export function renderApp(
  root: HTMLElement,
  data: DemoData,
  user: {
    name: string;
    /** `removeData`: delete this account's local data too ("Sign out and remove data"). */
    onSignOut(removeData: boolean): Promise<void>;
  },
  options: { focusOnStart?: boolean } = {},
) {
  // Where the focus goes when a toast holding it closes and the place it came from is gone.
  const toasts = createToasts(() =>
    boardView.board() ? boardView.todoInput : (panel.input as HTMLElement),
  );
  const report = (error: unknown, subject?: string) =>
    toasts.show(friendlyError(error, subject), { kind: 'error' });
  data.onRejected((message) => toasts.show(message, { kind: 'error' }));
  data.onReadError((message) => toasts.show(message, { kind: 'error' }));

  const status = createStatusView(
    data.status,
    () => void data.syncNow().catch(report),
    // As "Sign out": pending writes stay and go out once the same account signs in.
    () => void user.onSignOut(false).catch(report),
  );
  let sync: SyncPhase = 'unknown';

  let boards: Board[] | null = null;
  let current: string | null = selectedBoard.get();
  /** A board whose delete was undone: it gets the focus once the list shows it again. */
  let refocusBoard: string | null = null;
  /** A board just added here, open before the live query lists it (see renderBoards). */
  let added: string | null = null;
  const undo = createUndoableDeletes(toasts, report, () => {
    renderBoards();
    boardView.refresh();
  });

  const panel = createBoardsPanel({
    add: async (name) => {
      try {
        const board = await data.addBoard(name);
        added = board.id;
        select(board.id);
      } catch (error) {
        report(error, 'This board name');
        throw error;
      }
    },
    select: (id) => {
      refocusBoard = null;
      added = null;
      select(id);
    },
  });
  const boardView = createBoardView({
    data,
    report,
    hidden: undo.hidden,
    remove: undo.remove,
    reopen: (id) => {
      refocusBoard = id;
      select(id);
    },
    focusBoard: (id) => panel.focus(id),
    focusNewBoard: () => panel.input.focus(),
    notify: (message) => toasts.show(message),
    unsaved: (message, text) =>
      toasts.show(message, {
        kind: 'error',
        ms: 20_000,
        shortcut: false,
        action: { label: 'Copy text', run: () => copyText(text) },
      }),
  });
  function copyText(text: string) {
    navigator.clipboard.writeText(text).then(
      () => toasts.show('Copied: paste it where you want it.'),
      () =>
        toasts.show(`The browser did not let the page copy. The text was: ${text}`, {
          kind: 'error',
          ms: 20_000,
        }),
    );
  }
  const share = createSharePanel({
    data,
    changed: () => void loadAccess(),
    notify: (text) => toasts.show(text),
  });
  boardView.tools.prepend(share.button);
  boardView.head.after(share.element);

  // The account's role on the open board: its own boards are its own; for a shared one the
  // server says (asked when the board opens and whenever the account's roles change), and until
  // it answered, the roles this device holds guess it.
  let access: BoardAccess | null = null;
  let accessOf: string | null = null;
  let roles: Record<string, SpaceRole> = {};
  const knownRoles = new Map<string, SpaceRole>();
  function roleOn(board: Board): SpaceRole {
    if (board.userId === data.userId) return 'owner';
    if (access && accessOf === board.id) return access.role;
    const known = knownRoles.get(board.id);
    if (known) return known;
    const held = new Set(Object.values(roles).filter((r) => r !== 'owner'));
    return held.size === 1 ? [...held][0]! : 'editor';
  }
  function applyAccess() {
    const board = boardView.board();
    const role = board ? roleOn(board) : 'owner';
    boardView.setRole(role);
    share.show(board, role, board && accessOf === board.id ? access : null);
  }
  async function loadAccess() {
    const board = boardView.board();
    if (!board) return;
    try {
      const answer = await data.access(board.id);
      if (boardView.board()?.id !== board.id) return;
      access = answer;
      accessOf = board.id;
      knownRoles.set(board.id, answer.role);
    } catch {
      // Offline, or no longer a member (the board leaves with the next pull): keep the guess.
    }
    applyAccess();
  }
  let shownBoard: string | null = null;
  function boardShown() {
    const id = boardView.board()?.id ?? null;
    if (id !== shownBoard) {
      shownBoard = id;
      void loadAccess();
    }
    applyAccess();
  }

  let pending = 0;
  data.status.subscribe((s) => {
    pending = s.pending;
    const nextRoles = s.roles ?? {};
    if (JSON.stringify(nextRoles) !== JSON.stringify(roles)) {
      roles = nextRoles;
      // A role changed somewhere: what the server said about other boards may be stale now.
      knownRoles.clear();
      void loadAccess();
    }
    const next = syncPhase(s);
    if (next === sync) return;
    sync = next;
    boardView.setSync(sync);
    renderBoards();
  });

  function select(id: string) {
    current = id;
    selectedBoard.set(id);
    renderBoards();
  }

  function renderBoards() {
    const shown = (boards ?? []).filter((b) => !undo.hidden.has(b.id));
    // A deleted (or undone-delete) board hands the selection on to the first one left.
    let active = shown.find((b) => b.id === current) ?? null;
    // An undone delete's board is open before the live query brings it back: no fallback then.
    // Nor for a board just added: the fallback would open another board, and the next todo
    // typed would go there.
    if (added !== null && shown.some((b) => b.id === added)) added = null;
    const restoring =
      (refocusBoard !== null && refocusBoard === current) || (added !== null && added === current);
    if (!active && boards !== null && shown[0] && !restoring) {
      active = shown[0];
      current = active.id;
      selectedBoard.set(active.id);
    }
    // "No board yet" only once the account's data is known to be here: never while a first
    // sync runs, nor before this page heard how syncing goes.
    const why: NoBoard =
      boards === null
        ? 'loading'
        : shown.length > 0
          ? 'pick'
          : sync === 'initial'
            ? 'syncing'
            : sync === 'unknown'
              ? 'loading'
              : 'none';
    panel.render(
      shown,
      active?.id ?? null,
      why === 'loading' ? 'Loading…' : why === 'syncing' ? '' : 'Create your first board',
    );
    // The open board left the list without a delete made here: deleted in another tab or on
    // another device, or unshared.
    const open = boardView.board();
    const gone =
      open !== null &&
      boards !== null &&
      !boards.some((b) => b.id === open.id) &&
      !undo.hidden.has(open.id);
    boardView.show(active, why, gone);
    boardShown();
    if (refocusBoard !== null && panel.focus(refocusBoard)) refocusBoard = null;
  }

  let focusPending = options.focusOnStart === true;
  data.boards.subscribe((next) => {
    boards = next;
    renderBoards();
    if (focusPending) {
      focusPending = false;
      const idle = document.activeElement === document.body || !document.activeElement;
      if (idle) (boardView.board() ? boardView.todoInput : panel.input).focus();
    }
  });

  const menu = h(
    'div',
    { class: 'menu', id: 'account-menu', hidden: true },
    signOutButton('Sign out'),
    removeDataButton(
      () => pending,
      () => user.onSignOut(true),
      report,
    ),
  );
  const accountButton = h(
    'button',
    {
      class: 'account-button',
      type: 'button',
      'aria-expanded': 'false',
      'aria-controls': 'account-menu',
      'aria-label': `Account: ${user.name}`,
      on: { click: () => openMenu(menu.hidden) },
    },
    h('span', { class: 'user' }, user.name),
  );
  const account = h('div', { class: 'account' }, accountButton, menu);
  function openMenu(open: boolean) {
    menu.hidden = !open;
    accountButton.setAttribute('aria-expanded', String(open));
  }
  account.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || menu.hidden) return;
    openMenu(false);
    accountButton.focus();
  });
  document.addEventListener('click', (e) => {
    // The path, not the target: a menu step replaces the button that was clicked.
    if (!menu.hidden && !e.composedPath().includes(account)) openMenu(false);
  });

  function signOutButton(label: string) {
    const button = h('button', { class: 'link', type: 'button' }, label);
    button.addEventListener('click', () => {
      button.disabled = true;
      user.onSignOut(false).catch((error: unknown) => {
        button.disabled = false;
        report(error);
      });
    });
    return button;
  }

  // The page scrolls in `.scroller`, above the toasts' tray: a toast takes room at the bottom
  // of the window instead of lying over the rows there, wherever the list is scrolled to.
  const scroller = h(
    'div',
    { class: 'scroller' },
    h(
      'header',
      { class: 'topbar' },
      h(
        'div',
        { class: 'brand' },
        'sw',
        h('span', { class: 'accent' }, 'sync'),
        h('span', { class: 'word' }, ' boards'),
      ),
      h('div', { class: 'spacer' }),
      status.line,
      status.retryNow,
      status.signInAgain,
      account,
    ),
    // A labelled section is a landmark: the offline banner and the first-sync text are in one.
    h('section', { class: 'notes', 'aria-label': 'Sync' }, status.progress, status.banner),
    h('main', { class: 'layout', id: MAIN_ID }, panel.element, boardView.element),
  );
  scrollWithKeys(scroller);
  root.replaceChildren(
    h(
      'div',
      { class: 'frame' },
      scroller,
      // Last, as it shows at the bottom of the window; Ctrl+Z reaches "Undo" from anywhere.
      toasts.element,
    ),
  );
  renderBoards();
}
