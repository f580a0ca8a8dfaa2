// Shapes of the operator console's views that are not a resource of their own: a partner's detail
// (keys and their rate limits, numbers, credits).

import { type Static, Type } from 'typebox';
import { nullable, Timestamp } from '../http/schema.ts';
import { PartnerSchema } from '../partners/partner-schema.ts';

export const PartnerKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  createdAt: Timestamp,
  lastUsedAt: nullable(Timestamp),
  revokedAt: nullable(Timestamp),
  rateLimitPerMinute: nullable(Type.Integer({ description: 'null: the appliance default' })),
});

export const PartnerDetailSchema = Type.Object({
  partner: PartnerSchema,
  creditBalance: Type.Integer(),
  activeNumbers: Type.Object({ personal: Type.Integer(), business: Type.Integer() }),
  keys: Type.Array(PartnerKeySchema),
  defaultRateLimitPerMinute: Type.Integer(),
});
export type PartnerDetail = Static<typeof PartnerDetailSchema>;
