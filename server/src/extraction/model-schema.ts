// The extraction models and provider as the admin API shows them (GET /api/admin/models): each GGUF
// file with its catalog entry and checksum status, and the provider this appliance runs.

import { type Static, Type } from 'typebox';
import { literals, nullable } from '../http/schema.ts';

export const CatalogEntrySchema = Type.Object({
  source: Type.String(),
  sizeBytes: Type.Integer(),
  ramBytes: Type.Integer(),
  licence: Type.String(),
  sha256: nullable(Type.String()),
  contextLength: Type.Integer(),
  recommendedFor: Type.Optional(Type.String()),
  tokensPerSecond: Type.Object({
    estimate: Type.Boolean(),
    cores2: Type.Number(),
    cores4: Type.Number(),
    cores8: Type.Number(),
    cores16: Type.Number(),
  }),
});

export const ModelStatusSchema = Type.Union(
  [
    Type.Literal('verified'),
    Type.Literal('unverified'),
    Type.Literal('uncatalogued'),
    Type.Literal('checksum_mismatch'),
    Type.Literal('missing'),
  ],
  {
    description:
      'verified: sha256 matches the catalog; unverified: not hashed yet, or the catalog has no sha256; uncatalogued: present but not in the catalog; checksum_mismatch: refused by the loader; missing: in the catalog, not on disk',
  },
);

export const ModelSchema = Type.Object({
  id: nullable(Type.String({ description: 'Catalog id; null for a file the catalog does not list' })),
  name: Type.String(),
  file: Type.String(),
  path: Type.String(),
  status: ModelStatusSchema,
  sizeBytes: nullable(Type.Integer()),
  sha256: nullable(Type.String({ description: 'Hash of the file on disk, once computed' })),
  catalog: nullable(CatalogEntrySchema),
});

export const ProviderSchema = Type.Object({
  name: literals('layout', 'rules', 'llama', 'openai-compatible'),
  chosen: Type.Union([Type.Literal('configured'), Type.Literal('automatic')], {
    description:
      'configured: FAXSEAL_EXTRACTION_PROVIDER; automatic: llama (layout reading, the model filling the rest) because a model is in models/, else layout (decided at start)',
  }),
  settings: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Null()]), {
    description: 'Model, threads, server URL…; secrets show only whether they are set',
  }),
});

export const ModelsSchema = Type.Object({ provider: ProviderSchema, models: Type.Array(ModelSchema) });

export type CatalogEntry = Static<typeof CatalogEntrySchema>;
export type ModelStatus = Static<typeof ModelStatusSchema>;
export type Model = Static<typeof ModelSchema>;
export type Provider = Static<typeof ProviderSchema>;
export type Models = Static<typeof ModelsSchema>;
