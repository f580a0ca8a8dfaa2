import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { createTokenVault, type SafeStorageLike } from './token-vault.ts';

/** Stands in for Electron's safeStorage: a reversible transform that is visibly not plain text. */
function fakeSafeStorage(available = true): SafeStorageLike & { available: boolean } {
  return {
    available,
    isEncryptionAvailable() {
      return this.available;
    },
    encryptString: (text) => Buffer.from(`sealed:${[...text].reverse().join('')}`),
    decryptString(buffer) {
      const s = buffer.toString();
      if (!s.startsWith('sealed:')) throw new Error('cannot decrypt');
      return [...s.slice('sealed:'.length)].reverse().join('');
    },
  };
}

const TOKEN = 'sk_partner_AbCdEf0123456789abcdef0123456789';

describe('token vault', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'faxseal-vault-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('keeps tokens sealed on disk, per profile, across restarts', () => {
    const vault = createTokenVault(dir, fakeSafeStorage());
    assert.equal(vault.persistent(), true);
    assert.equal(vault.get('p1'), null);
    vault.set('p1', TOKEN);
    vault.set('p2', 'sk_admin_other');
    const onDisk = readFileSync(path.join(dir, 'tokens.json'), 'utf8');
    assert.ok(!onDisk.includes(TOKEN), 'the token is not stored in clear');
    const again = createTokenVault(dir, fakeSafeStorage());
    assert.equal(again.get('p1'), TOKEN);
    assert.equal(again.get('p2'), 'sk_admin_other');
    again.clear('p1');
    assert.equal(createTokenVault(dir, fakeSafeStorage()).get('p1'), null);
    assert.equal(createTokenVault(dir, fakeSafeStorage()).get('p2'), 'sk_admin_other');
  });

  test('without keychain encryption a token lives in memory only', () => {
    const vault = createTokenVault(dir, fakeSafeStorage(false));
    assert.equal(vault.persistent(), false);
    vault.set('p1', TOKEN);
    assert.equal(vault.get('p1'), TOKEN);
    assert.equal(existsSync(path.join(dir, 'tokens.json')), false);
    assert.equal(createTokenVault(dir, fakeSafeStorage(false)).get('p1'), null);
    vault.clear('p1');
    assert.equal(vault.get('p1'), null);
  });

  test('a token sealed by another keychain reads as absent', () => {
    createTokenVault(dir, fakeSafeStorage()).set('p1', TOKEN);
    const other: SafeStorageLike = {
      ...fakeSafeStorage(),
      isEncryptionAvailable: () => true,
      decryptString: () => {
        throw new Error('wrong key');
      },
    };
    assert.equal(createTokenVault(dir, other).get('p1'), null);
  });
});
