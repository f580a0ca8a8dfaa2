// Which outbound URLs the appliance may reach (webhooks, callbackUrls, document fetches): public
// addresses only, unless the operator allow-lists a CIDR or host name (LAN partners).
//
// Two checks: `checkUrl` is syntactic (scheme, credentials, literal IPs) and runs when a URL is
// accepted; `lookup` runs on every connection, so a name that later resolves to a private address
// (DNS rebinding) is refused on the address actually connected to.

import dns, { type LookupAddress } from 'node:dns';
import { isIP, isIPv4, type LookupFunction } from 'node:net';

export type AddressClass =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'cgnat'
  | 'link_local'
  | 'multicast'
  | 'reserved';

export type UrlCheck =
  | { ok: true; url: URL }
  | {
      ok: false;
      code: 'invalid_url' | 'unsupported_scheme' | 'credentials_in_url' | 'private_address';
      message: string;
    };

/** Thrown (as a connection error) by the lookup when every resolved address is refused. */
export class AddressRefusedError extends Error {
  readonly code = 'ERR_FAXSEAL_ADDRESS_REFUSED';
}

interface Cidr {
  bytes: Uint8Array;
  prefix: number;
}

const RANGES: [string, AddressClass][] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'cgnat'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link_local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'reserved'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'reserved'],
  ['203.0.113.0/24', 'reserved'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'reserved'],
  ['64:ff9b:1::/48', 'private'],
  ['100::/64', 'reserved'],
  ['2001:2::/48', 'reserved'],
  ['2001:10::/28', 'reserved'],
  ['2001:db8::/32', 'reserved'],
  ['fc00::/7', 'private'],
  ['fe80::/10', 'link_local'],
  ['fec0::/10', 'private'],
  ['ff00::/8', 'multicast'],
];

const REFUSED = RANGES.map(([cidr, cls]) => ({ cidr: parseCidr(cidr)!, cls }));

/**
 * IPv6 forms that carry an IPv4 address, and where: mapped (::ffff:0:0/96), translated
 * (::ffff:0:0:0/96, RFC 2765), NAT64 (64:ff9b::/96), 6to4 (2002::/16), Teredo (2001::/32: the server
 * in bits 32-63, the client inverted in the last 32) and ISATAP (interface id 0:5efe or 200:5efe).
 * An address is refused when any IPv4 address inside it is.
 */
const EMBEDDING: { cidr: Cidr; offset: number; inverted?: boolean }[] = [
  { cidr: parseCidr('::ffff:0:0/96')!, offset: 12 },
  { cidr: parseCidr('::ffff:0:0:0/96')!, offset: 12 },
  { cidr: parseCidr('64:ff9b::/96')!, offset: 12 },
  { cidr: parseCidr('2002::/16')!, offset: 2 },
  { cidr: parseCidr('2001::/32')!, offset: 4 },
  { cidr: parseCidr('2001::/32')!, offset: 12, inverted: true },
];

/** Classifies an IP address; null means public (reachable without an allow-list entry). */
export function classifyAddress(address: string): AddressClass | null {
  const bytes = parseIp(address);
  if (!bytes) return 'reserved';
  const embedded = embeddedIPv4(bytes);
  // A mapped or translated public IPv4 address is that public address; other forms are refused
  // for their own range too (none of them is private today, but ranges get carved out).
  const targets = isIPv4Form(bytes) ? embedded : [...embedded, bytes];
  for (const target of targets) {
    const hit = REFUSED.find((r) => inCidr(target, r.cidr));
    if (hit) return hit.cls;
  }
  return null;
}

export class UrlPolicy {
  private readonly cidrs: Cidr[] = [];
  private readonly hosts: string[] = [];
  private readonly hostSuffixes: string[] = [];

  /** `allowlist`: CIDRs (`10.0.0.0/8`, `fd00::/8`), single IPs, host names (`ehr.lan`) or suffixes (`*.lan`). */
  constructor(allowlist: readonly string[] = []) {
    for (const raw of allowlist) {
      const entry = raw.trim().toLowerCase();
      const cidr = parseCidr(entry.includes('/') ? entry : `${entry}/${isIPv4(entry) ? 32 : 128}`);
      if (cidr) this.cidrs.push(cidr);
      else if (entry.startsWith('*.')) this.hostSuffixes.push(entry.slice(1));
      else if (entry.startsWith('.')) this.hostSuffixes.push(entry);
      else if (entry) this.hosts.push(entry);
    }
  }

