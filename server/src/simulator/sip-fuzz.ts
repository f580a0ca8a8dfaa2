// A seeded generator of malformed and hostile SIP, the far end a carrier's worst neighbour would be: truncated
// messages, huge and negative Content-Length, folded and duplicated headers, bad URIs and versions, binary,
// 64 KB datagrams, INVITE and REGISTER floods. Each case says what a correct SIP stack answers, if anything.
import { type Rng, seededRandom } from '../../../scripts/fixtures/seeded-random.ts';

export type FuzzFamily =
  | 'truncated'
  | 'huge_content_length'
  | 'negative_content_length'
  | 'short_content_length'
  | 'folded_headers'
  | 'duplicated_headers'
  | 'bad_uri'
  | 'bad_version'
  | 'missing_header'
  | 'binary'
  | 'oversized_datagram'
  | 'many_headers'
  | 'invite_flood'
  | 'register_flood'
  | 'options';

/** One hostile datagram and what a correct answer is. */
export interface FuzzCase {
  index: number;
  family: FuzzFamily;
  data: Buffer;
  /** The Call-ID an answer carries, when the case has one an answer can echo. */
  callId: string | null;
  /**
   * Statuses a correct stack may answer with; `null`: it must stay silent (noise, responses, ACKs) or may
   * (a truncation can cut the message to something that is no longer a request).
   */
  answers: number[] | null;
}

export interface FuzzOptions {
  seed: number;
  /** The target's address and port, for Request-URIs and To. */
  target: { host: string; port: number };
  /** Our UDP socket's port: Via carries it (with rport) so answers come back to us. */
  replyPort: number;
}

/** The families and how often each comes up (weights). */
const FAMILIES: [FuzzFamily, number][] = [
  ['truncated', 12],
  ['huge_content_length', 6],
  ['negative_content_length', 6],
  ['short_content_length', 4],
  ['folded_headers', 6],
  ['duplicated_headers', 8],
  ['bad_uri', 8],
  ['bad_version', 4],
  ['missing_header', 6],
  ['binary', 8],
  ['oversized_datagram', 2],
  ['many_headers', 3],
  ['invite_flood', 12],
  ['register_flood', 8],
  ['options', 7],
];
const WEIGHT = FAMILIES.reduce((a, [, w]) => a + w, 0);

/** 64 KB less the IPv4 and UDP headers: the largest datagram loopback carries. */
export const MAX_DATAGRAM = 65_507;

const BAD_URIS = [
  'sip:',
  'sip:@',
  'sip:fax@[::1',
  'sip:fax@127.0.0.1:99999',
  'sip:fax@127.0.0.1:-5',
  'http://example.test/',
  'sip:fax@%00',
  'sip:"quoted"@host',
  '<sip:fax@127.0.0.1>',
  'sip:fax@127.0.0.1;;;=;',
  'x'.repeat(3000),
];

export function* sipFuzzCases(options: FuzzOptions, count: number): Generator<FuzzCase> {
  const rng = seededRandom(options.seed);
  for (let index = 0; index < count; index++) yield fuzzCase(rng, index, options);
}

function pickFamily(rng: Rng): FuzzFamily {
  let x = rng() * WEIGHT;
  for (const [family, weight] of FAMILIES) {
    x -= weight;
    if (x < 0) return family;
  }
  return 'options';
}

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)];

