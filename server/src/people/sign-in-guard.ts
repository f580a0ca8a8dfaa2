// The checks every password sign-in goes through, for accounts and operators alike: the lockout,
// the password hash (run even for an unknown name), the second factor, and one answer for a wrong
// password and an unknown name.

import type { Clock } from '../clock.ts';
import { DomainError } from '../domain-error.ts';
import { verifyPassword } from './password.ts';
import type { SecondFactors } from './second-factors.ts';
import type { AttemptSubjects, SignInThrottle } from './sign-in-throttle.ts';
import type { Subject } from './subject.ts';

export interface SignInAttempt {
  subjects: AttemptSubjects;
  /** Who the name belongs to; null for an unknown name (or one that may not sign in). */
  subject: Subject | null;
  passwordHash: string | null;
  password: string;
  totp?: string;
}

export type SignInFailure = 'locked' | 'bad_password' | 'totp_missing' | 'bad_totp';

export class SignInGuard {
  constructor(
    private readonly throttle: SignInThrottle,
    private readonly secondFactors: SecondFactors,
    private readonly clock: Clock,
  ) {}

  /**
   * Resolves with whether the stored hash should be refreshed; rejects with a DomainError and calls
   * `onFailure` (for the audit trail) when the attempt is refused.
   */
  async check(
    attempt: SignInAttempt,
    onFailure: (reason: SignInFailure) => void,
  ): Promise<{ needsRehash: boolean }> {
    const locked = this.throttle.lockedUntil(attempt.subjects);
    if (locked) {
      onFailure('locked');
      throw lockedError(locked, this.clock.now().getTime());
    }
    const password = await verifyPassword(attempt.password, attempt.subject ? attempt.passwordHash : null);
    if (!password.ok || !attempt.subject) {
      this.throttle.fail(attempt.subjects);
      onFailure('bad_password');
      throw new DomainError(
        'unauthorized',
        'invalid_credentials',
        'Sign-in failed',
        'The name or the password is wrong.',
      );
    }
    if (this.secondFactors.isEnabled(attempt.subject)) {
      if (!attempt.totp) {
        onFailure('totp_missing');
        throw new DomainError(
          'unauthorized',
          'totp_required',
          'Second factor required',
          'Send the 6-digit code of your authenticator app (or a recovery code) as `totp`.',
        );
      }
      if (!this.secondFactors.verify(attempt.subject, attempt.totp)) {
        this.throttle.fail(attempt.subjects);
        onFailure('bad_totp');
        throw new DomainError(
          'unauthorized',
          'invalid_totp',
          'Code not accepted',
          'The code is wrong or was already used.',
        );
      }
    }
    this.throttle.clear(attempt.subjects.identity);
    return { needsRehash: password.needsRehash };
  }
}

function lockedError(until: Date, now: number): DomainError {
  const retryAfterSeconds = Math.max(1, Math.ceil((until.getTime() - now) / 1000));
  return new DomainError(
    'rate_limited',
    'sign_in_locked',
    'Too many failed sign-ins',
    `Sign-in is paused after repeated failures; try again after ${until.toISOString()} or reset your password by email.`,
    { retryAfterSeconds, lockedUntil: until.toISOString() },
  );
}
