// Sending faxes over the partner API: POST /fax (multipart PDF upload or JSON with a document URL),
// GET /fax/{id}, GET /fax (outbound list), DELETE /fax/{id} (cancel while queued or retrying).

import { createHash } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { DomainError } from '../domain-error.ts';
import { listPage } from '../http/pagination.ts';
import { partnerId } from '../http/plugins/partner-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { ExternalUserId, Page, PageQuery } from '../http/schema.ts';
import { documentError, fetchDocument } from './fax-document.ts';
import {
  CoverSchema,
  OutboundFaxSchema,
  OutboundStatusSchema,
  type SubmittedFax,
  SubmittedFaxSchema,
} from './outbound-fax-schema.ts';
import { outboundFaxNotFound } from './outbound-faxes.ts';

/**
 * An uploaded file as the request body carries it. Its JSON form is its digest, so the idempotency
 * plugin (which hashes the JSON of the body) tells two uploads apart by their bytes.
 */
class UploadedFile {
  constructor(
    readonly bytes: Buffer,
    readonly truncated: boolean,
  ) {}
  toJSON() {
    return { sha256: createHash('sha256').update(this.bytes).digest('hex'), size: this.bytes.length };
  }
}

const FaxParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const faxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { outbound, webhooks, faxes } = app.services;
  const sending = outbound.faxes;

  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    // Over-size files are cut, flagged and refused with document_too_large below, not a parser error.
    throwFileSizeLimit: false,
    limits: { fileSize: sending.limits.maxBytes, files: 1, fields: 10, fieldSize: 64 * 1024 },
    async onFile(part) {
      const chunks: Buffer[] = [];
      for await (const chunk of part.file) chunks.push(chunk as Buffer);
      (part as unknown as { _buf: unknown })._buf = new UploadedFile(
        Buffer.concat(chunks),
        part.file.truncated,
      );
    },
  });

  // busboy fails on a multipart body it cannot read (no boundary, one over 256 characters, a body
  // cut short) with a plain Error while the body is parsed, before any of our code sees it: that
  // is the client's mistake, answered 400, never a 500. The hook after the parser marks bodies read.
  const bodiesRead = new WeakSet<FastifyRequest>();
  app.addHook('preValidation', async (request) => {
    bodiesRead.add(request);
  });
  app.setErrorHandler((error, request) => {
    const unexpected =
      !(error instanceof Problem) && !(error instanceof DomainError) && !(error as FastifyError).statusCode;
    if (unexpected && request.isMultipart() && !bodiesRead.has(request)) {
      throw new Problem(400, 'invalid_multipart', 'Malformed multipart body', (error as Error).message);
    }
    throw error;
  });

  app.post(
    '/fax',
    {
      schema: {
        tags: ['Sending'],
        summary: 'Send a fax',
        description:
          "multipart/form-data with `file` (PDF) and the fields below (`cover` as JSON text), or JSON with `url` (fetched under the same address policy as webhooks). The user's number is the caller ID. 1 credit per page (cover included) is reserved now and settled on completion: pages not sent are refunded.",
        security: [{ partnerKey: [] }],
        consumes: ['application/json', 'multipart/form-data'],
        body: Type.Object(
          {
            externalUserId: ExternalUserId,
            to: Type.String({ maxLength: 32, description: 'E.164 US number, e.g. +12125550123' }),
            url: Type.Optional(
              Type.String({ maxLength: 2048, description: 'JSON only: where to fetch the PDF' }),
            ),
            file: Type.Optional(Type.Unsafe<UploadedFile>({ description: 'multipart only: the PDF' })),
            callbackUrl: Type.Optional(Type.String({ maxLength: 2048 })),
            cover: Type.Optional(Type.Union([CoverSchema, Type.String({ maxLength: 8192 })])),
          },
          { additionalProperties: false },
        ),
        response: {
          202: SubmittedFaxSchema,
          ...problemResponses(400, 401, 402, 409, 413, 415, 422, 429),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      sending.checkFields(body);
      const cover = parseCover(body.cover);
      let pdf: Buffer;
      if (body.file instanceof UploadedFile) {
        if (body.url)
          throw Problem.validation([{ field: '/body/url', message: 'send either a file or a url' }]);
        if (body.file.truncated)
          throw documentError(
            'document_too_large',
            `The file is larger than ${sending.limits.maxBytes} bytes.`,
          );
        pdf = body.file.bytes;
      } else if (body.url) {
        const fetched = await fetchDocument(webhooks.urlPolicy, body.url, sending.limits.maxBytes);
        if (!fetched.ok) throw documentError(fetched.code, fetched.detail);
        pdf = fetched.bytes;
      } else {
        throw Problem.validation([
          {
            field: '/body/file',
            message: 'a PDF is required: upload `file` (multipart) or give `url` (JSON)',
          },
        ]);
      }
      const fax = await sending.submit({
        partnerId: partnerId(request),
        externalUserId: body.externalUserId,
        to: body.to,
        callbackUrl: body.callbackUrl ?? null,
        cover,
        pdf,
      });
      const submitted: SubmittedFax = {
        id: fax.id,
        status: 'queued',
        pages: fax.pages,
        creditsReserved: fax.creditsReserved,
      };
      return reply.code(202).send(submitted);
    },
  );

  app.get(
    '/fax/:id',
    {
      schema: {
        tags: ['Sending'],
        summary: 'One outbound fax',
        security: [{ partnerKey: [] }],
        params: FaxParams,
        response: { 200: OutboundFaxSchema, ...problemResponses(401, 404, 429) },
      },
    },
    async (request) => {
      const fax = faxes.outboundForPartner(partnerId(request), request.params.id);
      if (!fax) throw outboundFaxNotFound(request.params.id);
      return fax;
    },
  );

  app.get(
    '/fax',
    {
      schema: {
        tags: ['Sending'],
        summary: 'List outbound faxes, newest first',
        security: [{ partnerKey: [] }],
        querystring: Type.Object(
          {
            ...PageQuery,
            status: Type.Optional(OutboundStatusSchema),
            externalUserId: Type.Optional(ExternalUserId),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Page(OutboundFaxSchema),
          ...problemResponses(400, 401, 429),
        },
      },
    },
    async (request) => {
      return listPage(request.query, (window) =>
        faxes.listOutbound(partnerId(request), {
          ...window,
          status: request.query.status,
          externalUserId: request.query.externalUserId,
        }),
      );
    },
  );

  app.delete(
    '/fax/:id',
    {
      schema: {
        tags: ['Sending'],
        summary: 'Cancel a fax that is queued or waiting for a retry',
        description:
          'It ends `failed` with `failureCode: canceled`; credits for pages not sent are refunded.',
        security: [{ partnerKey: [] }],
        params: FaxParams,
        response: { 200: OutboundFaxSchema, ...problemResponses(401, 404, 409, 429) },
      },
    },
    async (request) => {
      return sending.cancel(partnerId(request), request.params.id);
    },
  );
};

function parseCover(raw: unknown): { subject?: string; notes?: string } | null {
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw !== 'string') return raw as { subject?: string; notes?: string };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw Problem.validation([
      { field: '/body/cover', message: 'must be JSON: {"subject": "…", "notes": "…"}' },
    ]);
  }
  const ok =
    typeof parsed === 'object' &&
    parsed !== null &&
    Object.entries(parsed).every(
      ([k, v]) => (k === 'subject' || k === 'notes') && typeof v === 'string' && v.length <= 4000,
    );
  if (!ok)
    throw Problem.validation([
      { field: '/body/cover', message: 'must be {"subject": string, "notes": string}' },
    ]);
  return parsed as { subject?: string; notes?: string };
}
