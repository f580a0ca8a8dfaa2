// T.38 fax parameters in SDP (ITU-T T.38 Annex D, RFC 3362): reading and writing the T38Fax*
// attributes of `m=image <port> udptl t38`, and the offer/answer negotiation of each parameter.
import type { SdpAttribute } from './session-description.ts';

export enum T38RateManagement {
  TransferredTcf = 'transferredTCF',
  LocalTcf = 'localTCF',
}

export enum T38ErrorCorrection {
  Redundancy = 't38UDPRedundancy',
  Fec = 't38UDPFEC',
  None = 't38UDPNoEC',
}

export interface T38Params {
  version: number;
  maxBitRate: number;
  rateManagement: T38RateManagement;
  /** Bytes of buffer the sender of this SDP has for incoming IFPs. */
  maxBuffer?: number;
  /** Largest UDPTL datagram the sender of this SDP accepts: the peer trims redundancy to it. */
  maxDatagram?: number;
  errorCorrection: T38ErrorCorrection;
  fillBitRemoval: boolean;
  transcodingMmr: boolean;
  transcodingJbig: boolean;
}

/** What we offer: redundancy (we take FEC and no EC as well), no transcoding, 14400 bps. */
export const defaultT38Params: T38Params = {
  version: 0,
  maxBitRate: 14400,
  rateManagement: T38RateManagement.TransferredTcf,
  maxBuffer: 1800,
  maxDatagram: 400,
  errorCorrection: T38ErrorCorrection.Redundancy,
  fillBitRemoval: false,
  transcodingMmr: false,
  transcodingJbig: false,
};

function flag(value: string | undefined): boolean {
  // Both `a=T38FaxFillBitRemoval` and the `:1` / `:0` spelling appear in the wild.
  return value === undefined || value.trim() !== '0';
}

function int(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d{1,9}\s*$/.test(value)) return undefined;
  return Number(value);
}

/** Reads T.38 parameters from a media section's attributes; absent ones take T.38 defaults. */
export function parseT38Attributes(attributes: SdpAttribute[]): T38Params {
  const params: T38Params = {
    version: 0,
    maxBitRate: 14400,
    rateManagement: T38RateManagement.TransferredTcf,
    errorCorrection: T38ErrorCorrection.None,
    fillBitRemoval: false,
    transcodingMmr: false,
    transcodingJbig: false,
  };
  for (const a of attributes) {
    switch (a.name.toLowerCase()) {
      case 't38faxversion':
        params.version = int(a.value) ?? 0;
        break;
      case 't38maxbitrate':
      case 't38faxmaxbitrate':
        params.maxBitRate = int(a.value) ?? params.maxBitRate;
        break;
      case 't38faxratemanagement':
        params.rateManagement =
          a.value?.trim().toLowerCase() === 'localtcf'
            ? T38RateManagement.LocalTcf
            : T38RateManagement.TransferredTcf;
        break;
      case 't38faxmaxbuffer':
        params.maxBuffer = int(a.value);
        break;
      case 't38faxmaxdatagram':
        params.maxDatagram = int(a.value);
        break;
      case 't38faxudpec': {
        const v = a.value?.trim().toLowerCase();
        params.errorCorrection =
          v === 't38udpredundancy'
            ? T38ErrorCorrection.Redundancy
            : v === 't38udpfec'
              ? T38ErrorCorrection.Fec
              : T38ErrorCorrection.None;
        break;
      }
      case 't38faxfillbitremoval':
        params.fillBitRemoval = flag(a.value);
        break;
      case 't38faxtranscodingmmr':
        params.transcodingMmr = flag(a.value);
        break;
      case 't38faxtranscodingjbig':
        params.transcodingJbig = flag(a.value);
        break;
      default:
        break;
    }
  }
  return params;
}

export function t38Attributes(p: T38Params): SdpAttribute[] {
  const attrs: SdpAttribute[] = [
    { name: 'T38FaxVersion', value: String(p.version) },
    { name: 'T38MaxBitRate', value: String(p.maxBitRate) },
  ];
  if (p.fillBitRemoval) attrs.push({ name: 'T38FaxFillBitRemoval' });
  if (p.transcodingMmr) attrs.push({ name: 'T38FaxTranscodingMMR' });
  if (p.transcodingJbig) attrs.push({ name: 'T38FaxTranscodingJBIG' });
  attrs.push({ name: 'T38FaxRateManagement', value: p.rateManagement });
  if (p.maxBuffer !== undefined) attrs.push({ name: 'T38FaxMaxBuffer', value: String(p.maxBuffer) });
  if (p.maxDatagram !== undefined) attrs.push({ name: 'T38FaxMaxDatagram', value: String(p.maxDatagram) });
  attrs.push({ name: 'T38FaxUdpEC', value: p.errorCorrection });
  return attrs;
}

/**
 * Our answer to offered T.38 parameters (T.38 Annex D.2.3): version and bit rate no higher than
 * offered, rate management echoed, options only if both offered and supported by us, error
 * correction as offered (our UDPTL sends and receives redundancy, FEC and none) unless `ours` says none;
 * buffer and datagram sizes state our own capacity.
 * Returns null when the offer cannot be accepted (localTCF, which UDPTL does not use).
 */
export function answerT38(offered: T38Params, ours: T38Params = defaultT38Params): T38Params | null {
  if (offered.rateManagement !== T38RateManagement.TransferredTcf) return null;
  let errorCorrection = offered.errorCorrection;
  if (ours.errorCorrection === T38ErrorCorrection.None) errorCorrection = T38ErrorCorrection.None;
  return {
    version: Math.min(offered.version, ours.version),
    maxBitRate: Math.min(offered.maxBitRate, ours.maxBitRate),
    rateManagement: offered.rateManagement,
    maxBuffer: ours.maxBuffer,
    maxDatagram: ours.maxDatagram,
    errorCorrection,
    fillBitRemoval: offered.fillBitRemoval && ours.fillBitRemoval,
    transcodingMmr: offered.transcodingMmr && ours.transcodingMmr,
    transcodingJbig: offered.transcodingJbig && ours.transcodingJbig,
  };
}
