// Saved server profiles (name + appliance URL) as one JSON file in Electron's userData folder.
// Plain Node so it is testable without Electron; writes are atomic (temp file, then rename).

import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ServerProfile, ServerProfileInput } from '../shared/console-bridge.ts';

export class ProfileError extends Error {}

export interface ProfileStore {
  list(): ServerProfile[];
  get(id: string): ServerProfile | null;
  save(input: ServerProfileInput): ServerProfile;
  delete(id: string): boolean;
}

export function createProfileStore(dir: string, newId: () => string = randomUUID): ProfileStore {
  const file = path.join(dir, 'server-profiles.json');

  const read = (): ServerProfile[] => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter(isProfile) : [];
  };

  const write = (profiles: ServerProfile[]) => {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(profiles, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  };

  return {
    list: read,
    get: (id) => read().find((p) => p.id === id) ?? null,
    save(input) {
      const name = input.name.trim();
      if (name.length === 0 || name.length > 100) throw new ProfileError('name must be 1 to 100 characters');
      const profile: ServerProfile = { id: input.id ?? newId(), name, url: normaliseServerUrl(input.url) };
      const profiles = read();
      const at = profiles.findIndex((p) => p.id === profile.id);
      if (input.id !== undefined && at < 0) throw new ProfileError(`no profile ${input.id}`);
      if (at >= 0) profiles[at] = profile;
      else profiles.push(profile);
      write(profiles);
      return profile;
    },
    delete(id) {
      const profiles = read();
      const kept = profiles.filter((p) => p.id !== id);
      if (kept.length === profiles.length) return false;
      write(kept);
      return true;
    },
  };
}

/** An appliance is addressed by its origin: http(s), no credentials, path, query or fragment. */
export function normaliseServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ProfileError('url must be an absolute http(s) URL, e.g. http://faxseal.lan:8080');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ProfileError('url must use http or https');
  if (url.username || url.password) throw new ProfileError('url must not carry credentials');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new ProfileError('url must be the appliance origin only, without a path');
  }
  return url.origin;
}

function isProfile(value: unknown): value is ServerProfile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'string' && typeof v.name === 'string' && typeof v.url === 'string';
}
