// Operators and their tokens as the admin API shows them, and the bodies of operator sign-in,
// password change and operator management.

import { type Static, Type } from 'typebox';
import { literals, nullable, Timestamp } from '../http/schema.ts';

export const OperatorRoleSchema = literals('superadmin', 'operator', 'auditor');

export const OperatorSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: OperatorRoleSchema,
  mustChangePassword: Type.Boolean(),
  disabledAt: nullable(Timestamp),
  createdAt: Timestamp,
});
export type Operator = Static<typeof OperatorSchema>;

export const OperatorListSchema = Type.Object({ items: Type.Array(OperatorSchema) });
export type OperatorList = Static<typeof OperatorListSchema>;

export const OperatorTokenSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  createdAt: Timestamp,
  lastUsedAt: nullable(Timestamp),
  revokedAt: nullable(Timestamp),
});
export type OperatorToken = Static<typeof OperatorTokenSchema>;

export const OperatorTokenListSchema = Type.Object({ items: Type.Array(OperatorTokenSchema) });

export const CreatedOperatorTokenSchema = Type.Object({
  ...OperatorTokenSchema.properties,
  token: Type.String({ description: 'The sk_admin_… token. Shown once.' }),
});

export const CreateOperatorTokenSchema = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);

export const OperatorSignInSchema = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
    totp: Type.Optional(Type.String({ minLength: 6, maxLength: 16 })),
  },
  { additionalProperties: false },
);

export const OperatorSignedInSchema = Type.Object({
  operator: OperatorSchema,
  permissions: Type.Array(Type.String()),
  twoFactorEnabled: Type.Boolean(),
  csrfToken: Type.String({ description: 'Send as `x-csrf-token` on every POST, PATCH, PUT and DELETE' }),
  session: Type.Object({ id: Type.String(), expiresAt: Timestamp, idleMinutes: Type.Integer() }),
});

export const CreateOperatorSchema = Type.Object(
  { username: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{1,63}$' }), role: OperatorRoleSchema },
  { additionalProperties: false },
);

export const CreatedOperatorSchema = Type.Object({
  operator: OperatorSchema,
  password: Type.String({ description: 'One-time password, changed at the first sign-in. Shown once.' }),
});

export const OperatorPatchSchema = Type.Object(
  { role: Type.Optional(OperatorRoleSchema), disabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);

export const OperatorIdParamsSchema = Type.Object({ id: Type.String({ pattern: '^adm_[0-9a-z]{26}$' }) });
export const OperatorTokenParamsSchema = Type.Object({
  id: Type.String({ pattern: '^adm_[0-9a-z]{26}$' }),
  tokenId: Type.String({ pattern: '^key_[0-9a-z]{26}$' }),
});
export const TokenIdParamsSchema = Type.Object({ id: Type.String({ pattern: '^key_[0-9a-z]{26}$' }) });
