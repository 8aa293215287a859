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

export async function signIn(name: string): Promise<Session> {
  const response = await fetch('/api/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: name }),
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: string } | null;
    throw new Error(body?.error ?? `sign-in failed (${response.status})`);
  }
  const { userId } = (await response.json()) as { userId: string };
  const session = { userId, name };
  localStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function signOut(): void {
  localStorage.removeItem(KEY);
}

const SELECTED = 'swsync-demo:selected-board';
export const selectedBoard = {
  get: (): string | null => localStorage.getItem(SELECTED),
  set: (id: string) => localStorage.setItem(SELECTED, id),
};
