// The media worker thread: owns every UDPTL/RTP socket and every spandsp session, on one monotonic clock.
// Speaks the protocol in media-protocol.ts; page-boundary TIFF work here never stalls SIP or HTTP.
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { seededRandom } from '../../scripts/fixtures/seeded-random.ts';
import { T30CompletionCode } from '../spandsp/codes.ts';
import type { T30Config, T30Event, T30Stats } from '../spandsp/index.ts';
import { AudioLeg } from './audio-leg.ts';
import type {
  CompletedEvent,
  MainToWorker,
  MediaErrorCode,
  MediaStats,
  MediaWorkerConfig,
  RemoteAddress,
  StartSessionRequest,
  T38Params,
  WorkerToMain,
} from './media-protocol.ts';
import { PAGE_HOLD_MAX_MS } from './media-protocol.ts';
import { SAMPLES_PER_FRAME } from './rtp.ts';
import { T38Leg } from './t38-leg.ts';

const SAMPLES_PER_MS = 8;
/** After phase E the leg keeps running this long so our last frames (DCN, MCF copies) reach the far end. */
const LINGER_MS = 1000;
/** The most far-end silence one tick may count (ticks come every `tickMs`; a longer gap is our own stall). */
const SILENCE_COUNTED_PER_TICK_MS = Math.max(200, 5 * (workerData as MediaWorkerConfig).tickMs);

const port = parentPort;
if (!port) throw new Error('ERR_MEDIA_NOT_WORKER: media-worker.ts must run in a worker thread');
const config = workerData as MediaWorkerConfig;

function post(message: WorkerToMain): void {
  port!.postMessage(message);
}

