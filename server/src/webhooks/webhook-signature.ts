// Signs webhook bodies the two ways API.md promises — `x-faxseal-signature` (Stripe style, keyed with
// the whole `whsec_…` string) and Standard Webhooks (keyed with the decoded bytes) — and verifies them.

import { createHmac, timingSafeEqual } from 'node:crypto';

/** Receivers refuse a signature timestamp further than this from their clock (replay protection). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const SECRET_PREFIX = 'whsec_';

export interface SignedHeaders {
  'x-faxseal-signature': string;
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export interface SignInput {
  /** The event id: the same on every attempt, so receivers can deduplicate. */
  id: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  /** The raw body exactly as sent. */
  body: string;
  /** Every active secret, newest first; two during a rotation, and each one signs. */
  secrets: readonly string[];
}

export function signWebhook({ id, timestamp, body, secrets }: SignInput): SignedHeaders {
  if (secrets.length === 0) throw new Error('signWebhook needs at least one secret');
  const t = String(Math.floor(timestamp));
  return {
    'x-faxseal-signature': [`t=${t}`, ...secrets.map((s) => `v1=${faxsealSignature(s, t, body)}`)].join(','),
    'webhook-id': id,
    'webhook-timestamp': t,
    'webhook-signature': secrets.map((s) => `v1,${standardSignature(s, id, t, body)}`).join(' '),
  };
}

/** Hex HMAC-SHA256 of `<t>.<body>`, keyed with the UTF-8 bytes of the whole secret string. */
export function faxsealSignature(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** Base64 HMAC-SHA256 of `<id>.<t>.<body>`, keyed with the base64-decoded part after `whsec_`. */
export function standardSignature(secret: string, id: string, timestamp: string, body: string): string {
  return createHmac('sha256', standardKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
}

function standardKey(secret: string): Buffer {
  return Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    'base64',
  );
}

export type VerifyFailure = 'malformed_header' | 'timestamp_out_of_tolerance' | 'no_matching_signature';
export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: VerifyFailure };

export interface VerifyOptions {
  /** Unix seconds "now"; defaults to the wall clock. */
  now?: number;
  toleranceSeconds?: number;
}

/** Verifies `x-faxseal-signature` against the raw body with one secret (any of its v1= may match). */
export function verifyFaxsealSignature(
  header: string | undefined,
  body: string,
  secret: string,
  options: VerifyOptions = {},
): VerifyResult {
  if (!header) return { ok: false, reason: 'malformed_header' };
  let t: string | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') t = value;
    else if (key === 'v1') candidates.push(value);
  }
  if (!t || !/^\d+$/.test(t) || candidates.length === 0) return { ok: false, reason: 'malformed_header' };
  const timestamp = Number(t);
  if (!withinTolerance(timestamp, options)) return { ok: false, reason: 'timestamp_out_of_tolerance' };
  const expected = Buffer.from(faxsealSignature(secret, t, body), 'hex');
  const matches = candidates.some((c) => constantTimeEqual(expected, Buffer.from(c, 'hex')));
  return matches ? { ok: true, timestamp } : { ok: false, reason: 'no_matching_signature' };
}

/** Verifies the Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`). */
export function verifyStandardSignature(
  headers: { 'webhook-id'?: string; 'webhook-timestamp'?: string; 'webhook-signature'?: string },
  body: string,
  secret: string,
  options: VerifyOptions = {},
): VerifyResult {
  const id = headers['webhook-id'];
  const t = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !t || !/^\d+$/.test(t) || !signatures) return { ok: false, reason: 'malformed_header' };
  const timestamp = Number(t);
  if (!withinTolerance(timestamp, options)) return { ok: false, reason: 'timestamp_out_of_tolerance' };
  const expected = Buffer.from(standardSignature(secret, id, t, body), 'base64');
  const matches = signatures
    .split(' ')
    .map((s) => s.split(','))
    .some(
      ([version, sig]) =>
        version === 'v1' && sig !== undefined && constantTimeEqual(expected, Buffer.from(sig, 'base64')),
    );
  return matches ? { ok: true, timestamp } : { ok: false, reason: 'no_matching_signature' };
}

function withinTolerance(timestamp: number, options: VerifyOptions): boolean {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  return Math.abs(now - timestamp) <= (options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS);
}

function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
