// Portal accounts: sign-in with email, password and an optional second factor; password reset and
// the owner's first password by emailed one-time link; password and email changes. Every sign-in,
// failed sign-in and credential change is an audit entry.

import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.ts';
import { addMinutes, type Clock } from '../clock.ts';
import { DomainError } from '../domain-error.ts';
import type { Mailer } from '../email/mailer.ts';
import { hashSecret } from '../keys/secret-token.ts';
import { hashPassword, passwordProblem, verifyPassword } from '../people/password.ts';
import type { SecondFactors } from '../people/second-factors.ts';
import type { Sessions, StartedSession } from '../people/sessions.ts';
import type { SignInGuard } from '../people/sign-in-guard.ts';
import { addressSubject, identitySubject, type SignInThrottle } from '../people/sign-in-throttle.ts';
import type { Subject } from '../people/subject.ts';
import type { Db } from '../storage/database.ts';
import type { MembershipRepository } from '../team/membership-repository.ts';
import { ROLE_PERMISSIONS } from '../team/partner-permissions.ts';
import type { AccountRecord, AccountRepository, AccountTokenPurpose } from './account-repository.ts';
import type { Account, MembershipView } from './account-schema.ts';

export interface PortalAccountsOptions {
  publicUrl: string;
  passwordResetTtlMinutes: number;
  /** How long the owner's first-password link from partner verify works. */
  passwordSetupTtlMinutes: number;
}

export interface PortalAccountsDeps {
  db: Db;
  clock: Clock;
  accounts: AccountRepository;
  memberships: MembershipRepository;
  secondFactors: SecondFactors;
  guard: SignInGuard;
  throttle: SignInThrottle;
  sessions: Sessions;
  mailer: Mailer;
  audit: AuditLog;
}

export interface ClientMeta {
  ip: string;
  userAgent: string | null;
}

export const accountSubject = (id: string): Subject => ({ type: 'account', id });

export class PortalAccounts {
  constructor(
    private readonly deps: PortalAccountsDeps,
    private readonly options: PortalAccountsOptions,
  ) {}

  async signIn(
    input: { email: string; password: string; totp?: string },
    client: ClientMeta,
  ): Promise<{ account: AccountRecord; started: StartedSession }> {
    const email = input.email.trim().toLowerCase();
    const account = this.deps.accounts.byEmail(email);
    const { needsRehash } = await this.deps.guard.check(
      {
        subjects: { identity: identitySubject('email', email), address: addressSubject(client.ip) },
        subject: account ? accountSubject(account.id) : null,
        passwordHash: account?.passwordHash ?? null,
        password: input.password,
        totp: input.totp,
      },
      (reason) =>
        this.deps.audit.record({
          actorType: 'portal_account',
          actorId: account?.id ?? null,
          action: 'auth.sign_in_failed',
          details: { reason, ip: client.ip },
        }),
    );
    const signedIn = account!;
    if (needsRehash) this.deps.accounts.replaceHash(signedIn.id, await hashPassword(input.password));
    const started = this.deps.sessions.start(accountSubject(signedIn.id), client);
    this.deps.audit.record({
      actorType: 'portal_account',
      actorId: signedIn.id,
      action: 'auth.signed_in',
      targetType: 'session',
      targetId: started.session.id,
      details: { ip: client.ip },
    });
    return { account: signedIn, started };
  }

  view(account: AccountRecord): Account {
    return {
      id: account.id,
      email: account.email,
      emailVerified: account.emailVerifiedAt !== null,
      twoFactorEnabled: this.deps.secondFactors.isEnabled(accountSubject(account.id)),
      createdAt: account.createdAt,
    };
  }

  memberships(accountId: string): MembershipView[] {
    return this.deps.memberships.ofAccount(accountId).map((m) => ({
      partnerId: m.partnerId,
      companyName: m.companyName,
      role: m.role,
      partnerStatus: m.partnerStatus,
      permissions: [...ROLE_PERMISSIONS[m.role]],
    }));
  }

  /**
   * Emails a reset link when the account exists. The answer and its timing are the same either
   * way: the email is queued without waiting for the relay.
   */
  requestPasswordReset(email: string, client: ClientMeta): void {
    const account = this.deps.accounts.byEmail(email.trim().toLowerCase());
    if (!account) return;
    const { url, expiresAt } = this.issueToken(
      account.id,
      'password_reset',
      this.options.passwordResetTtlMinutes,
    );
    this.deps.audit.record({
      actorType: 'portal_account',
      actorId: account.id,
      action: 'auth.password_reset_requested',
      details: { ip: client.ip },
    });
    this.sendLater({
      to: account.email,
      kind: 'password_reset',
      subject: 'Reset your FaxSeal password',
      text: [
        'Someone (hopefully you) asked to reset the password of your FaxSeal portal account.',
        '',
        'Open this link to choose a new password:',
        '',
        url,
        '',
        `The link works once and expires at ${expiresAt}. If you did not ask, ignore this email: your password stays as it is.`,
      ].join('\n'),
    });
  }

  /** The owner's first password, from partner verify: a link to the same page as a reset. */
  issuePasswordSetup(accountId: string): { url: string; expiresAt: string } {
    return this.issueToken(accountId, 'password_setup', this.options.passwordSetupTtlMinutes);
  }

