// Partner extraction endpoints: re-extract one fax with the partner's current schema (a schema change
// otherwise applies only to faxes received after it). The result arrives as a new fax.extracted.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditActor, partnerId } from '../http/plugins/partner-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { requestReExtraction } from './extract-job.ts';
import { type ExtractionSchema, validateExtractionSchema } from './extraction-schema.ts';
import { ReExtractionSchema } from './re-extraction-schema.ts';
import { SchemaTrialRequestSchema, SchemaTrialSchema } from './schema-trial-schema.ts';

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

  app.post(
    '/extraction/trial',
    {
      // It reads a fax's content and shows what the schema pulls out of it.
      config: { permission: 'inbox:read' },
      schema: {
        tags: ['Extraction'],
        summary: 'Test a draft schema on a received fax',
        description:
          'Runs extraction with `extractionSchema` (not saved) on one of your received faxes and returns the data and evidence it would produce. Nothing is stored and no webhook is sent.',
        security: [{ partnerKey: [] }],
        body: SchemaTrialRequestSchema,
        response: { 200: SchemaTrialSchema, ...problemResponses(400, 401, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      const { faxId, extractionSchema } = request.body;
      const problems = validateExtractionSchema(extractionSchema, '/body/extractionSchema');
      if (problems.length > 0) {
        throw new Problem(400, 'invalid_schema', 'The extraction schema is not valid', problems[0].message, {
          errors: problems.map((p) => ({ field: p.path, message: p.message })),
        });
      }
      const fax = app.services.faxes.getForPartner(partnerId(request), faxId);
      if (fax?.direction !== 'inbound') throw Problem.notFound('fax_not_found', `No fax ${faxId}.`);
      if (fax.purgedAt) throw new Problem(409, 'fax_purged', 'This fax was purged', 'Its text is gone.');
      if (fax.ocrStatus !== 'done')
        throw new Problem(409, 'ocr_not_ready', 'This fax has no OCR text yet', 'Try again in a moment.');
      const runtime = app.services.running.extraction;
      if (!runtime)
        throw new Problem(503, 'extraction_not_running', 'Extraction is not running', 'Try again shortly.');
      const started = performance.now();
      const result = await runtime.trial(extractionSchema as ExtractionSchema, faxId, partnerId(request));
      app.services.audit.record({
        ...auditActor(request),
        action: 'fax.schema_trial',
        targetType: 'fax',
        targetId: faxId,
        details: { fields: Object.keys(result.evidence).length },
      });
      return {
        faxId,
        provider: result.provider,
        extractedData: result.data,
        evidence: result.evidence,
        ms: Math.round(performance.now() - started),
      };
    },
  );
};
