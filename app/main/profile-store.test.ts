import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { createProfileStore, normaliseServerUrl, ProfileError } from './profile-store.ts';

describe('profile store', () => {
  let dir: string;
  let ids: number;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'faxseal-profiles-'));
    ids = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const store = () => createProfileStore(dir, () => `p${++ids}`);

  test('starts empty, saves, updates and deletes, and survives a restart', () => {
    assert.deepEqual(store().list(), []);
    const lab = store().save({ name: ' Lab ', url: 'http://127.0.0.1:8080/' });
    assert.deepEqual(lab, { id: 'p1', name: 'Lab', url: 'http://127.0.0.1:8080' });
    store().save({ name: 'Clinic', url: 'https://faxseal.clinic.lan' });
    store().save({ id: 'p1', name: 'Lab box', url: 'http://10.0.0.5:8080' });
    assert.deepEqual(
      createProfileStore(dir)
        .list()
        .map((p) => [p.id, p.name, p.url]),
      [
        ['p1', 'Lab box', 'http://10.0.0.5:8080'],
        ['p2', 'Clinic', 'https://faxseal.clinic.lan'],
      ],
    );
    assert.equal(store().delete('p1'), true);
    assert.equal(store().delete('p1'), false);
    assert.deepEqual(
      store()
        .list()
        .map((p) => p.id),
      ['p2'],
    );
    assert.equal(store().get('p2')?.name, 'Clinic');
    assert.equal(statSync(path.join(dir, 'server-profiles.json')).mode & 0o777, 0o600);
  });

  test('refuses bad names, URLs and unknown ids', () => {
    assert.throws(() => store().save({ name: ' ', url: 'http://a' }), ProfileError);
    assert.throws(() => store().save({ name: 'x', url: 'ftp://a' }), /http or https/);
    assert.throws(() => store().save({ name: 'x', url: 'http://u:p@a' }), /credentials/);
    assert.throws(() => store().save({ name: 'x', url: 'http://a/partner' }), /without a path/);
    assert.throws(() => store().save({ name: 'x', url: 'not a url' }), /absolute/);
    assert.throws(() => store().save({ id: 'nope', name: 'x', url: 'http://a' }), /no profile nope/);
  });

  test('ignores malformed entries in the file', () => {
    writeFileSync(
      path.join(dir, 'server-profiles.json'),
      JSON.stringify([{ id: 1 }, { id: 'a', name: 'A', url: 'http://a' }]),
    );
    assert.deepEqual(store().list(), [{ id: 'a', name: 'A', url: 'http://a' }]);
    // Reading never rewrites the file: a broken entry is left for a human to see.
    assert.match(readFileSync(path.join(dir, 'server-profiles.json'), 'utf8'), /"id":1/);
  });

  test('normalises to the origin', () => {
    assert.equal(normaliseServerUrl('HTTP://FaxSeal.LAN:80/'), 'http://faxseal.lan');
    assert.equal(normaliseServerUrl('https://[::1]:8443'), 'https://[::1]:8443');
  });
});
