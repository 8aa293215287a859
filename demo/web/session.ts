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

const LOGOUT_PENDING = 'swsync-demo:logout-pending';

/**
 * Forgets the local session and marks the server session for ending, before the worker is
 * told: another tab reloading on the sign-out must find no session to resume.
 */
export function leaveLocally(): void {
  localStorage.removeItem(KEY);
  localStorage.setItem(LOGOUT_PENDING, '1');
}

/**
 * Ends the server session (the token stops working on every instance). Offline, the server
 * cannot be told yet: the next sign-in tells it first.
 */
export async function endSession(): Promise<void> {
  await finishLogout();
}

/** Sends a sign-out the server has not heard yet; false when it still could not. */
async function finishLogout(): Promise<boolean> {
  if (localStorage.getItem(LOGOUT_PENDING) === null) return true;
  try {
    const response = await fetch('/api/logout', { method: 'POST' });
    if (!response.ok) return false;
    localStorage.removeItem(LOGOUT_PENDING);
    return true;
  } catch {
    return false;
  }
}

export async function signIn(name: string): Promise<Session> {
  // The old cookie is replaced below: revoke its session while it can still be named.
  await finishLogout();
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
