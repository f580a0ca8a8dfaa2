// DIDs in the operator's pool as the admin API shows them, the pool's stock per area code, and the
// result of a CSV import.

import { type Static, Type } from 'typebox';
import { literals, nullable } from '../http/schema.ts';

export const DidStatusSchema = literals('available', 'assigned', 'quarantined', 'disabled');
export type DidStatus = Static<typeof DidStatusSchema>;

export const DidSchema = Type.Object({
  id: Type.String(),
  number: Type.String(),
  areaCode: Type.String(),
  status: Type.String(),
  quarantinedUntil: nullable(Type.String()),
  source: Type.String(),
  createdAt: Type.String(),
  owner: Type.Optional(
    nullable(
      Type.Object(
        { partnerId: Type.String(), companyName: Type.String(), externalUserId: Type.String() },
        { description: 'Who holds an assigned DID' },
      ),
    ),
  ),
});
export type Did = Static<typeof DidSchema>;

export const DidStockSchema = Type.Object({ areaCode: Type.String(), available: Type.Integer() });
export type DidStock = Static<typeof DidStockSchema>;

export const DidListQuerySchema = Type.Object(
  {
    status: Type.Optional(DidStatusSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
    after: Type.Optional(Type.String({ description: 'E.164 number to continue after' })),
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 32, description: 'Digits anywhere in the number' }),
    ),
  },
  { additionalProperties: false },
);

export const DidListSchema = Type.Object({ items: Type.Array(DidSchema), stock: Type.Array(DidStockSchema) });
export type DidList = Static<typeof DidListSchema>;

export const DidImportResultSchema = Type.Object({
  imported: Type.Integer(),
  skipped: Type.Array(Type.Object({ line: Type.Integer(), value: Type.String(), reason: Type.String() })),
});
export type DidImportResult = Static<typeof DidImportResultSchema>;
