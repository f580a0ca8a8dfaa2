// Two nodes as real child processes on a private PostgreSQL server and one bucket. The singletons — the month close, the retention purge,
// trunk registration and keepalive — run on exactly one node; a carrier's registrar hears from that
// node only; after `kill -9` of the holder the survivor takes every role, registers, and runs the
// month close that fell due, exactly once.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { writeFaxTiff } from '../../../native-workers/spandsp/index.ts';
import { drawSyntheticPage } from '../../../native-workers/spandsp/synthetic-page.ts';
import { freePort } from '../../../scripts/free-port.ts';
import { type LocalPostgres, startLocalPostgres } from '../../../scripts/local-postgres.ts';
import { type LocalS3, startLocalS3 } from '../../../scripts/local-s3.ts';
import { MONTH_CLOSE_JOB, monthOf } from '../../src/billing/month-close.ts';
import { systemClock } from '../../src/clock.ts';
import { DatabaseJobQueue } from '../../src/jobs/job-queue.ts';
import { FaxSimulator } from '../../src/simulator/fax-simulator.ts';
import { type Db, openDatabase } from '../../src/storage/database.ts';
import { type ChildAppliance, startChildAppliance } from '../support/child-appliance.ts';
import { startTestAppliance, tempDataDir } from '../support/test-appliance.ts';
import { type Receiver, startReceiver } from '../webhooks/receiver.ts';

const SINGLETONS = ['billing.close-month', 'retention.purge', 'trunk.monitor'];
const scratch = mkdtempSync(path.join(os.tmpdir(), 'faxseal-singletons-'));
let postgres: LocalPostgres;
let databaseUrl: string;
let s3: LocalS3;
let receiver: Receiver;
let registrar: Registrar;
let simulator: FaxSimulator;
let db: Db;
let apiKey: string;
let number: string;
const nodes: { name: string; sipPort: number; child: ChildAppliance }[] = [];

/** A carrier's registrar and keepalive target: answers REGISTER and OPTIONS 200, notes who sent them. */
interface Registrar {
  port: number;
  heard: { method: string; fromPort: number }[];
  close(): void;
}

