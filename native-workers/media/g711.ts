// G.711 µ-law (PCMU) and A-law (PCMA) companding by lookup table, bit-exact with spandsp's g711.h.
// Audio fax goes through these on every 20 ms frame, so both directions are single array lookups.

export type G711Codec = 'pcmu' | 'pcma';

/** RTP static payload types (RFC 3551). */
export const G711_PAYLOAD_TYPE: Record<G711Codec, number> = { pcmu: 0, pcma: 8 };

const ULAW_BIAS = 0x84;
const ALAW_AMI_MASK = 0x55;

function topBit(value: number): number {
  return 31 - Math.clz32(value);
}

function linearToUlaw(sample: number): number {
  let linear = sample;
  let mask: number;
  if (linear < 0) {
    linear = ULAW_BIAS - linear - 1;
    mask = 0x7f;
  } else {
    linear = ULAW_BIAS + linear;
    mask = 0xff;
  }
  const segment = topBit(linear | 0xff) - 7;
  if (segment >= 8) return 0x7f ^ mask;
  return ((segment << 4) | ((linear >> (segment + 3)) & 0x0f)) ^ mask;
}

function ulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + ULAW_BIAS) << ((u & 0x70) >> 4);
  return u & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS;
}

function linearToAlaw(sample: number): number {
  let linear = sample;
  let mask: number;
  if (linear >= 0) {
    mask = ALAW_AMI_MASK | 0x80;
  } else {
    mask = ALAW_AMI_MASK;
    linear = -linear - 1;
  }
  const segment = topBit(linear | 0xff) - 7;
  if (segment >= 8) return 0x7f ^ mask;
  return ((segment << 4) | ((linear >> (segment ? segment + 3 : 4)) & 0x0f)) ^ mask;
}

function alawToLinear(code: number): number {
  const a = code ^ ALAW_AMI_MASK;
  let magnitude = (a & 0x0f) << 4;
  const segment = (a & 0x70) >> 4;
  magnitude = segment ? (magnitude + 0x108) << (segment - 1) : magnitude + 8;
  return a & 0x80 ? magnitude : -magnitude;
}

function buildTables(encode: (s: number) => number, decode: (c: number) => number) {
  const toCode = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) toCode[i] = encode((i << 16) >> 16);
  const toLinear = new Int16Array(256);
  for (let c = 0; c < 256; c++) toLinear[c] = decode(c);
  return { toCode, toLinear };
}

const TABLES: Record<G711Codec, { toCode: Uint8Array; toLinear: Int16Array }> = {
  pcmu: buildTables(linearToUlaw, ulawToLinear),
  pcma: buildTables(linearToAlaw, alawToLinear),
};

export function g711Encode(codec: G711Codec, samples: Int16Array): Uint8Array {
  const { toCode } = TABLES[codec];
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = toCode[samples[i] & 0xffff];
  return out;
}

export function g711Decode(codec: G711Codec, payload: Uint8Array): Int16Array {
  const { toLinear } = TABLES[codec];
  const out = new Int16Array(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = toLinear[payload[i]];
  return out;
}
