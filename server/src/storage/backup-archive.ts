// The backup file format: a passphrase-encrypted stream of named files, then a manifest.
//
//   header  "FAXSEALB" | version u8 | scrypt log2(N) u8 | r u8 | p u8 | salt (16) | check (16)
//   chunks  length u32 | AES-256-GCM ciphertext + tag, at most 64 KiB of plaintext each
//
// The key comes from the passphrase by scrypt; `check` (HMAC of a constant under a second derived
// key) tells a wrong passphrase from a damaged file. Chunk nonces are a counter plus a last-chunk
// flag and every chunk authenticates the header (the STREAM construction): chunks cannot be
// reordered, dropped, or the file cut short without the reader noticing. Inside, the plaintext is
// a sequence of entries: `F` name size bytes… for files, one `M` with the JSON manifest at the end.

import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  scryptSync,
  timingSafeEqual,
} from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

const MAGIC = Buffer.from('FAXSEALB');
const VERSION = 1;
const HEADER_BYTES = MAGIC.length + 4 + 16 + 16;
const CHUNK_BYTES = 64 * 1024;
const TAG_BYTES = 16;
/** scrypt N = 2^17, r = 8, p = 1: about 128 MiB and a fraction of a second, per OWASP's guidance. */
const KDF = { log2N: 17, r: 8, p: 1 };
export const MIN_PASSPHRASE_LENGTH = 12;

