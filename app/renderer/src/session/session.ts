// Who is signed in, to which appliance, and how requests prove it: the session cookie (people, with
// its CSRF token) or a bearer key (a partner API key or an operator token, kept in the OS keychain
// through the preload bridge in the desktop console, in sessionStorage in a browser — never
// localStorage).

import type { ConsoleBridge } from '../../../shared/console-bridge.ts';

export type Realm = 'partner' | 'admin';

export const TOKEN_PREFIX: Record<Realm, string> = { partner: 'sk_partner_', admin: 'sk_admin_' };

export function realmOf(token: string): Realm | null {
  if (token.startsWith(TOKEN_PREFIX.partner)) return 'partner';
  if (token.startsWith(TOKEN_PREFIX.admin)) return 'admin';
  return null;
}

/** The realm a path belongs to: /admin… is the operator console, everything else the portal. */
export function realmOfPath(pathname: string): Realm {
  return pathname === '/admin' || pathname.startsWith('/admin/') ? 'admin' : 'partner';
}

export interface Membership {
  partnerId: string;
  companyName: string;
  role: string;
}

export type Credential =
  | { kind: 'key'; token: string }
  | { kind: 'cookie'; csrfToken: string; name: string; memberships: Membership[] };

export interface Session {
  realm: Realm;
  credential: Credential;
  /** Prefix for API paths: '' in a browser, `/servers/<profileId>` in the desktop console. */
  apiBase: string;
  /** What the header shows: the profile name or the page's host. */
  serverLabel: string;
}

/** What is kept between page loads: a key, or the realm of a cookie session (the cookie is the secret). */
export interface StoredSession {
  realm: Realm;
  token?: string;
}

export interface TokenStore {
  load(): Promise<StoredSession | null>;
  save(session: StoredSession): Promise<void>;
  clear(): Promise<void>;
}

const SESSION_KEY = 'faxseal.console.token';
const COOKIE_REALM_KEY = 'faxseal.console.cookie-realm';

function decode(value: string | null, cookieRealm: string | null): StoredSession | null {
  if (value) {
    const realm = realmOf(value);
    return realm ? { realm, token: value } : null;
  }
  if (cookieRealm === 'partner' || cookieRealm === 'admin') return { realm: cookieRealm };
  return null;
}

export function browserTokenStore(storage: Storage): TokenStore {
  return {
    load: async () => decode(storage.getItem(SESSION_KEY), storage.getItem(COOKIE_REALM_KEY)),
    save: async (session) => {
      storage.removeItem(SESSION_KEY);
      storage.removeItem(COOKIE_REALM_KEY);
      if (session.token) storage.setItem(SESSION_KEY, session.token);
      else storage.setItem(COOKIE_REALM_KEY, session.realm);
    },
    clear: async () => {
      storage.removeItem(SESSION_KEY);
      storage.removeItem(COOKIE_REALM_KEY);
    },
  };
}

/** In the desktop shell the key goes to the OS keychain; a cookie session's realm is only a hint. */
export function bridgeTokenStore(bridge: ConsoleBridge, profileId: string, storage: Storage): TokenStore {
  const hint = `${COOKIE_REALM_KEY}.${profileId}`;
  return {
    load: async () => decode(await bridge.getToken(profileId), storage.getItem(hint)),
    save: async (session) => {
      storage.removeItem(hint);
      if (session.token) await bridge.setToken(profileId, session.token);
      else {
        await bridge.clearToken(profileId);
        storage.setItem(hint, session.realm);
      }
    },
    clear: async () => {
      storage.removeItem(hint);
      await bridge.clearToken(profileId);
    },
  };
}

const PARTNER_CHOICE_KEY = 'faxseal.console.partner';

/** The organisation a person last acted for, per tab. */
export const partnerChoice = {
  load: (): string | null => window.sessionStorage.getItem(PARTNER_CHOICE_KEY),
  save: (partnerId: string) => window.sessionStorage.setItem(PARTNER_CHOICE_KEY, partnerId),
};

declare global {
  interface Window {
    /** Present only inside the Electron shell (see app/preload). */
    faxseal?: ConsoleBridge;
  }
}
