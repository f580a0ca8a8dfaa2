// Answers the Electron window's `faxseal-console://console/…` requests: the built renderer's files,
// and `/servers/<profileId>/api/…` forwarded to that profile's appliance. Forwarding from main
// keeps the renderer same-origin (no CORS on the server) while it still speaks plain HTTP.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ServerProfile } from '../shared/console-bridge.ts';

export interface ConsoleProtocolOptions {
  /** The renderer build (`out/renderer`). */
  rendererDir: string;
  profile(id: string): ServerProfile | null;
  /** Electron's `net.fetch` in the app; global fetch in tests. */
  fetch(url: string, init: RequestInit): Promise<Response>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Request headers worth passing to the appliance; cookies, origin and the like stay behind. */
const FORWARDED_REQUEST_HEADERS = [
  'accept',
  'authorization',
  'content-type',
  'idempotency-key',
  'x-request-id',
];
/** Set by the transport, not by the body we hand back. */
const DROPPED_RESPONSE_HEADERS = new Set([
  'content-encoding',
  'content-length',
  'transfer-encoding',
  'connection',
]);

export function createConsoleRequestHandler(options: ConsoleProtocolOptions) {
  const root = path.resolve(options.rendererDir);

  const problem = (status: number, code: string, detail: string) =>
    new Response(JSON.stringify({ type: 'about:blank', title: detail, status, code, detail }), {
      status,
      headers: { 'content-type': 'application/problem+json' },
    });

  const forward = async (request: Request, profileId: string, rest: string, search: string) => {
    const profile = options.profile(profileId);
    if (!profile) return problem(404, 'profile_not_found', `No saved server profile ${profileId}.`);
    if (!rest.startsWith('/api/')) return problem(404, 'route_not_found', 'Only /api/ is forwarded.');
    const headers = new Headers();
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = request.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    let upstream: Response;
    try {
      upstream = await options.fetch(profile.url + rest + search, {
        method: request.method,
        headers,
        body: hasBody ? await request.arrayBuffer() : undefined,
        redirect: 'manual',
      });
    } catch (error) {
      return problem(502, 'server_unreachable', `${profile.url} did not answer: ${(error as Error).message}`);
    }
    const responseHeaders = new Headers();
    upstream.headers.forEach((value, name) => {
      if (!DROPPED_RESPONSE_HEADERS.has(name)) responseHeaders.set(name, value);
    });
    const body = upstream.status === 204 || request.method === 'HEAD' ? null : await upstream.arrayBuffer();
    return new Response(body, { status: upstream.status, headers: responseHeaders });
  };

  const serveFile = async (pathname: string) => {
    // Page paths (/partner/inbox/fax_…, history routing) get the shell, with a base so that its
    // relative asset URLs still resolve at the root.
    if (path.posix.extname(pathname) === '') {
      const html = await readFile(path.join(root, 'index.html'), 'utf8').catch(() => null);
      if (html === null) return problem(404, 'not_found', 'The console build has no index.html.');
      return new Response(html.replace(/<head>/i, '<head><base href="/" />'), {
        status: 200,
        headers: { 'content-type': CONTENT_TYPES['.html'] },
      });
    }
    const relative = decodeURIComponent(pathname);
    const file = path.resolve(root, `.${relative}`);
    if (file !== root && !file.startsWith(root + path.sep)) return problem(404, 'not_found', 'Not found.');
    try {
      const bytes = await readFile(file);
      const type = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
      return new Response(bytes, { status: 200, headers: { 'content-type': type } });
    } catch {
      return problem(404, 'not_found', `No file ${relative} in the console build.`);
    }
  };

  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const server = /^\/servers\/([^/]+)(\/.*)$/.exec(url.pathname);
    if (server) return forward(request, decodeURIComponent(server[1]), server[2], url.search);
    return serveFile(url.pathname);
  };
}
