// Partner extraction endpoints: re-extract one fax with the partner's current schema (a schema change
// otherwise applies only to faxes received after it). The result arrives as a new fax.extracted.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { partnerId } from '../http/plugins/partner-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { requestReExtraction } from '../pipeline/extract-job.ts';

export const extractionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/faxes/:id/re-extract',
    {
      schema: {
        tags: ['Extraction'],
        summary: 'Re-extract a fax with the current schema',
        description:
          'Runs extraction again on a received fax with your current `extractionSchema`; the result arrives as a new `fax.extracted` webhook (a new event id) shaped like that schema.',
        security: [{ partnerKey: [] }],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: {
          202: Type.Object({
            faxId: Type.String(),
            extractionStatus: Type.Literal('pending'),
            extractionSchema: Type.Record(Type.String(), Type.Unknown(), {
              description: 'The schema the new fax.extracted will be shaped like',
            }),
          }),
          ...problemResponses(401, 404, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const faxId = request.params.id;
      const result = requestReExtraction(app.services, partnerId(request), faxId);
      if (result.ok) {
        request.log.info({ faxId, jobId: result.jobId }, 're-extraction queued');
        return reply.code(202).send({ faxId, extractionStatus: 'pending', extractionSchema: result.schema });
      }
      switch (result.code) {
        case 'fax_not_found':
          throw Problem.notFound(result.code, `No fax ${faxId} in your account.`);
        case 'fax_purged':
          throw Problem.conflict(result.code, 'This fax was purged under your retention policy.');
        case 'ocr_not_ready':
          throw Problem.conflict(result.code, 'This fax has no OCR text yet (or none could be read).');
        case 'extraction_schema_not_set':
          throw Problem.conflict(result.code, 'Set `extractionSchema` in PATCH /api/partner/settings first.');
      }
    },
  );
};
