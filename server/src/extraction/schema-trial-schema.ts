// "Test this schema on a received fax" (POST /extraction/trial): a draft schema and a fax in, what
// extraction would return out — nothing is stored, no webhook is sent.

import { type Static, Type } from 'typebox';
import { nullable } from '../http/schema.ts';

export const SchemaTrialRequestSchema = Type.Object(
  {
    faxId: Type.String({ minLength: 1, maxLength: 64, description: 'A received fax with OCR text' }),
    extractionSchema: Type.Unknown({ description: 'The draft schema, as PATCH /settings takes it' }),
  },
  { additionalProperties: false },
);
export type SchemaTrialRequest = Static<typeof SchemaTrialRequestSchema>;

export const TrialEvidenceSchema = Type.Object({
  page: Type.Integer(),
  span: Type.Object({ start: Type.Integer(), end: Type.Integer(), text: Type.String() }),
  bbox: nullable(Type.Object({ x0: Type.Number(), y0: Type.Number(), x1: Type.Number(), y1: Type.Number() })),
  confidence: Type.Number(),
});

export const SchemaTrialSchema = Type.Object({
  faxId: Type.String(),
  provider: Type.String(),
  extractedData: Type.Record(Type.String(), Type.Unknown()),
  evidence: Type.Record(Type.String(), TrialEvidenceSchema),
  ms: Type.Integer(),
});
export type SchemaTrial = Static<typeof SchemaTrialSchema>;
