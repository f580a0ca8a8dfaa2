// Operator sign-in for the console: username, password and an optional TOTP code through the same
// guard as portal accounts (lockout per username and address, the hash run for unknown names, one
// answer for both), then a session. Every sign-in and failed sign-in is an audit entry.

import type { ClientMeta } from '../accounts/portal-accounts.ts';
import { requireGoodPassword } from '../accounts/portal-accounts.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { DomainError } from '../domain-error.ts';
import { hashPassword, verifyPassword } from '../people/password.ts';
import type { Sessions, StartedSession } from '../people/sessions.ts';
import type { SignInGuard } from '../people/sign-in-guard.ts';
import { addressSubject, identitySubject } from '../people/sign-in-throttle.ts';
import type { Subject } from '../people/subject.ts';
import type { Operator, OperatorRepository } from './operator-repository.ts';

export const operatorSubject = (id: string): Subject => ({ type: 'operator', id });

export class OperatorSignIn {
  constructor(
    private readonly operators: OperatorRepository,
    private readonly guard: SignInGuard,
    private readonly sessions: Sessions,
    private readonly audit: AuditLog,
  ) {}

  async signIn(
    input: { username: string; password: string; totp?: string },
    client: ClientMeta,
  ): Promise<{ operator: Operator; started: StartedSession }> {
    const found = this.operators.forSignIn(input.username);
    // A disabled operator is refused exactly like an unknown name.
    const usable = found && !found.operator.disabledAt ? found : null;
    const { needsRehash } = await this.guard.check(
      {
        subjects: {
          identity: identitySubject('operator', input.username),
          address: addressSubject(client.ip),
        },
        subject: usable ? operatorSubject(usable.operator.id) : null,
        passwordHash: usable?.passwordHash ?? null,
        password: input.password,
        totp: input.totp,
      },
      (reason) =>
        this.audit.record({
          actorType: 'operator',
          actorId: found?.operator.id ?? null,
          action: 'auth.sign_in_failed',
          details: { reason, ip: client.ip },
        }),
    );
    const operator = usable!.operator;
    if (needsRehash) this.operators.replaceHash(operator.id, await hashPassword(input.password));
    const started = this.sessions.start(operatorSubject(operator.id), client);
    this.audit.record({
      actorType: 'operator',
      actorId: operator.id,
      action: 'auth.signed_in',
      targetType: 'session',
      targetId: started.session.id,
      details: { ip: client.ip },
    });
    return { operator, started };
  }

  /** Sets the operator's own password (clears must-change); their other sessions end. */
  async changePassword(
    operator: Operator,
    current: string,
    next: string,
    keepSessionId: string | null,
  ): Promise<void> {
    if (!(await verifyPassword(current, this.operators.passwordHash(operator.id))).ok)
      throw DomainError.invalid(
        [{ field: '/body/currentPassword', message: 'is not your current password' }],
        undefined,
        'invalid_password',
      );
    requireGoodPassword(next, operator.username, '/body/newPassword');
    if (next === current)
      throw DomainError.invalid(
        [{ field: '/body/newPassword', message: 'must differ from the current password' }],
        undefined,
        'weak_password',
      );
    this.operators.setPassword(operator.id, await hashPassword(next));
    this.sessions.revokeAll(operatorSubject(operator.id), 'password_changed', keepSessionId);
    this.audit.record({ actorType: 'operator', actorId: operator.id, action: 'auth.password_changed' });
  }
}
