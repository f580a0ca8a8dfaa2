// A sent fax's history for the portal (GET /fax/{id}/timeline): what happened when, from the events
// the appliance recorded, and its failure in plain words with what to do.

import { type Static, Type } from 'typebox';
import { literals, nullable, Timestamp } from '../http/schema.ts';

export const TimelineEntrySchema = Type.Object({
  at: Timestamp,
  step: literals('queued', 'sending', 'delivered', 'failed', 'retry_scheduled'),
  attempt: nullable(Type.Integer()),
  pagesDelivered: nullable(Type.Integer()),
  detail: nullable(Type.String()),
});

export const FailureAdviceSchema = Type.Object({
  code: Type.String(),
  summary: Type.String(),
  whatToDo: Type.String(),
});

export const SentFaxTimelineSchema = Type.Object({
  faxId: Type.String(),
  entries: Type.Array(TimelineEntrySchema, { description: 'Oldest first' }),
  failure: nullable(FailureAdviceSchema),
  remoteStationId: nullable(Type.String({ description: "The receiving machine's CSI" })),
  transport: nullable(literals('t38', 'audio')),
  bitRate: nullable(Type.Integer()),
  durationMs: nullable(Type.Integer()),
});

export type TimelineEntry = Static<typeof TimelineEntrySchema>;
export type SentFaxTimeline = Static<typeof SentFaxTimelineSchema>;
