// SDP offer/answer (RFC 3264) for fax: our G.711 audio and T.38 offers and answers, and the typed
// MediaDescription the media worker needs (remote address, port, codec or T.38 parameters).
import { randomInt } from 'node:crypto';
import {
  mediaDirection,
  parseSdp,
  type SdpAttribute,
  type SdpMedia,
  type SessionDescription,
} from './session-description.ts';
import { answerT38, defaultT38Params, parseT38Attributes, type T38Params, t38Attributes } from './t38.ts';

export enum AudioCodec {
  Pcmu = 'PCMU',
  Pcma = 'PCMA',
}

/** Static RTP payload types of RFC 3551. */
export const audioPayloadType: Record<AudioCodec, number> = { [AudioCodec.Pcmu]: 0, [AudioCodec.Pcma]: 8 };

export const defaultTelephoneEventPayloadType = 101;

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export type MediaDescription =
  | {
      kind: 'audio';
      address: string;
      port: number;
      codec: AudioCodec;
      payloadType: number;
      /** RFC 4733 payload type, when both sides do telephone-event. */
      telephoneEventPayloadType?: number;
      ptime?: number;
      direction: MediaDirection;
    }
  | {
      kind: 't38';
      address: string;
      port: number;
      t38: T38Params;
      direction: MediaDirection;
    };

/** Identity of our SDP session; the version must grow each time our description changes. */
export interface SdpOriginState {
  sessionId: string;
  sessionVersion: number;
}

export function newSdpOrigin(): SdpOriginState {
  const id = String(randomInt(1, 2 ** 47));
  return { sessionId: id, sessionVersion: Number(id) % 100000 };
}

export interface LocalMediaOptions {
  /** Address the far end sends media to (our media worker's). */
  address: string;
  origin: SdpOriginState;
  username?: string;
}

function baseDescription(opts: LocalMediaOptions, media: SdpMedia[]): SessionDescription {
  const addrType = opts.address.includes(':') ? 'IP6' : 'IP4';
  return {
    version: 0,
    origin: {
      username: opts.username ?? 'faxseal',
      sessionId: opts.origin.sessionId,
      sessionVersion: String(opts.origin.sessionVersion),
      netType: 'IN',
      addrType,
      address: opts.address,
    },
    sessionName: 'FaxSeal',
    info: [],
    connection: { netType: 'IN', addrType, address: opts.address },
    bandwidths: [],
    timing: [{ type: 't', value: '0 0' }],
    attributes: [],
    media,
  };
}

function audioSection(port: number, codecs: AudioCodec[], telephoneEvent: number | undefined): SdpMedia {
  const attributes: SdpAttribute[] = codecs.map((c) => ({
    name: 'rtpmap',
    value: `${audioPayloadType[c]} ${c}/8000`,
  }));
  const formats = codecs.map((c) => String(audioPayloadType[c]));
  if (telephoneEvent !== undefined) {
    formats.push(String(telephoneEvent));
    attributes.push(
      { name: 'rtpmap', value: `${telephoneEvent} telephone-event/8000` },
      { name: 'fmtp', value: `${telephoneEvent} 0-15` },
    );
  }
  attributes.push({ name: 'ptime', value: '20' }, { name: 'sendrecv' });
  return { type: 'audio', port, protocol: 'RTP/AVP', formats, bandwidths: [], attributes };
}

function imageSection(port: number, params: T38Params): SdpMedia {
  return {
    type: 'image',
    port,
    protocol: 'udptl',
    formats: ['t38'],
    bandwidths: [],
    attributes: t38Attributes(params),
  };
}

export interface AudioOfferOptions extends LocalMediaOptions {
  port: number;
  /** In order of preference; both by default, µ-law first (North American trunks). */
  codecs?: AudioCodec[];
  telephoneEvent?: boolean;
}

export function buildAudioOffer(opts: AudioOfferOptions): SessionDescription {
  const codecs = opts.codecs ?? [AudioCodec.Pcmu, AudioCodec.Pcma];
  const te = opts.telephoneEvent === false ? undefined : defaultTelephoneEventPayloadType;
  return baseDescription(opts, [audioSection(opts.port, codecs, te)]);
}

export interface T38OfferOptions extends LocalMediaOptions {
  port: number;
  t38?: Partial<T38Params>;
  /** G.711 beside T.38 (m=audio, then m=image on the same port), as some gateways' first INVITE offers. */
  audioCodecs?: AudioCodec[];
}

export function buildT38Offer(opts: T38OfferOptions): SessionDescription {
  const image = imageSection(opts.port, { ...defaultT38Params, ...opts.t38 });
  const audio = opts.audioCodecs ? [audioSection(opts.port, opts.audioCodecs, undefined)] : [];
  return baseDescription(opts, [...audio, image]);
}

export interface AnswerOptions extends LocalMediaOptions {
  /** Port for RTP if audio is accepted. */
  audioPort?: number;
  /** Port for UDPTL if T.38 is accepted. */
  t38Port?: number;
  codecs?: AudioCodec[];
  t38?: Partial<T38Params>;
}

export enum AnswerFailure {
  /** No stream we can accept: answer the INVITE/re-INVITE with 488 Not Acceptable Here. */
  NotAcceptableHere = 488,
  /** The body is not valid SDP: 400 Bad Request. */
  BadRequest = 400,
}

export type AnswerResult =
  | { ok: true; answer: SessionDescription; media: MediaDescription }
  | { ok: false; failure: AnswerFailure; detail: string };

/**
 * Answers an offer (RFC 3264 §6): one m-line per offered m-line in the same order, all rejected
 * (port 0) except the single stream we take — T.38 when offered and we have a T.38 port, else
 * G.711 audio in the offerer's order of preference.
 */
