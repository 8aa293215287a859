import type { Rejection } from 'swsync/schema';
import { TEXT_LIMITS, textProblem } from '../text-limits.ts';

/** The longest board name, todo title and user name, in characters a person sees. */
export const LIMITS = TEXT_LIMITS;

/**
 * A sentence a person understands for `error`, never a validator's raw text: a ZodError (from a
 * local write the schema refused) becomes "This is too long…", anything else keeps its message
 * only when it is already written for people (an `Error` with a `friendly` flag).
 *
 * @example friendlyError(new TypeError('Failed to fetch')) // 'Could not reach the server. …'
 */
export function friendlyError(error: unknown, subject = 'This change'): string {
  if (error instanceof FriendlyError) return error.message;
  const text = error instanceof Error ? error.message : String(error);
  if (/too big|<=\d+ characters/i.test(text)) return `${subject} is too long, so it was not saved.`;
  if (/too small|>=1 character/i.test(text)) return `${subject} cannot be empty.`;
  if (/failed to fetch|networkerror|load failed/i.test(text)) {
    return 'Could not reach the server. Check your connection and try again.';
  }
  return `${subject} could not be saved. Please try again.`;
}

/**
 * What a live list says when it cannot be read, or null when there is nothing to tell. A read
 * that waited too long for the local database (`UNAVAILABLE` from the read itself: another
 * tab, perhaps of an older version of the app, keeps it open while this one's worker updates
 * it) asks to close or reload the app's other tabs. A worker that did not answer
 * (`UNAVAILABLE` from its handshake: a first install still running, or the same hold keeping
 * the worker from its database) is waited for, with the same advice. Neither needs a reload of
 * this tab: it reads again by itself. A closed client (signing out) says nothing; anything else
 * asks to reload.
 *
 * @example readErrorMessage({ code: 'UNAVAILABLE', details: { method: 'read' } })
 * // 'This tab cannot read your saved lists right now: another tab…'
 */
export function readErrorMessage(error: unknown): string | null {
  const { code, details } = (error ?? {}) as { code?: unknown; details?: { method?: unknown } };
  if (code === 'CLIENT_CLOSED') return null;
  if (code === 'UNAVAILABLE' && details?.method === 'read') {
    return 'This tab cannot read your saved lists right now: another tab of this app, perhaps an older version, is holding them. Close or reload the app’s other tabs; this one goes on by itself.';
  }
  if (code === 'UNAVAILABLE') {
    return 'This tab is still waiting for its sync worker. If another tab of this app is open, perhaps an older version, close or reload it; this one goes on by itself.';
  }
  return 'This tab could not read your saved lists. Reload the page to try again.';
}

/** An error whose message is already written for the person using the app. */
export class FriendlyError extends Error {}

/**
 * An undo that cannot run yet: the todo's board was deleted here after the todo. Its message
 * says so and what to do first; the undo stays on offer (undo.ts) for once the board is back.
 */
export class UndoLaterError extends FriendlyError {}

/**
 * What undoing the delete of `title` says while its board (named `board`, when known) is
 * deleted on this device: its board's undo comes first, as Ctrl+Z would take them.
 *
 * @example boardGoneFirst('Buy milk', 'Groceries')
 * // '‘Buy milk’ is on the board ‘Groceries’, deleted here: undo the board’s delete first, then this one.'
 */
export function boardGoneFirst(title: string, board: string | undefined): string {
  const where = board ? `the board ‘${board}’` : 'a board';
  return `‘${title}’ is on ${where}, deleted here: undo the board’s delete first, then this one.`;
}

/** What a sign-in that failed says: offline, a refused name, or the server being unwell. */
export function signInError(error: unknown, online: boolean): string {
  if (error instanceof FriendlyError) return error.message;
  if (!online) return 'You are offline. Signing in needs a connection once; connect and try again.';
  // Online by the browser's account, yet no answer: the server (or the way to it) is down.
  if (error instanceof TypeError && /fetch|network/i.test(error.message)) {
    return 'Could not reach the server. Check the connection, or try again in a moment.';
  }
  return 'Signing in did not work. Please try again in a moment.';
}

/** Checks a name before it is sent: one message per mistake, in words. */
export function checkUserName(name: string): string | null {
  if (!name.trim()) return 'Enter a name to sign in.';
  if (textProblem(name.trim(), LIMITS.userName)) {
    return `A name has at most ${LIMITS.userName} characters.`;
  }
  return null;
}

