// `faxseal doctor`: checks what the appliance needs from its machine (system packages, free ports,
// disk space, data directory permissions, the native addon, models) and says how to fix each gap.

import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { accessSync, constants, existsSync, readdirSync, readFileSync, statfsSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/config.ts';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** A failed check that does not stop the appliance from starting. */
  warning?: boolean;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export async function runDoctor(config: Config): Promise<Check[]> {
  const checks: Check[] = [];
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

  const modelsDir = path.join(root, 'models');
  const models = existsSync(modelsDir) ? readdirSync(modelsDir).filter((f) => f.endsWith('.gguf')) : [];
  checks.push({
    name: 'extraction models',
    ok: true,
    detail: models.length
      ? `${models.join(', ')} (llama provider available)`
      : 'none in models/: the rules provider is used',
  });
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
