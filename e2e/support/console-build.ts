// Makes sure `out/renderer` holds a build of the current console sources: builds it with
// electron-vite (the same build as `npm run build:console`) when it is missing or older than them.

import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RENDERER_BUILD = path.join(REPO_ROOT, 'out', 'renderer');

const SOURCES = ['app/renderer', 'app/shared', 'electron.vite.config.ts'];

export async function ensureConsoleBuilt(): Promise<{ built: boolean; ms: number }> {
  const started = Date.now();
  const index = path.join(RENDERER_BUILD, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestSource()) return { built: false, ms: 0 };
  // The build never runs Electron; this only keeps a stray install step from fetching its binary.
  process.env.ELECTRON_SKIP_BINARY_DOWNLOAD = '1';
  const { build } = await import('electron-vite');
  await build({ configFile: path.join(REPO_ROOT, 'electron.vite.config.ts'), logLevel: 'warn' });
  if (!existsSync(index)) throw new Error(`electron-vite build did not write ${index}`);
  return { built: true, ms: Date.now() - started };
}

function newestSource(): number {
  let newest = 0;
  const visit = (file: string) => {
    const stat = statSync(file);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(file)) visit(path.join(file, entry));
    } else if (!file.endsWith('.test.ts')) newest = Math.max(newest, stat.mtimeMs);
  };
  for (const source of SOURCES) visit(path.join(REPO_ROOT, source));
  return newest;
}
