// A node whose master key is not the cluster's refuses to start, naming the problem, instead of
// starting and then failing every document it opens ("unable to authenticate data"): the first
// start records the key's check value in the shared database and every start compares.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../src/storage/database.ts';
import { MasterKey } from '../../src/storage/master-key.ts';
import { MasterKeyCheckRepository } from '../../src/storage/master-key-check-repository.ts';
import { startChildAppliance } from '../support/child-appliance.ts';
import { dropTestDatabase, newTestDatabase } from '../support/postgres.ts';
import { startTestAppliance, tempDataDir } from '../support/test-appliance.ts';

const newKey = () => randomBytes(32).toString('base64');

test('a node with another FAXSEAL_MASTER_KEY than the cluster refuses to start; the right key starts', async (t) => {
  const databaseUrl = await newTestDatabase();
  t.after(() => dropTestDatabase(databaseUrl));
  const clusterKey = newKey();
  const first = await startTestAppliance(
    { databaseUrl, masterKey: clusterKey, nodeName: 'key-a', nodeRoles: ['api'] },
    { dataDir: tempDataDir('faxseal-key-a') },
  );
  t.after(() => first.shutdown());
  const recorded = new MasterKeyCheckRepository(first.services.db).get();
  assert.equal(recorded?.checkValue, MasterKey.load(first.config.dataDir, clusterKey).checkValue());
  assert.ok(!recorded.checkValue.includes(Buffer.from(clusterKey, 'base64').toString('hex').slice(0, 8)));

  await assert.rejects(
    startTestAppliance(
      { databaseUrl, masterKey: newKey(), nodeName: 'key-b', nodeRoles: ['api'] },
      { dataDir: tempDataDir('faxseal-key-b') },
    ),
    (err: Error) =>
      err.name === 'MasterKeyMismatchError' &&
      /not the key the database's documents and secrets are sealed with/.test(err.message) &&
      /same FAXSEAL_MASTER_KEY/.test(err.message),
  );
  // Nothing was written by the refused node: the recorded value is the cluster's still.
  assert.deepEqual(new MasterKeyCheckRepository(first.services.db).get(), recorded);

  const second = await startTestAppliance(
    { databaseUrl, masterKey: clusterKey, nodeName: 'key-c', nodeRoles: ['api'] },
    { dataDir: tempDataDir('faxseal-key-c') },
  );
  t.after(() => second.shutdown());
  assert.equal((await second.call('GET', '/readyz')).status, 200);
});

test('`npm start` with another key than the data was sealed with exits 78 with the message', async () => {
  const dataDir = tempDataDir('faxseal-key-sqlite');
  const db = openDatabase(dataDir);
  // What the first start of this data directory recorded (its key file's key).
  new MasterKeyCheckRepository(db).recordFirst(MasterKey.load(dataDir, null).checkValue(), new Date());
  db.close();
  await assert.rejects(
    startChildAppliance({ FAXSEAL_DATA_DIR: dataDir, FAXSEAL_MASTER_KEY: newKey() }),
    (err: Error) => /exited \(78\)/.test(err.message) && /Refusing to start/.test(err.message),
  );
  // The key file's own key is the right one.
  const child = await startChildAppliance({ FAXSEAL_DATA_DIR: path.resolve(dataDir) });
  await child.kill('SIGTERM');
});
