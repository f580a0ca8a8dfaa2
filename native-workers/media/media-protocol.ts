// The typed message protocol between the main thread (MediaEngine) and the media worker thread.
// The main thread only signals and routes; every socket and every spandsp session lives in the worker.
//
// Lifecycle of a fax session, as the SIP layer drives it:
//   start ─▶ 'started' {localPort}          bind a port from the range (even ports); put it in the SDP.
//            The fax terminal starts once the remote address is known (in start, or a later 'remote'),
//            so an outbound INVITE can offer the port before the far end answers.
//   remote ─▶ (nothing)                     the far end's address from its SDP (answer or re-INVITE), and from
//            an answer the T.38 parameters it agreed (T38FaxMaxDatagram, T38FaxUdpEC) before the leg starts.
//   switchToT38 ─▶ 'switched'               re-INVITE to T.38 accepted on an audio session. Same socket and
//            port; the audio terminal is dropped and a T.38 terminal starts with the same T.30 job. spandsp
//            cannot carry T.30 state from fax_state to t38_terminal, so T.30 restarts: harmless before the
//            first page (re-INVITEs come on CNG/CED or the first V.21 frames), refused with
//            MEDIA_SWITCH_TOO_LATE once a page has moved (the audio call then carries on).
//   events   'phaseB' (negotiated), 'page' (phase D: a page sent or received), 'completed' (phase E, once).
//   pageDurable ─▶ (nothing)                an rx job with confirmPages holds its answer to each page (MCF)
//            from the page's phase D until the main thread says the page is stored, at most PAGE_HOLD_MAX_MS:
//            the sender is never told a page arrived that a crash could still lose.
//   stop ─▶ 'completed' (if not yet) then 'stopped'    BYE/CANCEL: ends T.30 (CALLDROPPED keeps the pages
//            already received in rxTiff), closes the socket, frees the port.
// Errors about one session carry its id; request errors without a session are 'error' with no id.
import type { T30Stats } from '../spandsp/index.ts';
import type { G711Codec } from './g711.ts';

export type MediaTransport = 't38' | 'audio';
export type FaxRole = 'calling' | 'answering';

export interface RemoteAddress {
  address: string;
  port: number;
}

/** T.38 session parameters, as negotiated in SDP (a=T38Fax…). */
export interface T38Params {
  /** T38FaxVersion, default 0. */
  version?: number;
  /** T38MaxBitRate, default 14400. */
  maxBitRate?: number;
  /** T38FaxRateManagement, default transferredTCF (the only one that works over UDP). */
  rateManagement?: 'transferredTCF' | 'localTCF';
  /** Our T38FaxMaxBuffer, default 1800. */
  maxBuffer?: number;
  /** The far end's T38FaxMaxDatagram: no datagram we send is larger. Default 400. */
  farMaxDatagram?: number;
  /** T38FaxUdpEC as negotiated: what our UDPTL sends (every kind is received). Default redundancy. */
  errorCorrection?: 'redundancy' | 'fec' | 'none';
  /** UDPTL redundancy depth, default 3. */
  redundancyDepth?: number;
  /** spandsp's NO_PACING: send as fast as the CPU allows. The fax simulator on loopback only: a real far end needs pacing. */
  noPacing?: boolean;
}

/** The T.30 job: what to send or where to receive, and how we present ourselves. */
export interface FaxJob {
  /** Send these pages (0-based, inclusive; omit for all). */
  txTiff?: { path: string; startPage?: number; stopPage?: number };
  /** Receive into this TIFF (T.6). */
  rxTiff?: string;
  /** Our TSI/CSI, at most 20 characters. */
  localIdent?: string;
  /** Error correction mode, default on (audio without ECM corrupts pages silently). */
  ecm?: boolean;
  /** rx: hold the answer to each received page until `pageDurable` (see the lifecycle above). */
  confirmPages?: boolean;
}

/** The longest an answer to a page is held for the main thread; then the call goes on (and a warning says so). */
export const PAGE_HOLD_MAX_MS = 10_000;

