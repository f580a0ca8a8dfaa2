// An outbound fax as the partner API shows it (POST/GET/DELETE /fax): its status machine, the
// submission answer, and the optional cover page request. The fax repository's outbound record
// extends OutboundFax with what the dialer and settlement need.

import { type Static, Type } from 'typebox';
import { nullable, Timestamp } from '../http/schema.ts';
import { FAILURE_CODES } from './failure-vocabulary.ts';

export const OutboundStatusSchema = Type.Union(
  [Type.Literal('queued'), Type.Literal('sending'), Type.Literal('delivered'), Type.Literal('failed')],
  {
    description: 'queued (also while waiting for a retry) → sending → delivered | failed',
  },
);

export const OutboundFaxSchema = Type.Object({
  id: Type.String(),
  direction: Type.Literal('outbound'),
  externalUserId: Type.String(),
  from: Type.String({ description: "The user's number, sent as caller ID" }),
  to: Type.String(),
  status: OutboundStatusSchema,
  pages: Type.Integer({ description: 'Pages to send, cover page included' }),
  pagesDelivered: Type.Integer({ description: 'Pages the receiving machine confirmed' }),
  creditsReserved: Type.Integer(),
  failureCode: nullable(
    Type.String({ description: `One of ${FAILURE_CODES.join(', ')}`, enum: [...FAILURE_CODES] }),
  ),
  failureDetail: nullable(Type.String()),
  retryable: nullable(Type.Boolean()),
  t30Code: nullable(Type.Integer({ description: 'T.30 completion code of the last call (0 = OK)' })),
  t30Text: nullable(Type.String()),
  attempts: Type.Integer({ description: 'Calls placed so far' }),
  nextAttemptAt: nullable(Type.String({ format: 'date-time', description: 'When the next retry is due' })),
  callbackUrl: nullable(Type.String()),
  createdAt: Timestamp,
  completedAt: nullable(Timestamp),
});

export const SubmittedFaxSchema = Type.Object({
  id: Type.String(),
  status: Type.Literal('queued'),
  pages: Type.Integer(),
  creditsReserved: Type.Integer(),
});

export const CoverSchema = Type.Object(
  {
    subject: Type.Optional(Type.String({ maxLength: 200 })),
    notes: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);

export type OutboundStatus = Static<typeof OutboundStatusSchema>;
export type OutboundFax = Static<typeof OutboundFaxSchema>;
export type SubmittedFax = Static<typeof SubmittedFaxSchema>;
/** The cover page as stored: both fields, empty when the partner left one out. */
export type CoverRequest = Required<Static<typeof CoverSchema>>;
