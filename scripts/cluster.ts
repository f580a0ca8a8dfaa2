// `npm run cluster -- up | down | status [--json]`: the multi-node deployment on this machine, to
// look at and to try. A private PostgreSQL (Debian's package, its own data directory and port), the
// local S3-compatible server, Kamailio in front, two appliance nodes with their own HTTP and SIP
// ports and media ranges, and a demo partner with one number. Everything lives under .cluster/
// (git-ignored); `down` stops what `up` started. `npm start` is untouched by any of it.

import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';
import { startLocalKamailio } from './local-kamailio.ts';
import { startLocalPostgres, stopLocalPostgres } from './local-postgres.ts';
import { startLocalS3 } from './local-s3.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// FAXSEAL_CLUSTER_DIR: another state folder (the cluster command's own test uses a temporary one).
const stateDir = path.resolve(process.env.FAXSEAL_CLUSTER_DIR ?? path.join(root, '.cluster'));
const stateFile = path.join(stateDir, 'state.json');
// What the nodes inherit: this shell's environment without the cluster command's own setting,
// which the appliance would refuse as an unknown FAXSEAL_ knob.
const { FAXSEAL_CLUSTER_DIR: _, ...inherited } = process.env;

interface ClusterState {
  pids: { name: string; pid: number }[];
  postgres: { url: string; dataDir: string };
  s3: { endpoint: string; bucket: string };
  kamailio: { sip: string };
  nodes: { name: string; http: string; sip: string }[];
  demo: { apiKey: string; number: string } | null;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function readState(): ClusterState | null {
  return existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as ClusterState) : null;
}

function saveState(state: ClusterState): void {
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

async function waitReady(url: string, log: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs / 1000} s; see ${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts a long-lived process detached from this command, its output in `<stateDir>/<name>.log`. */
function daemon(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const out = openSync(path.join(stateDir, `${name}.log`), 'a');
  const child = spawn(command, args, {
    cwd: root,
    env: { ...inherited, ...env },
    detached: true,
    stdio: ['ignore', out, out],
  });
  child.unref();
  closeSync(out);
  return child.pid!;
}

async function up(): Promise<ClusterState> {
  const running = readState();
  if (running?.pids.some((p) => alive(p.pid)))
    throw new Error('the cluster is already up: `npm run cluster -- down` first');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const pids: ClusterState['pids'] = [];
  const state: ClusterState = {
    pids,
    postgres: { url: '', dataDir: path.join(stateDir, 'postgres') },
    s3: { endpoint: '', bucket: 'faxseal' },
    kamailio: { sip: '' },
    nodes: [],
    demo: null,
  };
  const save = () => saveState(state);

  const pg = await startLocalPostgres({ dataDir: state.postgres.dataDir });
  const databaseUrl = existsSync(path.join(stateDir, 'database-created'))
    ? pg.urlFor('faxseal')
    : await pg.createDatabase('faxseal');
  writeFileSync(path.join(stateDir, 'database-created'), '');
  state.postgres.url = databaseUrl;
  save();

  // The S3 server runs detached: its own process outlives this command.
  const s3Port = await freePort();
  pids.push({
    name: 's3',
    pid: daemon('s3', process.execPath, [
      '--openssl-legacy-provider',
      '--import',
      'tsx',
      path.join(root, 'scripts/local-s3-server.ts'),
      path.join(stateDir, 's3'),
      'faxseal',
      String(s3Port),
      '--detached',
    ]),
  });
  state.s3.endpoint = `http://127.0.0.1:${s3Port}`;
  save();
  const blobUrl = `s3://S3RVER:S3RVER@faxseal/?endpoint=${encodeURIComponent(state.s3.endpoint)}`;

  const keyFile = path.join(stateDir, 'master.key');
  if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  const masterKey = readFileSync(keyFile, 'utf8').trim();

  for (const [i, name] of ['node-a', 'node-b'].entries()) {
    const httpPort = await freePort();
    const sipPort = await freePort('tcp+udp');
    const env = {
      FAXSEAL_DATA_DIR: path.join(stateDir, name),
      FAXSEAL_DATABASE_URL: databaseUrl,
      FAXSEAL_BLOB_URL: blobUrl,
      FAXSEAL_MASTER_KEY: masterKey,
      FAXSEAL_NODE_NAME: name,
      FAXSEAL_HTTP_HOST: '127.0.0.1',
      FAXSEAL_HTTP_PORT: String(httpPort),
      FAXSEAL_SIP_HOST: '127.0.0.1',
      FAXSEAL_SIP_PORT: String(sipPort),
      FAXSEAL_MEDIA_PORTS: `${24000 + i * 1000}-${24999 + i * 1000}`,
      FAXSEAL_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
    };
    pids.push({ name, pid: daemon(name, process.execPath, ['--import', 'tsx', 'server/src/main.ts'], env) });
    state.nodes.push({ name, http: `http://127.0.0.1:${httpPort}`, sip: `sip:127.0.0.1:${sipPort}` });
    save();
    // One after the other: the first applies the migrations.
    await waitReady(state.nodes[i].http, path.join(stateDir, `${name}.log`));
  }

  const kamailio = await startLocalKamailio({
    stateDir: path.join(stateDir, 'kamailio'),
    nodes: state.nodes.map((n) => ({
      name: n.name,
      host: '127.0.0.1',
      port: Number(n.sip.split(':').at(-1)),
    })),
    carriers: ['127.0.0.0/8'],
    port: await freePort('udp'),
    detached: path.join(stateDir, 'kamailio.log'),
  });
  pids.push({ name: 'kamailio', pid: kamailio.pid });
  state.kamailio.sip = `sip:${kamailio.host}:${kamailio.port}`;
  save();

  state.demo = await onboardDemo(state.nodes[0], databaseUrl, masterKey);
  save();
  return state;
}

/** Applies, verifies (the link from the email outbox, as an operator would) and gives one number. */
async function onboardDemo(
  node: ClusterState['nodes'][number],
  databaseUrl: string,
  masterKey: string,
): Promise<ClusterState['demo']> {
  const email = `demo-${Date.now()}@partner.example`;
  const applied = await fetch(`${node.http}/partners/apply`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ companyName: 'Demo Clinic Software', email }),
  });
  if (applied.status !== 202) throw new Error(`apply failed: ${await applied.text()}`);
  const link = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'server/src/cli/main.ts', 'outbox', '--last-link'],
    {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...inherited,
        FAXSEAL_DATA_DIR: path.join(stateDir, node.name),
        FAXSEAL_DATABASE_URL: databaseUrl,
        FAXSEAL_MASTER_KEY: masterKey,
        FAXSEAL_LOG_LEVEL: 'silent',
      },
    },
  ).trim();
  const verified = await fetch(`${node.http}${new URL(link).pathname}${new URL(link).search}`);
  const body = (await verified.json()) as { apiKey: string };
  if (!verified.ok) throw new Error(`verify failed: ${JSON.stringify(body)}`);
  const number = await fetch(`${node.http}/api/partner/numbers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${body.apiKey}` },
    body: JSON.stringify({ externalUserId: 'demo-user', tier: 'personal' }),
  });
  const provisioned = (await number.json()) as { number: string };
  if (!number.ok) throw new Error(`number failed: ${JSON.stringify(provisioned)}`);
  return { apiKey: body.apiKey, number: provisioned.number };
}