  /** Sets the password of a reset or setup link; every session of the account ends and its lockout is lifted. */
  async confirmPasswordReset(token: string, password: string): Promise<AccountRecord> {
    const now = this.deps.clock.now().toISOString();
    const used = this.deps.accounts.spendToken(hashSecret(token), ['password_reset', 'password_setup'], now);
    if (!used.ok) throw tokenRefused(used.reason);
    const account = this.deps.accounts.get(used.accountId)!;
    requireGoodPassword(password, account.email, '/body/password');
    this.deps.accounts.setPassword(account.id, await hashPassword(password), now);
    this.deps.accounts.retireTokens(account.id, ['password_reset', 'password_setup'], now);
    this.deps.sessions.revokeAll(accountSubject(account.id), 'password_reset');
    this.deps.throttle.clear(identitySubject('email', account.email));
    this.deps.audit.record({
      actorType: 'portal_account',
      actorId: account.id,
      action: 'auth.password_set',
      details: { via: 'emailed_link' },
    });
    return account;
  }

  /** Needs the current password; ends the account's other sessions. */
  async changePassword(
    accountId: string,
    current: string,
    next: string,
    keepSessionId: string,
  ): Promise<void> {
    const account = this.deps.accounts.get(accountId)!;
    if (!(await verifyPassword(current, account.passwordHash)).ok)
      throw wrongPassword('/body/currentPassword');
    requireGoodPassword(next, account.email, '/body/newPassword');
    const now = this.deps.clock.now().toISOString();
    this.deps.accounts.setPassword(account.id, await hashPassword(next), now);
    this.deps.sessions.revokeAll(accountSubject(account.id), 'password_changed', keepSessionId);
    this.deps.audit.record({
      actorType: 'portal_account',
      actorId: account.id,
      action: 'auth.password_changed',
    });
  }

  /** Sends a confirmation link to the new address; the email changes only when it is followed. */
  async requestEmailChange(accountId: string, newEmail: string, password: string): Promise<void> {
    const account = this.deps.accounts.get(accountId)!;
    if (!(await verifyPassword(password, account.passwordHash)).ok) throw wrongPassword('/body/password');
    const email = newEmail.trim().toLowerCase();
    if (this.deps.accounts.byEmail(email))
      throw DomainError.conflict('email_taken', 'Another account uses this email.');
    const { url, expiresAt } = this.issueToken(
      account.id,
      'email_change',
      this.options.passwordResetTtlMinutes,
      email,
      '/partner/verify-email',
    );
    this.deps.audit.record({
      actorType: 'portal_account',
      actorId: account.id,
      action: 'auth.email_change_requested',
    });
    this.sendLater({
      to: email,
      kind: 'email_verification',
      subject: 'Confirm your new FaxSeal sign-in email',
      text: [
        `Open this link to use ${email} to sign in to FaxSeal from now on:`,
        '',
        url,
        '',
        `The link works once and expires at ${expiresAt}.`,
      ].join('\n'),
    });
  }

  confirmEmailChange(token: string): AccountRecord {
    const now = this.deps.clock.now().toISOString();
    const used = this.deps.accounts.spendToken(hashSecret(token), ['email_change'], now);
    if (!used.ok) throw tokenRefused(used.reason);
    const email = used.newEmail!;
    if (this.deps.accounts.byEmail(email))
      throw DomainError.conflict('email_taken', 'Another account uses this email.');
    const before = this.deps.accounts.get(used.accountId)!;
    this.deps.accounts.setEmail(used.accountId, email, now);
    this.deps.audit.record({
      actorType: 'portal_account',
      actorId: used.accountId,
      action: 'auth.email_changed',
      details: { from: before.email, to: email },
    });
    return this.deps.accounts.get(used.accountId)!;
  }

  private issueToken(
    accountId: string,
    purpose: AccountTokenPurpose,
    ttlMinutes: number,
    newEmail?: string,
    page = '/partner/reset-password',
  ): { url: string; expiresAt: string } {
    const token = randomBytes(32).toString('base64url');
    const now = this.deps.clock.now();
    const expiresAt = addMinutes(now, ttlMinutes).toISOString();
    this.deps.db.transaction(() => {
      this.deps.accounts.retireTokens(accountId, [purpose], now.toISOString());
      this.deps.accounts.addToken({
        hash: hashSecret(token),
        purpose,
        accountId,
        newEmail,
        createdAt: now.toISOString(),
        expiresAt,
      });
    })();
    return { url: `${this.options.publicUrl}${page}?token=${token}`, expiresAt };
  }

  private sendLater(email: Parameters<Mailer['send']>[0]): void {
    void this.deps.mailer.send(email).catch(() => {
      // The row is in the outbox; the mailer logs and retries delivery problems.
    });
  }
}

export function requireGoodPassword(password: string, identifier: string, field: string): void {
  const problem = passwordProblem(password, identifier);
  if (problem) throw DomainError.invalid([{ field, message: problem }], undefined, 'weak_password');
}

function wrongPassword(field: string): DomainError {
  return DomainError.invalid(
    [{ field, message: 'is not your current password' }],
    undefined,
    'invalid_password',
  );
}

function tokenRefused(reason: 'unknown' | 'used' | 'expired'): DomainError {
  if (reason === 'used')
    return new DomainError('gone', 'token_used', 'Link already used', 'Ask for a new link.');
  if (reason === 'expired')
    return new DomainError('gone', 'token_expired', 'Link expired', 'Ask for a new link.');
  return new DomainError('invalid', 'invalid_token', 'Invalid link', 'This link is not valid.');
}
