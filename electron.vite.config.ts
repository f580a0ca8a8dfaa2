// Builds the desktop console: main and preload for Electron, and the React renderer that the
// server also serves at /partner and /admin. Output in out/{main,preload,renderer}.

import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: { outDir: resolve(root, 'out/main'), lib: { entry: resolve(root, 'app/main/index.ts') } },
  },
  preload: {
    // A sandboxed preload must be CommonJS.
    build: {
      outDir: resolve(root, 'out/preload'),
      lib: { entry: resolve(root, 'app/preload/index.ts'), formats: ['cjs'], fileName: () => 'index.cjs' },
    },
  },
  renderer: {
    root: resolve(root, 'app/renderer'),
    // Relative asset URLs: the same build works at /partner/, /admin/ and from the desktop scheme.
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      // Served over the LAN by the appliance too: ship it small.
      minify: true,
      // One bundle of React + MUI (~540 kB, ~160 kB gzipped) is fine for a console.
      chunkSizeWarningLimit: 800,
      rollupOptions: { input: resolve(root, 'app/renderer/index.html') },
    },
  },
});