  /** Syntactic check for a URL a partner hands us: http(s), no credentials, no refused literal IP. */
  checkUrl(raw: string): UrlCheck {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { ok: false, code: 'invalid_url', message: 'must be an absolute http(s) URL' };
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      return { ok: false, code: 'unsupported_scheme', message: 'must use https (or http on a trusted LAN)' };
    }
    if (url.username || url.password)
      return { ok: false, code: 'credentials_in_url', message: 'must not carry credentials' };
    // WHATWG parsing already turned 0x7f.1, 2130706433 and ::ffff:127.0.0.1 into canonical literals.
    const host = unbracket(url.hostname);
    if (isIP(host)) {
      const refusal = this.refusal(host, host);
      if (refusal) return { ok: false, code: 'private_address', message: refusal };
    }
    return { ok: true, url };
  }

  /** Why connecting to `address` (reached through `hostname`) is refused, or null when allowed. */
  refusal(address: string, hostname: string): string | null {
    if (this.hostAllowed(hostname)) return null;
    const cls = classifyAddress(address);
    if (cls === null || this.addressAllowed(address)) return null;
    return `must not point to a ${cls.replace('_', '-')} address (${address}) unless the operator allow-lists it (FAXSEAL_URL_ALLOWLIST)`;
  }

  /**
   * A `lookup` for node:net / node:http requests to `hostname`: resolves, drops refused addresses and
   * fails with AddressRefusedError when none is left. Literal IPs bypass lookup, so pair it with checkUrl.
   */
  lookupFor(hostname: string): LookupFunction {
    const lookup = (host: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
      dns.lookup(host, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
        if (err) return callback(err);
        const allowed = addresses.filter((a) => this.refusal(a.address, hostname) === null);
        if (allowed.length === 0) {
          const first = addresses[0]?.address ?? host;
          return callback(
            new AddressRefusedError(
              `${hostname} resolves to a refused address: ${this.refusal(first, hostname)}`,
            ),
          );
        }
        if (options.all) callback(null, allowed);
        else callback(null, allowed[0].address, allowed[0].family);
      });
    };
    return lookup as unknown as LookupFunction;
  }

  private hostAllowed(hostname: string): boolean {
    const host = unbracket(hostname).toLowerCase().replace(/\.$/, '');
    return this.hosts.includes(host) || this.hostSuffixes.some((s) => host.endsWith(s));
  }

  /** Allow-listed: the address itself, or every IPv4 address inside it. */
  private addressAllowed(address: string): boolean {
    const bytes = parseIp(address);
    if (!bytes) return false;
    const allowed = (target: Uint8Array) => this.cidrs.some((c) => inCidr(target, c));
    const embedded = embeddedIPv4(bytes);
    return allowed(bytes) || (embedded.length > 0 && embedded.every(allowed));
  }
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Every IPv4 address an IPv6 address carries (see EMBEDDING); empty for plain addresses. */
function embeddedIPv4(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length !== 16) return [];
  const found = EMBEDDING.filter((e) => inCidr(bytes, e.cidr)).map((e) => {
    const v4 = bytes.slice(e.offset, e.offset + 4);
    return e.inverted ? v4.map((b) => b ^ 0xff) : v4;
  });
  // ISATAP: any prefix, interface id 0000:5efe (or 0200:5efe when globally unique) before the IPv4.
  if ((bytes[8] & 0xfd) === 0 && bytes[9] === 0 && bytes[10] === 0x5e && bytes[11] === 0xfe)
    found.push(bytes.slice(12, 16));
  return found;
}

/** Mapped and translated addresses are IPv4 addresses written in IPv6, nothing more. */
function isIPv4Form(bytes: Uint8Array): boolean {
  return bytes.length === 16 && (inCidr(bytes, EMBEDDING[0].cidr) || inCidr(bytes, EMBEDDING[1].cidr));
}

function inCidr(bytes: Uint8Array, cidr: Cidr): boolean {
  if (bytes.length !== cidr.bytes.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i] & mask) !== (cidr.bytes[i] & mask)) return false;
  }
  return true;
}

function parseCidr(text: string): Cidr | null {
  const slash = text.lastIndexOf('/');
  if (slash === -1) return null;
  const bytes = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!bytes || !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  return prefix <= bytes.length * 8 ? { bytes, prefix } : null;
}

/** 4 bytes for IPv4, 16 for IPv6 (zone ids ignored); null if `text` is not an IP address. */
function parseIp(text: string): Uint8Array | null {
  const address = unbracket(text).split('%')[0];
  const kind = isIP(address);
  if (kind === 4) return Uint8Array.from(address.split('.').map(Number));
  if (kind !== 6) return null;
  const bytes = new Uint8Array(16);
  let head = address;
  const lastColon = address.lastIndexOf(':');
  const dotted = address.slice(lastColon + 1);
  if (dotted.includes('.')) {
    bytes.set(dotted.split('.').map(Number), 12);
    head = `${address.slice(0, lastColon + 1)}0:0`;
  }
  const [left, right] = head.split('::');
  const leftGroups = left ? left.split(':') : [];
  const rightGroups = right === undefined ? [] : right ? right.split(':') : [];
  const groups =
    right === undefined
      ? leftGroups
      : [...leftGroups, ...Array(8 - leftGroups.length - rightGroups.length).fill('0'), ...rightGroups];
  groups.forEach((g, i) => {
    if (dotted.includes('.') && i >= 6) return;
    const value = Number.parseInt(g, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}
