// The session cookies of people: `faxseal_session` (portal accounts) and `faxseal_admin_session`
// (operators). HttpOnly, SameSite=Lax, Secure when the request came over HTTPS; the CSRF token of
// a session must come back as `x-csrf-token` on every state-changing request made with the cookie.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionRecord } from '../../people/session-repository.ts';
import type { Sessions, StartedSession } from '../../people/sessions.ts';
import type { SubjectType } from '../../people/subject.ts';
import { Problem } from '../problem.ts';

export const SESSION_COOKIE: Record<SubjectType, string> = {
  account: 'faxseal_session',
  operator: 'faxseal_admin_session',
};

// The portal's cookie must reach /api/partner and /api/auth; the console's only /api/admin.
const COOKIE_PATH: Record<SubjectType, string> = { account: '/api', operator: '/api/admin' };

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface CookieSession {
  record: SessionRecord;
  /** The cookie's secret (the CSRF token is derived from it). */
  token: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The person's session when the request was made with a session cookie. */
    personSession: CookieSession | null;
  }
}

export function sessionCookieToken(request: FastifyRequest, type: SubjectType): string | null {
  return request.cookies?.[SESSION_COOKIE[type]] || null;
}

/**
 * The live session of the request's cookie, or null without one. A cookie whose session ended is a
 * 401 that tells the console to sign in again; a state-changing request without the session's CSRF
 * token is a 403.
 */
export function authenticateSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  sessions: Sessions,
  type: SubjectType,
): CookieSession | null {
  const token = sessionCookieToken(request, type);
  if (!token) return null;
  const record = sessions.resolve(token, type);
  if (!record) {
    clearSessionCookie(reply, request, type);
    throw new Problem(401, 'session_expired', 'Session ended', 'Your session has ended; sign in again.');
  }
  if (
    STATE_CHANGING.has(request.method) &&
    !sessions.csrfMatches(token, headerValue(request, 'x-csrf-token'))
  ) {
    throw new Problem(
      403,
      'csrf_token_invalid',
      'CSRF token missing or wrong',
      'Requests made with the session cookie that change something must carry the csrfToken of the sign-in as `x-csrf-token`.',
    );
  }
  return { record, token };
}

export function setSessionCookie(
  reply: FastifyReply,
  request: FastifyRequest,
  type: SubjectType,
  started: StartedSession,
): void {
  const maxAge = Math.floor(
    (Date.parse(started.session.expiresAt) - Date.parse(started.session.createdAt)) / 1000,
  );
  reply.setCookie(SESSION_COOKIE[type], started.token, {
    path: COOKIE_PATH[type],
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    maxAge,
  });
}

export function clearSessionCookie(reply: FastifyReply, request: FastifyRequest, type: SubjectType): void {
  reply.clearCookie(SESSION_COOKIE[type], {
    path: COOKIE_PATH[type],
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
  });
}

export function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}
