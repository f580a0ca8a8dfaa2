// Self-serve partner onboarding: apply with a company name and email, follow the one-time link in
// the verification email, and get the first API key at once together with the owner's account
// and a one-time link to set the owner's portal password.

import { randomBytes } from 'node:crypto';
import type { AccountRepository } from '../accounts/account-repository.ts';
import type { PortalAccounts } from '../accounts/portal-accounts.ts';
import { addMinutes, type Clock } from '../clock.ts';
import { DomainError } from '../domain-error.ts';
import type { Mailer } from '../email/mailer.ts';
import type { ApiKeyRepository } from '../keys/api-key-repository.ts';
import { hashSecret } from '../keys/secret-token.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { MembershipRepository } from '../team/membership-repository.ts';
import type { PartnerRepository } from './partner-repository.ts';
import type { PartnerVerified } from './partner-schema.ts';

export interface OnboardingOptions {
  publicUrl: string;
  tokenTtlMinutes: number;
}

export class Onboarding {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly partners: PartnerRepository,
    private readonly apiKeys: ApiKeyRepository,
    private readonly mailer: Mailer,
    private readonly people: {
      accounts: AccountRepository;
      memberships: MembershipRepository;
      portalAccounts: PortalAccounts;
    },
    private readonly options: OnboardingOptions,
  ) {}

  async apply(companyName: string, email: string): Promise<{ applicationId: string; expiresAt: string }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const expiresAt = addMinutes(now, this.options.tokenTtlMinutes).toISOString();
    const applicationId = this.partners.createApplication(
      companyName,
      email,
      hashSecret(token),
      expiresAt,
      now.toISOString(),
    );
    const link = `${this.options.publicUrl}/partners/verify?token=${token}`;
    await this.mailer.send({
      to: email,
      kind: 'partner_verification',
      subject: 'Verify your email to get your FaxSeal partner key',
      text: [
        `Hello ${companyName},`,
        '',
        'Open this link to verify your address. Your partner API key is shown on the page, once:',
        '',
        link,
        '',
        `The link works once and expires at ${expiresAt}.`,
        'If you did not apply for a FaxSeal partner account, ignore this email.',
      ].join('\n'),
    });
    return { applicationId, expiresAt };
  }

  /** Consumes the link's token: creates the partner, its owner account and its first key (shown once). */
  verify(token: string): PartnerVerified {
    const application = this.partners.applicationByTokenHash(hashSecret(token));
    const now = this.clock.now();
    if (!application) {
      throw new DomainError(
        'invalid',
        'invalid_verification_token',
        'Invalid verification link',
        'This link is not valid.',
      );
    }
    if (application.usedAt) {
      throw linkUsed(
        'This verification link was already used; the key it issued was shown then. Ask an owner for a new key.',
      );
    }
    if (Date.parse(application.expiresAt) <= now.getTime()) {
      throw new DomainError(
        'gone',
        'verification_token_expired',
        'Link expired',
        'Apply again to get a new link.',
      );
    }
    const at = now.toISOString();
    return this.db.transaction((): PartnerVerified => {
      const partnerId = newId('ptr');
      if (!this.partners.consumeApplication(application.id, partnerId, at)) {
        throw linkUsed('This verification link was already used.');
      }
      const partner = this.partners.create(partnerId, application.companyName, application.email, at);
      // The link proved the address: an existing account of it (a person of another partner) joins.
      const owner = this.people.accounts.ensureVerified(application.email, at);
      this.people.memberships.add(owner.id, partnerId, 'owner', at);
      const { key, secret } = this.apiKeys.create(partnerId, 'Default key');
      const setup = this.people.portalAccounts.issuePasswordSetup(owner.id);
      return {
        partnerId: partner.id,
        companyName: partner.companyName,
        apiKey: secret,
        apiKeyId: key.id,
        apiKeyPrefix: key.prefix,
        ownerEmail: partner.email,
        passwordSetupUrl: setup.url,
        passwordSetupExpiresAt: setup.expiresAt,
      };
    })();
  }
}

function linkUsed(detail: string): DomainError {
  return new DomainError('gone', 'verification_token_used', 'Link already used', detail);
}
