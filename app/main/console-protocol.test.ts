import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CONSOLE_ORIGIN } from '../shared/console-bridge.ts';
import { createConsoleRequestHandler } from './console-protocol.ts';

describe('console protocol', () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'faxseal-renderer-'));
  const dir = path.join(base, 'renderer');
  const seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(req.url?.startsWith('/api/missing') ? 404 : 201, {
        'content-type': req.url?.startsWith('/api/missing') ? 'application/problem+json' : 'application/json',
        'x-request-id': 'r1',
      });
      res.end(JSON.stringify({ code: 'ok', echoed: body }));
    });
  });
  let handle: (request: Request) => Promise<Response>;

  before(async () => {
    mkdirSync(path.join(dir, 'assets'), { recursive: true });
    writeFileSync(
      path.join(dir, 'index.html'),
      '<!doctype html><html><head><title>console</title></head></html>',
    );
    writeFileSync(path.join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(path.join(base, 'secret.txt'), 'not for the renderer');
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as AddressInfo).port;
    handle = createConsoleRequestHandler({
      rendererDir: dir,
      profile: (id) => (id === 'lab' ? { id, name: 'Lab', url: `http://127.0.0.1:${port}` } : null),
      fetch: (url, init) => fetch(url, init),
    });
  });
  after(() => {
    upstream.close();
    rmSync(base, { recursive: true, force: true });
  });

  test('serves the renderer build with content types, and nothing outside it', async () => {
    const index = await handle(new Request(`${CONSOLE_ORIGIN}/`));
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await index.text(), /console/);
    const script = await handle(new Request(`${CONSOLE_ORIGIN}/assets/index-abc.js`));
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const outside = await handle(new Request(`${CONSOLE_ORIGIN}/..%2Fsecret.txt`));
    assert.equal(outside.status, 404);
    assert.equal((await handle(new Request(`${CONSOLE_ORIGIN}/nope.js`))).status, 404);
  });

  test('answers page paths (history routing) with the shell, based at the root', async () => {
    const page = await handle(new Request(`${CONSOLE_ORIGIN}/partner/inbox/fax_123`));
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    const html = await page.text();
    assert.match(html, /<base href="\/" \/>/);
    assert.match(html, /console/);
  });

  test("forwards /servers/<profile>/api/… to the profile's server with the bearer token", async () => {
    const response = await handle(
      new Request(`${CONSOLE_ORIGIN}/servers/lab/api/partner/numbers?limit=5`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk_partner_x', 'content-type': 'application/json', cookie: 'a=b' },
        body: '{"externalUserId":"u1","tier":"personal"}',
      }),
    );
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('x-request-id'), 'r1');
    assert.deepEqual(await response.json(), {
      code: 'ok',
      echoed: '{"externalUserId":"u1","tier":"personal"}',
    });
    const last = seen.at(-1)!;
    assert.equal(last.method, 'POST');
    assert.equal(last.url, '/api/partner/numbers?limit=5');
    assert.equal(last.headers.authorization, 'Bearer sk_partner_x');
    assert.equal(last.headers.cookie, undefined);

    const problem = await handle(new Request(`${CONSOLE_ORIGIN}/servers/lab/api/missing`));
    assert.equal(problem.status, 404);
    assert.equal(problem.headers.get('content-type'), 'application/problem+json');
  });

  test('refuses unknown profiles, paths other than /api/ and unreachable servers as problems', async () => {
    const unknown = await handle(new Request(`${CONSOLE_ORIGIN}/servers/other/api/partner/numbers`));
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'profile_not_found');
    const docs = await handle(new Request(`${CONSOLE_ORIGIN}/servers/lab/docs`));
    assert.equal(docs.status, 404);

    const down = createConsoleRequestHandler({
      rendererDir: dir,
      profile: (id) => ({ id, name: 'Down', url: 'http://127.0.0.1:9' }),
      fetch: (url, init) => fetch(url, init),
    });
    const refused = await down(new Request(`${CONSOLE_ORIGIN}/servers/x/api/partner/numbers`));
    assert.equal(refused.status, 502);
    assert.equal(((await refused.json()) as { code: string }).code, 'server_unreachable');
  });
});
