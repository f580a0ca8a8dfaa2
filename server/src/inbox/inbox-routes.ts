// The partner's inbox (API.md "Inbox"): faxes per user, newest first, full-text search over OCR
// text with highlighted snippets, one fax in full with a fresh signed PDF link, and monthly usage.
// Reading fax content (OCR text, extracted data, search snippets) is an audit entry.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { FaxSchema, FaxSummarySchema } from '../faxes/fax-schema.ts';
import { listPage } from '../http/pagination.ts';
import { partnerId } from '../http/plugins/partner-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { ExternalUserId, Page, PageQuery, toInstant } from '../http/schema.ts';
import { SearchQueryError, toFtsQuery } from './search-query.ts';
import { UsageSchema } from './usage-schema.ts';

const isoDate = (description: string) =>
  Type.Optional(Type.String({ format: 'date-time', description: `${description} (ISO-8601)` }));

export const inboxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { faxes, audit, signedLinks } = app.services;
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
      schema: {
        tags: ['Inbox'],
        summary: 'Get one fax (inbound or outbound) with OCR text, extracted data and a fresh PDF link',
        security: [{ partnerKey: [] }],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: FaxSchema, ...problemResponses(401, 404, 429) },
      },
    },
    async (request) => {
      const fax = faxes.getForPartner(partnerId(request), request.params.id);
      // Another partner's fax is "not found", never "forbidden": nothing confirms it exists.
      if (!fax) throw Problem.notFound('fax_not_found', `No fax ${request.params.id}.`);
      const link = fax.pdfBlob && !fax.purgedAt ? signedLinks.create(fax.id) : null;
      if (!fax.purgedAt) {
        audit.record({
          ...actor(request),
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
      schema: {
        tags: ['Inbox'],
        summary: 'Inbound pages per number in a month, against the tier allowance',
        description:
          'Faxes past the allowance are still received; their pages count as overage. Default: the current month (UTC).',
        security: [{ partnerKey: [] }],
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
      const numbers = faxes.usage(partnerId(request), new Date(Date.UTC(year, mm - 1, 1)));
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
