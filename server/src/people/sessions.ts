// Server-side sessions for people: a random secret in the cookie, its hash in the row, an idle and
// an absolute timeout, a CSRF token derived from the secret, and revocation one by one or all at once.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { hashSecret } from '../keys/secret-token.ts';
import { newId } from '../storage/ids.ts';
import type { SessionRecord, SessionRepository } from './session-repository.ts';
import type { Session } from './session-schema.ts';
import type { Subject } from './subject.ts';

export interface SessionPolicy {
  idleMinutes: number;
  absoluteHours: number;
}

export interface StartedSession {
  session: SessionRecord;
  /** The cookie value: shown to the browser only, never stored. */
  token: string;
  csrfToken: string;
}

// `last_seen_at` is written at most this often, so reads do not each cost a write; the idle
// timeout is therefore exact to within this much.
const TOUCH_INTERVAL_MS = 30_000;

export class Sessions {
  constructor(
    private readonly repository: SessionRepository,
    private readonly clock: Clock,
    /** Key of the CSRF token's HMAC (derived from the master key). */
    private readonly csrfKey: Buffer,
    readonly policy: SessionPolicy,
  ) {}

  /** A new session with a new secret: signing in never reuses an id a browser already had (fixation). */
  start(subject: Subject, meta: { ip: string | null; userAgent: string | null }): StartedSession {
    const now = this.clock.now();
    const token = randomBytes(32).toString('base64url');
    const session: SessionRecord = {
      id: newId('ses', now.getTime()),
      subjectType: subject.type,
      subjectId: subject.id,
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.policy.absoluteHours * 3_600_000).toISOString(),
      ip: meta.ip,
      userAgent: meta.userAgent?.slice(0, 300) ?? null,
      revokedAt: null,
    };
    this.repository.insert(session, hashSecret(token));
    return { session, token, csrfToken: this.csrfFor(token) };
  }

  /** The live session behind a cookie value of `type`, or null (unknown, revoked, idle too long, past its end). */
  resolve(token: string, type: Subject['type']): SessionRecord | null {
    if (!/^[\w-]{43}$/.test(token)) return null;
    const session = this.repository.byTokenHash(hashSecret(token));
    if (!session || session.subjectType !== type || session.revokedAt) return null;
    const now = this.clock.now().getTime();
    if (now >= Date.parse(session.expiresAt) || now >= this.idleEnd(session)) return null;
    if (now - Date.parse(session.lastSeenAt) >= TOUCH_INTERVAL_MS) {
      session.lastSeenAt = new Date(now).toISOString();
      this.repository.touch(session.id, session.lastSeenAt);
    }
    return session;
  }

  /** The CSRF token of a session: an HMAC of its secret, so it is bound to it and needs no storage. */
  csrfFor(token: string): string {
    return createHmac('sha256', this.csrfKey).update(token).digest('base64url');
  }

  csrfMatches(token: string, given: string | undefined): boolean {
    if (!given) return false;
    const expected = Buffer.from(this.csrfFor(token));
    const actual = Buffer.from(given);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  list(subject: Subject, currentId: string | null): Session[] {
    const now = this.clock.now();
    const idleSince = new Date(now.getTime() - this.policy.idleMinutes * 60_000).toISOString();
    return this.repository.listLive(subject, now.toISOString(), idleSince).map((s) => ({
      id: s.id,
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      expiresAt: s.expiresAt,
      idleExpiresAt: new Date(Math.min(this.idleEnd(s), Date.parse(s.expiresAt))).toISOString(),
      ip: s.ip,
      userAgent: s.userAgent,
      current: s.id === currentId,
    }));
  }

  revoke(subject: Subject, id: string, reason = 'revoked'): boolean {
    return this.repository.revoke(subject, id, this.clock.now().toISOString(), reason);
  }

  /** Ends every session of the subject (but `exceptId`): sign-out everywhere, password change, removal. */
  revokeAll(subject: Subject, reason: string, exceptId: string | null = null): number {
    return this.repository.revokeAll(subject, this.clock.now().toISOString(), reason, exceptId);
  }

  private idleEnd(session: SessionRecord): number {
    return Date.parse(session.lastSeenAt) + this.policy.idleMinutes * 60_000;
  }
}
