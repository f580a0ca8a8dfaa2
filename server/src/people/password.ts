// Password hashing for portal accounts and operators: Argon2id (RFC 9106) through @node-rs/argon2,
// with the OWASP profile m = 19 MiB, t = 2, p = 1 (about 50 ms on one core of this appliance).

import { scryptSync, timingSafeEqual } from 'node:crypto';
import { hash, hashSync, verify } from '@node-rs/argon2';

// Argon2id is the library's default algorithm; the parameters are written down so a later change
// of the library's defaults cannot silently weaken new hashes.
const PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;
const PHC_PARAMS = `m=${PARAMS.memoryCost},t=${PARAMS.timeCost},p=${PARAMS.parallelism}`;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

/** For the CLI's synchronous commands (create-admin, reset-admin-password). */
export function hashPasswordSync(password: string): string {
  return hashSync(password, PARAMS);
}

// Verified when the account does not exist, so an unknown email costs the same time as a wrong
// password and the answer's timing says nothing about which it was.
let dummyHash: string | null = null;

export interface PasswordCheck {
  ok: boolean;
  /** The stored hash is an older scheme or weaker parameters: store a fresh hash now that we have the password. */
  needsRehash: boolean;
}

/** Checks `password` against `stored`; a null `stored` (no such person, no password yet) always fails, after the same work. */
export async function verifyPassword(password: string, stored: string | null): Promise<PasswordCheck> {
  if (stored?.startsWith('scrypt$')) {
    // Operators created before Argon2: Node's scrypt (N=16384, r=8, p=1), re-hashed on sign-in.
    return { ok: verifyScrypt(password, stored), needsRehash: true };
  }
  if (!stored?.startsWith('$argon2')) {
    dummyHash ??= await hashPassword('faxseal-timing-equaliser');
    await verify(dummyHash, password).catch(() => false);
    return { ok: false, needsRehash: false };
  }
  const ok = await verify(stored, password).catch(() => false);
  return { ok, needsRehash: ok && !stored.startsWith(`$argon2id$v=19$${PHC_PARAMS}$`) };
}

function verifyScrypt(password: string, stored: string): boolean {
  const [, salt, digest] = stored.split('$');
  if (!salt || !digest) return false;
  const expected = Buffer.from(digest, 'base64');
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(expected, actual);
}

/** Why `password` cannot be used, or null. NIST SP 800-63B: length, not composition rules. */
export function passwordProblem(password: string, identifier?: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (identifier && password.trim().toLowerCase() === identifier.trim().toLowerCase())
    return 'must not be your email or username';
  if (/^(.)\1*$/.test(password)) return 'must not be one character repeated';
  return null;
}