export function answerOffer(offer: SessionDescription | string, opts: AnswerOptions): AnswerResult {
  let sdp: SessionDescription;
  if (typeof offer === 'string') {
    const parsed = parseSdp(offer);
    if (!parsed.ok) return { ok: false, failure: AnswerFailure.BadRequest, detail: parsed.error };
    sdp = parsed.sdp;
  } else sdp = offer;

  const ours = { ...defaultT38Params, ...opts.t38 };
  const codecs = opts.codecs ?? [AudioCodec.Pcmu, AudioCodec.Pcma];
  const streams = describeMedia(sdp);
  let chosen = -1;
  let chosenMedia: MediaDescription | undefined;
  let chosenSection: SdpMedia | undefined;

  const t38Index = opts.t38Port !== undefined ? streams.findIndex((s) => s?.kind === 't38') : -1;
  if (t38Index >= 0) {
    const remote = streams[t38Index] as Extract<MediaDescription, { kind: 't38' }>;
    const agreed = answerT38(remote.t38, ours);
    if (agreed) {
      chosen = t38Index;
      chosenMedia = { ...remote, t38: agreed, direction: 'sendrecv' };
      chosenSection = imageSection(opts.t38Port!, agreed);
      // The far end's declared buffer and datagram limits are what our sender must respect.
      chosenMedia.t38 = { ...agreed, maxBuffer: remote.t38.maxBuffer, maxDatagram: remote.t38.maxDatagram };
    }
  }
  if (chosen < 0 && opts.audioPort !== undefined) {
    sdp.media.forEach((m, i) => {
      if (chosen >= 0 || m.type !== 'audio' || m.port === 0 || !/^RTP\/S?AVP$/.test(m.protocol)) return;
      const offered = audioFormats(m);
      const pick = offered.codecs.find((c) => codecs.includes(c.codec));
      if (!pick) return;
      const remote = streams[i] as Extract<MediaDescription, { kind: 'audio' }>;
      chosen = i;
      chosenMedia = {
        ...remote,
        codec: pick.codec,
        payloadType: pick.payloadType,
        telephoneEventPayloadType: offered.telephoneEvent,
      };
      chosenSection = audioSection(opts.audioPort!, [pick.codec], offered.telephoneEvent);
      chosenSection.formats[0] = String(pick.payloadType);
    });
  }
  if (chosen < 0 || !chosenMedia || !chosenSection)
    return { ok: false, failure: AnswerFailure.NotAcceptableHere, detail: 'no acceptable media stream' };

  const media = sdp.media.map((m, i) =>
    i === chosen
      ? chosenSection!
      : { type: m.type, port: 0, protocol: m.protocol, formats: m.formats, bandwidths: [], attributes: [] },
  );
  const answer = baseDescription(opts, media);
  return { ok: true, answer, media: chosenMedia };
}

function audioFormats(m: SdpMedia): {
  codecs: { codec: AudioCodec; payloadType: number }[];
  telephoneEvent?: number;
} {
  const rtpmap = new Map<string, string>();
  for (const a of m.attributes) {
    if (a.name.toLowerCase() !== 'rtpmap' || !a.value) continue;
    const [pt, enc] = a.value.trim().split(/\s+/);
    if (pt && enc) rtpmap.set(pt, enc.split('/')[0].toUpperCase());
  }
  const codecs: { codec: AudioCodec; payloadType: number }[] = [];
  let telephoneEvent: number | undefined;
  for (const f of m.formats) {
    const name = rtpmap.get(f) ?? (f === '0' ? 'PCMU' : f === '8' ? 'PCMA' : undefined);
    if (name === 'PCMU' || name === 'PCMA')
      codecs.push({ codec: name as AudioCodec, payloadType: Number(f) });
    else if (name === 'TELEPHONE-EVENT' && telephoneEvent === undefined) telephoneEvent = Number(f);
  }
  return { codecs, telephoneEvent };
}

/** One entry per m-line: the stream as we understand it, or null for ones we cannot use. */
export function describeMedia(sdp: SessionDescription): (MediaDescription | null)[] {
  return sdp.media.map((m) => {
    const address = (m.connection ?? sdp.connection)?.address;
    if (!address || m.port === 0) return null;
    const direction = mediaDirection(sdp, m);
    if (
      m.type === 'image' &&
      m.protocol.toLowerCase() === 'udptl' &&
      m.formats.some((f) => f.toLowerCase() === 't38')
    ) {
      return { kind: 't38', address, port: m.port, t38: parseT38Attributes(m.attributes), direction };
    }
    if (m.type === 'audio' && /^RTP\/S?AVP$/.test(m.protocol)) {
      const formats = audioFormats(m);
      const first = formats.codecs[0];
      if (!first) return null;
      const ptime = m.attributes.find((a) => a.name === 'ptime')?.value;
      return {
        kind: 'audio',
        address,
        port: m.port,
        codec: first.codec,
        payloadType: first.payloadType,
        telephoneEventPayloadType: formats.telephoneEvent,
        ptime: ptime && /^\d+$/.test(ptime) ? Number(ptime) : undefined,
        direction,
      };
    }
    return null;
  });
}

/**
 * The negotiated stream of an answer (or the remote side of an established session): the first
 * active m-line we understand. Accepts SDP text or a parsed description; null if none.
 */
export function extractMedia(sdp: SessionDescription | string): MediaDescription | null {
  let parsed: SessionDescription;
  if (typeof sdp === 'string') {
    const r = parseSdp(sdp);
    if (!r.ok) return null;
    parsed = r.sdp;
  } else parsed = sdp;
  return describeMedia(parsed).find((m) => m !== null) ?? null;
}
