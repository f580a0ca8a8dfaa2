// A fax as the partner's inbox shows it (API.md "Inbox"): the summary each list item carries and the
// whole fax of GET /faxes/{id}, inbound or outbound. The fax repository's records extend these types.

import { type Static, Type } from 'typebox';
import { literals, nullable, Timestamp } from '../http/schema.ts';

export const FaxSummarySchema = Type.Object({
  id: Type.String(),
  direction: literals('inbound', 'outbound'),
  status: Type.String({ description: 'inbound: received | partial | failed; outbound: queued … delivered' }),
  externalUserId: nullable(Type.String()),
  from: nullable(Type.String()),
  to: nullable(Type.String()),
  pages: Type.Integer(),
  ocrStatus: Type.String({ description: 'pending | done | failed | skipped' }),
  extractionStatus: Type.String({ description: 'pending | done | failed | skipped' }),
  overage: Type.Boolean({ description: 'Received past the number’s monthly page allowance' }),
  createdAt: Timestamp,
  purgedAt: nullable(Timestamp),
  snippet: Type.Optional(
    Type.String({ description: 'With `q`: the matching OCR text, hits between <mark> and </mark>' }),
  ),
});

export const FaxPageDetailSchema = Type.Object({
  page: Type.Integer(),
  width: Type.Integer(),
  height: Type.Integer(),
  xResolution: Type.Integer(),
  yResolution: Type.Integer(),
  ocrText: nullable(Type.String()),
  ocrConfidence: nullable(Type.Number()),
});

export const FaxSchema = Type.Object({
  ...FaxSummarySchema.properties,
  completedAt: nullable(Timestamp),
  ocrText: nullable(Type.String()),
  ocrConfidence: nullable(Type.Number({ description: 'Mean word confidence, 0–100' })),
  extractedData: nullable(Type.Record(Type.String(), Type.Unknown())),
  evidence: nullable(Type.Record(Type.String(), Type.Unknown())),
  needsReview: nullable(
    Type.Array(Type.String(), {
      description:
        "Extracted field paths below the partner's reviewThreshold (as in fax.extracted); null before extraction",
    }),
  ),
  failureCode: nullable(Type.String()),
  retryable: nullable(Type.Boolean()),
  pagesDelivered: nullable(Type.Integer()),
  t30Code: nullable(Type.Integer()),
  t30Text: nullable(Type.String()),
  purgeAt: nullable(Timestamp),
  pageDetails: Type.Array(FaxPageDetailSchema),
  pdfUrl: nullable(Type.String({ description: 'Signed, time-limited download link; null once purged' })),
  pdfUrlExpiresAt: nullable(Timestamp),
});

export type FaxSummary = Static<typeof FaxSummarySchema>;
export type FaxPageDetail = Static<typeof FaxPageDetailSchema>;
export type Fax = Static<typeof FaxSchema>;

/** `?width=` of a page image (GET …/pages/{page}/image). */
export const PageImageQuery = Type.Object(
  { width: Type.Optional(Type.Integer({ minimum: 40, maximum: 1728, description: 'Pixels; default 800' })) },
  { additionalProperties: false },
);