class MediaError extends Error {
  constructor(
    readonly code: MediaErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Hands out even ports from the configured range, next-fit, skipping ports other processes hold. */
class PortPool {
  private readonly inUse = new Set<number>();
  private next: number;
  private readonly first: number;
  private readonly slots: number;

  constructor(min: number, max: number) {
    this.first = min + (min % 2);
    this.slots = Math.max(0, Math.floor((max - this.first) / 2) + 1);
    this.next = this.first;
  }

  async bind(): Promise<{ socket: dgram.Socket; localPort: number }> {
    for (let attempt = 0; attempt < this.slots; attempt++) {
      const candidate = this.next;
      this.next = candidate + 2 > this.first + (this.slots - 1) * 2 ? this.first : candidate + 2;
      if (this.inUse.has(candidate)) continue;
      this.inUse.add(candidate);
      const socket = dgram.createSocket('udp4');
      const bound = await new Promise<boolean>((resolve) => {
        socket.once('error', () => resolve(false));
        socket.bind(candidate, config.bindAddress, () => resolve(true));
      });
      if (bound) return { socket, localPort: candidate };
      this.inUse.delete(candidate);
      socket.close();
    }
    throw new MediaError('MEDIA_NO_PORT', `no free even port in ${config.portMin}-${config.portMax}`);
  }

  release(localPort: number): void {
    this.inUse.delete(localPort);
  }
}

type FaxLeg = T38Leg | AudioLeg;

/** One call's media: a socket, the current leg (audio or T.38) and its clock. */
class FaxMediaSession {
  private socket: dgram.Socket | undefined;
  private localPort = 0;
  private remote: RemoteAddress | undefined;
  private leg: FaxLeg | undefined;
  private legStartedAt = 0;
  private samplesDone = 0;
  private readonly createdAt = performance.now();
  private transport: StartSessionRequest['transport'];
  private completed: CompletedEvent | undefined;
  private lingerUntil = Number.POSITIVE_INFINITY;
  private pagesMoved = 0;
  private stopping = false;
  private lastStats: T30Stats | undefined;
  /** While a received page's answer is held (confirmPages): when the hold gives up. */
  private holdUntil: number | undefined;
  /** T.38 datagrams the terminal made while holding: they leave, in order, when the hold ends. */
  private heldDatagrams: Uint8Array[] = [];
  /**
   * Receiving only: media clock since the far end (the sender) last sent a datagram, counted while the leg runs
   * (never during our own hold), from phase B on. Before it a T.38 caller may wait seconds for our CED and DIS,
   * and T.30's T1 bounds that; once negotiated, a sender sends image data or repeats an unanswered command
   * within T4 (3 s), so at `silenceTimeoutMs` it is gone and the session ends. (A receiver is silent for a whole
   * page on T.38, so a sending session never counts; its own T.30 repeats bound a receiver that vanished.)
   */
  private samplesSinceHeard: number | undefined;
  private silentForMs: number | undefined;

  /** The simulator's lossy trunk (`loss`): one seeded sequence each way, and what it let through. */
  private readonly loss:
    | { rate: number; tx: () => number; rx: () => number; forwarded: number; dropped: number }
    | undefined;

  constructor(private readonly request: StartSessionRequest) {
    this.transport = request.transport;
    this.remote = request.remote;
    const loss = request.loss;
    if (loss && loss.rate > 0) {
      const seed = loss.seed ?? Math.floor(Math.random() * 2 ** 31);
      this.loss = {
        rate: loss.rate,
        tx: seededRandom(seed),
        rx: seededRandom(seed + 1),
        forwarded: 0,
        dropped: 0,
      };
    }
  }

  /** True when the simulated trunk loses this datagram. */
  private lost(direction: 'tx' | 'rx'): boolean {
    const loss = this.loss;
    if (!loss) return false;
    const drop = loss[direction]() < loss.rate;
    if (drop) loss.dropped++;
    else loss.forwarded++;
    return drop;
  }

  private stats(): MediaStats {
    const media = this.leg?.mediaStats() ?? emptyMediaStats();
    const loss = this.loss;
    return loss ? { ...media, simulatedLoss: { forwarded: loss.forwarded, dropped: loss.dropped } } : media;
  }

  get id(): string {
    return this.request.sessionId;
  }

  private get direction(): 'tx' | 'rx' {
    return this.request.job.txTiff ? 'tx' : 'rx';
  }

  attach(socket: dgram.Socket, localPort: number): void {
    this.socket = socket;
    this.localPort = localPort;
    socket.on('message', (datagram, from) => this.onDatagram(datagram, from));
    socket.on('error', (err) => this.fail('MEDIA_SOCKET', err.message));
    post({ type: 'started', sessionId: this.id, localPort });
    this.startLegIfReady();
  }

  /** The far end's address; on a T.38 session not yet started, its answer's parameters too (max datagram, EC). */
  setRemote(remote: RemoteAddress, t38?: T38Params): void {
    this.remote = remote;
    if (t38 && !this.leg) this.request.t38 = { ...this.request.t38, ...t38 };
    this.startLegIfReady();
  }

  switchToT38(remote: RemoteAddress | undefined, params: T38Params | undefined): void {
    if (this.transport === 't38') throw new MediaError('MEDIA_BAD_REQUEST', 'session is already on T.38');
    if (this.pagesMoved > 0) {
      throw new MediaError('MEDIA_SWITCH_TOO_LATE', `${this.pagesMoved} page(s) already moved over audio`);
    }
    const stalePayloadType = this.leg instanceof AudioLeg ? this.leg.payloadType : undefined;
    this.leg?.close();
    this.leg = undefined;
    this.transport = 't38';
    this.request.t38 = { ...this.request.t38, ...params };
    if (remote) this.remote = remote;
    post({ type: 'switched', sessionId: this.id, localPort: this.localPort });
    this.startLegIfReady(stalePayloadType);
  }

  /** The main thread stored the page last reported: the held answer may go. */
  pageDurable(): void {
    if (this.holdUntil !== undefined) this.release();
  }

  private release(): void {
    this.holdUntil = undefined;
    const held = this.heldDatagrams;
    this.heldDatagrams = [];
    for (const datagram of held) this.send(datagram);
  }

  /**
   * While holding, the terminal does not run: its clock (and T.30's timers) stand still, an audio call
   * carries silence, and the time held is not caught up afterwards.
   */
  private hold(leg: FaxLeg, now: number): void {
    if (leg instanceof AudioLeg) {
      leg.pump(now);
      let due = Math.floor((now - this.legStartedAt) * SAMPLES_PER_MS) - this.samplesDone;
      while (due >= SAMPLES_PER_FRAME) {
        leg.silence(SAMPLES_PER_FRAME);
        this.samplesDone += SAMPLES_PER_FRAME;
        due -= SAMPLES_PER_FRAME;
      }
    } else {
      this.legStartedAt = now - this.samplesDone / SAMPLES_PER_MS;
    }
  }

  /** Runs the leg up to now, in steps of one 20 ms frame. */
  tick(now: number): void {
    const leg = this.leg;
    if (!leg) return;
    if (this.holdUntil !== undefined) {
      if (now < this.holdUntil) {
        this.hold(leg, now);
        return;
      }
      post({
        type: 'error',
        sessionId: this.id,
        code: 'MEDIA_PAGE_HOLD_EXPIRED',
        message: `page ${this.pagesMoved} not confirmed as stored within ${PAGE_HOLD_MAX_MS} ms; answering anyway`,
      });
      this.release();
    }
    try {
      if (leg instanceof AudioLeg) leg.pump(now);
      let due = Math.floor((now - this.legStartedAt) * SAMPLES_PER_MS) - this.samplesDone;
      let advanced = 0;
      while (due >= SAMPLES_PER_FRAME && this.leg === leg) {
        leg.advance(SAMPLES_PER_FRAME);
        this.samplesDone += SAMPLES_PER_FRAME;
        due -= SAMPLES_PER_FRAME;
        advanced += SAMPLES_PER_FRAME;
      }
      // A tick that catches up after this thread stalled (a loaded box) says nothing about the far end:
      // its datagrams of that time may still sit unread in the socket. Only a tick's normal share counts.
      if (this.samplesSinceHeard !== undefined)
        this.samplesSinceHeard += Math.min(advanced, SILENCE_COUNTED_PER_TICK_MS * SAMPLES_PER_MS);
    } catch (err) {
      this.fail('MEDIA_FAX_ENGINE', (err as Error).message);
      return;
    }
    const silentMs = (this.samplesSinceHeard ?? 0) / SAMPLES_PER_MS;
    if (!this.completed && silentMs >= config.silenceTimeoutMs) this.farEndSilent(silentMs);
    if (now >= this.lingerUntil) this.closeLeg();
  }

  /** The far end stopped sending anything: end T.30 now (keeping the pages received) instead of on its timers. */
  private farEndSilent(silentMs: number): void {
    this.silentForMs = Math.round(silentMs);
    try {
      this.leg?.terminal.terminate();
    } catch {
      // The completion below reports what arrived either way.
    }
    if (!this.completed) this.complete(T30CompletionCode.CALLDROPPED, 'Call dropped');
  }

  /** BYE, CANCEL or shutdown: end T.30 (keeping received pages), report once, free everything. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    if (this.leg && !this.completed) {
      try {
        this.leg.terminal.terminate();
      } catch {
        // The leg is being torn down anyway; the synthetic completion below still reports the pages.
      }
    }
    if (!this.completed)
      this.complete(T30CompletionCode.CALLDROPPED, 'Call dropped before the fax completed');
    this.closeLeg();
    if (this.socket) {
      this.socket.close();
      pool.release(this.localPort);
    }
    sessions.delete(this.id);
    post({ type: 'stopped', sessionId: this.id });
  }

  fail(code: MediaErrorCode, message: string): void {
    post({ type: 'error', sessionId: this.id, code, message });
    this.stop();
  }

  private startLegIfReady(stalePayloadType?: number): void {
    if (this.leg || !this.socket || !this.remote || this.completed || this.stopping) return;
    const { job, role, codec, t38 } = this.request;
    const t30: T30Config = {
      txTiff: job.txTiff,
      rxTiff: job.rxTiff,
      localIdent: job.localIdent,
      ecm: job.ecm ?? true,
    };
    const options = {
      role,
      t30,
      logLevel: config.logLevel,
      send: (datagram: Uint8Array) => this.send(datagram),
      onEvent: (event: T30Event) => this.onT30Event(event),
    };
    try {
      this.leg =
        this.transport === 't38'
          ? new T38Leg(options, t38, stalePayloadType)
          : new AudioLeg(options, codec ?? 'pcmu');
    } catch (err) {
      this.fail('MEDIA_FAX_ENGINE', (err as Error).message);
      return;
    }
    this.legStartedAt = performance.now();
    this.samplesDone = 0;
  }

  private send(datagram: Uint8Array): void {
    if (this.holdUntil !== undefined && this.leg?.transport === 't38') {
      this.heldDatagrams.push(datagram);
      return;
    }
    const remote = this.remote;
    if (!remote || !this.socket || this.lost('tx')) return;
    this.socket.send(datagram, remote.port, remote.address);
  }

  private onDatagram(datagram: Buffer, from: dgram.RemoteInfo): void {
    if (!this.remote) {
      // Symmetric media: with no SDP address yet, answer whoever speaks first.
      this.setRemote({ address: from.address, port: from.port });
    } else if (from.address !== this.remote.address) {
      return;
    }
    if (this.lost('rx')) return;
    if (this.samplesSinceHeard !== undefined) this.samplesSinceHeard = 0;
    try {
      this.leg?.receive(datagram);
    } catch (err) {
      this.fail('MEDIA_FAX_ENGINE', (err as Error).message);
    }
  }

  private onT30Event(event: T30Event): void {
    this.lastStats = event.stats;
    if (event.type === 'phaseB') {
      if (this.direction === 'rx') this.samplesSinceHeard ??= 0;
      const media = this.stats();
      post({ type: 'phaseB', sessionId: this.id, transport: this.transport, stats: event.stats, media });
    } else if (event.type === 'phaseD') {
      const page = this.direction === 'tx' ? event.stats.pagesTx : event.stats.pagesRx;
      this.pagesMoved = page;
      // spandsp has queued its answer (MCF) but sends it only as the leg runs: hold the leg until stored.
      if (this.direction === 'rx' && this.request.job.confirmPages)
        this.holdUntil = performance.now() + PAGE_HOLD_MAX_MS;
      const media = this.stats();
      post({ type: 'page', sessionId: this.id, direction: this.direction, page, stats: event.stats, media });
    } else if (!this.completed) {
      this.complete(event.code, event.text);
    }
  }

  private complete(code: number, text: string): void {
    let stats = this.lastStats;
    try {
      stats = this.leg?.terminal.getStats() ?? stats;
    } catch {
      // A closed terminal keeps its last reported statistics.
    }
    stats ??= emptyStats();
    this.completed = {
      type: 'completed',
      sessionId: this.id,
      transport: this.transport,
      code,
      // The silence limit ends T.30 by terminate(), which spandsp reports as a dropped call: say why.
      text:
        this.silentForMs === undefined
          ? text
          : `No media from the far end for ${(this.silentForMs / 1000).toFixed(1)} s`,
      ok: code === T30CompletionCode.OK,
      pages: this.direction === 'tx' ? stats.pagesTx : stats.pagesRx,
      stats,
      media: this.stats(),
      durationMs: Math.round(performance.now() - this.createdAt),
      silentForMs: this.silentForMs,
    };
    this.lingerUntil = performance.now() + LINGER_MS;
    post(this.completed);
  }

  private closeLeg(): void {
    const leg = this.leg;
    this.leg = undefined;
    this.lingerUntil = Number.POSITIVE_INFINITY;
    leg?.close();
  }
}

function emptyStats(): T30Stats {
  return {
    bitRate: 0,
    ecm: false,
    pagesTx: 0,
    pagesRx: 0,
    pagesInFile: -1,
    xResolutionDpi: 0,
    yResolutionDpi: 0,
    width: 0,
    length: 0,
    imageSize: 0,
    encoding: 0,
    badRows: 0,
    longestBadRowRun: 0,
    ecmRetries: 0,
    remoteIdent: '',
  };
}

function emptyMediaStats(): MediaStats {
  return { datagramsSent: 0, datagramsReceived: 0, recovered: 0, lost: 0, rejected: 0 };
}

const pool = new PortPool(config.portMin, config.portMax);
const sessions = new Map<string, FaxMediaSession>();

function validStart(m: StartSessionRequest): string | undefined {
  if (typeof m.sessionId !== 'string' || !m.sessionId) return 'sessionId is required';
  if (m.transport !== 't38' && m.transport !== 'audio') return 'transport must be t38 or audio';
  if (m.role !== 'calling' && m.role !== 'answering') return 'role must be calling or answering';
  if (!m.job || !m.job.txTiff === !m.job.rxTiff) return 'job needs exactly one of txTiff or rxTiff';
  if (m.codec !== undefined && m.codec !== 'pcmu' && m.codec !== 'pcma') return 'codec must be pcmu or pcma';
  if (m.loss !== undefined && !(m.loss.rate >= 0 && m.loss.rate <= 1)) return 'loss.rate must be 0 to 1';
  return undefined;
}

async function start(request: StartSessionRequest): Promise<void> {
  const problem = validStart(request);
  if (problem) {
    post({ type: 'error', sessionId: request.sessionId, code: 'MEDIA_BAD_REQUEST', message: problem });
    return;
  }
  if (sessions.has(request.sessionId)) {
    post({ type: 'error', sessionId: request.sessionId, code: 'MEDIA_DUPLICATE_SESSION', message: 'exists' });
    return;
  }
  const session = new FaxMediaSession(request);
  sessions.set(request.sessionId, session);
  try {
    const { socket, localPort } = await pool.bind();
    // A stop or shutdown while binding removed the session: give the port straight back.
    if (sessions.get(request.sessionId) !== session) {
      socket.close();
      pool.release(localPort);
      post({
        type: 'error',
        sessionId: request.sessionId,
        code: 'MEDIA_STOPPED',
        message: 'stopped while starting',
      });
      return;
    }
    session.attach(socket, localPort);
  } catch (err) {
    sessions.delete(request.sessionId);
    const code = err instanceof MediaError ? err.code : 'MEDIA_SOCKET';
    post({ type: 'error', sessionId: request.sessionId, code, message: (err as Error).message });
  }
}

function withSession(sessionId: string, action: (session: FaxMediaSession) => void): void {
  const session = sessions.get(sessionId);
  if (!session) {
    post({ type: 'error', sessionId, code: 'MEDIA_UNKNOWN_SESSION', message: `no session ${sessionId}` });
    return;
  }
  try {
    action(session);
  } catch (err) {
    const code = err instanceof MediaError ? err.code : 'MEDIA_FAX_ENGINE';
    post({ type: 'error', sessionId, code, message: (err as Error).message });
  }
}

// The tick does its work in the check phase, after the poll phase: when the thread was starved, the
// datagrams that queued up meanwhile are read before the clock decides anything was missing.
let tickQueued = false;
const clock = setInterval(() => {
  if (tickQueued) return;
  tickQueued = true;
  setImmediate(() => {
    tickQueued = false;
    const now = performance.now();
    for (const session of sessions.values()) session.tick(now);
  });
}, config.tickMs);

port.on('message', (message: MainToWorker) => {
  switch (message.type) {
    case 'start':
      void start(message);
      break;
    case 'remote':
      withSession(message.sessionId, (s) => s.setRemote(message.remote, message.t38));
      break;
    case 'switchToT38':
      withSession(message.sessionId, (s) => s.switchToT38(message.remote, message.t38));
      break;
    case 'pageDurable':
      withSession(message.sessionId, (s) => s.pageDurable());
      break;
    case 'stop':
      withSession(message.sessionId, (s) => s.stop());
      break;
    case 'shutdown':
      for (const session of [...sessions.values()]) session.stop();
      clearInterval(clock);
      post({ type: 'shutdownComplete' });
      port.close();
      break;
    default:
      post({
        type: 'error',
        code: 'MEDIA_BAD_REQUEST',
        message: `unknown message ${(message as { type: string }).type}`,
      });
  }
});
