// Builds the N-API addons (native-workers/spandsp, native-workers/tesseract) with the node-gyp that
// ships inside npm. Skips an addon whose .node file is newer than every source; never downloads Node headers.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Each addon, the Debian header it compiles against and the packages that bring it. An optional
 * addon that cannot be built is a warning: the appliance falls back (tesseract.js for OCR).
 */
const ADDONS = [
  {
    dir: 'spandsp',
    product: 'faxseal_spandsp.node',
    header: 'spandsp.h',
    packages: 'libspandsp-dev libtiff-dev',
    optional: false,
  },
  {
    dir: 'tesseract',
    product: 'faxseal_tesseract.node',
    header: 'tesseract/baseapi.h',
    packages: 'libtesseract-dev libleptonica-dev',
    optional: true,
  },
];

// Debian puts some headers under the multiarch include dir (e.g. /usr/include/x86_64-linux-gnu), which gcc searches.
const hasHeader = (header) =>
  existsSync(join('/usr/include', header)) ||
  readdirSync('/usr/include').some(
    (dir) => dir.endsWith('-linux-gnu') && existsSync(join('/usr/include', dir, header)),
  );

function fail(code, message) {
  console.error(`build-native: ${code}: ${message}`);
  process.exit(1);
}

function newestSourceMtime(addonDir) {
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

/** Builds one addon; returns an error message instead of exiting, so optional addons can be skipped. */
function buildAddon(addon, force) {
  const addonDir = join(root, 'native-workers', addon.dir);
  const product = join(addonDir, 'build', 'Release', addon.product);
  if (!hasHeader(addon.header)) {
    return `${addon.header} not found: install the Debian packages ${addon.packages} (apt-get install ${addon.packages})`;
  }
  if (!force && existsSync(product) && statSync(product).mtimeMs > newestSourceMtime(addonDir)) {
    console.log(`build-native: ${addon.product} is up to date`);
    return null;
  }
  const args = [findNodeGyp(), 'rebuild', '--release'];
  if (existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
  const started = Date.now();
  const result = spawnSync(process.execPath, args, { cwd: addonDir, stdio: 'inherit' });
  if (result.status !== 0) return `node-gyp exited with ${result.status ?? result.signal}`;
  console.log(`build-native: built ${product} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return null;
}

const force = process.argv.includes('--force');
for (const addon of ADDONS) {
  const error = buildAddon(addon, force);
  if (!error) continue;
  if (!addon.optional) fail('ERR_NATIVE_BUILD', `${addon.dir}: ${error}`);
  console.warn(
    `build-native: warning: ${addon.dir} addon not built (${error}); the appliance falls back without it`,
  );
}
