// Signing people in and out with the session cookie (API.md "People"): partner members with email and
// password, operators with username and password, each with an optional TOTP code. The cookie is
// HttpOnly: the console only ever holds the CSRF token that goes with it.

import { ApiClient, ApiProblem } from '../api/client.ts';
import type { Membership, Realm } from './session.ts';

export interface CookieSession {
  csrfToken: string;
  /** Email or username: who the header names. */
  name: string;
  memberships: Membership[];
}

interface SignInAnswer {
  account?: { email?: string; name?: string | null };
  operator?: { username?: string };
  memberships?: Membership[];
  csrfToken?: string;
}

const PATHS: Record<Realm, { signIn: string; session: string; signOut: string }> = {
  partner: { signIn: '/api/auth/sign-in', session: '/api/auth/session', signOut: '/api/auth/sign-out' },
  admin: {
    signIn: '/api/admin/auth/sign-in',
    session: '/api/admin/auth/session',
    signOut: '/api/admin/auth/sign-out',
  },
};

function toSession(answer: SignInAnswer, fallbackName: string): CookieSession {
  return {
    csrfToken: answer.csrfToken ?? '',
    name: answer.account?.email ?? answer.operator?.username ?? fallbackName,
    memberships: answer.memberships ?? [],
  };
}

export async function signInWithPassword(
  apiBase: string,
  realm: Realm,
  credentials: { login: string; password: string; totp?: string },
): Promise<CookieSession> {
  const client = new ApiClient(apiBase, null);
  const body =
    realm === 'partner'
      ? { email: credentials.login, password: credentials.password, totp: credentials.totp || undefined }
      : { username: credentials.login, password: credentials.password, totp: credentials.totp || undefined };
  const answer = await client.post<SignInAnswer>(PATHS[realm].signIn, { json: body });
  return toSession(answer, credentials.login);
}

/** The cookie session this browser already has, or null (none, expired, or no People endpoints). */
export async function restoreCookieSession(apiBase: string, realm: Realm): Promise<CookieSession | null> {
  try {
    const answer = await new ApiClient(apiBase, null).get<SignInAnswer>(PATHS[realm].session);
    return toSession(answer, '');
  } catch (error) {
    if (error instanceof ApiProblem && (error.status === 401 || error.status === 404)) return null;
    throw error;
  }
}

export async function signOutCookie(apiBase: string, realm: Realm, csrfToken: string): Promise<void> {
  await new ApiClient(apiBase, { csrfToken }).post(PATHS[realm].signOut).catch(() => undefined);
}