/** Why the server refused one change, in a person's words (subject: "it"/"they"). */
function reason(rejection: Rejection, plural: boolean): string {
  const its = plural ? 'their' : 'its';
  const it = plural ? 'they' : 'it';
  const was = plural ? 'were' : 'was';
  const { error, event } = rejection;
  switch (error.type) {
    case 'MISSING_PARENT':
      return event.entityType === 'Todo'
        ? `${its} board was deleted on another device`
        : `${it} ${was} deleted on another device`;
    case 'CONFLICT':
      return /does not exist/.test(error.message)
        ? `${it} ${was} deleted on another device`
        : `${it} ${was} changed on another device first`;
    case 'SCOPE_REVOKED':
      return event.entityType === 'Todo'
        ? `you no longer have access to ${its} board`
        : `you no longer have access to ${plural ? 'them' : 'it'}`;
    case 'FORBIDDEN_ROLE':
      return event.entityType === 'Todo'
        ? `you can only view ${its} board`
        : `you can only view ${plural ? 'them' : 'it'}`;
    case 'SCOPE_VIOLATION':
      return `${it} belong${plural ? '' : 's'} to another account`;
    case 'RECORD_VALIDATION_FAILURE':
    case 'CUSTOM_VALIDATION_FAILED':
      return `the server found ${plural ? 'them' : 'it'} invalid`;
    default:
      return 'this version of the app is out of date; reload the page';
  }
}

/** The title or name a created record carries in its event. */
function ownName({ event }: Rejection): string | undefined {
  const payload = event.payload && !Array.isArray(event.payload) ? event.payload : {};
  const own = payload.title ?? payload.name;
  return typeof own === 'string' ? own : undefined;
}

/**
 * One sentence per cause for a batch of rejections: rejections of the same kind, operation and
 * reason are told together ("'Milk' and 2 more todos were not saved: their board was deleted on
 * another device"). `nameOf` gives an item's title or name when the event does not carry it (an update or a
 * delete).
 */
export function rejectionMessages(
  rejections: Rejection[],
  nameOf: (rejection: Rejection) => string | undefined,
  board?: {
    /** The board a rejected event was about: its own key, or a todo's `boardId`. */
    of(rejection: Rejection): string | undefined;
    name(id: string): string | undefined;
  },
): string[] {
  const { told, rest } = board ? byDeletedBoard(rejections, board) : { told: [], rest: rejections };
  const groups = new Map<string, Rejection[]>();
  for (const r of rest) {
    const key = [r.event.entityType, r.event.operation, reason(r, false)].join('\u0000');
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...told, ...groups.values()].map((group) => {
    if (typeof group === 'string') return group;
    const first = group[0]!;
    const kind = first.event.entityType === 'Todo' ? 'todo' : 'board';
    const name = ownName(first) ?? nameOf(first);
    const label = name ? `‘${name}’` : `A ${kind}`;
    const done = first.event.operation === 'delete' ? 'deleted' : 'saved';
    if (group.length === 1) return `${label} was not ${done}: ${reason(first, false)}.`;
    const more = group.length - 1;
    return `${label} and ${more} more ${more === 1 ? kind : `${kind}s`} were not ${done}: ${reason(first, true)}.`;
  });
}

/** Whether the server refused `r` because its record, or the todo's board, is gone. */
function gone(r: Rejection): 'record' | 'parent' | null {
  if (r.error.type === 'MISSING_PARENT') return 'parent';
  if (r.error.type === 'CONFLICT' && /does not exist/.test(r.error.message)) return 'record';
  return null;
}

/**
 * One sentence per board deleted on another device: every refused change to it or to its todos
 * (edits of todos the server's cascade removed, todos added to it, its renames) is told in one
 * toast that names the board and counts the changes, e.g. "‘Shopping’ was deleted on another
 * device: 5 changes to it and its todos were not saved." A single todo added to a deleted board
 * keeps its own sentence (see `reason`). Other rejections are returned in `rest`.
 */
function byDeletedBoard(
  rejections: Rejection[],
  board: { of(r: Rejection): string | undefined; name(id: string): string | undefined },
): { told: string[]; rest: Rejection[] } {
  // A board is known deleted when its own change or a todo's create under it found it gone.
  const deleted = new Set<string>();
  for (const r of rejections) {
    const why = gone(r);
    const id = board.of(r);
    if (id === undefined || why === null) continue;
    if (r.event.entityType === 'Board' ? why === 'record' : why === 'parent') deleted.add(id);
  }
  const hit = new Map<string, Rejection[]>();
  const rest: Rejection[] = [];
  for (const r of rejections) {
    const id = board.of(r);
    if (id !== undefined && deleted.has(id) && gone(r) !== null) {
      hit.set(id, [...(hit.get(id) ?? []), r]);
    } else rest.push(r);
  }
  const told: string[] = [];
  for (const [id, group] of hit) {
    const ownChanges = group.some((r) => r.event.entityType === 'Board');
    if (group.length === 1 && !ownChanges) {
      rest.push(group[0]!);
      continue;
    }
    const name = board.name(id);
    const label = name ? `‘${name}’` : 'A board';
    const n = group.length;
    const todos = group.some((r) => r.event.entityType === 'Todo');
    const what = ownChanges ? (todos ? 'it and its todos' : 'it') : 'its todos';
    told.push(
      `${label} was deleted on another device: ${n} ${n === 1 ? 'change' : 'changes'} to ${what} ${n === 1 ? 'was' : 'were'} not saved.`,
    );
  }
  return { told, rest };
}
