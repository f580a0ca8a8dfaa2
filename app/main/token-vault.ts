// Console tokens (sk_partner_… / sk_admin_…) per server profile, encrypted with the OS keychain
// through Electron's safeStorage. Without keychain encryption a token lives in memory only: a
// token is never written to disk in clear.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The part of Electron's `safeStorage` the vault uses (injected so tests need no Electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export interface TokenVault {
  get(profileId: string): string | null;
  set(profileId: string, token: string): void;
  clear(profileId: string): void;
  /** False when tokens are kept for this session only (no keychain). */
  persistent(): boolean;
}

export function createTokenVault(dir: string, safeStorage: SafeStorageLike): TokenVault {
  const file = path.join(dir, 'tokens.json');
  const memory = new Map<string, string>();

  const read = (): Record<string, string> => {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  };
  const write = (sealed: Record<string, string>) => {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(sealed, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  };

  return {
    persistent: () => safeStorage.isEncryptionAvailable(),
    get(profileId) {
      const inMemory = memory.get(profileId);
      if (inMemory !== undefined) return inMemory;
      const sealed = read()[profileId];
      if (typeof sealed !== 'string' || !safeStorage.isEncryptionAvailable()) return null;
      try {
        return safeStorage.decryptString(Buffer.from(sealed, 'base64'));
      } catch {
        // Sealed by another OS user or keychain: as good as absent; the user signs in again.
        return null;
      }
    },
    set(profileId, token) {
      if (!safeStorage.isEncryptionAvailable()) {
        memory.set(profileId, token);
        return;
      }
      memory.delete(profileId);
      write({ ...read(), [profileId]: safeStorage.encryptString(token).toString('base64') });
    },
    clear(profileId) {
      memory.delete(profileId);
      const sealed = read();
      if (profileId in sealed) {
        delete sealed[profileId];
        write(sealed);
      }
    },
  };
}