/** What restore reports; `code` is stable for scripts and tests. */
export class BackupError extends Error {
  constructor(
    readonly code: 'not_a_backup' | 'unsupported_version' | 'wrong_passphrase' | 'corrupted' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

interface Keys {
  cipher: Buffer;
  check: Buffer;
}

function deriveKeys(passphrase: string, salt: Buffer, kdf: typeof KDF): Keys {
  const N = 2 ** kdf.log2N;
  const master = scryptSync(passphrase.normalize('NFC'), salt, 32, {
    N,
    r: kdf.r,
    p: kdf.p,
    maxmem: 256 * N * kdf.r,
  });
  const sub = (info: string) => Buffer.from(hkdfSync('sha256', master, salt, `faxseal-backup:${info}`, 32));
  const check = createHmac('sha256', sub('check')).update('passphrase').digest().subarray(0, 16);
  return { cipher: sub('cipher'), check };
}

function nonce(counter: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(BigInt(counter), 3);
  n[11] = last ? 1 : 0;
  return n;
}

/** One file inside the archive, as the manifest lists it. */
export interface ManifestFile {
  name: string;
  size: number;
  sha256: string;
}

/** Writes an archive to `file` as it goes: memory stays at one chunk whatever the size. */
export class BackupWriter {
  private readonly fd: number;
  private readonly header: Buffer;
  private readonly keys: Keys;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private counter = 0;
  private readonly files: ManifestFile[] = [];

  constructor(file: string, passphrase: string) {
    const salt = randomBytes(16);
    this.keys = deriveKeys(passphrase, salt, KDF);
    this.header = Buffer.concat([
      MAGIC,
      Buffer.from([VERSION, KDF.log2N, KDF.r, KDF.p]),
      salt,
      this.keys.check,
    ]);
    this.fd = openSync(file, 'wx', 0o600);
    writeSync(this.fd, this.header);
  }

  /** Adds a file, read from `read(buffer, offset)` until it returns 0. */
  addFile(name: string, size: number, read: (into: Buffer, position: number) => number): void {
    const nameBytes = Buffer.from(name, 'utf8');
    const head = Buffer.alloc(1 + 2 + nameBytes.length + 8);
    head.write('F', 0, 'latin1');
    head.writeUInt16BE(nameBytes.length, 1);
    nameBytes.copy(head, 3);
    head.writeBigUInt64BE(BigInt(size), 3 + nameBytes.length);
    this.push(head);
    const hash = createHash('sha256');
    const piece = Buffer.alloc(CHUNK_BYTES);
    let written = 0;
    while (written < size) {
      const n = read(piece, written);
      if (n === 0) throw new Error(`${name} ended at ${written} of ${size} bytes`);
      const bytes = piece.subarray(0, Math.min(n, size - written));
      hash.update(bytes);
      this.push(Buffer.from(bytes));
      written += bytes.length;
    }
    this.files.push({ name, size, sha256: hash.digest('hex') });
  }

  /** Writes the manifest (the files added, with `extra`) and the last chunk. */
  finish(extra: Record<string, unknown>): ManifestFile[] {
    const manifest = Buffer.from(JSON.stringify({ ...extra, files: this.files }), 'utf8');
    const head = Buffer.alloc(5);
    head.write('M', 0, 'latin1');
    head.writeUInt32BE(manifest.length, 1);
    this.push(head);
    this.push(manifest);
    this.flush(true);
    closeSync(this.fd);
    return this.files;
  }

  /** Gives up: the caller deletes the partial file. */
  abort(): void {
    closeSync(this.fd);
  }

  private push(bytes: Buffer): void {
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    while (this.pendingBytes > CHUNK_BYTES) this.flush(false);
  }

  private flush(last: boolean): void {
    const all = Buffer.concat(this.pending);
    const plain = last ? all : all.subarray(0, CHUNK_BYTES);
    const rest = last ? Buffer.alloc(0) : all.subarray(CHUNK_BYTES);
    this.pending = rest.length ? [rest] : [];
    this.pendingBytes = rest.length;
    const cipher = createCipheriv('aes-256-gcm', this.keys.cipher, nonce(this.counter++, last));
    cipher.setAAD(this.header);
    const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    writeSync(this.fd, length);
    writeSync(this.fd, body);
  }
}

/** An entry as the reader hands it over: a file (streamed to `sink`) or the closing manifest. */
export type ArchiveEntry =
  | { kind: 'file'; name: string; size: number; sha256: string }
  | { kind: 'manifest'; manifest: Record<string, unknown> & { files: ManifestFile[] } };

/**
 * Reads an archive, authenticating chunk by chunk: `onFile(name, size)` returns where each file's
 * bytes go. Throws BackupError for a wrong passphrase, a damaged or cut file, or a manifest that does
 * not match what was read.
 */
export function readBackup(
  file: string,
  passphrase: string,
  onFile: (name: string, size: number) => { write(bytes: Buffer): void; close(): void },
): Record<string, unknown> & { files: ManifestFile[] } {
  const fd = openSync(file, 'r');
  try {
    const header = readExactly(fd, HEADER_BYTES, 0);
    if (header.length < HEADER_BYTES || !header.subarray(0, MAGIC.length).equals(MAGIC))
      throw new BackupError('not_a_backup', `${file} is not a FaxSeal backup`);
    const at = MAGIC.length;
    if (header[at] !== VERSION)
      throw new BackupError('unsupported_version', `backup format version ${header[at]} is not supported`);
    const kdf = { log2N: header[at + 1], r: header[at + 2], p: header[at + 3] };
    if (kdf.log2N < 10 || kdf.log2N > 22 || kdf.r < 1 || kdf.r > 32 || kdf.p < 1 || kdf.p > 16)
      throw new BackupError('corrupted', 'the backup header is damaged (key derivation parameters)');
    const salt = header.subarray(at + 4, at + 20);
    const keys = deriveKeys(passphrase, salt, kdf);
    if (!timingSafeEqual(keys.check, header.subarray(at + 20, at + 36)))
      throw new BackupError('wrong_passphrase', 'wrong passphrase for this backup');

    const chunks = new ChunkReader(fd, HEADER_BYTES, header, keys.cipher);
    const read = (n: number) => chunks.read(n);
    const seen: ManifestFile[] = [];
    for (;;) {
      const kind = read(1).toString('latin1');
      if (kind === 'F') {
        const name = read(read(2).readUInt16BE()).toString('utf8');
        const size = Number(read(8).readBigUInt64BE());
        const sink = onFile(name, size);
        const hash = createHash('sha256');
        for (let left = size; left > 0; ) {
          const bytes = read(Math.min(left, CHUNK_BYTES));
          hash.update(bytes);
          sink.write(bytes);
          left -= bytes.length;
        }
        sink.close();
        seen.push({ name, size, sha256: hash.digest('hex') });
      } else if (kind === 'M') {
        const manifest = JSON.parse(read(read(4).readUInt32BE()).toString('utf8')) as Record<
          string,
          unknown
        > & { files: ManifestFile[] };
        if (!chunks.atEnd()) throw new BackupError('corrupted', 'the backup has data after its manifest');
        checkManifest(manifest, seen);
        return manifest;
      } else {
        throw new BackupError('corrupted', 'the backup holds an entry of unknown kind');
      }
    }
  } finally {
    closeSync(fd);
  }
}

function checkManifest(manifest: { files: ManifestFile[] }, seen: ManifestFile[]): void {
  const listed = new Map(manifest.files.map((f) => [f.name, f]));
  if (listed.size !== seen.length)
    throw new BackupError(
      'invalid',
      `the manifest lists ${listed.size} files, the backup holds ${seen.length}`,
    );
  for (const f of seen) {
    const entry = listed.get(f.name);
    if (!entry || entry.size !== f.size || entry.sha256 !== f.sha256)
      throw new BackupError('invalid', `${f.name} does not match its checksum in the manifest`);
  }
}

class ChunkReader {
  private buffer = Buffer.alloc(0);
  private counter = 0;
  private last = false;

  constructor(
    private readonly fd: number,
    private position: number,
    private readonly header: Buffer,
    private readonly key: Buffer,
  ) {}

  read(n: number): Buffer {
    while (this.buffer.length < n) {
      if (this.last) throw new BackupError('corrupted', 'the backup ends in the middle of an entry');
      this.buffer = Buffer.concat([this.buffer, this.next()]);
    }
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  atEnd(): boolean {
    return this.last && this.buffer.length === 0;
  }

  private next(): Buffer {
    const lengthBytes = readExactly(this.fd, 4, this.position);
    if (lengthBytes.length < 4) throw new BackupError('corrupted', 'the backup file is cut short');
    const length = lengthBytes.readUInt32BE();
    if (length < TAG_BYTES || length > CHUNK_BYTES + TAG_BYTES)
      throw new BackupError('corrupted', `the backup is damaged at byte ${this.position}`);
    const body = readExactly(this.fd, length, this.position + 4);
    if (body.length < length) throw new BackupError('corrupted', 'the backup file is cut short');
    // The writer marks its last chunk; try that reading when the file ends here.
    const atFileEnd = readExactly(this.fd, 1, this.position + 4 + length).length === 0;
    const plain = this.open(body, atFileEnd);
    if (!plain)
      throw new BackupError(
        'corrupted',
        atFileEnd
          ? 'the backup file is cut short'
          : `the backup is damaged: chunk ${this.counter} (byte ${this.position}) fails authentication`,
      );
    this.position += 4 + length;
    this.counter++;
    this.last = atFileEnd;
    return plain;
  }

  private open(body: Buffer, last: boolean): Buffer | null {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, nonce(this.counter, last));
      decipher.setAAD(this.header);
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
    } catch {
      return null;
    }
  }
}

function readExactly(fd: number, n: number, position: number): Buffer {
  const out = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const r = readSync(fd, out, got, n - got, position + got);
    if (r === 0) break;
    got += r;
  }
  return out.subarray(0, got);
}
