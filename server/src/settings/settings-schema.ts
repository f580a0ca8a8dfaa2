// A partner's integration settings as the API shows and accepts them, and the answer to a webhook
// secret rotation.

import { type Static, Type } from 'typebox';
import { nullable, Timestamp } from '../http/schema.ts';
import { MAX_RETENTION_DAYS } from '../numbers/tiers.ts';

const SchemaDoc =
  'Field name → {type: string|number|boolean|array|object, description?, items? (arrays), properties? (objects)}; at most 100 fields, 5 levels deep.';

export const PartnerSettingsSchema = Type.Object({
  webhookUrl: nullable(Type.String()),
  extractionSchema: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
    description: SchemaDoc,
  }),
  retentionDays: Type.Integer(),
  reviewThreshold: Type.Number({
    minimum: 0,
    maximum: 1,
    description:
      'Extracted fields whose confidence is below this are listed in fax.extracted needsReview (default 0.8)',
  }),
  retentionCaps: Type.Object(
    { personal: Type.Integer(), business: Type.Integer() },
    { description: "A number's tier caps how long its faxes are kept, whatever retentionDays says" },
  ),
  webhookSecretConfigured: Type.Boolean(),
  updatedAt: nullable(Timestamp),
});
export type PartnerSettings = Static<typeof PartnerSettingsSchema>;

/** The answer to a settings write: the first one also carries the new webhook secret, once. */
export const UpdatedSettingsSchema = Type.Object({
  ...PartnerSettingsSchema.properties,
  webhookSecret: Type.Optional(Type.String()),
});
export type UpdatedSettings = Static<typeof UpdatedSettingsSchema>;

export const SettingsPatchSchema = Type.Object(
  {
    // Null first: the validator coerces types, and with the string branch first it turned null into
    // "" (then "not an absolute URL"), so a webhook could never be removed. "" also means none.
    webhookUrl: Type.Optional(
      Type.Union([Type.Null(), Type.String({ maxLength: 2048 })], {
        description: 'null (or "") removes the webhook',
      }),
    ),
    extractionSchema: Type.Optional(Type.Union([Type.Unknown(), Type.Null()], { description: SchemaDoc })),
    retentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_RETENTION_DAYS })),
    reviewThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);
export type SettingsPatch = Static<typeof SettingsPatchSchema>;

export const WebhookSecretRotationSchema = Type.Object({
  webhookSecret: Type.String(),
  createdAt: Timestamp,
  previousSecretExpiresAt: nullable(Timestamp),
});
export type WebhookSecretRotation = Static<typeof WebhookSecretRotationSchema>;
