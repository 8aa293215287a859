/** The signed-in user, kept locally so the app opens offline after a reload. */
export interface Session {
  userId: string;
  name: string;
}

const KEY = 'swsync-demo:session';

export function loadSession(): Session | null {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Session | null;
    return value && typeof value.userId === 'string' ? value : null;
  } catch {
    return null;
  }
}

/** The account whose sign-out the server has not heard yet. */
const LOGOUT_PENDING = 'swsync-demo:logout-pending';

/**
 * Forgets the local session and marks the server session of `userId` for ending, before the
 * worker is told: another tab reloading on the sign-out must find no session to resume.
 */
export function leaveLocally(userId: string): void {
  localStorage.removeItem(KEY);
  localStorage.setItem(LOGOUT_PENDING, userId);
}

/** The sign-out request under way, shared by every caller until it ends. */
let inFlight: Promise<boolean> | undefined;

/**
 * Sends a sign-out the server has not heard yet (made offline): called when a page opens and
 * when the network returns, so a session signed out on a shared computer does not stay valid
 * until somebody signs in again; a sign-out made online ends the token through it at once (on
 * every instance). It names its account: if the browser's cookie belongs to another account by
 * now (signed in since, in another tab), that session is left alone.
 * Resolves false when the server still could not be told.
 */
export function finishPendingSignOut(): Promise<boolean> {
  // One request at a time: a sign-in waits for the one already sent, so no sign-out answer
  // (which clears the cookie) can arrive after the sign-in's own.
  inFlight ??= sendPendingSignOut().finally(() => {
    inFlight = undefined;
  });
  return inFlight;
}

async function sendPendingSignOut(): Promise<boolean> {
  const account = localStorage.getItem(LOGOUT_PENDING);
  if (account === null) return true;
  try {
    const response = await fetch('/api/logout', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account }),
    });
    if (!response.ok) return false;
    // Another tab may have signed out another account meanwhile: that one stays pending.
    if (localStorage.getItem(LOGOUT_PENDING) === account) localStorage.removeItem(LOGOUT_PENDING);
    return true;
  } catch {
    return false;
  }
}

export async function signIn(name: string): Promise<Session> {
  // The old cookie is replaced below: revoke its session while it can still be named.
  await finishPendingSignOut();
  const response = await fetch('/api/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: name }),
  });
  if (!response.ok) {
    // The server's words are for developers; the form says what happened in its own.
    throw new Error(`sign-in failed (${response.status})`);
  }
  const { userId } = (await response.json()) as { userId: string };
  const session = { userId, name };
  localStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

const SELECTED = 'swsync-demo:selected-board';
export const selectedBoard = {
  get: (): string | null => localStorage.getItem(SELECTED),
  set: (id: string) => localStorage.setItem(SELECTED, id),
};
