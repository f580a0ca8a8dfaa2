// Portal accounts as the auth endpoints show them: the person, the partners they belong to (the
// organisation switcher), and the bodies of sign-in, password reset, email change and TOTP.

import { type Static, Type } from 'typebox';
import { nullable, Timestamp } from '../http/schema.ts';
import { RoleSchema } from '../team/team-schema.ts';

export const AccountSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  emailVerified: Type.Boolean(),
  twoFactorEnabled: Type.Boolean(),
  createdAt: Timestamp,
});
export type Account = Static<typeof AccountSchema>;

export const MembershipSchema = Type.Object({
  partnerId: Type.String(),
  companyName: Type.String(),
  role: RoleSchema,
  partnerStatus: Type.String({ description: 'active | suspended' }),
  permissions: Type.Array(Type.String(), { description: 'What this role may do (the UI hides the rest)' }),
});
export type MembershipView = Static<typeof MembershipSchema>;

const Email = Type.String({ minLength: 3, maxLength: 254 });
const Password = Type.String({ minLength: 1, maxLength: 256 });
const OneTimeCode = Type.String({
  minLength: 6,
  maxLength: 16,
  description: 'The 6-digit code of your authenticator app, or one recovery code',
});

export const SignInSchema = Type.Object(
  { email: Email, password: Password, totp: Type.Optional(OneTimeCode) },
  { additionalProperties: false },
);

export const SessionInfoSchema = Type.Object({
  id: Type.String(),
  expiresAt: Timestamp,
  idleMinutes: Type.Integer(),
});

export const SignedInSchema = Type.Object({
  account: AccountSchema,
  memberships: Type.Array(MembershipSchema),
  csrfToken: Type.String({ description: 'Send as `x-csrf-token` on every POST, PATCH, PUT and DELETE' }),
  session: SessionInfoSchema,
});
export type SignedIn = Static<typeof SignedInSchema>;

export const PasswordResetRequestSchema = Type.Object({ email: Email }, { additionalProperties: false });
export const PasswordResetConfirmSchema = Type.Object(
  { token: Type.String({ minLength: 10, maxLength: 200 }), password: Password },
  { additionalProperties: false },
);
export const AcceptedSchema = Type.Object({ status: Type.Literal('accepted') });

export const PasswordChangeSchema = Type.Object(
  { currentPassword: Password, newPassword: Password },
  { additionalProperties: false },
);

export const EmailChangeSchema = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }), password: Password },
  { additionalProperties: false },
);
export const EmailVerifySchema = Type.Object(
  { token: Type.String({ minLength: 10, maxLength: 200 }) },
  { additionalProperties: false },
);

export const TotpSetupSchema = Type.Object({
  secret: Type.String({ description: 'Base32, for manual entry' }),
  otpauthUrl: Type.String({ description: 'otpauth://totp/… for a QR code' }),
});
export const TotpCodeSchema = Type.Object({ code: OneTimeCode }, { additionalProperties: false });
export const TotpDisableSchema = Type.Object(
  { password: Password, code: OneTimeCode },
  { additionalProperties: false },
);
export const RecoveryCodesSchema = Type.Object({
  recoveryCodes: Type.Array(Type.String(), { description: 'Shown once; each works once' }),
});
export const TotpStatusSchema = Type.Object({
  enabled: Type.Boolean(),
  recoveryCodesLeft: Type.Integer(),
});

export const CurrentSessionSchema = Type.Object({
  account: AccountSchema,
  memberships: Type.Array(MembershipSchema),
  csrfToken: Type.String(),
  session: SessionInfoSchema,
  lastSeenAt: nullable(Timestamp),
});
