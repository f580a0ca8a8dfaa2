// The main-process side of the preload bridge: checks what the renderer sends (IPC arguments are
// untrusted input) and calls the profile store and token vault.

import type { ServerProfile, ServerProfileInput } from '../shared/console-bridge.ts';
import { BRIDGE_CHANNELS } from '../shared/console-bridge.ts';
import type { ProfileStore } from './profile-store.ts';
import { ProfileError } from './profile-store.ts';
import type { TokenVault } from './token-vault.ts';

export type BridgeHandler = (...args: unknown[]) => unknown;

const TOKEN_PATTERN = /^sk_(partner|admin)_[\w-]{8,200}$/;

export function createBridgeHandlers(
  profiles: ProfileStore,
  tokens: TokenVault,
): Record<string, BridgeHandler> {
  const knownProfile = (value: unknown): string => {
    if (typeof value !== 'string' || !profiles.get(value)) throw new ProfileError('unknown server profile');
    return value;
  };
  return {
    [BRIDGE_CHANNELS.listProfiles]: (): ServerProfile[] => profiles.list(),
    [BRIDGE_CHANNELS.saveProfile]: (input: unknown): ServerProfile => profiles.save(profileInput(input)),
    [BRIDGE_CHANNELS.deleteProfile]: (id: unknown): void => {
      const known = knownProfile(id);
      tokens.clear(known);
      profiles.delete(known);
    },
    [BRIDGE_CHANNELS.getToken]: (id: unknown): string | null => tokens.get(knownProfile(id)),
    [BRIDGE_CHANNELS.setToken]: (id: unknown, token: unknown): void => {
      if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) {
        throw new ProfileError('token must be an sk_partner_… or sk_admin_… key');
      }
      tokens.set(knownProfile(id), token);
    },
    [BRIDGE_CHANNELS.clearToken]: (id: unknown): void => tokens.clear(knownProfile(id)),
  };
}

function profileInput(value: unknown): ServerProfileInput {
  if (typeof value !== 'object' || value === null) throw new ProfileError('profile must be an object');
  const { id, name, url } = value as Record<string, unknown>;
  if (typeof name !== 'string' || typeof url !== 'string')
    throw new ProfileError('profile needs a name and a url');
  if (id !== undefined && typeof id !== 'string') throw new ProfileError('profile id must be a string');
  return id === undefined ? { name, url } : { id, name, url };
}
