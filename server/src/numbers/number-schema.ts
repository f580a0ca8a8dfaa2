// The fax number as the partner API shows it: one TypeBox object validates, serialises and
// documents it, and its Static type is what the repository returns and the console reads.

import { type Static, Type } from 'typebox';
import { ExternalUserId, literals, nullable, Page, PageQuery, Timestamp } from '../http/schema.ts';

export const TierSchema = literals('personal', 'business');
export type Tier = Static<typeof TierSchema>;

export const NumberStatusSchema = literals('active', 'released');
export type NumberStatus = Static<typeof NumberStatusSchema>;

export const FaxNumberSchema = Type.Object({
  id: Type.String(),
  externalUserId: Type.String(),
  number: Type.String({ description: 'E.164, e.g. +12125550123' }),
  tier: TierSchema,
  status: NumberStatusSchema,
  inboundPagesPerMonth: Type.Integer({ description: 'Page allowance of the tier' }),
  maxRetentionDays: Type.Integer({ description: 'Longest retention the tier allows' }),
  createdAt: Timestamp,
  releasedAt: nullable(Timestamp),
});
export type FaxNumber = Static<typeof FaxNumberSchema>;

export const FaxNumberPageSchema = Page(FaxNumberSchema);
export type FaxNumberPage = Static<typeof FaxNumberPageSchema>;

export const ProvisionNumberSchema = Type.Object(
  {
    externalUserId: ExternalUserId,
    tier: Type.Union(TierSchema.anyOf, {
      description:
        'personal: $2.50/month, 200 pages, 60-day retention; business: $7.50/month, 1,000 pages, 180 days',
    }),
    areaCode: Type.Optional(
      Type.String({ pattern: '^[2-9][0-9]{2}$', description: 'Preferred US area code' }),
    ),
  },
  { additionalProperties: false },
);
export type ProvisionNumber = Static<typeof ProvisionNumberSchema>;

export const NumberListQuerySchema = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(NumberStatusSchema),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'Search: part of the external user id, or digits of the number',
      }),
    ),
  },
  { additionalProperties: false },
);

export const NumberUserParamsSchema = Type.Object({ externalUserId: ExternalUserId });
