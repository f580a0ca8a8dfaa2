// The audit trail as the auditor reads it over the admin API: entries with their hash links, the
// filters of the list, the chain check, and the retention purge reports.

import { type Static, Type } from 'typebox';
import { NextCursor, nullable, Timestamp } from '../http/schema.ts';

export const AuditEntrySchema = Type.Object({
  seq: Type.Integer(),
  at: Timestamp,
  actorType: Type.String({ description: 'partner_key | portal_account | operator | webhook | system' }),
  actorId: nullable(Type.String()),
  action: Type.String(),
  targetType: nullable(Type.String()),
  targetId: nullable(Type.String()),
  partnerId: nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
  prevHash: Type.String(),
  hash: Type.String(),
});
export type AuditEntryView = Static<typeof AuditEntrySchema>;

export const AuditPageSchema = Type.Object({ items: Type.Array(AuditEntrySchema), nextCursor: NextCursor });
export type AuditPage = Static<typeof AuditPageSchema>;

const Filters = {
  actorType: Type.Optional(Type.String({ maxLength: 32 })),
  actorId: Type.Optional(
    Type.String({ maxLength: 64, description: 'A key, account, operator or delivery id' }),
  ),
  partnerId: Type.Optional(Type.String({ maxLength: 64 })),
  action: Type.Optional(
    Type.String({
      maxLength: 64,
      pattern: '^[a-z_.]+\\*?$',
      description: 'Exact, or a prefix ending in * (team.*)',
    }),
  ),
  targetType: Type.Optional(Type.String({ maxLength: 32 })),
  targetId: Type.Optional(Type.String({ maxLength: 64 })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Entries at or after this time' })),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'Entries before this time' })),
};

export const AuditQuerySchema = Type.Object(
  {
    ...Filters,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 40 })),
  },
  { additionalProperties: false },
);

export const AuditExportQuerySchema = Type.Object(Filters, { additionalProperties: false });

export const AuditVerificationSchema = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Optional(Type.Integer({ description: 'Entries checked (when intact)' })),
  head: Type.Optional(Type.String({ description: 'Hash of the newest entry: anchor it elsewhere' })),
  seq: Type.Optional(Type.Integer({ description: 'The first broken entry (when not intact)' })),
  reason: Type.Optional(Type.String()),
});
export type AuditVerification = Static<typeof AuditVerificationSchema>;

export const PurgeReportSchema = Type.Object({
  id: Type.Integer(),
  trigger: Type.String({ description: 'schedule | cli' }),
  startedAt: Timestamp,
  finishedAt: Timestamp,
  faxesPurged: Type.Integer(),
  blobsDeleted: Type.Integer(),
  faxIds: Type.Array(Type.String()),
});
export type PurgeReport = Static<typeof PurgeReportSchema>;

export const PurgeReportPageSchema = Type.Object({
  items: Type.Array(PurgeReportSchema),
  nextCursor: NextCursor,
});
export type PurgeReportPage = Static<typeof PurgeReportPageSchema>;
export const PurgeReportQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 40 })),
  },
  { additionalProperties: false },
);
