import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AnswerFailure,
  AudioCodec,
  answerOffer,
  buildAudioOffer,
  buildT38Offer,
  extractMedia,
  newSdpOrigin,
} from '../../src/telephony/sdp/offer-answer.ts';
import { parseSdp, serializeSdp } from '../../src/telephony/sdp/session-description.ts';
import { T38ErrorCorrection, T38RateManagement } from '../../src/telephony/sdp/t38.ts';
import { asteriskT38, carrierDualOffer, ciscoT38, freeswitchT38, t38Sdps } from './fixtures.ts';

const origin = { sessionId: '42', sessionVersion: 7 };

describe('SDP', () => {
  test('real-world T.38 SDPs round-trip byte for byte', () => {
    for (const text of t38Sdps) {
      const r = parseSdp(text);
      assert.ok(r.ok, !r.ok ? r.error : '');
      assert.equal(serializeSdp(r.sdp), text);
    }
  });

  test('T.38 parameters are extracted as typed values', () => {
    assert.deepEqual(extractMedia(freeswitchT38), {
      kind: 't38',
      address: '198.51.100.5',
      port: 20230,
      direction: 'sendrecv',
      t38: {
        version: 0,
        maxBitRate: 9600,
        rateManagement: T38RateManagement.TransferredTcf,
        maxBuffer: 2000,
        maxDatagram: 400,
        errorCorrection: T38ErrorCorrection.Redundancy,
        fillBitRemoval: true,
        transcodingMmr: false,
        transcodingJbig: false,
      },
    });
    const cisco = extractMedia(ciscoT38);
    assert.equal(cisco?.kind === 't38' && cisco.t38.fillBitRemoval, false);
    assert.equal(cisco?.kind === 't38' && cisco.t38.maxDatagram, 320);
    const ast = extractMedia(asteriskT38);
    assert.equal(ast?.kind === 't38' && ast.t38.maxBuffer, undefined);
  });

  test('answering a dual audio+image offer takes T.38 and rejects audio with port 0', () => {
    const r = answerOffer(carrierDualOffer, {
      address: '127.0.0.1',
      origin,
      audioPort: 20000,
      t38Port: 20002,
    });
    assert.ok(r.ok);
    assert.equal(r.answer.media.length, 2);
    assert.equal(r.answer.media[0].port, 0);
    assert.equal(r.answer.media[1].port, 20002);
    assert.equal(r.media.kind, 't38');
    if (r.media.kind !== 't38') return;
    // Version and rate negotiated down, FEC kept (our UDPTL does it), the far end's limits kept for our sender.
    assert.equal(r.media.t38.version, 0);
    assert.equal(r.media.t38.maxBitRate, 14400);
    assert.equal(r.media.t38.errorCorrection, T38ErrorCorrection.Fec);
    assert.equal(r.media.t38.maxDatagram, 1400);
    assert.equal(r.media.address, '198.51.100.77');
    assert.equal(r.media.port, 30002);
    const text = serializeSdp(r.answer);
    assert.match(text, /m=image 20002 udptl t38\r\n/);
    assert.match(text, /a=T38FaxUdpEC:t38UDPFEC/);
    assert.match(text, /a=T38FaxVersion:0/);
    assert.match(text, /m=audio 0 RTP\/AVP 8 0 101/);
  });

  test('answering without a T.38 port picks the offerer’s preferred G.711 codec and telephone-event', () => {
    const r = answerOffer(carrierDualOffer, { address: '127.0.0.1', origin, audioPort: 20000 });
    assert.ok(r.ok);
    assert.deepEqual(r.media, {
      kind: 'audio',
      address: '198.51.100.77',
      port: 30000,
      codec: AudioCodec.Pcma,
      payloadType: 8,
      telephoneEventPayloadType: 101,
      ptime: 20,
      direction: 'sendrecv',
    });
    assert.match(serializeSdp(r.answer), /m=audio 20000 RTP\/AVP 8 101\r\n/);
    assert.equal(r.answer.media[1].port, 0);
  });

  test('no acceptable stream is 488, broken SDP is 400', () => {
    const g729 =
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 5000 RTP/AVP 18\r\n';
    const r = answerOffer(g729, { address: '127.0.0.1', origin, audioPort: 20000, t38Port: 20002 });
    assert.equal(!r.ok && r.failure, AnswerFailure.NotAcceptableHere);
    const bad = answerOffer('garbage', { address: '127.0.0.1', origin, audioPort: 20000 });
    assert.equal(!bad.ok && bad.failure, AnswerFailure.BadRequest);
    assert.equal(answerOffer(asteriskT38, { address: '127.0.0.1', origin, audioPort: 20000 }).ok, false);
  });

  test('our offers: audio PCMU/PCMA/telephone-event and T.38 with every attribute', () => {
    const audio = serializeSdp(buildAudioOffer({ address: '10.0.0.1', port: 20000, origin }));
    assert.equal(
      audio,
      [
        'v=0',
        'o=faxseal 42 7 IN IP4 10.0.0.1',
        's=FaxSeal',
        'c=IN IP4 10.0.0.1',
        't=0 0',
        'm=audio 20000 RTP/AVP 0 8 101',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        'a=ptime:20',
        'a=sendrecv',
        '',
      ].join('\r\n'),
    );
    const t38 = buildT38Offer({
      address: '10.0.0.1',
      port: 20002,
      origin,
      t38: {
        fillBitRemoval: true,
        transcodingMmr: true,
        transcodingJbig: true,
        errorCorrection: T38ErrorCorrection.Fec,
      },
    });
    const text = serializeSdp(t38);
    for (const line of [
      'm=image 20002 udptl t38',
      'a=T38FaxVersion:0',
      'a=T38MaxBitRate:14400',
      'a=T38FaxFillBitRemoval',
      'a=T38FaxTranscodingMMR',
      'a=T38FaxTranscodingJBIG',
      'a=T38FaxRateManagement:transferredTCF',
      'a=T38FaxMaxBuffer:1800',
      'a=T38FaxMaxDatagram:400',
      'a=T38FaxUdpEC:t38UDPFEC',
    ])
      assert.ok(text.includes(`${line}\r\n`), line);
    const back = extractMedia(text);
    assert.equal(back?.kind === 't38' && back.t38.transcodingJbig, true);
    // Our own T.38 offer answered by ourselves: flags we do not support are refused in the answer.
    const r = answerOffer(text, { address: '127.0.0.1', origin: newSdpOrigin(), t38Port: 1 });
    assert.ok(r.ok);
    assert.equal(r.media.kind === 't38' && r.media.t38.transcodingMmr, false);
  });

  test('parser errors are values; LF-only SDP is accepted', () => {
    assert.equal(parseSdp('').ok, false);
    assert.equal(parseSdp('v=0\r\nm=audio x RTP/AVP 0\r\n').ok, false);
    assert.equal(parseSdp(asteriskT38.replace(/\r\n/g, '\n')).ok, true);
  });
});
