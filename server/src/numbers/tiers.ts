// What each number tier includes (API.md "Pricing and billing"): the monthly price, the inbound
// page allowance and the longest retention a partner may choose for faxes to that number. Price and
// allowance here are the defaults the billing prices table starts from.

import type { Tier } from './number-schema.ts';

export interface TierTerms {
  monthlyPriceCents: number;
  inboundPagesPerMonth: number;
  maxRetentionDays: number;
}

export const TIERS: Record<Tier, TierTerms> = {
  personal: { monthlyPriceCents: 250, inboundPagesPerMonth: 200, maxRetentionDays: 60 },
  business: { monthlyPriceCents: 750, inboundPagesPerMonth: 1000, maxRetentionDays: 180 },
};

/** Inbound pages per number and month by tier: the product's defaults; operators may change them (billing prices). */
export type Allowances = Record<Tier, number>;
export const defaultAllowances = (): Allowances => ({
  personal: TIERS.personal.inboundPagesPerMonth,
  business: TIERS.business.inboundPagesPerMonth,
});

export const DEFAULT_RETENTION_DAYS = 30;
export const MAX_RETENTION_DAYS = Math.max(...Object.values(TIERS).map((t) => t.maxRetentionDays));

/** Days a fax to a number of `tier` is kept: the partner's choice, capped by the tier. */
export function effectiveRetentionDays(partnerRetentionDays: number, tier: Tier): number {
  return Math.min(partnerRetentionDays, TIERS[tier].maxRetentionDays);
}
