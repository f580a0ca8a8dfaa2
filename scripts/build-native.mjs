// Builds the spandsp N-API addon (native-workers/spandsp) with the node-gyp that ships inside npm.
// Skips the build when the .node file is newer than every source; never downloads Node headers.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const addonDir = join(root, 'native-workers', 'spandsp');
const product = join(addonDir, 'build', 'Release', 'faxseal_spandsp.node');
// Debian puts spandsp.h under the multiarch include dir (e.g. /usr/include/x86_64-linux-gnu), which gcc searches.
const hasSpandspHeader = () =>
  existsSync('/usr/include/spandsp.h') ||
  readdirSync('/usr/include').some(
    (dir) => dir.endsWith('-linux-gnu') && existsSync(join('/usr/include', dir, 'spandsp.h')),
  );

function fail(code, message) {
  console.error(`build-native: ${code}: ${message}`);
  process.exit(1);
}

function newestSourceMtime() {
  const sources = [join(addonDir, 'binding.gyp')];
  for (const name of readdirSync(join(addonDir, 'src'))) sources.push(join(addonDir, 'src', name));
  return Math.max(...sources.map((file) => statSync(file).mtimeMs));
}

function findNodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) {
    return process.env.npm_config_node_gyp;
  }
  const candidates = [];
  // npm's own directory, found from the running npm (npm_execpath) or from the global root.
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '..'));
  try {
    const globalRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
    candidates.push(join(globalRoot, 'npm'));
  } catch {
    // npm not on PATH: the other candidates may still work.
  }
  for (const npmDir of candidates) {
    try {
      return createRequire(join(npmDir, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
    } catch {
      const direct = join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
      if (existsSync(direct)) return direct;
    }
  }
  return fail('ERR_NODE_GYP_MISSING', 'cannot find the node-gyp bundled with npm; set npm_config_node_gyp');
}

if (!hasSpandspHeader()) {
  fail(
    'ERR_SPANDSP_MISSING',
    'spandsp.h not found: install the Debian package libspandsp-dev (apt-get install libspandsp-dev libtiff-dev)',
  );
}

const force = process.argv.includes('--force');
if (!force && existsSync(product) && statSync(product).mtimeMs > newestSourceMtime()) {
  console.log('build-native: faxseal_spandsp.node is up to date');
  process.exit(0);
}

const nodeGyp = findNodeGyp();
const args = [nodeGyp, 'rebuild', '--release'];
if (existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
const started = Date.now();
const result = spawnSync(process.execPath, args, { cwd: addonDir, stdio: 'inherit' });
if (result.status !== 0) fail('ERR_NATIVE_BUILD', `node-gyp exited with ${result.status ?? result.signal}`);
console.log(`build-native: built ${product} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
