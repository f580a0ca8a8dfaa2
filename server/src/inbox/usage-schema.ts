// Monthly inbound usage (GET /usage): pages per number against the tier allowance, and the totals.

import { type Static, Type } from 'typebox';
import { TierSchema } from '../numbers/number-schema.ts';

export const NumberUsageSchema = Type.Object({
  numberId: Type.String(),
  number: Type.String(),
  externalUserId: Type.String(),
  tier: TierSchema,
  allowancePages: Type.Integer(),
  inboundFaxes: Type.Integer(),
  inboundPages: Type.Integer(),
  overagePages: Type.Integer(),
});

export const UsageSchema = Type.Object({
  month: Type.String(),
  numbers: Type.Array(NumberUsageSchema),
  totals: Type.Object({ inboundPages: Type.Integer(), overagePages: Type.Integer() }),
});

export type NumberUsage = Static<typeof NumberUsageSchema>;
export type Usage = Static<typeof UsageSchema>;
