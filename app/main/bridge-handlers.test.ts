import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { BRIDGE_CHANNELS } from '../shared/console-bridge.ts';
import { createBridgeHandlers } from './bridge-handlers.ts';
import { createProfileStore } from './profile-store.ts';
import { createTokenVault } from './token-vault.ts';

test('bridge handlers check what the renderer sends and clear a token with its profile', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'faxseal-bridge-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tokens = createTokenVault(dir, {
    isEncryptionAvailable: () => false,
    encryptString: () => Buffer.alloc(0),
    decryptString: () => '',
  });
  const handlers = createBridgeHandlers(createProfileStore(dir), tokens);
  const call = (channel: string, ...args: unknown[]) => handlers[channel](...args);

  // Exactly one handler per bridge method: the preload cannot reach anything else.
  assert.deepEqual(Object.keys(handlers).sort(), Object.values(BRIDGE_CHANNELS).sort());

  const profile = call(BRIDGE_CHANNELS.saveProfile, { name: 'Lab', url: 'http://127.0.0.1:8080' }) as {
    id: string;
  };
  assert.throws(() => call(BRIDGE_CHANNELS.saveProfile, 'http://x'), /must be an object/);
  assert.throws(() => call(BRIDGE_CHANNELS.saveProfile, { name: 1, url: 'http://x' }), /needs a name/);

  const token = 'sk_admin_0123456789abcdefABCDEF';
  call(BRIDGE_CHANNELS.setToken, profile.id, token);
  assert.equal(call(BRIDGE_CHANNELS.getToken, profile.id), token);
  assert.throws(() => call(BRIDGE_CHANNELS.setToken, profile.id, 'password123'), /sk_partner_/);
  assert.throws(() => call(BRIDGE_CHANNELS.getToken, 'someone-else'), /unknown server profile/);

  call(BRIDGE_CHANNELS.deleteProfile, profile.id);
  assert.deepEqual(call(BRIDGE_CHANNELS.listProfiles), []);
  assert.equal(tokens.get(profile.id), null);
});
