// Sign-in rate limiting with a lockout that always ends: N failures for one email (or operator
// name) within the window lock it for the lockout time, 4·N failures from one address lock the
// address. Locks are kept for unknown emails too, so a lock says nothing about an account existing.

import type { Clock } from '../clock.ts';
import type { SignInFailureRepository } from './sign-in-failure-repository.ts';

export interface ThrottlePolicy {
  /** Failures of one identity inside the window that lock it. */
  maxFailures: number;
  /** The window and the lock's length. */
  lockoutMinutes: number;
}

/** What a sign-in attempt is counted against: the identity typed in and the client address. */
export interface AttemptSubjects {
  identity: string;
  address: string;
}

export class SignInThrottle {
  constructor(
    private readonly repository: SignInFailureRepository,
    private readonly clock: Clock,
    readonly policy: ThrottlePolicy,
  ) {}

  /** When the identity or the address is locked: the time the lock ends (the later of both), else null. */
  lockedUntil(subjects: AttemptSubjects): Date | null {
    const now = this.clock.now().getTime();
    const ends = [subjects.identity, subjects.address]
      .map((s) => this.repository.get(s)?.lockedUntil)
      .filter((until): until is string => !!until && Date.parse(until) > now)
      .map((until) => Date.parse(until));
    return ends.length > 0 ? new Date(Math.max(...ends)) : null;
  }

  /** Counts a failed attempt against both; returns when a lock now stands, else null. */
  fail(subjects: AttemptSubjects): Date | null {
    this.count(subjects.identity, this.policy.maxFailures);
    this.count(subjects.address, this.policy.maxFailures * 4);
    return this.lockedUntil(subjects);
  }

  /** A successful sign-in (or a password reset by email) clears the identity's failures; the address keeps its count. */
  clear(identity: string): void {
    this.repository.clear(identity);
  }

  private count(subject: string, max: number): void {
    const now = this.clock.now();
    const windowMs = this.policy.lockoutMinutes * 60_000;
    const current = this.repository.get(subject);
    const lockOver = current?.lockedUntil && Date.parse(current.lockedUntil) <= now.getTime();
    const windowOver = current && now.getTime() - Date.parse(current.windowStartedAt) >= windowMs;
    const fresh = !current || lockOver || (windowOver && !current.lockedUntil);
    const failures = fresh ? 1 : current.failures + 1;
    const windowStartedAt = fresh ? now.toISOString() : current.windowStartedAt;
    const lockedUntil =
      failures >= max ? new Date(now.getTime() + windowMs).toISOString() : fresh ? null : current.lockedUntil;
    this.repository.put(subject, { failures, windowStartedAt, lockedUntil });
    this.repository.deleteStale(new Date(now.getTime() - 2 * windowMs).toISOString());
  }
}

export const identitySubject = (kind: 'email' | 'operator', value: string) =>
  `${kind}:${value.toLowerCase()}`;
export const addressSubject = (ip: string) => `ip:${ip}`;
