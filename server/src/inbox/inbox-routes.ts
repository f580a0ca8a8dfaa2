// The partner's inbox (API.md "Inbox"): faxes per user, newest first, full-text search over OCR
// text with highlighted snippets, one fax in full with a fresh signed PDF link, and monthly usage.
// Reading fax content (OCR text, extracted data, search snippets) is an audit entry.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { listPage } from '../http/pagination.ts';
import { partnerId } from '../http/plugins/partner-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { ExternalUserId, NextCursor, PageQuery } from '../http/schema.ts';
import { InboxRepository } from './inbox-repository.ts';
import { SearchQueryError, toFtsQuery } from './search-query.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const InboxItemSchema = Type.Object({
  id: Type.String(),
  direction: Type.Union([Type.Literal('inbound'), Type.Literal('outbound')]),
  status: Type.String({ description: 'inbound: received | partial | failed; outbound: queued … delivered' }),
  externalUserId: Nullable(Type.String()),
  from: Nullable(Type.String()),
  to: Nullable(Type.String()),
  pages: Type.Integer(),
  ocrStatus: Type.String({ description: 'pending | done | failed | skipped' }),
  extractionStatus: Type.String({ description: 'pending | done | failed | skipped' }),
  overage: Type.Boolean({ description: 'Received past the number’s monthly page allowance' }),
  createdAt: Type.String({ format: 'date-time' }),
  purgedAt: Nullable(Type.String({ format: 'date-time' })),
  snippet: Type.Optional(
    Type.String({ description: 'With `q`: the matching OCR text, hits between <mark> and </mark>' }),
  ),
});

const FaxSchema = Type.Object({
  ...InboxItemSchema.properties,
  completedAt: Nullable(Type.String({ format: 'date-time' })),
  ocrText: Nullable(Type.String()),
  ocrConfidence: Nullable(Type.Number({ description: 'Mean word confidence, 0–100' })),
  extractedData: Nullable(Type.Record(Type.String(), Type.Unknown())),
  evidence: Nullable(Type.Record(Type.String(), Type.Unknown())),
  failureCode: Nullable(Type.String()),
  retryable: Nullable(Type.Boolean()),
  pagesDelivered: Nullable(Type.Integer()),
  t30Code: Nullable(Type.Integer()),
  t30Text: Nullable(Type.String()),
  purgeAt: Nullable(Type.String({ format: 'date-time' })),
  pageDetails: Type.Array(
    Type.Object({
      page: Type.Integer(),
      width: Type.Integer(),
      height: Type.Integer(),
      xResolution: Type.Integer(),
      yResolution: Type.Integer(),
      ocrText: Nullable(Type.String()),
      ocrConfidence: Nullable(Type.Number()),
    }),
  ),
  pdfUrl: Nullable(Type.String({ description: 'Signed, time-limited download link; null once purged' })),
  pdfUrlExpiresAt: Nullable(Type.String({ format: 'date-time' })),
});

const UsageSchema = Type.Object({
  month: Type.String(),
  numbers: Type.Array(
    Type.Object({
      numberId: Type.String(),
      number: Type.String(),
      externalUserId: Type.String(),
      tier: Type.Union([Type.Literal('personal'), Type.Literal('business')]),
      allowancePages: Type.Integer(),
      inboundFaxes: Type.Integer(),
      inboundPages: Type.Integer(),
      overagePages: Type.Integer(),
    }),
  ),
  totals: Type.Object({ inboundPages: Type.Integer(), overagePages: Type.Integer() }),
});

const isoDate = (description: string) =>
  Type.Optional(Type.String({ format: 'date-time', description: `${description} (ISO-8601)` }));

export const inboxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, audit, signedLinks } = app.services;
  const inbox = new InboxRepository(db);
  const actor = (request: FastifyRequest) => ({
    actorType: 'partner_key' as const,
    actorId: request.apiKey?.id ?? null,
    partnerId: partnerId(request),
  });

  app.get(
    '/inbox',
    {
      schema: {
        tags: ['Inbox'],
        summary: 'List or search faxes, newest first',
        description:
          '`q` searches the OCR text: words, "quoted phrases", prefix terms (`diab*`), AND / OR / NOT and parentheses. Each hit carries a snippet with the matches between <mark> and </mark>.',
        security: [{ partnerKey: [] }],
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
          200: Type.Object({ items: Type.Array(InboxItemSchema), nextCursor: NextCursor }),
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
          return inbox.list({
            ...window,
            partnerId: partnerId(request),
            externalUserId,
            match,
            since: since && new Date(since).toISOString(),
            until: until && new Date(until).toISOString(),
          });
        } catch (err) {
          // FTS5 reports query syntax errors (a dangling AND, an unbalanced parenthesis) at run time.
          if (match && err instanceof Error && /fts5|syntax error|malformed MATCH/i.test(err.message))
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
      schema: {
        tags: ['Inbox'],
        summary: 'Get one fax (inbound or outbound) with OCR text, extracted data and a fresh PDF link',
        security: [{ partnerKey: [] }],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: FaxSchema, ...problemResponses(401, 404, 429) },
      },
    },
    async (request) => {
      const fax = inbox.get(partnerId(request), request.params.id);
      // Another partner's fax is "not found", never "forbidden": nothing confirms it exists.
      if (!fax) throw Problem.notFound('fax_not_found', `No fax ${request.params.id}.`);
      const { pdfBlob, extractionEvidence, ...rest } = fax;
      const link = pdfBlob && !fax.purgedAt ? signedLinks.create(fax.id) : null;
      if (!fax.purgedAt) {
        audit.record({
          ...actor(request),
          action: 'fax.content_read',
          targetType: 'fax',
          targetId: fax.id,
          details: { ocrText: fax.ocrText !== null, extractedData: fax.extractedData !== null },
        });
      }
      return {
        ...rest,
        evidence: extractionEvidence,
        pdfUrl: link?.url ?? null,
        pdfUrlExpiresAt: link?.expiresAt ?? null,
      };
    },
  );

  app.get(
    '/usage',
    {
      schema: {
        tags: ['Inbox'],
        summary: 'Inbound pages per number in a month, against the tier allowance',
        description:
          'Faxes past the allowance are still received; their pages count as overage. Default: the current month (UTC).',
        security: [{ partnerKey: [] }],
        querystring: Type.Object(
          {
            month: Type.Optional(
              Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM' }),
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
      const numbers = inbox.usage(partnerId(request), new Date(Date.UTC(year, mm - 1, 1)));
      return {
        month,
        numbers,
        totals: {
          inboundPages: numbers.reduce((sum, n) => sum + n.inboundPages, 0),
          overagePages: numbers.reduce((sum, n) => sum + n.overagePages, 0),
        },
      };
    },
  );
};

function invalidQuery(detail: string): Problem {
  return new Problem(400, 'invalid_query', 'The search query is not valid', detail, {
    errors: [{ field: '/query/q', message: detail }],
  });
}
