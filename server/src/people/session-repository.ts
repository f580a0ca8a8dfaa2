// The `sessions` table: one row per sign-in of an account or an operator, found by the hash of the
// cookie's secret. Expiry rules live in sessions.ts; this file only reads and writes rows.

import type { Db } from '../storage/database.ts';
import type { Subject, SubjectType } from './subject.ts';

export interface SessionRecord {
  id: string;
  subjectType: SubjectType;
  subjectId: string;
  createdAt: string;
  lastSeenAt: string;
  /** The absolute end, whatever the activity. */
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  revokedAt: string | null;
}

interface SessionRow {
  id: string;
  subject_type: SubjectType;
  subject_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
  revoked_at: string | null;
}

const toSession = (r: SessionRow): SessionRecord => ({
  id: r.id,
  subjectType: r.subject_type,
  subjectId: r.subject_id,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
  ip: r.ip,
  userAgent: r.user_agent,
  revokedAt: r.revoked_at,
});

export class SessionRepository {
  constructor(private readonly db: Db) {}

  insert(session: Omit<SessionRecord, 'revokedAt'>, tokenHash: string): void {
    this.db
      .prepare(
        `INSERT INTO sessions (id, token_hash, subject_type, subject_id, created_at, last_seen_at, expires_at, ip, user_agent)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        session.id,
        tokenHash,
        session.subjectType,
        session.subjectId,
        session.createdAt,
        session.lastSeenAt,
        session.expiresAt,
        session.ip,
        session.userAgent,
      );
  }

  byTokenHash(tokenHash: string): SessionRecord | null {
    const row = this.db.prepare('SELECT * FROM sessions WHERE token_hash = ?').get(tokenHash) as
      | SessionRow
      | undefined;
    return row ? toSession(row) : null;
  }

  touch(id: string, at: string): void {
    this.db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(at, id);
  }

  /** Sessions not revoked whose absolute end and idle end (`last_seen_at` after `idleSince`) are ahead. */
  listLive(subject: Subject, now: string, idleSince: string): SessionRecord[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM sessions WHERE subject_type = ? AND subject_id = ? AND revoked_at IS NULL
           AND expires_at > ? AND last_seen_at > ? ORDER BY id DESC`,
        )
        .all(subject.type, subject.id, now, idleSince) as SessionRow[]
    ).map(toSession);
  }

  /** Revokes one of the subject's sessions; false when it is not theirs or already revoked. */
  revoke(subject: Subject, id: string, at: string, reason: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE sessions SET revoked_at = ?, revoked_reason = ?
           WHERE id = ? AND subject_type = ? AND subject_id = ? AND revoked_at IS NULL`,
        )
        .run(at, reason, id, subject.type, subject.id).changes === 1
    );
  }

  /** Revokes every live session of the subject but `exceptId`; returns how many. */
  revokeAll(subject: Subject, at: string, reason: string, exceptId: string | null): number {
    return this.db
      .prepare(
        `UPDATE sessions SET revoked_at = ?, revoked_reason = ?
         WHERE subject_type = ? AND subject_id = ? AND revoked_at IS NULL AND (? IS NULL OR id <> ?)`,
      )
      .run(at, reason, subject.type, subject.id, exceptId, exceptId).changes;
  }
}
