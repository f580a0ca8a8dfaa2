// HTTP digest authentication as SIP uses it (RFC 3261 §22, RFC 8760/7616): parsing challenges and
// computing Authorization values with MD5 or SHA-256, qop=auth, for trunks and registrars.
import { createHash, randomBytes } from 'node:crypto';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: DigestAlgorithm;
  qop: string[];
  stale: boolean;
}

export enum DigestAlgorithm {
  Md5 = 'MD5',
  Md5Sess = 'MD5-sess',
  Sha256 = 'SHA-256',
  Sha256Sess = 'SHA-256-sess',
}

export interface DigestCredentials {
  username: string;
  password: string;
  /** Only answer challenges for this realm, when set. */
  realm?: string;
}

/** Parses `k=v, k="v"` lists as in Digest challenges and credentials. */
export function parseAuthParams(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/g;
  let m: RegExpExecArray | null = re.exec(text);
  while (m !== null && m[0].length > 0) {
    params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
    m = re.exec(text);
  }
  return params;
}

export function parseChallenge(header: string): DigestChallenge | null {
  const m = /^\s*Digest\s+(.*)$/is.exec(header);
  if (!m) return null;
  const p = parseAuthParams(m[1]);
  if (p.realm === undefined || !p.nonce) return null;
  const algorithm = Object.values(DigestAlgorithm).find(
    (a) => a.toLowerCase() === (p.algorithm ?? 'MD5').toLowerCase(),
  );
  if (!algorithm) return null;
  return {
    realm: p.realm,
    nonce: p.nonce,
    opaque: p.opaque,
    algorithm,
    qop: (p.qop ?? '')
      .split(',')
      .map((q) => q.trim().toLowerCase())
      .filter(Boolean),
    stale: (p.stale ?? '').toLowerCase() === 'true',
  };
}

/** RFC 8760 §2.4: when several challenges are offered, use the strongest we support. */
export function pickChallenge(headers: string[]): DigestChallenge | null {
  const parsed = headers.map(parseChallenge).filter((c): c is DigestChallenge => c !== null);
  const usable = parsed.filter((c) => c.qop.length === 0 || c.qop.includes('auth'));
  return usable.find((c) => c.algorithm.startsWith('SHA-256')) ?? usable[0] ?? null;
}

export interface DigestInput {
  challenge: DigestChallenge;
  credentials: DigestCredentials;
  method: string;
  uri: string;
  nonceCount?: number;
  cnonce?: string;
}

function hash(algorithm: DigestAlgorithm, text: string): string {
  return createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5')
    .update(text, 'utf8')
    .digest('hex');
}

/** The response value alone, for tests against the RFC 7616 §3.9.1 vectors. */
export function digestResponse(input: Required<DigestInput>): string {
  const { challenge: c, credentials, method, uri, nonceCount, cnonce } = input;
  const alg = c.algorithm;
  let ha1 = hash(alg, `${credentials.username}:${c.realm}:${credentials.password}`);
  if (alg.endsWith('-sess')) ha1 = hash(alg, `${ha1}:${c.nonce}:${cnonce}`);
  const ha2 = hash(alg, `${method}:${uri}`);
  if (c.qop.includes('auth')) {
    const nc = nonceCount.toString(16).padStart(8, '0');
    return hash(alg, `${ha1}:${c.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  }
  return hash(alg, `${ha1}:${c.nonce}:${ha2}`);
}

/** Builds the Authorization / Proxy-Authorization header value answering a challenge. */
export function authorizationHeader(input: DigestInput): string {
  const full: Required<DigestInput> = {
    nonceCount: 1,
    cnonce: randomBytes(12).toString('hex'),
    ...input,
  };
  const c = input.challenge;
  const parts = [
    `username="${input.credentials.username}"`,
    `realm="${c.realm}"`,
    `nonce="${c.nonce}"`,
    `uri="${input.uri}"`,
    `response="${digestResponse(full)}"`,
    `algorithm=${c.algorithm}`,
  ];
  if (c.opaque !== undefined) parts.push(`opaque="${c.opaque}"`);
  if (c.qop.includes('auth')) {
    parts.push('qop=auth', `nc=${full.nonceCount.toString(16).padStart(8, '0')}`, `cnonce="${full.cnonce}"`);
  }
  return `Digest ${parts.join(', ')}`;
}