async function startRegistrar(): Promise<Registrar> {
  const socket = dgram.createSocket('udp4');
  const heard: Registrar['heard'] = [];
  socket.on('message', (msg, rinfo) => {
    const [first, ...lines] = msg.toString().split('\r\n');
    const method = first.split(' ')[0];
    if (method !== 'REGISTER' && method !== 'OPTIONS') return;
    heard.push({ method, fromPort: rinfo.port });
    const header = (name: string) =>
      lines.filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
    const answer = [
      'SIP/2.0 200 OK',
      ...header('Via'),
      ...header('From'),
      `${header('To')[0]};tag=reg${heard.length}`,
      ...header('Call-ID'),
      ...header('CSeq'),
      ...(method === 'REGISTER' ? header('Contact').map((c) => `${c};expires=60`) : []),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    socket.send(answer, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, heard, close: () => socket.close() };
}

const health = async (n: (typeof nodes)[number]) =>
  ((await (await fetch(`${n.child.url}/healthz`)).json()) as { node: { singletons: string[] } }).node
    .singletons;

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  postgres = await startLocalPostgres({ dataDir: path.join(scratch, 'postgres') });
  databaseUrl = await postgres.createDatabase('singletons');
  s3 = await startLocalS3({ directory: path.join(scratch, 's3') });
  receiver = await startReceiver();
  registrar = await startRegistrar();
  const masterKey = randomBytes(32).toString('base64');
  const blobUrl = s3.blobUrl('singletons');

  // An in-process node migrates, onboards the partner and adds the trunk, then leaves.
  const setup = await startTestAppliance(
    { databaseUrl, blobUrl, masterKey, nodeName: 'setup', nodeRoles: ['api'], urlAllowlist: ['127.0.0.1'] },
    { dataDir: tempDataDir('faxseal-singleton-setup') },
  );
  const partner = await setup.onboardPartner('Singleton Clinic');
  apiKey = partner.apiKey;
  const settings = await setup.call('PATCH', '/api/partner/settings', {
    key: apiKey,
    body: { webhookUrl: receiver.url },
  });
  assert.ok(settings.status < 300, settings.text);
  const provisioned = await setup.call('POST', '/api/partner/numbers', {
    key: apiKey,
    body: { externalUserId: 'ward', tier: 'personal' },
  });
  assert.equal(provisioned.status, 201, provisioned.text);
  number = provisioned.body.number;
  const trunk = await setup.call('POST', '/api/admin/trunks', {
    key: setup.firstRunOperator!.token,
    body: {
      name: 'carrier',
      mode: 'register',
      host: '127.0.0.1',
      port: registrar.port,
      username: 'fax',
      password: 's3cret',
      outbound: true,
    },
  });
  assert.equal(trunk.status, 201, trunk.text);
  await setup.shutdown();

  for (const [i, name] of ['fax-a', 'fax-b'].entries()) {
    const sipPort = await freePort('tcp+udp');
    const child = await startChildAppliance(
      {
        FAXSEAL_DATA_DIR: path.join(scratch, name),
        FAXSEAL_DATABASE_URL: databaseUrl,
        FAXSEAL_BLOB_URL: blobUrl,
        FAXSEAL_MASTER_KEY: masterKey,
        FAXSEAL_NODE_NAME: name,
        FAXSEAL_SIP_HOST: '127.0.0.1',
        FAXSEAL_SIP_PORT: String(sipPort),
        FAXSEAL_MEDIA_PORTS: `${33000 + i * 400}-${33399 + i * 400}`,
        FAXSEAL_URL_ALLOWLIST: '127.0.0.1',
        FAXSEAL_TRUNK_KEEPALIVE_SECONDS: '1',
      },
      180_000,
    );
    nodes.push({ name, sipPort, child });
  }
  db = openDatabase({ dataDir: scratch, databaseUrl }, { migrate: false });
  simulator = await FaxSimulator.start();
});

after(async () => {
  await simulator?.stop();
  db?.close();
  for (const n of nodes) await n.child.kill('SIGTERM');
  registrar?.close();
  await receiver?.close();
  await s3?.stop();
  postgres?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test('each singleton runs on one node; kill -9 moves all of them, and the month close due then runs once', async () => {
  // Exactly one node holds each role (the first to start took them; the other keeps retrying).
  const holders = await until('every singleton held by exactly one node', async () => {
    const held = await Promise.all(nodes.map(health));
    const all = held.flat().sort();
    return all.length === SINGLETONS.length && JSON.stringify(all) === JSON.stringify(SINGLETONS) && held;
  });
  const holder = nodes[holders.findIndex((h) => h.includes('trunk.monitor'))];
  const survivor = nodes.find((n) => n !== holder)!;
  assert.deepEqual(holders[nodes.indexOf(holder)].sort(), SINGLETONS, 'one node holds them all');

  // The carrier hears registration and keepalives from the holder's SIP port only.
  await until(
    'a REGISTER and keepalives',
    async () =>
      registrar.heard.some((h) => h.method === 'REGISTER') &&
      registrar.heard.filter((h) => h.method === 'OPTIONS').length >= 3,
  );
  assert.deepEqual(new Set(registrar.heard.map((h) => h.fromPort)), new Set([holder.sipPort]));

  // The holder dies; last month's close falls due right then.
  await holder.child.kill('SIGKILL');
  const heardBefore = registrar.heard.length;
  const lastMonth = monthOf(
    new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 15)),
  );
  new DatabaseJobQueue(db, systemClock, pino({ level: 'silent' })).enqueue(
    MONTH_CLOSE_JOB,
    { month: lastMonth },
    { uniqueKey: `billing.close:${lastMonth}`, maxAttempts: 10 },
  );

  await until('the survivor holds every singleton', async () => (await health(survivor)).length === 3);
  assert.deepEqual((await health(survivor)).sort(), SINGLETONS);
  await until('the survivor registers', async () =>
    registrar.heard
      .slice(heardBefore)
      .some((h) => h.method === 'REGISTER' && h.fromPort === survivor.sipPort),
  );
  const closed = await until('last month closed', async () => {
    const job = db
      .prepare('SELECT status, attempts, locked_by AS lockedBy FROM jobs WHERE unique_key = ?')
      .get(`billing.close:${lastMonth}`) as { status: string; attempts: number; lockedBy: string };
    return job.status === 'done' && job;
  });
  assert.equal(closed.attempts, 1);
  assert.match(closed.lockedBy, new RegExp(`^${survivor.name}:`));
  const closes = db.prepare('SELECT trigger FROM billing_closes WHERE month = ?').all(lastMonth);
  assert.deepEqual(closes, [{ trigger: 'schedule' }], 'the close ran exactly once');
  // Its run booked this month's close once, though both nodes booked it when they took the role.
  const booked = db
    .prepare('SELECT COUNT(*) AS n FROM jobs WHERE unique_key = ?')
    .get(`billing.close:${monthOf(new Date())}`) as { n: number };
  assert.equal(booked.n, 1);
});
