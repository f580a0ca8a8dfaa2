// The `llama` provider end to end with the generated tiny GGUF (strings "Jane", numbers 42): schema-valid
// JSON through a piscina worker, grounding nulling what the text lacks, chunking, checksum refusal.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { textToOcrPages } from '../../../scripts/fixtures/corpus/corpus.ts';
import { writeTinyGguf } from '../../../scripts/fixtures/tiny-gguf.ts';
import type { ExtractionProvider } from '../../src/extraction/extraction-provider.ts';
import type { ExtractionSchema } from '../../src/extraction/extraction-schema.ts';
import { createLlamaProvider } from '../../src/extraction/llama-provider.ts';
import { hashFile, ModelStore } from '../../src/extraction/model-catalog.ts';
import { createExtractionProvider } from '../../src/extraction/provider-registry.ts';

const schema: ExtractionSchema = {
  patientName: { type: 'string' },
  insurer: { type: 'string' },
  visits: { type: 'number' },
  copay: { type: 'number' },
  urgent: { type: 'boolean' },
  provider: { type: 'object', properties: { name: { type: 'string' }, npi: { type: 'string' } } },
  medications: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
};

describe('llama provider with the tiny model', () => {
  let dir: string;
  let store: ModelStore;
  let provider: ExtractionProvider;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'faxseal-llama-'));
    writeTinyGguf(join(dir, 'tiny.gguf'));
    writeFileSync(join(dir, 'catalog.json'), JSON.stringify({ models: [] }));
    store = new ModelStore({ modelsDir: dir, cacheFile: join(dir, 'verified.json') });
    provider = createLlamaProvider({ model: 'tiny.gguf', store, threads: 1 });
  });
  after(async () => {
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns schema-shaped JSON; grounding keeps what the text supports and nulls the rest', async () => {
    const pages = textToOcrPages(['Patient: Jane Smith\nVisits requested: 42\nInsurer: Keystone Mutual']);
    const result = await provider.extract({ schema, pages });
    // The model says "Jane" for every string and 42 for every number; only some are in the text.
    assert.deepEqual(result.data, {
      patientName: 'Jane',
      insurer: 'Jane',
      visits: 42,
      copay: 42,
      urgent: null,
      provider: { name: 'Jane', npi: null },
      medications: null,
    });
    assert.equal(result.provider, 'llama');
    assert.equal(result.evidence.patientName.span.text, 'Jane');
    assert.equal(result.evidence.visits.span.text, '42');
    assert.ok(result.stats && result.stats.generatedTokens > 0 && result.stats.promptTokens > 0);
  });

  it('nulls every value when the text supports none of them', async () => {
    const pages = textToOcrPages(['Patient: Maria Lopez\nVisits requested: 12']);
    const { data, evidence } = await provider.extract({ schema, pages });
    assert.deepEqual(data, {
      patientName: null,
      insurer: null,
      visits: null,
      copay: null,
      urgent: null,
      provider: { name: null, npi: null },
      medications: null,
    });
    assert.deepEqual(evidence, {});
  });

  it('chunks long faxes and merges the answers', async () => {
    const chunked = createLlamaProvider({
      model: join(dir, 'tiny.gguf'),
      store,
      threads: 1,
      maxChunkChars: 400,
    });
    try {
      const filler = Array.from(
        { length: 30 },
        (_, i) => `Line ${i} of the clinical notes, nothing to extract.`,
      ).join('\n');
      const pages = textToOcrPages([filler, `${filler}\nPatient: Jane Smith`]);
      const result = await chunked.extract({ schema, pages });
      assert.ok(result.stats!.chunks > 2, `chunks: ${result.stats!.chunks}`);
      assert.equal(result.data.patientName, 'Jane');
      assert.equal(result.evidence.patientName.page, 2);
    } finally {
      await chunked.close();
    }
  });

  it('refuses a model whose checksum does not match the catalog, and falls back to layout', async () => {
    writeFileSync(
      join(dir, 'catalog.json'),
      JSON.stringify({ models: [{ id: 'tiny', file: 'tiny.gguf', name: 'tiny', sha256: '0'.repeat(64) }] }),
    );
    const listing = await store.verify('tiny');
    assert.equal(listing.status, 'checksum_mismatch');
    assert.equal(listing.sha256, await hashFile(join(dir, 'tiny.gguf')));
    const guarded = createExtractionProvider({ provider: 'llama', model: 'tiny', store, threads: 1 });
    try {
      const result = await guarded.extract({ schema, pages: textToOcrPages(['Patient Name: Jane Smith']) });
      assert.equal(result.provider, 'layout');
      assert.deepEqual(result.fallback, { from: 'llama', code: 'model_unavailable' });
      assert.equal(result.data.patientName, 'Jane Smith');
    } finally {
      await guarded.close();
      writeFileSync(join(dir, 'catalog.json'), JSON.stringify({ models: [] }));
    }
  });

  it('lists models present with their status', () => {
    const models = store.list();
    assert.deepEqual(
      models.map((m) => [m.file, m.status]),
      [['tiny.gguf', 'uncatalogued']],
    );
  });
});
