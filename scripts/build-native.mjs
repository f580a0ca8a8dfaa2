// Builds the project's N-API addons (ADDONS below) with the node-gyp that ships inside npm, against
// the headers of the Node running this script. Skips an addon when its .node file is newer than
// every source and was built for this Node major; never downloads Node headers.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// Debian puts library headers such as spandsp.h under the multiarch include dir
// (e.g. /usr/include/x86_64-linux-gnu), which gcc searches.
const hasSystemHeader = (name) =>
  existsSync(join('/usr/include', name)) ||
  readdirSync('/usr/include').some(
    (dir) => dir.endsWith('-linux-gnu') && existsSync(join('/usr/include', dir, name)),
  );

/**
 * Each addon: its folder (binding.gyp + src/), the file node-gyp writes, and the system headers
 * it compiles against with the Debian packages that provide them. An optional addon that cannot be
 * built is a warning: the appliance runs without it.
 */
const ADDONS = [
  {
    name: 'spandsp',
    dir: 'native-workers/spandsp',
    product: 'faxseal_spandsp.node',
    headers: [{ file: 'spandsp.h', code: 'ERR_SPANDSP_MISSING', install: 'libspandsp-dev libtiff-dev' }],
  },
  {
    // Optional: without it OCR falls back to tesseract.js (slower, same model family).
    name: 'tesseract',
    dir: 'native-workers/tesseract',
    product: 'faxseal_tesseract.node',
    headers: [
      {
        file: 'tesseract/baseapi.h',
        code: 'ERR_TESSERACT_MISSING',
        install: 'libtesseract-dev libleptonica-dev',
      },
    ],
    optional: true,
  },
];

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

/** The headers of the running Node: `<prefix>/include/node` beside `<prefix>/bin/node`. */
function nodeHeadersDir() {
  const prefix = resolve(dirname(process.execPath), '..');
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  return fail(
    'ERR_NODE_HEADERS_MISSING',
    `no Node headers in ${join(prefix, 'include', 'node')}: run under a Node that ships them (npm run setup installs one)`,
  );
}

const force = process.argv.includes('--force');
const builtFor = `node ${process.versions.node.split('.')[0]}`;
let nodeGyp;
for (const addon of ADDONS) {
  const addonDir = join(root, addon.dir);
  const product = join(addonDir, 'build', 'Release', addon.product);
  // Which Node major the product was built against: a new major rebuilds against its headers.
  const stamp = join(addonDir, 'build', 'faxseal-built-for');
  const current =
    existsSync(product) &&
    statSync(product).mtimeMs > newestSourceMtime(addonDir) &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8').trim() === builtFor;
  if (!force && current) {
    console.log(`build-native: ${addon.product} is up to date`);
    continue;
  }
  // An optional addon that cannot be built leaves the appliance on its fallback, with a warning.
  const refuse = (code, message) => {
    if (!addon.optional) fail(code, message);
    console.warn(
      `build-native: warning: ${addon.name} not built (${message}); the appliance falls back without it`,
    );
  };
  const missing = addon.headers.find((header) => !hasSystemHeader(header.file));
  if (missing) {
    refuse(
      missing.code,
      `${missing.file} not found: install the Debian packages (apt-get install ${missing.install})`,
    );
    continue;
  }
  nodeGyp ??= findNodeGyp();
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    [nodeGyp, 'rebuild', '--release', `--nodedir=${nodeHeadersDir()}`],
    {
      cwd: addonDir,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) {
    refuse('ERR_NATIVE_BUILD', `${addon.name}: node-gyp exited with ${result.status ?? result.signal}`);
    continue;
  }
  writeFileSync(stamp, `${builtFor}\n`);
  console.log(`build-native: built ${product} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
