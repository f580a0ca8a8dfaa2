// The auditor's view (`audit:read`): the audit trail with filters and cursor pages, an NDJSON
// export (itself an audit entry), the hash-chain check the CLI runs, and the retention reports.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { operatorOf } from '../http/plugins/operator-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { PurgeReportRepository } from '../pipeline/purge-report-repository.ts';
import type { AuditLog } from './audit-log.ts';
import type { AuditQuery } from './audit-repository.ts';
import {
  type AuditEntryView,
  AuditExportQuerySchema,
  AuditPageSchema,
  AuditQuerySchema,
  AuditVerificationSchema,
  PurgeReportPageSchema,
  PurgeReportQuerySchema,
} from './audit-schema.ts';

const auditRead = { operatorPermission: 'audit:read' as const };
const EXPORT_BATCH = 1000;

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { audit } = app.services;
  const reports = new PurgeReportRepository(app.services.db);

  app.get(
    '/audit',
    {
      config: auditRead,
      schema: {
        tags: ['Audit'],
        summary: 'The audit trail, newest first',
        description:
          'Every read of fax content (API, portal, PDF download, webhook delivery with OCR text or extracted data), sign-in, failed sign-in, team, key, suspension and export, naming who did it. Filters combine; `nextCursor` pages on.',
        querystring: AuditQuerySchema,
        response: { 200: AuditPageSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { limit = 100, cursor, ...filters } = request.query;
      const rows = audit.list({ ...toQuery(filters), limit: limit + 1, beforeSeq: decodeSeq(cursor) });
      const items = rows.slice(0, limit).map(toView);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last ? encodeSeq(last.seq) : null };
    },
  );

  app.get(
    '/audit/export',
    {
      config: auditRead,
      schema: {
        tags: ['Audit'],
        summary: 'Export the matching entries as NDJSON (oldest last, one entry per line)',
        description: 'The export is itself recorded in the audit trail (`audit.exported`).',
        querystring: AuditExportQuerySchema,
        produces: ['application/x-ndjson'],
        response: { 200: { description: 'application/x-ndjson' }, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const query = toQuery(request.query);
      const lines: string[] = [];
      let before: number | undefined;
      for (;;) {
        const batch = audit.list({ ...query, limit: EXPORT_BATCH, beforeSeq: before });
        for (const entry of batch) lines.push(JSON.stringify(toView(entry)));
        if (batch.length < EXPORT_BATCH) break;
        before = batch.at(-1)!.seq;
      }
      audit.record({
        actorType: 'operator',
        actorId: operatorOf(request).id,
        action: 'audit.exported',
        details: { filters: request.query, entries: lines.length },
      });
      return reply
        .type('application/x-ndjson')
        .header('content-disposition', 'attachment; filename="faxseal-audit.ndjson"')
        .send(lines.length ? `${lines.join('\n')}\n` : '');
    },
  );

  app.get(
    '/audit/verify',
    {
      config: auditRead,
      schema: {
        tags: ['Audit'],
        summary: 'Check the hash chain of the whole audit trail',
        description:
          'The check `faxseal audit verify` runs: the first edited or missing entry, or the head hash to anchor elsewhere.',
        response: { 200: AuditVerificationSchema, ...problemResponses(401, 403) },
      },
    },
    async () => audit.verify(),
  );

  app.get(
    '/retention/reports',
    {
      config: auditRead,
      schema: {
        tags: ['Audit'],
        summary: 'Retention purge reports, newest first',
        querystring: PurgeReportQuerySchema,
        response: { 200: PurgeReportPageSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const rows = reports.list({ limit: limit + 1, beforeId: decodeSeq(request.query.cursor) });
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last ? encodeSeq(last.id) : null };
    },
  );
};

function toQuery(filters: Omit<AuditQuery, 'limit' | 'beforeSeq'>): Omit<AuditQuery, 'limit'> {
  return {
    ...filters,
    from: filters.from && new Date(filters.from).toISOString(),
    until: filters.until && new Date(filters.until).toISOString(),
  };
}

function toView(entry: ReturnType<AuditLog['list']>[number]): AuditEntryView {
  return {
    seq: entry.seq,
    at: entry.at,
    actorType: entry.actorType,
    actorId: entry.actorId,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    partnerId: entry.partnerId ?? null,
    details: entry.details ?? {},
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}

const encodeSeq = (seq: number) => Buffer.from(`n:${seq}`).toString('base64url');

function decodeSeq(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const m = /^n:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw Problem.validation([{ field: '/query/cursor', message: 'is not a cursor this API issued' }]);
  return Number(m[1]);
}
