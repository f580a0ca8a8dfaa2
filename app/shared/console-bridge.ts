// The whole contract between the Electron preload and the renderer: saved server profiles and a
// token per profile kept in the OS keychain. Everything else goes over HTTP, as in a browser.

export interface ServerProfile {
  id: string;
  name: string;
  /** Base URL of the appliance, e.g. `http://faxseal.lan:8080` (no path). */
  url: string;
}

/** A profile as the renderer submits it: without an id it is new. */
export interface ServerProfileInput {
  id?: string;
  name: string;
  url: string;
}

export interface ConsoleBridge {
  listProfiles(): Promise<ServerProfile[]>;
  saveProfile(profile: ServerProfileInput): Promise<ServerProfile>;
  deleteProfile(id: string): Promise<void>;
  getToken(profileId: string): Promise<string | null>;
  setToken(profileId: string, token: string): Promise<void>;
  clearToken(profileId: string): Promise<void>;
}

/** IPC channel per bridge method; main registers a handler for each. */
export const BRIDGE_CHANNELS = {
  listProfiles: 'faxseal:profiles:list',
  saveProfile: 'faxseal:profiles:save',
  deleteProfile: 'faxseal:profiles:delete',
  getToken: 'faxseal:token:get',
  setToken: 'faxseal:token:set',
  clearToken: 'faxseal:token:clear',
} as const satisfies Record<keyof ConsoleBridge, string>;

/**
 * The custom scheme the Electron window loads the renderer from. API calls for a profile go to
 * `<scheme>://console/servers/<profileId>/api/…` and main forwards them to that server, so the
 * renderer stays same-origin and the server needs no CORS.
 */
export const CONSOLE_SCHEME = 'faxseal-console';
export const CONSOLE_ORIGIN = `${CONSOLE_SCHEME}://console`;

export function profileApiBase(profileId: string): string {
  return `/servers/${encodeURIComponent(profileId)}`;
}
