/**
 * Demo sessions: a user id derived from the name alone and HMAC-SHA256 signed tokens. Web Crypto
 * only, so any instance holding the same secret accepts the same tokens.
 *
 * Token format: `v1.<base64url(JSON {sub, jti, iat, exp})>.<base64url(HMAC-SHA256 of
 * "v1.<payload>")>`. `jti` names the session, so signing out can revoke it (revocations.ts).
 */
import { ServerError } from 'swsync/server';
import { TEXT_LIMITS, textProblem } from '../text-limits.ts';

/** How long a session token stays valid. */
export const SESSION_TTL_SECONDS = 30 * 24 * 3600;

const encoder = new TextEncoder();

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** The canonical form of a user name: trimmed, NFC, case-folded ("Alice " is "alice"). */
function normalizeUserName(name: string): string {
  return name.trim().normalize('NFC').toLowerCase();
}

/**
 * The user id of a name: `u_` + the first 128 bits of SHA-256 of the normalized name, in hex.
 * Depends on the name alone, so one name is one user on every instance.
 *
 * @example
 * await userIdFor('Alice'); // 'u_3bc51062973c458d5a6f2d8d64a02324'
 */
export async function userIdFor(name: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(normalizeUserName(name)));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `u_${hex.slice(0, 32)}`;
}

/** What a valid token says. */
export interface SessionClaims {
  userId: string;
  /** The session's id (random, 128 bits). */
  tokenId: string;
  /** When the token stops being valid anyway, epoch ms. */
  expiresAt: number;
}

export interface SessionSigner {
  /** A token naming `userId`, valid for {@link SESSION_TTL_SECONDS}. */
  sign(userId: string, now?: number): Promise<string>;
  /** The claims of a valid, unexpired token; null for anything else (never throws). */
  verify(token: string, now?: number): Promise<SessionClaims | null>;
}

/**
 * Signs and verifies session tokens with HMAC-SHA256 under `secret`.
 *
 * @example
 * const sessions = await createSessionSigner(secret);
 * const token = await sessions.sign(await userIdFor('alice'));
 * (await sessions.verify(token))?.userId; // the user id
 */
export async function createSessionSigner(secret: string): Promise<SessionSigner> {
  if (secret.length === 0) throw new Error('the session secret must not be empty');
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  return {
    async sign(userId, now = Date.now()) {
      const iat = Math.floor(now / 1000);
      const jti = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
      const payload = toBase64Url(
        encoder.encode(JSON.stringify({ sub: userId, jti, iat, exp: iat + SESSION_TTL_SECONDS })),
      );
      const signed = `v1.${payload}`;
      const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(signed)));
      return `${signed}.${toBase64Url(mac)}`;
    },
    async verify(token, now = Date.now()) {
      if (token.length > 1024) return null;
      const parts = token.split('.');
      if (parts.length !== 3 || parts[0] !== 'v1') return null;
      const payload = fromBase64Url(parts[1]!);
      const mac = fromBase64Url(parts[2]!);
      if (!payload || !mac) return null;
      // crypto.subtle.verify compares in constant time.
      const valid = await crypto.subtle.verify('HMAC', key, mac, encoder.encode(`v1.${parts[1]}`));
      if (!valid) return null;
      try {
        const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
        if (typeof claims.sub !== 'string' || claims.sub === '') return null;
        if (typeof claims.jti !== 'string' || claims.jti === '') return null;
        if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now) return null;
        return { userId: claims.sub, tokenId: claims.jti, expiresAt: claims.exp * 1000 };
      } catch {
        return null;
      }
    },
  };
}

/**
 * The user name of a `{ "user": string }` body (login, name lookup), trimmed.
 * @throws ServerError BAD_REQUEST (400) unless it is 1 to 64 characters.
 * @example const name = userName(await readJsonBody(c, 4096)); // 'alice'
 */
export function userName(body: unknown): string {
  const user =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>).user
      : undefined;
  const name = typeof user === 'string' ? user.trim() : '';
  // Counted as the sign-in page counts them (characters a person sees), so a name it lets
  // through is never refused here.
  if (name.length < 1 || textProblem(name, TEXT_LIMITS.userName)) {
    throw new ServerError(
      'BAD_REQUEST',
      `user must be a name of 1 to ${TEXT_LIMITS.userName} characters`,
    );
  }
  return name;
}

/**
 * The account a sign-out body `{ "account"?: string }` names, or undefined when it names none.
 * @throws ServerError BAD_REQUEST (400) for a body that is no object or a bad `account`.
 * @example signOutAccount({ account: 'u_3bc5…' }); // 'u_3bc5…'
 */
export function signOutAccount(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ServerError('BAD_REQUEST', 'the body must be a JSON object');
  }
  const account = (body as Record<string, unknown>).account;
  if (account === undefined) return undefined;
  if (typeof account !== 'string' || account.length < 1 || account.length > 200) {
    throw new ServerError('BAD_REQUEST', 'account must be a string of 1 to 200 characters');
  }
  return account;
}