export interface StartSessionRequest {
  type: 'start';
  sessionId: string;
  transport: MediaTransport;
  /** G.711 law for audio sessions, default pcmu. */
  codec?: G711Codec;
  role: FaxRole;
  remote?: RemoteAddress;
  job: FaxJob;
  t38?: T38Params;
  /**
   * The fax simulator's lossy trunk: drop this fraction (0–1) of the datagrams we send and of those we receive,
   * each way by its own seeded sequence. Decided here, on the media thread, so a busy main thread cannot delay
   * datagrams the way a relay on it would. Never set for a real call.
   */
  loss?: { rate: number; seed?: number };
}

export type MainToWorker =
  | StartSessionRequest
  | { type: 'remote'; sessionId: string; remote: RemoteAddress; t38?: T38Params }
  | { type: 'switchToT38'; sessionId: string; remote?: RemoteAddress; t38?: T38Params }
  | { type: 'pageDurable'; sessionId: string }
  | { type: 'stop'; sessionId: string }
  | { type: 'shutdown' };

export type MediaErrorCode =
  | 'MEDIA_BAD_REQUEST'
  | 'MEDIA_DUPLICATE_SESSION'
  | 'MEDIA_UNKNOWN_SESSION'
  | 'MEDIA_NO_PORT'
  | 'MEDIA_SOCKET'
  | 'MEDIA_FAX_ENGINE'
  | 'MEDIA_SWITCH_TOO_LATE'
  /** A page's answer was held PAGE_HOLD_MAX_MS without `pageDurable`: sent anyway. */
  | 'MEDIA_PAGE_HOLD_EXPIRED'
  /** Stopped while its start was still binding a port. */
  | 'MEDIA_STOPPED';

/** Transport counters, for the fax record and for diagnosing lossy trunks. */
export interface MediaStats {
  datagramsSent: number;
  datagramsReceived: number;
  /** UDPTL: IFPs rebuilt from secondaries. */
  recovered: number;
  /** UDPTL: IFPs missing from every datagram; RTP: 20 ms frames filled in. */
  lost: number;
  /** Datagrams dropped as malformed or from the wrong source. */
  rejected: number;
  /** With `loss`: datagrams let through and dropped, both ways together. */
  simulatedLoss?: { forwarded: number; dropped: number };
}

export interface CompletedEvent {
  type: 'completed';
  sessionId: string;
  transport: MediaTransport;
  /** T.30 completion code (T30CompletionCode); 0 = OK. */
  code: number;
  text: string;
  ok: boolean;
  /** Pages sent (tx job) or received (rx job). */
  pages: number;
  stats: T30Stats;
  media: MediaStats;
  durationMs: number;
  /** Set when the session ended because the far end went silent: ms of media clock since its last datagram. */
  silentForMs?: number;
}

export type WorkerToMain =
  | { type: 'started'; sessionId: string; localPort: number }
  | { type: 'switched'; sessionId: string; localPort: number }
  // Media counters ride along so the operator's live view shows loss while the call is up.
  | { type: 'phaseB'; sessionId: string; transport: MediaTransport; stats: T30Stats; media: MediaStats }
  | {
      type: 'page';
      sessionId: string;
      direction: 'tx' | 'rx';
      page: number;
      stats: T30Stats;
      media: MediaStats;
    }
  | CompletedEvent
  | { type: 'stopped'; sessionId: string }
  | { type: 'error'; sessionId?: string; code: MediaErrorCode; message: string }
  | { type: 'shutdownComplete' };

/** What the worker is given when it starts. */
export interface MediaWorkerConfig {
  bindAddress: string;
  /** Inclusive port range; sessions take even ports from it. */
  portMin: number;
  portMax: number;
  /** Clock tick; 10–20 ms keeps T.38 and audio in time, ≥ 60 ms breaks calls. */
  tickMs: number;
  /** spandsp log level for every session (0 = quiet). */
  logLevel: number;
  /** A session whose far end has spoken and then sends nothing for this long (media clock) is ended. */
  silenceTimeoutMs: number;
}
