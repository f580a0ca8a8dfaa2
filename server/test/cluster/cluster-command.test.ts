// `npm run cluster -- up | status --json | down` as a user runs it: everything it prints is real
// (both nodes ready, the demo key works against either node, the proxy answers), and `down` leaves
// no process behind.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('npm run cluster brings up two nodes, PostgreSQL, S3 and Kamailio, and takes them down', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'faxseal-cluster-cmd-'));
  const run = (...args: string[]) =>
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/cluster.ts', ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, FAXSEAL_CLUSTER_DIR: dir },
      timeout: 600_000,
    });
  t.after(() => {
    try {
      run('down');
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  });

  const status = JSON.parse(run('up', '--json'));
  assert.equal(status.nodes.length, 2);
  assert.deepEqual(
    status.nodes.map((n: { name: string }) => n.name),
    ['node-a', 'node-b'],
  );
  assert.match(status.postgres, /^postgres:\/\/\w+@127\.0\.0\.1:\d+\/faxseal$/);
  assert.match(status.s3, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(status.kamailio.sip, /^sip:127\.0\.0\.1:\d+$/);
  assert.match(status.demo.apiKey, /^sk_partner_/);
  assert.match(status.demo.number, /^\+1\d{10}$/);
  for (const node of status.nodes) {
    const health = (await (await fetch(`${node.http}/healthz`)).json()) as { node: { name: string } };
    assert.equal(health.node.name, node.name);
    // One database behind both: the demo partner's number is visible from either node.
    const numbers = await fetch(`${node.http}/api/partner/numbers`, {
      headers: { authorization: `Bearer ${status.demo.apiKey}` },
    });
    assert.equal(numbers.status, 200);
    const body = (await numbers.json()) as { items: { number: string }[] };
    assert.deepEqual(
      body.items.map((n) => n.number),
      [status.demo.number],
    );
  }
  const state = JSON.parse(execFileSync('cat', [path.join(dir, 'state.json')], { encoding: 'utf8' })) as {
    pids: { name: string; pid: number }[];
  };
  assert.deepEqual(
    state.pids.map((p) => p.name),
    ['s3', 'node-a', 'node-b', 'kamailio'],
  );

  run('down');
  await new Promise((r) => setTimeout(r, 3000));
  for (const { name, pid } of state.pids) assert.equal(alive(pid), false, `${name} stopped`);
  assert.throws(() => run('status'), 'status exits 1 once the cluster is down');
});
