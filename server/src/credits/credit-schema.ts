// Credits as the API shows them: the balance, the append-only credit log, and the operator's grant
// or adjustment. 1 credit sends 1 page.

import { type Static, Type } from 'typebox';
import { literals, nullable, Page, PageQuery, Timestamp } from '../http/schema.ts';

export const CreditBalanceSchema = Type.Object({
  balance: Type.Integer({ description: 'Credits available; 1 credit sends 1 page' }),
  lowBalanceThreshold: Type.Integer({
    description: 'Below this a low-balance email is sent (once per crossing)',
  }),
});
export type CreditBalance = Static<typeof CreditBalanceSchema>;

export const CreditReasonSchema = literals(
  'grant',
  'adjustment',
  'purchase',
  'purchase_refund',
  'dispute_lost',
  'fax_reservation',
  'fax_refund',
);
export type CreditReason = Static<typeof CreditReasonSchema>;

export const CreditEntrySchema = Type.Object({
  id: Type.String(),
  amount: Type.Integer({ description: 'Signed: reservations negative, grants and refunds positive' }),
  balanceAfter: Type.Integer(),
  reason: Type.Union(CreditReasonSchema.anyOf, {
    description:
      'fax_reservation: 1 credit per page at submission; fax_refund: pages not sent, at settlement; purchase: a credit bundle paid through Stripe; purchase_refund and dispute_lost: credits taken back when Stripe refunds a purchase or a dispute over it is lost',
  }),
  faxId: nullable(Type.String()),
  stripeObjectId: nullable(
    Type.String({ description: 'The Stripe Checkout Session, charge or dispute the entry comes from' }),
  ),
  shortfall: Type.Integer({
    description:
      'Credits a take-back could not take because the balance was lower (the balance never goes below zero); owed',
  }),
  note: nullable(Type.String()),
  createdAt: Timestamp,
});
export type CreditEntry = Static<typeof CreditEntrySchema>;

export const CreditEntryPageSchema = Page(CreditEntrySchema);
export type CreditEntryPage = Static<typeof CreditEntryPageSchema>;

export const CreditLogQuerySchema = Type.Object(
  { ...PageQuery, faxId: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: false },
);

export const CreditGrantSchema = Type.Object(
  {
    amount: Type.Integer({ minimum: -1_000_000, maximum: 1_000_000, description: 'Not zero' }),
    reason: Type.Optional(literals('grant', 'adjustment')),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type CreditGrant = Static<typeof CreditGrantSchema>;

export const CreditGrantResultSchema = Type.Object({ balance: Type.Integer(), entry: CreditEntrySchema });
export type CreditGrantResult = Static<typeof CreditGrantResultSchema>;
