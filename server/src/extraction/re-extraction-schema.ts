// The answer to POST /faxes/{id}/re-extract: the fax is pending again, and the schema its next
// `fax.extracted` will be shaped like.

import { type Static, Type } from 'typebox';

export const ReExtractionSchema = Type.Object({
  faxId: Type.String(),
  extractionStatus: Type.Literal('pending'),
  extractionSchema: Type.Record(Type.String(), Type.Unknown(), {
    description: 'The schema the new fax.extracted will be shaped like',
  }),
});

export type ReExtraction = Static<typeof ReExtractionSchema>;
