// Partner API keys as the API shows them (never the secret, except once at creation) and the
// operator's per-key rate-limit override.

import { type Static, Type } from 'typebox';
import { literals, nullable, Timestamp } from '../http/schema.ts';
import { PARTNER_PERMISSIONS } from '../team/partner-permissions.ts';

export const PermissionSchema = literals(...PARTNER_PERMISSIONS);

export const ApiKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it' }),
  scopes: nullable(
    Type.Array(PermissionSchema, { description: 'What the key may do; null = every partner permission' }),
  ),
  createdAt: Timestamp,
  lastUsedAt: nullable(Timestamp),
  revokedAt: nullable(Timestamp),
});
export type ApiKey = Static<typeof ApiKeySchema>;

export const ApiKeyListSchema = Type.Object({ items: Type.Array(ApiKeySchema) });
export type ApiKeyList = Static<typeof ApiKeyListSchema>;

export const CreatedApiKeySchema = Type.Object({
  ...ApiKeySchema.properties,
  apiKey: Type.String({ description: 'Shown once' }),
});
export type CreatedApiKey = Static<typeof CreatedApiKeySchema>;

export const CreateApiKeySchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    scopes: Type.Optional(
      Type.Array(PermissionSchema, {
        minItems: 1,
        uniqueItems: true,
        description:
          'Narrow the key to these permissions. Omitted: everything the creator may do (every permission for an owner or a full key). A key never holds more than its creator.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const KeyIdParamsSchema = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const KeyRateLimitPatchSchema = Type.Object(
  { rateLimitPerMinute: nullable(Type.Integer({ minimum: 1, maximum: 10_000_000 })) },
  { additionalProperties: false },
);

export const KeyRateLimitSchema = Type.Object({
  id: Type.String(),
  rateLimitPerMinute: nullable(Type.Integer()),
});
export type KeyRateLimit = Static<typeof KeyRateLimitSchema>;
