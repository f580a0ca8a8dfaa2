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
  activeNumbers: Type.Object(
    { personal: Type.Integer(), business: Type.Integer() },
    { description: 'Numbers active now, by tier' },
  ),
  numbers: Type.Array(NumberUsageSchema),
  totals: Type.Object({ inboundPages: Type.Integer(), overagePages: Type.Integer() }),
});

export type NumberUsage = Static<typeof NumberUsageSchema>;
export type Usage = Static<typeof UsageSchema>;

/** One UTC day of GET /usage/daily: faxes and pages each way. */
export const DailyActivitySchema = Type.Object({
  day: Type.String({ description: 'YYYY-MM-DD (UTC)' }),
  inboundFaxes: Type.Integer(),
  inboundPages: Type.Integer(),
  outboundFaxes: Type.Integer(),
  outboundPages: Type.Integer(),
});

export const DailyActivityListSchema = Type.Object({
  days: Type.Array(DailyActivitySchema, { description: 'Oldest first; every day present, zeros included' }),
});

export type DailyActivity = Static<typeof DailyActivitySchema>;
export type DailyActivityList = Static<typeof DailyActivityListSchema>;
