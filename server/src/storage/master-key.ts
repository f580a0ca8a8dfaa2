// The appliance's master key: encrypts documents and stored secrets at rest (AES-256-GCM).
// Comes from FAXSEAL_MASTER_KEY or a key file created once with mode 0600 in the data directory.

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const KEY_FILE = path.join('keys', 'master.key');
const VERSION = 1;

export class MasterKey {
  private constructor(private readonly key: Buffer) {}

  static load(dataDir: string, fromEnv: string | null): MasterKey {
    if (fromEnv) return new MasterKey(Buffer.from(fromEnv, 'base64'));
    const file = path.join(dataDir, KEY_FILE);
    if (!existsSync(file)) {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    }
    // Refuse a key file others can read: it would defeat encryption at rest.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a base64 32-byte key`);
    return new MasterKey(key);
  }

  /**
   * A value that names this key without revealing it (HKDF output, 128 bits): stored in the shared
   * database, it tells a node started with another key before it seals or opens anything.
   */
  checkValue(): string {
    return this.deriveKey('key-check-value').subarray(0, 16).toString('hex');
  }

  /** A key for one purpose (e.g. signing download links), derived so it changes with the master key. */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `faxseal:${purpose}`, 32));
  }

  /** version(1) | iv(12) | tag(16) | ciphertext. `context` binds the ciphertext to its row. */
  seal(plain: Buffer, context: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  open(sealed: Buffer, context: string): Buffer {
    if (sealed[0] !== VERSION) throw new Error('unknown sealed format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(1, 13));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(sealed.subarray(13, 29));
    return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]);
  }

  sealString(plain: string, context: string): string {
    return this.seal(Buffer.from(plain, 'utf8'), context).toString('base64');
  }

  openString(sealed: string, context: string): string {
    return this.open(Buffer.from(sealed, 'base64'), context).toString('utf8');
  }

  /** sealString for a nullable column: NULL stays NULL (absent content is not a secret). */
  sealColumn(plain: string | null, context: string): string | null {
    return plain === null ? null : this.sealString(plain, context);
  }

  openColumn(sealed: string | null, context: string): string | null {
    return sealed === null ? null : this.openString(sealed, context);
  }
}
