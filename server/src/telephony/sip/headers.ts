// Structured SIP header values: Via with its branch, CSeq, and the random tokens (tags, Call-IDs,
// branches) that identify dialogs and transactions (RFC 3261 §8.1.1, §17.2.3, §20).
import { randomBytes } from 'node:crypto';
import type { UriParams } from './uri.ts';

/** RFC 3261 §8.1.1.7: the magic cookie that marks branches unique across space and time. */
export const branchMagicCookie = 'z9hG4bK';

export type TransportName = 'udp' | 'tcp' | 'tls';

export interface Via {
  transport: string;
  host: string;
  port?: number;
  params: UriParams;
}

export function parseVia(value: string): Via | null {
  const m =
    /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?:\s*:\s*(\d{1,5}))?\s*(.*)$/.exec(
      value.trim(),
    );
  if (!m) return null;
  const params: UriParams = {};
  const rest = m[4];
  if (rest && !rest.startsWith(';')) return null;
  for (const part of rest.split(';').slice(1)) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!name) return null;
    params[name] = eq < 0 ? null : part.slice(eq + 1).trim();
  }
  const via: Via = { transport: m[1].toUpperCase(), host: m[2], params };
  if (m[3] !== undefined) via.port = Number(m[3]);
  return via;
}

export function formatVia(via: Via): string {
  const port = via.port !== undefined ? `:${via.port}` : '';
  const params = Object.entries(via.params)
    .map(([k, v]) => `;${k}${v === null ? '' : `=${v}`}`)
    .join('');
  return `SIP/2.0/${via.transport} ${via.host}${port}${params}`;
}

export interface CSeq {
  seq: number;
  method: string;
}

export function parseCSeq(value: string): CSeq | null {
  const m = /^(\d{1,10})\s+([A-Za-z!%*_+`'~.-]+)$/.exec(value.trim());
  if (!m) return null;
  const seq = Number(m[1]);
  // RFC 3261 §8.1.1.5: the sequence number must be less than 2**31.
  if (seq >= 2 ** 31) return null;
  return { seq, method: m[2] };
}

function token(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

export const newBranch = (): string => branchMagicCookie + token(12);

/**
 * A Timestamp header value (RFC 3261 §20.38): when we sent the request, in seconds with ms precision, on a
 * monotonic clock (wall-clock origin, never stepped), so the far end can tell intervals between our requests.
 */
export const sipTimestamp = (): string => ((performance.timeOrigin + performance.now()) / 1000).toFixed(3);
export const newTag = (): string => token(8);
export const newCallId = (host: string): string => `${token(16)}@${host}`;
