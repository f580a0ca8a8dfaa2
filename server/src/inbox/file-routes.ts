// Signed PDF downloads: `GET /files/faxes/{id}.pdf?expires=…&sig=…`, no API key (the link is the
// credential, for a limited time). Range requests for viewers; 403 for an expired or altered link,
// 410 once retention purged the fax. Every download is an audit entry.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Problem, problemResponses } from '../http/problem.ts';

export const fileRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { faxes, blobs, audit, signedLinks } = app.services;

  app.get(
    '/files/faxes/:faxId.pdf',
    {
      schema: {
        tags: ['Inbox'],
        summary: 'Download a fax PDF through a signed link',
        description:
          'The link comes from `pdfUrl` (webhooks, fax details) and works until `pdfUrlExpiresAt`. Supports single byte ranges.',
        params: Type.Object({ faxId: Type.String({ maxLength: 64 }) }),
        querystring: Type.Object({
          expires: Type.Optional(Type.String()),
          sig: Type.Optional(Type.String()),
        }),
        headers: Type.Object({ range: Type.Optional(Type.String()) }),
        response: {
          200: Type.Unknown({ description: 'application/pdf' }),
          206: Type.Unknown({ description: 'application/pdf, the requested range' }),
          ...problemResponses(403, 404, 410, 416),
        },
      },
    },
    async (request, reply) => {
      const { faxId } = request.params;
      // The signature first: without a valid link nothing reveals whether the fax exists.
      app.authFailures.refuseIfExhausted(request);
      const check = signedLinks.check(faxId, request.query.expires, request.query.sig);
      if (check === 'expired')
        throw new Problem(
          403,
          'link_expired',
          'Link expired',
          'Ask for a fresh link: GET /api/partner/faxes/{id}.',
        );
      if (check === 'invalid')
        throw app.authFailures.failed(
          request,
          new Problem(403, 'link_invalid', 'Link not valid', 'The link was altered.'),
        );
      // No partner scope: the signature is the authority.
      const fax = faxes.get(faxId);
      if (!fax) throw Problem.notFound('fax_not_found', `No fax ${faxId}.`);
      if (fax.purgedAt || !fax.pdfBlob || !blobs.exists(fax.pdfBlob))
        throw new Problem(
          410,
          'fax_purged',
          'Gone',
          'The retention period of this fax has ended; it was deleted.',
        );
      const pdf = blobs.get(fax.pdfBlob);
      const range = parseRange(request.headers.range, pdf.length);
      if (range === 'unsatisfiable') {
        reply.header('content-range', `bytes */${pdf.length}`);
        throw new Problem(
          416,
          'range_not_satisfiable',
          'Range not satisfiable',
          `The file has ${pdf.length} bytes.`,
        );
      }
      if (request.method === 'GET') {
        audit.record({
          actorType: 'system',
          actorId: null,
          action: 'fax.pdf_downloaded',
          targetType: 'fax',
          targetId: faxId,
          partnerId: fax.partnerId,
          details: {
            via: 'signed_link',
            ip: request.ip,
            linkExpiresAt: new Date(Number(request.query.expires) * 1000).toISOString(),
            ...(range ? { range: `${range.start}-${range.end}` } : {}),
          },
        });
      }
      reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `inline; filename="${faxId}.pdf"`)
        .header('accept-ranges', 'bytes')
        .header('cache-control', 'private, no-store');
      if (!range) return reply.code(200).send(pdf);
      reply.header('content-range', `bytes ${range.start}-${range.end}/${pdf.length}`);
      return reply.code(206).send(pdf.subarray(range.start, range.end + 1));
    },
  );
};

/**
 * One `bytes=` range (RFC 9110 §14.1.2); null = send the whole file (no header, several ranges, or
 * a unit we do not serve, which the RFC lets a server ignore).
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const m = header.trim().match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return null;
  }
  if (start >= size || size === 0) return 'unsatisfiable';
  return { start, end };
}
