// SIP/SIPS and tel URIs (RFC 3261 §19.1, RFC 3966) and name-addr values of From/To/Contact/Route.
// Parsers return null on malformed input instead of throwing: the input is from the network.

export type UriParams = Record<string, string | null>;

export interface SipUri {
  scheme: 'sip' | 'sips';
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params: UriParams;
  headers: Record<string, string>;
}

export interface TelUri {
  scheme: 'tel';
  number: string;
  params: UriParams;
}

export type Uri = SipUri | TelUri;

export interface NameAddr {
  displayName?: string;
  /** The URI text as received; parse with parseUri when its parts are needed. */
  uri: string;
  /** Header parameters after the URI (tag, expires, q, …). */
  params: UriParams;
}

function parseParams(text: string, separator: string): UriParams | null {
  const params: UriParams = {};
  for (const part of text.split(separator)) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!name) return null;
    params[name] = eq < 0 ? null : part.slice(eq + 1).trim();
  }
  return params;
}

function formatParams(params: UriParams, separator: string): string {
  return Object.entries(params)
    .map(([k, v]) => `${separator}${k}${v === null ? '' : `=${v}`}`)
    .join('');
}

const hostPattern = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/;

export function parseUri(text: string): Uri | null {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  if (colon < 0) return null;
  const scheme = trimmed.slice(0, colon).toLowerCase();
  const rest = trimmed.slice(colon + 1);
  if (scheme === 'tel') {
    const semi = rest.indexOf(';');
    const number = semi < 0 ? rest : rest.slice(0, semi);
    if (!/^\+?[0-9A-Fa-f*#().-]+$/.test(number)) return null;
    const params = semi < 0 ? {} : parseParams(rest.slice(semi + 1), ';');
    return params ? { scheme: 'tel', number, params } : null;
  }
  if (scheme !== 'sip' && scheme !== 'sips') return null;
  let main = rest;
  let headers: Record<string, string> = {};
  const q = main.indexOf('?');
  if (q >= 0) {
    headers = Object.fromEntries(
      main
        .slice(q + 1)
        .split('&')
        .filter(Boolean)
        .map((kv) => {
          const eq = kv.indexOf('=');
          return eq < 0 ? [kv, ''] : [kv.slice(0, eq), kv.slice(eq + 1)];
        }),
    );
    main = main.slice(0, q);
  }
  let userinfo: string | undefined;
  const at = main.lastIndexOf('@');
  if (at >= 0) {
    userinfo = main.slice(0, at);
    main = main.slice(at + 1);
  }
  const semi = main.indexOf(';');
  const hostport = semi < 0 ? main : main.slice(0, semi);
  const params = semi < 0 ? {} : parseParams(main.slice(semi + 1), ';');
  const hp = hostPattern.exec(hostport);
  if (!hp || !params) return null;
  const uri: SipUri = { scheme, host: hp[1].toLowerCase(), params, headers };
  if (hp[2] !== undefined) {
    const port = Number(hp[2]);
    if (port < 1 || port > 65535) return null;
    uri.port = port;
  }
  if (userinfo !== undefined) {
    if (!userinfo || /[\s<>"]/.test(userinfo)) return null;
    const pc = userinfo.indexOf(':');
    uri.user = pc < 0 ? userinfo : userinfo.slice(0, pc);
    if (pc >= 0) uri.password = userinfo.slice(pc + 1);
  }
  return uri;
}

export function formatUri(uri: Uri): string {
  if (uri.scheme === 'tel') return `tel:${uri.number}${formatParams(uri.params, ';')}`;
  const user =
    uri.user !== undefined ? `${uri.user}${uri.password !== undefined ? `:${uri.password}` : ''}@` : '';
  const port = uri.port !== undefined ? `:${uri.port}` : '';
  const headers = Object.entries(uri.headers);
  const hdr = headers.length ? `?${headers.map(([k, v]) => `${k}=${v}`).join('&')}` : '';
  return `${uri.scheme}:${user}${uri.host}${port}${formatParams(uri.params, ';')}${hdr}`;
}

/** The user part of a sip URI or the number of a tel URI: what a DID lookup keys on. */
export function uriUser(text: string): string | undefined {
  const uri = parseUri(text);
  if (!uri) return undefined;
  return uri.scheme === 'tel' ? uri.number : uri.user;
}

function unquote(s: string): string {
  return s.slice(1, -1).replace(/\\(.)/g, '$1');
}

/** Parses `"Display" <uri>;params`, `<uri>;params` or a bare `uri;params` (RFC 3261 §20.10). */
export function parseNameAddr(text: string): NameAddr | null {
  let s = text.trim();
  let displayName: string | undefined;
  let uri: string;
  let paramText: string;
  if (s.startsWith('"')) {
    const m = /^"((?:[^"\\]|\\.)*)"\s*/.exec(s);
    if (!m) return null;
    displayName = unquote(`"${m[1]}"`);
    s = s.slice(m[0].length);
    if (!s.startsWith('<')) return null;
  }
  const lt = s.indexOf('<');
  if (lt >= 0) {
    const gt = s.indexOf('>', lt);
    if (gt < 0) return null;
    const name = s.slice(0, lt).trim();
    if (displayName === undefined && name) displayName = name;
    uri = s.slice(lt + 1, gt).trim();
    paramText = s.slice(gt + 1).trim();
  } else {
    // addr-spec without brackets: parameters belong to the header, not the URI (RFC 3261 §20).
    const semi = s.indexOf(';');
    uri = (semi < 0 ? s : s.slice(0, semi)).trim();
    paramText = semi < 0 ? '' : s.slice(semi);
    if (/[\s,?]/.test(uri)) return null;
  }
  if (paramText && !paramText.startsWith(';')) return null;
  const params = parseParams(paramText.slice(1), ';');
  if (!params || !parseUri(uri)) return null;
  return { displayName, uri, params };
}

export function formatNameAddr(na: NameAddr): string {
  const name = na.displayName ? `"${na.displayName.replace(/(["\\])/g, '\\$1')}" ` : '';
  return `${name}<${na.uri}>${formatParams(na.params, ';')}`;
}
