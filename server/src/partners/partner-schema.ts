// Partners as the operator's admin API lists them, and the shapes of self-serve onboarding: the
// application, its acknowledgement and the verified partner with its first key.

import { type Static, Type } from 'typebox';
import { literals, nullable, Timestamp } from '../http/schema.ts';

export const PartnerSchema = Type.Object({
  id: Type.String(),
  companyName: Type.String(),
  email: Type.String(),
  status: literals('active', 'suspended'),
  suspendedAt: nullable(Timestamp),
  suspensionReason: nullable(Type.String()),
  createdAt: Type.String(),
});
export type Partner = Static<typeof PartnerSchema>;

export const PartnerListSchema = Type.Object({ items: Type.Array(PartnerSchema) });
export type PartnerList = Static<typeof PartnerListSchema>;

export const ApplicationSchema = Type.Object(
  {
    companyName: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Your company as it appears on invoices',
    }),
    email: Type.String({
      format: 'email',
      maxLength: 254,
      description: 'Where the verification link is sent',
    }),
  },
  { additionalProperties: false },
);
export type Application = Static<typeof ApplicationSchema>;

export const ApplicationSentSchema = Type.Object({
  status: Type.Literal('verification_sent'),
  email: Type.String(),
  expiresAt: Type.String(),
});
export type ApplicationSent = Static<typeof ApplicationSentSchema>;

export const VerificationQuerySchema = Type.Object(
  { token: Type.String({ minLength: 10, maxLength: 200 }) },
  { additionalProperties: false },
);

export const PartnerVerifiedSchema = Type.Object({
  partnerId: Type.String(),
  companyName: Type.String(),
  apiKey: Type.String({ description: 'Your first sk_partner_… key. Shown once: store it now.' }),
  apiKeyId: Type.String(),
  apiKeyPrefix: Type.String(),
  ownerEmail: Type.String(),
  passwordSetupUrl: Type.String({
    description: 'Where the owner sets the portal password (`/partner/reset-password?token=…`); works once',
  }),
  passwordSetupExpiresAt: Timestamp,
});

export const SuspensionSchema = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) },
  { additionalProperties: false },
);
export type PartnerVerified = Static<typeof PartnerVerifiedSchema>;
