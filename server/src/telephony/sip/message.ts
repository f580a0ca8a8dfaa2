// The SIP message model (RFC 3261 §7): requests, responses, ordered headers with canonical names,
// and the serialiser. Parsing lives in parser.ts; URIs and structured header values in uri.ts/headers.ts.

export interface SipHeader {
  /** Canonical name (compact forms expanded, e.g. `v` → `Via`). */
  name: string;
  value: string;
}

interface SipMessageBase {
  version: string;
  /** One entry per value: comma lists of list-valued headers are split on parse. */
  headers: SipHeader[];
  body: string;
}

export interface SipRequest extends SipMessageBase {
  kind: 'request';
  method: string;
  uri: string;
}

export interface SipResponse extends SipMessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

/** RFC 3261 §7.3.3 and the IANA registry's compact forms. */
const compactForms: Record<string, string> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  n: 'Identity-Info',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

const wellKnown = [
  'Accept',
  'Accept-Encoding',
  'Accept-Language',
  'Alert-Info',
  'Allow',
  'Authentication-Info',
  'Authorization',
  'Call-ID',
  'Call-Info',
  'Contact',
  'Content-Disposition',
  'Content-Encoding',
  'Content-Language',
  'Content-Length',
  'Content-Type',
  'CSeq',
  'Date',
  'Error-Info',
  'Expires',
  'From',
  'In-Reply-To',
  'Max-Forwards',
  'Min-Expires',
  'Min-SE',
  'MIME-Version',
  'Organization',
  'P-Asserted-Identity',
  'P-Preferred-Identity',
  'Priority',
  'Privacy',
  'Proxy-Authenticate',
  'Proxy-Authorization',
  'Proxy-Require',
  'Reason',
  'Record-Route',
  'Remote-Party-ID',
  'Reply-To',
  'Require',
  'Retry-After',
  'Route',
  'RSeq',
  'RAck',
  'Server',
  'Session-Expires',
  'Subject',
  'Supported',
  'Timestamp',
  'To',
  'Unsupported',
  'User-Agent',
  'Via',
  'Warning',
  'WWW-Authenticate',
];
const canonicalByLower = new Map(wellKnown.map((n) => [n.toLowerCase(), n]));

export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length === 1 && compactForms[lower]) return compactForms[lower];
  return canonicalByLower.get(lower) ?? name;
}

/**
 * Headers whose values are comma-separated lists (RFC 3261 §7.3.1). Authorization-style headers and
 * Date contain commas that are not separators, so they are deliberately absent.
 */
export const listHeaders = new Set([
  'Via',
  'Route',
  'Record-Route',
  'Contact',
  'Allow',
  'Supported',
  'Require',
  'Proxy-Require',
  'Unsupported',
  'Accept',
  'Accept-Encoding',
  'Accept-Language',
  'Content-Encoding',
  'Allow-Events',
  'P-Asserted-Identity',
]);

export function getHeader(msg: SipMessage, name: string): string | undefined {
  const canonical = canonicalHeaderName(name);
  return msg.headers.find((h) => h.name === canonical)?.value;
}

export function getHeaders(msg: SipMessage, name: string): string[] {
  const canonical = canonicalHeaderName(name);
  return msg.headers.filter((h) => h.name === canonical).map((h) => h.value);
}

export function setHeader(msg: SipMessage, name: string, value: string): void {
  const canonical = canonicalHeaderName(name);
  const i = msg.headers.findIndex((h) => h.name === canonical);
  msg.headers = msg.headers.filter((h, j) => h.name !== canonical || j === i);
  if (i >= 0) msg.headers[msg.headers.findIndex((h) => h.name === canonical)].value = value;
  else msg.headers.push({ name: canonical, value });
}

export function removeHeader(msg: SipMessage, name: string): void {
  const canonical = canonicalHeaderName(name);
  msg.headers = msg.headers.filter((h) => h.name !== canonical);
}

/** Comma-separated tokens of a list header, e.g. Supported or Allow, lower-cased. */
export function headerTokens(msg: SipMessage, name: string): string[] {
  return getHeaders(msg, name)
    .flatMap((v) => v.split(','))
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * Splits a header value on commas that are outside quoted strings and angle brackets, which is
 * how a list header's values are separated (`<sip:a,b>` and `"Smith, J"` contain literal commas).
 */
export function splitHeaderList(value: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '<') depth++;
    else if (c === '>') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      parts.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(value.slice(start).trim());
  return parts.filter(Boolean);
}

/** Serialises a message; Content-Length is always recomputed from the body's UTF-8 size. */
export function serializeMessage(msg: SipMessage): Buffer {
  const startLine =
    msg.kind === 'request'
      ? `${msg.method} ${msg.uri} ${msg.version}`
      : `${msg.version} ${msg.status} ${msg.reason}`;
  const lines = [startLine];
  for (const h of msg.headers) {
    if (h.name === 'Content-Length') continue;
    lines.push(`${h.name}: ${h.value}`);
  }
  const body = Buffer.from(msg.body, 'utf8');
  lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8'), body]);
}

export function createRequest(method: string, uri: string, headers: SipHeader[], body = ''): SipRequest {
  return { kind: 'request', method, uri, version: 'SIP/2.0', headers, body };
}
