// Typed wrapper over the FaxSeal spandsp addon (build/Release/faxseal_spandsp.node): T.38 and audio fax
// terminals, T.30 configuration and events, TIFF/F page files. Synchronous; use it only from the media worker.
import { createRequire } from 'node:module';
import { T4Encoding, T30Compression } from './codes.ts';

export interface T30Stats {
  bitRate: number;
  ecm: boolean;
  pagesTx: number;
  pagesRx: number;
  /** Pages in the tx file, or < 0 if not known. */
  pagesInFile: number;
  xResolutionDpi: number;
  yResolutionDpi: number;
  width: number;
  length: number;
  imageSize: number;
  /** The T4Encoding used on the line. */
  encoding: number;
  badRows: number;
  longestBadRowRun: number;
  ecmRetries: number;
  /** The far end's TSI/CSI, as it sent it. */
  remoteIdent: string;
}

/** Phase B: negotiation done. Phase D: a page was sent or received (stats carry pages so far). Phase E: the end. */
export type T30Event =
  | { type: 'phaseB'; code: number; stats: T30Stats }
  | { type: 'phaseD'; code: number; stats: T30Stats }
  | { type: 'phaseE'; code: number; text: string; stats: T30Stats };

export type T30EventHandler = (event: T30Event) => void;

/** Called with one bare IFP packet (UDPTL framing is the caller's) and how many copies to send. */
export type T38TxPacketHandler = (ifp: Uint8Array, copies: number) => void;

/** T.30 controls common to both terminal kinds. Events are delivered after the call that caused them returns. */
export interface T30Session {
  /** Pages are 0-based and inclusive; -1 means from the first / to the last page. */
  setTxFile(path: string, startPage?: number, stopPage?: number): void;
  setRxFile(path: string, stopPage?: number): void;
  /** At most 20 characters (T.30 TSI/CSI). Throws ERR_FAX_IDENT otherwise. */
  setLocalIdent(ident: string): void;
  setEcm(enabled: boolean): void;
  /** A bit set of T30Compression values. */
  setSupportedCompressions(mask: number): void;
  /** A T4Encoding value. */
  setRxEncoding(encoding: number): void;
  /** spandsp log level (SPAN_LOG_*: 0 none … 0x100 | level flow); logs go to stderr. */
  setLogLevel(level: number): void;
  getStats(): T30Stats;
  /** Ends T.30 now; raises phase E (usually CALLDROPPED) if the call was in progress and keeps received pages. */
  terminate(): void;
  /** Frees the spandsp state; any later call throws ERR_FAX_CLOSED. */
  close(): void;
}

export interface T38Terminal extends T30Session {
  rxIfp(ifp: Uint8Array, seq: number): void;
  /** Advances the terminal by `samples` (≤ 160 per call in real time); returns true when T.30 is done. */
  sendTimeout(samples: number): boolean;
  setT38Version(version: number): void;
  setMaxDatagram(bytes: number): void;
  setMaxBuffer(bytes: number): void;
  /** A T38RateManagement value. */
  setRateManagement(method: number): void;
  /** Fastest image data rate in bit/s (e.g. 14400). */
  setFastestRate(bps: number): void;
  /** A bit set of T38TerminalOption values. */
  setOptions(options: number): void;
}

export interface AudioFax extends T30Session {
  rx(samples: Int16Array): void;
  /** Stands in for `samples` of lost audio so modems and T.30 timers keep time. */
  rxFillin(samples: number): void;
  /** Returns exactly `samples` of linear audio (silence where spandsp had nothing to send). */
  tx(samples: number): Int16Array;
  setTransmitOnIdle(enabled: boolean): void;
}

/** A fax page as a bitmap: 1 bit per pixel, MSB first, 1 = black, each row padded to a whole byte. */
export interface FaxPage {
  width: number;
  height: number;
  xResolution: number;
  yResolution: number;
  bitmap: Uint8Array;
}

interface NativeAddon {
  T38Terminal: new (
    calling: boolean,
    onTxPacket: T38TxPacketHandler,
    onEvent: T30EventHandler,
  ) => T38Terminal;
  AudioFax: new (calling: boolean, onEvent: T30EventHandler) => AudioFax;
  writeFaxTiff(path: string, pages: FaxPage[], compression: 't6' | 't4'): void;
  readFaxTiff(path: string): { pageCount: number; pages: FaxPage[] };
  completionCodeToText(code: number): string;
  spandspRelease: string;
}

function loadAddon(): NativeAddon {
  const require = createRequire(import.meta.url);
  try {
    return require('./build/Release/faxseal_spandsp.node') as NativeAddon;
  } catch (cause) {
    throw new Error('ERR_FAX_ADDON_MISSING: build the spandsp addon first (node scripts/build-native.mjs)', {
      cause,
    });
  }
}

const addon = loadAddon();

export const T38Terminal = addon.T38Terminal;
export const AudioFax = addon.AudioFax;
export const spandspRelease = addon.spandspRelease;

/** Writes a multi-page TIFF/F that spandsp can send: 1728 px wide, 204×196 or 204×98 dpi; T.6 unless asked. */
export function writeFaxTiff(path: string, pages: FaxPage[], compression: 't6' | 't4' = 't6'): void {
  addon.writeFaxTiff(path, pages, compression);
}

/** Reads every page of a TIFF (ours or spandsp's) back to bitmaps, whatever its compression and fill order. */
export function readFaxTiff(path: string): { pageCount: number; pages: FaxPage[] } {
  return addon.readFaxTiff(path);
}

export function completionCodeToText(code: number): string {
  return addon.completionCodeToText(code);
}

/** The T.30 side of a fax job, applied the same way to a T.38 or an audio terminal. */
export interface T30Config {
  /** Send this TIFF; pages 0-based inclusive (resend only unconfirmed pages by starting later). */
  txTiff?: { path: string; startPage?: number; stopPage?: number };
  /** Receive into this TIFF (T.6 unless rxEncoding says otherwise). */
  rxTiff?: string;
  localIdent?: string;
  /** Default true: without ECM, audio errors corrupt pages silently. */
  ecm?: boolean;
  /** Default T.4 1D + 2D + T.6. */
  compressions?: number;
  /** Default T.6. */
  rxEncoding?: number;
}

export function configureT30(session: T30Session, config: T30Config): void {
  if (config.txTiff) {
    session.setTxFile(config.txTiff.path, config.txTiff.startPage ?? -1, config.txTiff.stopPage ?? -1);
  }
  if (config.rxTiff) session.setRxFile(config.rxTiff, -1);
  if (config.localIdent) session.setLocalIdent(config.localIdent);
  session.setEcm(config.ecm ?? true);
  session.setSupportedCompressions(
    config.compressions ?? T30Compression.T4_1D | T30Compression.T4_2D | T30Compression.T6,
  );
  session.setRxEncoding(config.rxEncoding ?? T4Encoding.T6);
}
