// Monthly inbound usage (GET /usage): pages per number against the tier allowance, and the totals.

import { type Static, Type } from 'typebox';

export const NumberUsageSchema = Type.Object({
  numberId: Type.String(),
  number: Type.String(),
  externalUserId: Type.String(),
  tier: Type.Union([Type.Literal('personal'), Type.Literal('business')]),
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
