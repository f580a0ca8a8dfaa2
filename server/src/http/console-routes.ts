// Serves the console's renderer build (`out/renderer`, from `npm run build:console`) at /partner/
// and /admin/: one single-page app with history routing, so every page path (/partner/inbox/fax_…)
// answers index.html. Without a build those paths answer a problem that says how to make one.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { Problem } from './problem.ts';

export const CONSOLE_PATHS = ['/partner/', '/admin/'] as const;

export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../../out/renderer', import.meta.url));

export interface ConsoleRoutesOptions {
  /** The renderer build; defaults to `out/renderer` at the repository root. */
  rendererDir?: string;
}

export const consoleRoutes: FastifyPluginAsync<ConsoleRoutesOptions> = async (app, options) => {
  const root = path.resolve(options.rendererDir ?? DEFAULT_RENDERER_DIR);
  if (!existsSync(path.join(root, 'index.html'))) {
    app.log.warn({ rendererDir: root }, 'console not built: /partner and /admin answer 404 until it is');
    const notBuilt = async () => {
      throw Problem.notFound(
        'console_not_built',
        'The console has not been built on this appliance: run `npm run build:console`, then restart.',
      );
    };
    for (const prefix of CONSOLE_PATHS) {
      app.get(prefix.slice(0, -1), { schema: { hide: true } }, notBuilt);
      app.get(`${prefix}*`, { schema: { hide: true } }, notBuilt);
    }
    return;
  }
  for (const prefix of CONSOLE_PATHS) {
    // `/partner` → `/partner/`, so the build's relative asset URLs resolve under the prefix.
    app.get(prefix.slice(0, -1), { schema: { hide: true } }, (_request, reply) => reply.redirect(prefix));
    await app.register(fastifyStatic, {
      root,
      prefix,
      // Several static mounts may exist in the app; none needs reply.sendFile.
      decorateReply: false,
      // Only the build's files: every other path under the prefix is a page (below).
      wildcard: false,
      index: 'index.html',
      setHeaders: (reply, file) => {
        // Asset names carry a content hash; index.html must be revalidated to pick up a new build.
        reply.header(
          'cache-control',
          file.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
        );
      },
    });
    app.get(`${prefix}*`, { schema: { hide: true } }, async (request, reply) => {
      const pathname = request.url.split('?')[0];
      // A missing asset (a stale tab asking for an old hash) is a 404, not the page shell.
      if (path.posix.extname(pathname) !== '') {
        throw Problem.notFound('not_found', `No file ${pathname} in the console build.`);
      }
      const html = await readFile(path.join(root, 'index.html'), 'utf8');
      return reply
        .header('cache-control', 'no-cache')
        .type('text/html; charset=utf-8')
        .send(withBase(html, prefix));
    });
  }
};

/**
 * The build's asset URLs are relative (`./assets/…`, so one build serves both prefixes and the
 * desktop scheme); a page at /partner/inbox/fax_1 resolves them against the prefix.
 */
export function withBase(html: string, base: string): string {
  return html.replace(/<head>/i, `<head><base href="${base}" />`);
}
