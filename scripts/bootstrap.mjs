#!/usr/bin/env node
// `npm start` / `npm test` / `npm run setup`: make a fresh Debian 12 machine ready, then run.
// Plain Node with no dependencies, because it runs before `npm ci`. Each step is skipped when
// its result is already there, so a second run starts in about a second.
//
//   node scripts/bootstrap.mjs start   set up, then run the appliance in the foreground
//   node scripts/bootstrap.mjs test    set up, then lint, type-check and run the whole suite
//   node scripts/bootstrap.mjs setup   set up only
//
// FAXSEAL_SKIP_SETUP=1 skips the set-up (for a machine an image already prepared).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.argv[2] ?? 'start';
const extraArgs = process.argv.slice(3);

// What each mode needs from Debian (why each package is there: scripts/system-packages.json).
const packages = JSON.parse(readFileSync(path.join(root, 'scripts', 'system-packages.json'), 'utf8'));
const RUNTIME_PACKAGES = packages.runtime;
const TEST_PACKAGES = [...packages.runtime, ...packages.test];

function log(message) {
  process.stderr.write(`[faxseal setup] ${message}\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 11)) {
    log(`Node ${process.versions.node} is too old: FaxSeal needs Node 20.11 or newer.`);
    process.exit(1);
  }
}

function missingPackages(packages) {
  return packages.filter((pkg) => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

function ensureSystemPackages(packages) {
  if (spawnSync('dpkg-query', ['--version']).status !== 0) {
    log(`not a Debian-based system: make sure these are installed: ${packages.join(' ')}`);
    return;
  }
  const missing = missingPackages(packages);
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    log(`missing system packages: ${missing.join(' ')}`);
    log(`install them with: sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
  log(`installing system packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update', '-qq'], { env }) !== 0) process.exit(1);
  if (run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env }) !== 0) {
    log('apt-get install failed (see above)');
    process.exit(1);
  }
}

function ensureNodeModules() {
  const lock = path.join(root, 'package-lock.json');
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing npm dependencies (npm ci)');
  // Electron's binary comes from GitHub, which this appliance never needs to reach: the console is
  // built with electron-vite and packaged elsewhere.
  // onnxruntime-node (PaddleOCR, an optional dependency of the OCR bench) would fetch CUDA libraries
  // from outside the npm registry; its CPU runtime ships in the package.
  const env = { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', ONNXRUNTIME_NODE_INSTALL: 'skip' };
  if (existsSync('/usr/include/node/node.h')) env.npm_config_nodedir ??= '/usr';
  if (run('npm', ['ci', '--no-audit', '--no-fund'], { env }) !== 0) process.exit(1);
}

function ensureNativeBuilds() {
  const script = path.join(root, 'scripts', 'build-native.mjs');
  if (!existsSync(script)) return;
  if (run(process.execPath, [script]) !== 0) {
    log('native build failed (see above)');
    process.exit(1);
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** The console renderer the server serves at /partner and /admin (and Electron loads). */
function ensureConsoleBuild() {
  const built = path.join(root, 'out', 'renderer', 'index.html');
  const sources = Math.max(
    newestMtime(path.join(root, 'app')),
    statSync(path.join(root, 'electron.vite.config.ts')).mtimeMs,
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  log('building the console (electron-vite build)');
  if (run(path.join(root, 'node_modules', '.bin', 'electron-vite'), ['build']) !== 0) {
    log('console build failed (see above)');
    process.exit(1);
  }
}

/** Every `*.test.ts` under the suite's folders (Node 20's runner takes no globs). */
function testFiles() {
  const found = [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.test.ts')) found.push(path.relative(root, full));
    }
  };
  for (const dir of ['server', 'native-workers', 'e2e', 'app', 'models', 'scripts'])
    walk(path.join(root, dir));
  return found.sort();
}

function exec(command, args) {
  // Foreground child: signals reach it, its exit code becomes ours.
  const child = spawn(command, args, { stdio: 'inherit', cwd: root });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

checkNode();
if (process.env.FAXSEAL_SKIP_SETUP !== '1') {
  ensureSystemPackages(mode === 'test' ? TEST_PACKAGES : RUNTIME_PACKAGES);
  ensureNodeModules();
  ensureNativeBuilds();
  ensureConsoleBuild();
}

if (mode === 'setup') {
  log('ready');
} else if (mode === 'start') {
  exec(process.execPath, ['--import', 'tsx', 'server/src/main.ts', ...extraArgs]);
} else if (mode === 'test') {
  const bin = (name) => path.join(root, 'node_modules', '.bin', name);
  log('lint and format check (biome)');
  if (run(bin('biome'), ['check', '.']) !== 0) process.exit(1);
  log('type check (tsc --noEmit)');
  for (const project of ['tsconfig.json', 'app/tsconfig.node.json', 'app/tsconfig.web.json']) {
    if (run(bin('tsc'), ['--noEmit', '-p', project]) !== 0) process.exit(1);
  }
  const files = extraArgs.length > 0 ? extraArgs : testFiles();
  log(`running ${files.length} test files`);
  // Most suites wait on real time (fax calls, retries) rather than CPU: run several files at once.
  exec(process.execPath, [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=4',
    '--test-timeout=600000',
    '--test-reporter=spec',
    ...files,
  ]);
} else {
  log(`unknown mode "${mode}": use start, test or setup`);
  process.exit(2);
}
