// Seeded mutation fuzzing: thousands of corrupted variants of valid messages must parse or fail
// with a typed error, never throw, and anything accepted must survive a serialise/parse round trip.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../../scripts/fixtures/seeded-random.ts';
import { answerOffer, extractMedia, newSdpOrigin } from '../../src/telephony/sdp/offer-answer.ts';
import { parseSdp, serializeSdp } from '../../src/telephony/sdp/session-description.ts';
import { parseChallenge } from '../../src/telephony/sip/digest.ts';
import { serializeMessage } from '../../src/telephony/sip/message.ts';
import { frameStream, parseMessage } from '../../src/telephony/sip/parser.ts';
import { parseNameAddr, parseUri } from '../../src/telephony/sip/uri.ts';
import { t38Sdps, validInvite } from './fixtures.ts';

const rng = seededRandom;

const tokens = [
  '\r\n',
  '\n',
  ':',
  ';',
  ',',
  '"',
  '<',
  '>',
  '\\',
  ' ',
  '\t',
  '=',
  '@',
  'SIP/2.0',
  'z9hG4bK',
  '\x00',
  '\xff',
  'Content-Length: 99999',
  'l: -1',
  'Via:',
  '\r\n\r\n',
  '%',
  '[',
  ']',
];

function mutate(input: Buffer, r: () => number): Buffer {
  let b = Buffer.from(input);
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const pos = Math.floor(r() * (b.length + 1));
    switch (Math.floor(r() * 6)) {
      case 0:
        if (b.length) b[Math.min(pos, b.length - 1)] = Math.floor(r() * 256);
        break;
      case 1:
        b = Buffer.concat([b.subarray(0, pos), b.subarray(pos + 1 + Math.floor(r() * 20))]);
        break;
      case 2:
        b = Buffer.concat([
          b.subarray(0, pos),
          Buffer.from(tokens[Math.floor(r() * tokens.length)], 'latin1'),
          b.subarray(pos),
        ]);
        break;
      case 3: {
        const start = Math.floor(r() * b.length);
        const chunk = b.subarray(start, start + Math.floor(r() * 200));
        b = Buffer.concat([b.subarray(0, pos), chunk, b.subarray(pos)]);
        break;
      }
      case 4:
        b = b.subarray(0, pos);
        break;
      default:
        b = Buffer.concat([b.subarray(0, pos), Buffer.alloc(Math.floor(r() * 3000), 'A'), b.subarray(pos)]);
    }
  }
  return b;
}

const seeds = [
  Buffer.from(validInvite),
  Buffer.from(
    'SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKx;received=1.2.3.4\r\nFrom: <sip:a@b>;tag=1\r\nTo: "B" <sip:b@c>;tag=2\r\nCall-ID: x@y\r\nCSeq: 2 INVITE\r\nContact: <sip:b@127.0.0.1>\r\nWWW-Authenticate: Digest realm="r", nonce="n", qop="auth,auth-int", algorithm=SHA-256\r\nContent-Type: application/sdp\r\nContent-Length: 0\r\n\r\n',
  ),
  ...t38Sdps.map((sdp) =>
    Buffer.from(
      `INVITE tel:+15550100 SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bKa\r\nf: <tel:+1>;tag=a\r\nt: <tel:+2>\r\ni: c\r\nCSeq: 2 INVITE\r\nl: ${Buffer.byteLength(sdp)}\r\n\r\n${sdp}`,
    ),
  ),
];

test('fuzz: 20000 mutated messages never throw and accepted ones round-trip', () => {
  const r = rng(0xfa7c5ea1);
  let accepted = 0;
  for (let i = 0; i < 20000; i++) {
    const input = mutate(seeds[i % seeds.length], r);
    let result: ReturnType<typeof parseMessage>;
    try {
      result = parseMessage(input);
      frameStream(input);
    } catch (err) {
      assert.fail(`case ${i} threw ${err}: ${JSON.stringify(input.toString('latin1').slice(0, 300))}`);
    }
    if (!result.ok) {
      assert.ok(result.error.code);
      continue;
    }
    accepted++;
    const again = parseMessage(serializeMessage(result.message));
    assert.ok(again.ok, `case ${i}: accepted message did not re-parse`);
    // Exercise every structured parser on the accepted headers and the body.
    for (const h of result.message.headers) {
      parseNameAddr(h.value);
      parseUri(h.value);
      parseChallenge(h.value);
    }
    const sdp = parseSdp(result.message.body);
    if (sdp.ok) {
      serializeSdp(sdp.sdp);
      extractMedia(sdp.sdp);
      answerOffer(sdp.sdp, { address: '127.0.0.1', origin: newSdpOrigin(), audioPort: 1000, t38Port: 1002 });
    }
  }
  assert.ok(accepted > 100, `only ${accepted} mutations were accepted: the fuzzer is too destructive`);
});
