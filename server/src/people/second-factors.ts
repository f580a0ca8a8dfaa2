// Optional TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s, one step of clock drift either
// way) through otplib, with ten single-use recovery codes. A code is accepted once: replaying it
// within its window fails.

import { createHash, randomBytes } from 'node:crypto';
import { generateSecret, generateURI, verifySync } from 'otplib';
import type { Clock } from '../clock.ts';
import { DomainError } from '../domain-error.ts';
import type { MasterKey } from '../storage/master-key.ts';
import { type SecondFactorRepository, secondFactorId } from './second-factor-repository.ts';
import type { Subject } from './subject.ts';

const ISSUER = 'FaxSeal';
const RECOVERY_CODES = 10;
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

export interface Enrollment {
  /** Base32 secret for manual entry. */
  secret: string;
  /** `otpauth://totp/…` for a QR code. */
  otpauthUrl: string;
}

export interface SecondFactorStatus {
  enabled: boolean;
  recoveryCodesLeft: number;
}

export class SecondFactors {
  constructor(
    private readonly repository: SecondFactorRepository,
    private readonly masterKey: MasterKey,
    private readonly clock: Clock,
  ) {}

  status(subject: Subject): SecondFactorStatus {
    const factor = this.repository.get(subject);
    return {
      enabled: !!factor?.enabledAt,
      recoveryCodesLeft: factor?.enabledAt ? this.repository.unusedRecoveryCodes(subject) : 0,
    };
  }

  isEnabled(subject: Subject): boolean {
    return !!this.repository.get(subject)?.enabledAt;
  }

  /** Step 1: a new secret to put in an authenticator app; nothing changes until it is confirmed. */
  begin(subject: Subject, label: string): Enrollment {
    if (this.isEnabled(subject))
      throw DomainError.conflict(
        'totp_already_enabled',
        'Turn the second factor off before enrolling again.',
      );
    const secret = generateSecret();
    const context = `second_factor:${secondFactorId(subject)}`;
    this.repository.putPending(subject, this.masterKey.sealString(secret, context), this.now().toISOString());
    return { secret, otpauthUrl: generateURI({ issuer: ISSUER, label, secret }) };
  }

  /** Step 2: the first code from the app turns the factor on; returns the recovery codes (shown once). */
  confirm(subject: Subject, code: string): string[] {
    const factor = this.repository.get(subject);
    if (!factor || factor.enabledAt)
      throw DomainError.conflict('totp_not_pending', 'Start the enrollment first (POST …/totp/setup).');
    const step = this.matchingStep(factor.secretSealed, factor.id, code, null);
    if (step === null) throw invalidCode();
    this.repository.enable(subject, step, this.now().toISOString());
    return this.newRecoveryCodes(subject);
  }

  /** A TOTP code or an unused recovery code; each works once. */
  verify(subject: Subject, code: string): boolean {
    const factor = this.repository.get(subject);
    if (!factor?.enabledAt) return false;
    const compact = code.replace(/[\s-]/g, '').toLowerCase();
    if (/^\d{6}$/.test(compact)) {
      const step = this.matchingStep(factor.secretSealed, factor.id, compact, factor.lastTimeStep);
      return step !== null && this.repository.spendTimeStep(subject, step);
    }
    return this.repository.spendRecoveryCode(subject, hashRecoveryCode(compact), this.now().toISOString());
  }

  regenerateRecoveryCodes(subject: Subject): string[] {
    if (!this.isEnabled(subject))
      throw DomainError.conflict('totp_not_enabled', 'The second factor is not turned on.');
    return this.newRecoveryCodes(subject);
  }

  disable(subject: Subject): void {
    this.repository.remove(subject);
  }

  private matchingStep(sealed: string, id: string, code: string, after: number | null): number | null {
    const token = code.replace(/\s/g, '');
    if (!/^\d{6}$/.test(token)) return null;
    const secret = this.masterKey.openString(sealed, `second_factor:${id}`);
    try {
      const result = verifySync({
        secret,
        token,
        epoch: Math.floor(this.now().getTime() / 1000),
        epochTolerance: 30,
        ...(after !== null ? { afterTimeStep: after } : {}),
      });
      return result.valid && 'timeStep' in result ? result.timeStep : null;
    } catch {
      // otplib refuses an afterTimeStep ahead of the window (the clock went back): no code matches.
      return null;
    }
  }

  private newRecoveryCodes(subject: Subject): string[] {
    const codes = Array.from({ length: RECOVERY_CODES }, () => {
      const bytes = randomBytes(10);
      const chars = [...bytes].map((b) => CROCKFORD[b % 32]).join('');
      return `${chars.slice(0, 5)}-${chars.slice(5)}`;
    });
    this.repository.replaceRecoveryCodes(
      subject,
      codes.map((c) => hashRecoveryCode(c.replace('-', ''))),
      this.now().toISOString(),
    );
    return codes;
  }

  private now(): Date {
    return this.clock.now();
  }
}

const hashRecoveryCode = (compact: string) => createHash('sha256').update(compact).digest('hex');

const invalidCode = () =>
  new DomainError('invalid', 'invalid_totp', 'Code not accepted', 'The code is wrong or was already used.');
