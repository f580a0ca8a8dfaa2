// Serves the console's renderer build (`out/renderer`, from `npm run build:console`) at /partner/
// and /admin/: one single-page app, whose pages live in the URL hash. Without a build those paths
// answer a problem that says how to make one, instead of a bare 404.

import { existsSync } from 'node:fs';
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
      index: 'index.html',
      setHeaders: (reply, file) => {
        // Asset names carry a content hash; index.html must be revalidated to pick up a new build.
        reply.header(
          'cache-control',
          file.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
        );
      },
    });
  }
};
