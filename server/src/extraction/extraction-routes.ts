// Partner extraction endpoints: re-extract one fax with the partner's current schema (a schema change
// otherwise applies only to faxes received after it). The result arrives as a new fax.extracted.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { partnerId } from '../http/plugins/partner-auth.ts';
import { problemResponses } from '../http/problem.ts';
import { requestReExtraction } from './extract-job.ts';
import { ReExtractionSchema } from './re-extraction-schema.ts';

export const extractionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/faxes/:id/re-extract',
    {
      config: { permission: 'inbox:read' },
      schema: {
        tags: ['Extraction'],
        summary: 'Re-extract a fax with the current schema',
        description:
          'Runs extraction again on a received fax with your current `extractionSchema`; the result arrives as a new `fax.extracted` webhook (a new event id) shaped like that schema.',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: {
          202: ReExtractionSchema,
          ...problemResponses(401, 404, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const faxId = request.params.id;
      const { jobId, schema } = requestReExtraction(app.services, partnerId(request), faxId);
      request.log.info({ faxId, jobId }, 're-extraction queued');
      return reply.code(202).send({ faxId, extractionStatus: 'pending', extractionSchema: schema });
    },
  );
};
