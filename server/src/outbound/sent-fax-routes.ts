// The portal's view of a sent fax beyond its status: the timeline of what happened, the transmission
// report (a PDF like a fax machine's confirmation page) and the document's page images.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { PageImageQuery } from '../faxes/fax-schema.ts';
import { partnerId } from '../http/plugins/partner-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { FAILURE_ADVICE } from './failure-advice.ts';
import type { FailureCode } from './failure-code.ts';
import { outboundFaxNotFound } from './outbound-faxes.ts';
import { SentFaxTimelineSchema, type TimelineEntry } from './sent-fax-schema.ts';
import { renderTransmissionReport } from './transmission-report.ts';

const FaxParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const sentFaxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { faxes, webhooks, pageImages, config } = app.services;

  const sentFax = (partner: string, id: string) => {
    const fax = faxes.outboundForPartner(partner, id);
    if (!fax) throw outboundFaxNotFound(id);
    return fax;
  };
  const adviceFor = (code: string | null) =>
    code && code in FAILURE_ADVICE ? { code, ...FAILURE_ADVICE[code as FailureCode] } : null;

  app.get(
    '/fax/:id/timeline',
    {
      config: { permission: 'fax:send' },
      schema: {
        tags: ['Sending'],
        summary: 'What happened to a sent fax, step by step',
        security: [{ partnerKey: [] }],
        params: FaxParams,
        response: { 200: SentFaxTimelineSchema, ...problemResponses(401, 404, 429) },
      },
    },
    async (request) => {
      const fax = sentFax(partnerId(request), request.params.id);
      const entries: TimelineEntry[] = [
        { at: fax.createdAt, step: 'queued', attempt: null, pagesDelivered: null, detail: null },
      ];
      for (const event of webhooks.deliveries.eventsOfFax(fax.id)) {
        const body = JSON.parse(event.body) as {
          attempt?: number;
          pagesDelivered?: number;
          failureCode?: string;
        };
        const step =
          event.event === 'fax.sending'
            ? 'sending'
            : event.event === 'fax.delivered'
              ? 'delivered'
              : 'failed';
        if (event.event !== 'fax.sending' && event.event !== 'fax.delivered' && event.event !== 'fax.failed')
          continue;
        entries.push({
          at: event.createdAt,
          step,
          attempt: body.attempt ?? null,
          pagesDelivered: step === 'sending' ? null : (body.pagesDelivered ?? null),
          detail: step === 'failed' ? (body.failureCode ?? null) : null,
        });
      }
      if (fax.status === 'queued' && fax.nextAttemptAt) {
        entries.push({
          at: fax.nextAttemptAt,
          step: 'retry_scheduled',
          attempt: fax.attempts + 1,
          pagesDelivered: fax.pagesDelivered,
          detail: fax.failureCode,
        });
      }
      return {
        faxId: fax.id,
        entries,
        failure: fax.status === 'failed' || fax.nextAttemptAt ? adviceFor(fax.failureCode) : null,
        remoteStationId: fax.remoteStationId,
        transport: fax.transport,
        bitRate: fax.bitRate,
        durationMs: fax.durationMs,
      };
    },
  );

  app.get(
    '/fax/:id/report',
    {
      config: { permission: 'fax:send' },
      schema: {
        tags: ['Sending'],
        summary: 'Transmission report (PDF)',
        description:
          'A confirmation page like a fax machine prints: time, remote station id, pages confirmed, result, and a thumbnail of the first page.',
        security: [{ partnerKey: [] }],
        params: FaxParams,
        response: {
          200: Type.Unsafe({ type: 'string', format: 'binary' }),
          ...problemResponses(401, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const fax = sentFax(partnerId(request), request.params.id);
      const pdf = await renderTransmissionReport({
        faxId: fax.id,
        from: fax.from,
        to: fax.to,
        submittedAt: fax.createdAt,
        completedAt: fax.completedAt,
        status: fax.status,
        pages: fax.pages,
        pagesDelivered: fax.pagesDelivered,
        attempts: fax.attempts,
        remoteStationId: fax.remoteStationId,
        transport: fax.transport,
        bitRate: fax.bitRate,
        durationMs: fax.durationMs,
        t30Code: fax.t30Code,
        t30Text: fax.t30Text,
        failure: fax.status === 'failed' ? adviceFor(fax.failureCode) : null,
        firstPage: pageImages.png(fax, 1, 520),
        station: new URL(config.publicUrl).host,
      });
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="transmission-report-${fax.id}.pdf"`)
        .header('cache-control', 'no-store')
        .send(Buffer.from(pdf));
    },
  );

  app.get(
    '/fax/:id/pages/:page/image',
    {
      config: { permission: 'fax:send' },
      schema: {
        tags: ['Sending'],
        summary: 'A page of a sent fax as a PNG',
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
      const fax = sentFax(partnerId(request), request.params.id);
      const png = pageImages.png(fax, request.params.page, request.query.width ?? 800);
      if (!png)
        throw Problem.notFound('page_not_found', `Fax ${fax.id} has no page ${request.params.page} image.`);
      return reply.type('image/png').header('cache-control', 'private, max-age=300').send(png);
    },
  );
};
