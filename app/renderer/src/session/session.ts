// Who is signed in, to which appliance, and where the token is kept: the OS keychain through the
// preload bridge in the desktop console, sessionStorage in a browser (gone with the tab; never
// localStorage).

import type { ConsoleBridge } from '../../../shared/console-bridge.ts';

export type Realm = 'partner' | 'admin';

export const TOKEN_PREFIX: Record<Realm, string> = { partner: 'sk_partner_', admin: 'sk_admin_' };

export function realmOf(token: string): Realm | null {
  if (token.startsWith(TOKEN_PREFIX.partner)) return 'partner';
  if (token.startsWith(TOKEN_PREFIX.admin)) return 'admin';
  return null;
}

export interface Session {
  token: string;
  realm: Realm;
  /** Prefix for API paths: '' in a browser, `/servers/<profileId>` in the desktop console. */
  apiBase: string;
  /** What the header shows: the profile name or the page's host. */
  serverLabel: string;
}

export interface TokenStore {
  load(): Promise<string | null>;
  save(token: string): Promise<void>;
  clear(): Promise<void>;
}

const SESSION_KEY = 'faxseal.console.token';

export function browserTokenStore(storage: Storage): TokenStore {
  return {
    load: async () => storage.getItem(SESSION_KEY),
    save: async (token) => storage.setItem(SESSION_KEY, token),
    clear: async () => storage.removeItem(SESSION_KEY),
  };
}

export function bridgeTokenStore(bridge: ConsoleBridge, profileId: string): TokenStore {
  return {
    load: () => bridge.getToken(profileId),
    save: (token) => bridge.setToken(profileId, token),
    clear: () => bridge.clearToken(profileId),
  };
}

declare global {
  interface Window {
    /** Present only inside the Electron shell (see app/preload). */
    faxseal?: ConsoleBridge;
  }
}
