// The SDP session description (RFC 4566): a typed model, a lenient parser that reports errors as
// values, and a serialiser that writes fields in the RFC's order so round trips are stable.

export interface SdpConnection {
  netType: string;
  addrType: string;
  address: string;
}

export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

export interface SdpAttribute {
  name: string;
  /** undefined for property attributes such as `a=sendrecv` or `a=T38FaxFillBitRemoval`. */
  value?: string;
}

export interface SdpBandwidth {
  type: string;
  value: number;
}

export interface SdpMedia {
  type: string;
  port: number;
  portCount?: number;
  protocol: string;
  formats: string[];
  information?: string;
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  attributes: SdpAttribute[];
}

export interface SessionDescription {
  version: number;
  origin: SdpOrigin;
  sessionName: string;
  /** i, u, e, p lines, kept verbatim for round trips. */
  info: { type: string; value: string }[];
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  /** t, r and z lines in order. */
  timing: { type: string; value: string }[];
  attributes: SdpAttribute[];
  media: SdpMedia[];
}

export type SdpParseResult = { ok: true; sdp: SessionDescription } | { ok: false; error: string };

const maxSdpSize = 16384;

function parseConnection(value: string): SdpConnection | null {
  const p = value.split(/\s+/);
  if (p.length !== 3 || !p[2]) return null;
  return { netType: p[0], addrType: p[1], address: p[2] };
}

function parseAttribute(value: string): SdpAttribute {
  const colon = value.indexOf(':');
  return colon < 0 ? { name: value } : { name: value.slice(0, colon), value: value.slice(colon + 1) };
}

function parseBandwidth(value: string): SdpBandwidth | null {
  const m = /^([A-Za-z0-9-]+):(\d+)$/.exec(value);
  return m ? { type: m[1], value: Number(m[2]) } : null;
}

export function parseSdp(text: string): SdpParseResult {
  if (text.length > maxSdpSize) return { ok: false, error: 'sdp too large' };
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const sdp: Partial<SessionDescription> &
    Pick<SessionDescription, 'info' | 'bandwidths' | 'timing' | 'attributes' | 'media'> = {
    info: [],
    bandwidths: [],
    timing: [],
    attributes: [],
    media: [],
  };
  let media: SdpMedia | undefined;
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (line[1] !== '=') return { ok: false, error: `malformed line: ${line.slice(0, 40)}` };
    const type = line[0];
    const value = line.slice(2);
    switch (type) {
      case 'v':
        if (!/^\d+$/.test(value)) return { ok: false, error: 'bad version' };
        sdp.version = Number(value);
        break;
      case 'o': {
        const p = value.split(/\s+/);
        if (p.length !== 6) return { ok: false, error: 'bad origin' };
        sdp.origin = {
          username: p[0],
          sessionId: p[1],
          sessionVersion: p[2],
          netType: p[3],
          addrType: p[4],
          address: p[5],
        };
        break;
      }
      case 's':
        sdp.sessionName = value;
        break;
      case 'c': {
        const c = parseConnection(value);
        if (!c) return { ok: false, error: 'bad connection' };
        if (media) media.connection = c;
        else sdp.connection = c;
        break;
      }
      case 'b': {
        const b = parseBandwidth(value);
        if (!b) return { ok: false, error: 'bad bandwidth' };
        (media ? media.bandwidths : sdp.bandwidths).push(b);
        break;
      }
      case 't':
      case 'r':
      case 'z':
        if (media) return { ok: false, error: `${type}= inside media section` };
        sdp.timing.push({ type, value });
        break;
      case 'a':
        (media ? media.attributes : sdp.attributes).push(parseAttribute(value));
        break;
      case 'm': {
        const m = /^(\S+) (\d{1,5})(?:\/(\d+))? (\S+)(?: (.*))?$/.exec(value);
        if (!m || Number(m[2]) > 65535) return { ok: false, error: 'bad media line' };
        media = {
          type: m[1],
          port: Number(m[2]),
          protocol: m[4],
          formats: (m[5] ?? '').split(' ').filter(Boolean),
          bandwidths: [],
          attributes: [],
        };
        if (m[3] !== undefined) media.portCount = Number(m[3]);
        sdp.media.push(media);
        break;
      }
      case 'i':
        if (media) media.information = value;
        else sdp.info.push({ type, value });
        break;
      case 'u':
      case 'e':
      case 'p':
      case 'k':
        if (!media) sdp.info.push({ type, value });
        break;
      default:
        // RFC 4566 §5: unknown types are ignored.
        break;
    }
  }
  if (sdp.version === undefined || !sdp.origin || sdp.sessionName === undefined)
    return { ok: false, error: 'missing v=, o= or s=' };
  if (sdp.timing.length === 0) sdp.timing.push({ type: 't', value: '0 0' });
  return { ok: true, sdp: sdp as SessionDescription };
}

function connectionLine(c: SdpConnection): string {
  return `c=${c.netType} ${c.addrType} ${c.address}`;
}

function attributeLine(a: SdpAttribute): string {
  return a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`;
}

export function serializeSdp(sdp: SessionDescription): string {
  const o = sdp.origin;
  const lines = [
    `v=${sdp.version}`,
    `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`,
    `s=${sdp.sessionName || '-'}`,
  ];
  for (const type of ['i', 'u', 'e', 'p']) {
    for (const l of sdp.info.filter((x) => x.type === type)) lines.push(`${l.type}=${l.value}`);
  }
  if (sdp.connection) lines.push(connectionLine(sdp.connection));
  for (const b of sdp.bandwidths) lines.push(`b=${b.type}:${b.value}`);
  for (const t of sdp.timing) lines.push(`${t.type}=${t.value}`);
  for (const l of sdp.info.filter((x) => x.type === 'k')) lines.push(`k=${l.value}`);
  for (const a of sdp.attributes) lines.push(attributeLine(a));
  for (const m of sdp.media) {
    const port = m.portCount !== undefined ? `${m.port}/${m.portCount}` : `${m.port}`;
    lines.push(`m=${[m.type, port, m.protocol, ...m.formats].join(' ')}`);
    if (m.information !== undefined) lines.push(`i=${m.information}`);
    if (m.connection) lines.push(connectionLine(m.connection));
    for (const b of m.bandwidths) lines.push(`b=${b.type}:${b.value}`);
    for (const a of m.attributes) lines.push(attributeLine(a));
  }
  return lines.join('\r\n') + '\r\n';
}

/** The direction attribute of a media section, falling back to the session's (RFC 3264 §5.1). */
export function mediaDirection(
  sdp: SessionDescription,
  m: SdpMedia,
): 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive' {
  const directions = ['sendrecv', 'sendonly', 'recvonly', 'inactive'] as const;
  for (const list of [m.attributes, sdp.attributes]) {
    const found = list.find((a) => (directions as readonly string[]).includes(a.name));
    if (found) return found.name as (typeof directions)[number];
  }
  return 'sendrecv';
}
