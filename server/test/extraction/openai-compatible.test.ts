// The `openai-compatible` provider against a local server speaking chat completions with JSON-schema
// structured output: grounding of a hallucinated value, a timeout then a retry, server errors, fallback.

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { textToOcrPages } from '../../../scripts/fixtures/corpus/corpus.ts';
import type { ExtractionProviderError } from '../../src/extraction/extraction-provider.ts';
import type { ExtractionSchema } from '../../src/extraction/extraction-schema.ts';
import { createOpenAiCompatibleProvider } from '../../src/extraction/openai-compatible-provider.ts';
import { createExtractionProvider } from '../../src/extraction/provider-registry.ts';

const schema: ExtractionSchema = {
  patientName: { type: 'string' },
  dob: { type: 'string' },
  insurer: { type: 'string' },
  copay: { type: 'number' },
};
const pages = textToOcrPages(['Patient Name: Jane Smith\nDate of Birth: 03/14/1985\nCopay: $25.00']);
const answer = { patientName: 'Jane Smith', dob: '1985-03-14', insurer: 'Aetna Choice POS II', copay: 25 };

type Behaviour = 'ok' | 'hang' | 'error503' | 'error400';

describe('openai-compatible provider', () => {
  let server: Server;
  let baseUrl: string;
  let script: Behaviour[] = [];
  let requests: { body: Record<string, unknown>; auth: string | undefined }[] = [];

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.on('data', (c) => {
        raw += c;
      });
      req.on('end', () => {
        requests.push({ body: JSON.parse(raw), auth: req.headers.authorization });
        const behaviour = script.shift() ?? 'ok';
        if (behaviour === 'hang') return; // never answers: the client's timeout must fire
        if (behaviour === 'error503' || behaviour === 'error400') {
          res.writeHead(behaviour === 'error503' ? 503 : 400, { 'content-type': 'application/json' });
          res.end('{"error":{"message":"nope"}}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'chatcmpl-test',
            object: 'chat.completion',
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: JSON.stringify(answer) },
                finish_reason: 'stop',
              },
            ],
            usage: { prompt_tokens: 120, completion_tokens: 30 },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    script = [];
    requests = [];
  });

  const provider = (overrides = {}) =>
    createOpenAiCompatibleProvider({
      baseUrl,
      model: 'qwen2.5-7b-instruct',
      apiKey: 'lan-key',
      timeoutMs: 300,
      backoffMs: 10,
      ...overrides,
    });

  it('sends a JSON-schema structured-output request and grounds the answer', async () => {
    const result = await provider().extract({ schema, pages });
    assert.deepEqual(result.data, { patientName: 'Jane Smith', dob: '1985-03-14', insurer: null, copay: 25 });
    assert.equal(result.evidence.dob.span.text, '03/14/1985');
    assert.equal(result.stats?.promptTokens, 120);

    const [{ body, auth }] = requests;
    assert.equal(auth, 'Bearer lan-key');
    assert.equal(body.model, 'qwen2.5-7b-instruct');
    const format = body.response_format as {
      type: string;
      json_schema: { strict: boolean; schema: { required: string[] } };
    };
    assert.equal(format.type, 'json_schema');
    assert.equal(format.json_schema.strict, true);
    assert.deepEqual(format.json_schema.schema.required, Object.keys(schema));
  });

  it('times out a silent server and retries', async () => {
    script = ['hang', 'ok'];
    const result = await provider().extract({ schema, pages });
    assert.equal(requests.length, 2);
    assert.equal(result.data.patientName, 'Jane Smith');
  });

  it('retries 5xx and gives up with a stable code', async () => {
    script = ['error503', 'ok'];
    assert.equal((await provider().extract({ schema, pages })).data.copay, 25);
    script = ['error503', 'error503', 'error503'];
    await assert.rejects(
      provider({ retries: 2 }).extract({ schema, pages }),
      (err: ExtractionProviderError) => {
        assert.equal(err.code, 'provider_bad_response');
        return true;
      },
    );
    assert.equal(requests.length, 2 + 3);
  });

  it('does not retry a 4xx', async () => {
    script = ['error400'];
    await assert.rejects(provider().extract({ schema, pages }), /answered 400/);
    assert.equal(requests.length, 1);
  });

  it('reports timeouts after the last retry, and the registry falls back to layout', async () => {
    script = ['hang', 'hang'];
    await assert.rejects(
      provider({ retries: 1 }).extract({ schema, pages }),
      (err: ExtractionProviderError) => {
        assert.equal(err.code, 'provider_timeout');
        return true;
      },
    );
    script = ['hang', 'hang'];
    const guarded = createExtractionProvider({
      provider: 'openai-compatible',
      baseUrl,
      model: 'm',
      timeoutMs: 200,
      retries: 1,
      backoffMs: 10,
    });
    const result = await guarded.extract({ schema, pages });
    assert.equal(result.provider, 'layout');
    assert.deepEqual(result.fallback, { from: 'openai-compatible', code: 'provider_timeout' });
    assert.deepEqual(result.data, { patientName: 'Jane Smith', dob: '1985-03-14', insurer: null, copay: 25 });
  });

  it('treats a connection refusal as unreachable', async () => {
    const closed = createOpenAiCompatibleProvider({
      baseUrl: 'http://127.0.0.1:9/v1',
      model: 'm',
      retries: 1,
      backoffMs: 5,
    });
    await assert.rejects(
      closed.extract({ schema, pages }),
      (err: ExtractionProviderError) => err.code === 'provider_unreachable',
    );
  });
});
