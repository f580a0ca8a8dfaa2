// Public identifiers: a type prefix and a time-ordered random part (ULID layout in Crockford
// base32), so ids sort by creation time and double as stable pagination cursors.

import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix =
  | 'ptr'
  | 'acct'
  | 'key'
  | 'usr'
  | 'num'
  | 'did'
  | 'fax'
  | 'evt'
  | 'dlv'
  | 'app'
  | 'adm'
  | 'eml'
  | 'whs'
  | 'trk'
  | 'job'
  | 'crd'
  | 'ses'
  | 'inv';

let lastTime = 0;
let lastRandom: Buffer = Buffer.alloc(10);

export function newId(prefix: IdPrefix, now = Date.now()): string {
  let random: Buffer;
  if (now === lastTime) {
    // Same millisecond: increment the previous random part so ids stay strictly ordered.
    random = Buffer.from(lastRandom);
    for (let i = random.length - 1; i >= 0; i--) {
      random[i] = (random[i] + 1) & 0xff;
      if (random[i] !== 0) break;
    }
  } else {
    random = randomBytes(10);
  }
  lastTime = now;
  lastRandom = random;
  return `${prefix}_${encodeTime(now)}${encodeRandom(random)}`;
}

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function encodeRandom(bytes: Buffer): string {
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < 16; i++) {
    out = ALPHABET[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return out;
}
