// The partner's inbox (API.md "Inbox"): faxes per user, newest first, full-text search over OCR
// text with highlighted snippets, one fax in full with a fresh signed PDF link, and monthly usage.
// Reading fax content (OCR text, extracted data, search snippets) is an audit entry.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FaxSchema, FaxSummarySchema, PageImageQuery } from '../faxes/fax-schema.ts';
import { listPage } from '../http/pagination.ts';
import { auditActor, partnerId } from '../http/plugins/partner-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { ExternalUserId, Page, PageQuery, toInstant } from '../http/schema.ts';
import { SearchQueryError, toFtsQuery } from './search-query.ts';
import { type DailyActivity, DailyActivityListSchema, UsageSchema } from './usage-schema.ts';

const isoDate = (description: string) =>
  Type.Optional(Type.String({ format: 'date-time', description: `${description} (ISO-8601)` }));

export const inboxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { faxes, audit, signedLinks } = app.services;
  const actor = auditActor;

  app.get(
    '/inbox',
    {
      config: { permission: 'inbox:read' },
      schema: {
        tags: ['Inbox'],
        summary: 'List or search faxes, newest first',
        description:
          '`q` searches the OCR text: words, "quoted phrases", prefix terms (`diab*`), AND / OR / NOT and parentheses. Each hit carries a snippet with the matches between <mark> and </mark>.',
        querystring: Type.Object(
          {
            ...PageQuery,
            externalUserId: Type.Optional(ExternalUserId),
            q: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
            since: isoDate('Faxes created at or after this time'),
            until: isoDate('Faxes created before this time'),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Page(FaxSummarySchema),
          ...problemResponses(400, 401, 429),
        },
      },
    },
    async (request) => {
      const { q, since, until, externalUserId } = request.query;
      let match: string | undefined;
      try {
        match = q === undefined ? undefined : toFtsQuery(q);
      } catch (err) {
        if (err instanceof SearchQueryError) throw invalidQuery(err.message);
        throw err;
      }
      const result = listPage(request.query, (window) => {
        try {
          return faxes.inbox({
            ...window,
            partnerId: partnerId(request),
            externalUserId,
            match,
            since: since && toInstant(since, '/query/since'),
            until: until && toInstant(until, '/query/until'),
          });
        } catch (err) {
          // FTS5 and PostgreSQL's tsquery report query syntax errors (a dangling AND, an unbalanced
          // parenthesis) at run time.
          if (
            match &&
            err instanceof Error &&
            /fts5|syntax error|malformed MATCH|unterminated string|tsquery/i.test(err.message)
          )
            throw invalidQuery('the search query is not valid: check AND / OR / NOT and parentheses');
          throw err;
        }
      });
      if (q !== undefined && result.items.length > 0) {
        // Snippets are fax content. The query itself may hold patient data: only its result is logged.
        audit.record({
          ...actor(request),
          action: 'fax.searched',
          details: { faxIds: result.items.map((i) => i.id) },
        });
      }
      return result;
    },
  );

  app.get(
    '/faxes/:id',
    {
      config: { permission: 'inbox:read' },
      schema: {
        tags: ['Inbox'],
        summary: 'Get one fax (inbound or outbound) with OCR text, extracted data and a fresh PDF link',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: FaxSchema, ...problemResponses(401, 404, 429) },
      },
    },
    async (request) => {
      const fax = faxes.getForPartner(partnerId(request), request.params.id);
      // Another partner's fax is "not found", never "forbidden": nothing confirms it exists.
      if (!fax) throw Problem.notFound('fax_not_found', `No fax ${request.params.id}.`);
      const reader = actor(request);
      const link =
        fax.pdfBlob && !fax.purgedAt
          ? signedLinks.create(fax.id, `${reader.actorType}:${reader.actorId}`)
          : null;
      if (!fax.purgedAt) {
        audit.record({
          ...reader,
          action: 'fax.content_read',
          targetType: 'fax',
          targetId: fax.id,
          details: { ocrText: fax.ocrText !== null, extractedData: fax.extractedData !== null },
        });
      }
      // The record's stored-only fields (blobs, call details…) are not in FaxSchema and are not sent.
      return {
        ...fax,
        pageDetails: faxes.pages(fax.id),
        pdfUrl: link?.url ?? null,
        pdfUrlExpiresAt: link?.expiresAt ?? null,
      };
    },
  );

  app.get(
    '/usage',
    {
      config: { permission: 'usage:read' },
      schema: {
        tags: ['Inbox'],
        summary: 'Inbound pages per number in a month, against the tier allowance',
        description:
          'Faxes past the allowance are still received; their pages count as overage. Default: the current month (UTC).',
        querystring: Type.Object(
          {
            month: Type.Optional(
              Type.String({
                pattern: '^2\\d{3}-(0[1-9]|1[0-2])$',
                description: 'YYYY-MM, a month of the years 2000 to 2999',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: UsageSchema, ...problemResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const now = app.services.clock.now();
      const month =
        request.query.month ?? `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
      const [year, mm] = month.split('-').map(Number);
      const numbers = faxes.usage(
        partnerId(request),
        new Date(Date.UTC(year, mm - 1, 1)),
        app.services.billing.prices.allowances(),
      );
      return {
        month,
        activeNumbers: app.services.numbers.activeByTier(partnerId(request)),
        numbers,
        totals: {
          inboundPages: numbers.reduce((sum, n) => sum + n.inboundPages, 0),
          overagePages: numbers.reduce((sum, n) => sum + n.overagePages, 0),
        },
      };
    },
  );

  app.get(
    '/usage/daily',
    {
      config: { permission: 'usage:read' },
      schema: {
        tags: ['Inbox'],
        summary: 'Faxes and pages in and out per day',
        description: 'The last `days` UTC days, today included, oldest first (the dashboard chart).',
        security: [{ partnerKey: [] }],
        querystring: Type.Object(
          { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, default: 30 })) },
          { additionalProperties: false },
        ),
        response: { 200: DailyActivityListSchema, ...problemResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const count = request.query.days ?? 30;
      const now = app.services.clock.now();
      const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
      const start = end - count * 86_400_000;
      const byDay = new Map<string, DailyActivity>();
      for (let at = start; at < end; at += 86_400_000) {
        const day = new Date(at).toISOString().slice(0, 10);
        byDay.set(day, { day, inboundFaxes: 0, inboundPages: 0, outboundFaxes: 0, outboundPages: 0 });
      }
      for (const row of faxes.dailyActivity(partnerId(request), new Date(start), new Date(end))) {
        const day = byDay.get(row.day);
        if (!day) continue;
        if (row.direction === 'inbound') {
          day.inboundFaxes = row.faxes;
          day.inboundPages = row.pages;
        } else {
          day.outboundFaxes = row.faxes;
          day.outboundPages = row.pages;
        }
      }
      return { days: [...byDay.values()] };
    },
  );

  app.get(
    '/faxes/:id/pages/:page/image',
    {
      config: { permission: 'inbox:read' },
      schema: {
        tags: ['Inbox'],
        summary: 'A page of a received fax as a PNG (thumbnails, the viewer)',
        description:
          'Square pixels whatever the fax resolution; `width` up to the page’s 1728. Evidence boxes are in the page’s own pixels (`pageDetails` width × height).',
        security: [{ partnerKey: [] }],
        params: Type.Object({ id: Type.String({ maxLength: 64 }), page: Type.Integer({ minimum: 1 }) }),
        querystring: PageImageQuery,
        response: {
          200: Type.Unsafe({ type: 'string', format: 'binary' }),
          ...problemResponses(400, 401, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const fax = faxes.getForPartner(partnerId(request), request.params.id);
      if (fax?.direction !== 'inbound')
        throw Problem.notFound('fax_not_found', `No fax ${request.params.id}.`);
      const png = app.services.pageImages.png(fax, request.params.page, request.query.width ?? 800);
      if (!png)
        throw Problem.notFound('page_not_found', `Fax ${fax.id} has no page ${request.params.page} image.`);
      audit.record({
        ...actor(request),
        action: 'fax.content_read',
        targetType: 'fax',
        targetId: fax.id,
        details: { pageImage: request.params.page, width: request.query.width ?? 800 },
      });
      return reply.type('image/png').header('cache-control', 'private, max-age=300').send(png);
    },
  );
};

function invalidQuery(detail: string): Problem {
  return new Problem(400, 'invalid_query', 'The search query is not valid', detail, {
    errors: [{ field: '/query/q', message: detail }],
  });
}