function down(): void {
  const state = readState();
  if (!state) {
    process.stdout.write('no cluster state in .cluster/: nothing to stop\n');
    return;
  }
  for (const { name, pid } of [...state.pids].reverse()) {
    if (!alive(pid)) continue;
    process.kill(pid, 'SIGTERM');
    process.stdout.write(`stopped ${name} (pid ${pid})\n`);
  }
  if (existsSync(path.join(state.postgres.dataDir, 'postmaster.pid'))) {
    stopLocalPostgres(state.postgres.dataDir);
    process.stdout.write('stopped postgres\n');
  }
  rmSync(stateFile, { force: true });
}

async function status(json: boolean): Promise<number> {
  const state = readState();
  if (!state) {
    process.stdout.write(json ? 'null\n' : 'the cluster is down (`npm run cluster -- up`)\n');
    return 1;
  }
  if (json) {
    const { nodes, postgres, s3, kamailio, demo } = state;
    process.stdout.write(
      `${JSON.stringify({ nodes, postgres: postgres.url, s3: s3.endpoint, kamailio, demo }, null, 2)}\n`,
    );
    return 0;
  }
  for (const p of state.pids)
    process.stdout.write(`${p.name.padEnd(9)} pid ${p.pid} ${alive(p.pid) ? 'running' : 'DEAD'}\n`);
  for (const n of state.nodes) {
    const ready = await fetch(`${n.http}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    process.stdout.write(`${n.name.padEnd(9)} ${n.http}  ${n.sip}  ${ready ? 'ready' : 'NOT READY'}\n`);
  }
  process.stdout.write(
    `postgres  ${state.postgres.url}\ns3        ${state.s3.endpoint}\nkamailio  ${state.kamailio.sip}  (send faxes here)\n`,
  );
  if (state.demo) process.stdout.write(`demo      number ${state.demo.number}  key ${state.demo.apiKey}\n`);
  return 0;
}

const [command, ...flags] = process.argv.slice(2);
try {
  if (command === 'up') {
    await up();
    process.exitCode = await status(flags.includes('--json'));
  } else if (command === 'down') down();
  else if (command === 'status') process.exitCode = await status(flags.includes('--json'));
  else {
    process.stderr.write('usage: npm run cluster -- up | down | status [--json]\n');
    process.exitCode = 2;
  }
} catch (err) {
  process.stderr.write(`cluster: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