function fuzzCase(rng: Rng, index: number, o: FuzzOptions): FuzzCase {
  const family = pickFamily(rng);
  const callId = `fuzz-${o.seed}-${index}@fuzzer.test`;
  const hostPort = `${o.target.host}:${o.target.port}`;
  const unknown = `+1999555${String(index % 10_000).padStart(4, '0')}`;
  const sdp = [
    'v=0',
    `o=fuzz ${index} 1 IN IP4 127.0.0.1`,
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    'm=image 9 udptl t38',
    'a=T38FaxVersion:0',
    '',
  ].join('\r\n');
  const build = (
    method: string,
    p: {
      uri?: string;
      version?: string;
      extra?: string[];
      body?: string;
      contentLength?: string;
      drop?: string[];
    } = {},
  ) => {
    const body = p.body ?? '';
    const headers = [
      `Via: SIP/2.0/UDP 127.0.0.1:${o.replyPort};branch=z9hG4bK${index.toString(36)}f${Math.floor(rng() * 1e9).toString(36)};rport`,
      'Max-Forwards: 70',
      `From: <sip:fuzzer@127.0.0.1>;tag=f${index.toString(36)}`,
      `To: <sip:fax@${hostPort}>`,
      `Call-ID: ${callId}`,
      `CSeq: ${1 + (index % 1000)} ${method}`,
      `Contact: <sip:fuzzer@127.0.0.1:${o.replyPort}>`,
      ...(p.extra ?? []),
      `Content-Length: ${p.contentLength ?? Buffer.byteLength(body)}`,
    ].filter((h) => !p.drop?.some((name) => h.startsWith(`${name}:`)));
    return `${method} ${p.uri ?? `sip:fax@${hostPort}`} ${p.version ?? 'SIP/2.0'}\r\n${headers.join('\r\n')}\r\n\r\n${body}`;
  };
  const inviteTo = (user: string) =>
    build('INVITE', { uri: `sip:${user}@${hostPort}`, extra: ['Content-Type: application/sdp'], body: sdp });
  const text = (s: string, answers: number[] | null, id: string | null = callId): FuzzCase => ({
    index,
    family,
    data: Buffer.from(s, 'latin1'),
    callId: id,
    answers,
  });

  switch (family) {
    case 'truncated': {
      // Cut inside the header section: what is left is an incomplete request (400) or not one at all.
      const whole = inviteTo(unknown);
      const headerEnd = whole.indexOf('\r\n\r\n');
      return text(whole.slice(0, 1 + Math.floor(rng() * headerEnd)), null, null);
    }
    case 'huge_content_length':
      return text(
        build('OPTIONS', { contentLength: pick(rng, ['99999999', '4294967296', '1e9', '9'.repeat(40)]) }),
        [400, 413],
      );
    case 'negative_content_length':
      return text(build('OPTIONS', { contentLength: pick(rng, ['-1', '-99999', '- 5', '+-3']) }), [400]);
    case 'short_content_length':
      // More body than Content-Length says: over UDP the rest is ignored (RFC 3261 §18.3) and OPTIONS answered.
      return text(build('OPTIONS', { body: 'x'.repeat(50), contentLength: '10' }), [200]);
    case 'folded_headers':
      // Line folding is legal (RFC 3261 §7.3.1): a folded Subject and Via are one header each.
      return text(
        build('OPTIONS', {
          extra: ['Subject: a folded\r\n  subject line\r\n\tthat goes on', 'X-Fold:\r\n value'],
        }),
        [200],
      );
    case 'duplicated_headers': {
      const dup = pick(rng, [
        `Call-ID: other-${index}@fuzzer.test`,
        'Content-Length: 7',
        `CSeq: 9 OPTIONS`,
        `To: <sip:other@${hostPort}>`,
        `From: <sip:other@127.0.0.1>;tag=x`,
      ]);
      return text(build('OPTIONS', { extra: [dup] }), [400]);
    }
    case 'bad_uri': {
      const uri = pick(rng, BAD_URIS);
      const method = pick(rng, ['OPTIONS', 'INVITE', 'REGISTER']);
      return text(build(method, { uri }), [400, 416]);
    }
    case 'bad_version': {
      // Not SIP at all is noise; another SIP version is answered 505 (RFC 3261 §8.2.5).
      const version = pick(rng, ['SIP/3.0', 'SIP/1.0', 'SIP/2.00', 'HTTP/1.1']);
      return text(build('OPTIONS', { version }), version.startsWith('SIP') ? [505] : null);
    }
    case 'missing_header': {
      // Without a Via there is nowhere an answer could go by the rules, without a Call-ID no way to tell whose
      // it is; without the others, 400.
      const missing = pick(rng, ['From', 'To', 'CSeq', 'Via', 'Call-ID']);
      if (missing === 'Via' || missing === 'Call-ID')
        return text(build('OPTIONS', { drop: [missing] }), null, null);
      return text(build('OPTIONS', { drop: [missing] }), [400]);
    }
    case 'binary': {
      const length = 1 + Math.floor(rng() * 1500);
      const data = Buffer.alloc(length);
      for (let i = 0; i < length; i++) data[i] = Math.floor(rng() * 256);
      return { index, family, data, callId: null, answers: null };
    }
    case 'oversized_datagram': {
      // A 64 KB datagram: a header section the size of the limit, or a body far past it.
      const filler = 'a'.repeat(MAX_DATAGRAM - 600);
      const s =
        rng() < 0.5
          ? build('OPTIONS', { extra: [`X-Filler: ${filler}`] })
          : build('INVITE', { extra: ['Content-Type: application/sdp'], body: filler });
      return text(s.slice(0, MAX_DATAGRAM), [400, 413, 513]);
    }
    case 'many_headers':
      return text(
        build('OPTIONS', { extra: Array.from({ length: 400 }, (_, i) => `X-H${i}: ${i}`) }),
        [400, 413, 513],
      );
    case 'invite_flood':
      // Calls to numbers nobody has, from a user agent that never ACKs the refusal.
      return text(inviteTo(unknown), [404, 403, 480, 503]);
    case 'register_flood':
      // We are not a registrar.
      return text(build('REGISTER', { uri: `sip:${hostPort}`, extra: ['Expires: 3600'] }), [403, 405, 501]);
    default:
      return text(build(pick(rng, ['OPTIONS', 'OPTIONS', 'INFO', 'FOO'])), [200, 405, 481, 501]);
  }
}
