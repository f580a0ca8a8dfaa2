// The main-thread face of the media worker: starts it, sends it typed requests, turns replies into promises
// and progress into events. The main thread never touches spandsp or a media socket.
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type {
  CompletedEvent,
  MainToWorker,
  MediaErrorCode,
  MediaWorkerConfig,
  RemoteAddress,
  StartSessionRequest,
  T38Params,
  WorkerToMain,
} from './media-protocol.ts';

export type * from './media-protocol.ts';

export interface MediaEngineOptions {
  /** Address the media sockets bind to; default 0.0.0.0. */
  bindAddress?: string;
  /** Inclusive media port range; default 20000–20999 (even ports are used). */
  portMin?: number;
  portMax?: number;
  /** Worker clock tick in ms; default 10. */
  tickMs?: number;
  /** spandsp log level for every session; default 0 (quiet). */
  logLevel?: number;
  /** End a session whose far end has sent media and then nothing for this long; default 8000 ms. */
  silenceTimeoutMs?: number;
}

export type PhaseBEvent = Extract<WorkerToMain, { type: 'phaseB' }>;
export type PageEvent = Extract<WorkerToMain, { type: 'page' }>;
export type MediaErrorEvent = {
  type: 'error';
  sessionId?: string;
  code: MediaErrorCode | 'MEDIA_WORKER_EXITED';
  message: string;
};

/** A session bound its port: the call is up and T.30 is about to start. */
export type SessionStartedEvent = Pick<StartSessionOptions, 'sessionId' | 'transport' | 'role'> & {
  localIdent?: string;
};

export interface MediaEngineEvents {
  sessionStarted: [SessionStartedEvent];
  phaseB: [PhaseBEvent];
  page: [PageEvent];
  completed: [CompletedEvent];
  /** Not Node's special 'error': an unhandled media fault must never take the server down. */
  mediaError: [MediaErrorEvent];
}

/** An Error carrying the media protocol's code, for rejected requests. */
export class MediaEngineError extends Error {
  constructor(
    readonly code: MediaErrorEvent['code'],
    message: string,
    readonly sessionId?: string,
  ) {
    super(`${code}: ${message}`);
  }
}

type Pending<T> = { resolve: (value: T) => void; reject: (err: MediaEngineError) => void };

export type StartSessionOptions = Omit<StartSessionRequest, 'type'>;

export class MediaEngine extends EventEmitter<MediaEngineEvents> {
  private readonly worker: Worker;
  private readonly starting = new Map<string, Pending<{ localPort: number }>>();
  private readonly switching = new Map<string, Pending<{ localPort: number }>>();
  private readonly stopping = new Map<string, Pending<void>>();
  private readonly completions = new Map<string, CompletedEvent>();
  private readonly completionWaiters = new Map<string, Pending<CompletedEvent>[]>();
  private closing: Promise<void> | undefined;
  private exited = false;

  constructor(options: MediaEngineOptions = {}) {
    super();
    const config: MediaWorkerConfig = {
      bindAddress: options.bindAddress ?? '0.0.0.0',
      portMin: options.portMin ?? 20000,
      portMax: options.portMax ?? 20999,
      tickMs: options.tickMs ?? 10,
      logLevel: options.logLevel ?? 0,
      silenceTimeoutMs: options.silenceTimeoutMs ?? 8000,
    };
    this.worker = new Worker(workerBootstrap(), { eval: true, workerData: config });
    this.worker.on('message', (message: WorkerToMain) => this.onMessage(message));
    // A worker can throw any value; @types/node 22+ types it as unknown.
    this.worker.on('error', (err) => this.onExit(err instanceof Error ? err.message : String(err)));
    this.worker.on('exit', (code) => this.onExit(`media worker exited with code ${code}`));
  }

  /** Binds a media port and prepares the fax job; the fax starts once the remote address is known. */
  async startSession(options: StartSessionOptions): Promise<{ localPort: number }> {
    const started = await this.request<{ localPort: number }>(this.starting, options.sessionId, {
      type: 'start',
      ...options,
    });
    const { sessionId, transport, role } = options;
    this.emit('sessionStarted', { sessionId, transport, role, localIdent: options.job.localIdent });
    return started;
  }

  /**
   * The far end's media address (from its SDP), if it was not known at start or has changed. With the SDP
   * answer to our T.38 offer, its parameters: they apply when the leg starts (a running leg keeps its own).
   */
  updateRemote(sessionId: string, remote: RemoteAddress, t38?: T38Params): void {
    this.send({ type: 'remote', sessionId, remote, t38 });
  }

  /** Re-INVITE to T.38 accepted: same port, T.30 restarts on T.38 (refused once a page has moved). */
  switchToT38(sessionId: string, options: { remote?: RemoteAddress; t38?: T38Params } = {}) {
    return this.request(this.switching, sessionId, { type: 'switchToT38', sessionId, ...options });
  }

  /** The page the session last reported is stored: its held answer (MCF) may go to the sender. */
  pageDurable(sessionId: string): void {
    this.send({ type: 'pageDurable', sessionId });
  }

  /** Ends the session (BYE/CANCEL); resolves after its 'completed' event has been emitted. */
  stopSession(sessionId: string): Promise<void> {
    return this.request(this.stopping, sessionId, { type: 'stop', sessionId });
  }

  /** Resolves with the session's completion, whether it already happened or is still to come. */
  waitForCompletion(sessionId: string): Promise<CompletedEvent> {
    const done = this.completions.get(sessionId);
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const waiters = this.completionWaiters.get(sessionId) ?? [];
      waiters.push({ resolve, reject });
      this.completionWaiters.set(sessionId, waiters);
    });
  }

  /** Stops every session (each reports 'completed') and ends the worker. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      this.worker.once('exit', () => resolve());
      this.send({ type: 'shutdown' });
    });
    return this.closing;
  }

  private request<T>(pending: Map<string, Pending<T>>, sessionId: string, message: MainToWorker): Promise<T> {
    if (pending.has(sessionId)) {
      return Promise.reject(
        new MediaEngineError('MEDIA_BAD_REQUEST', 'a request is already pending', sessionId),
      );
    }
    return new Promise<T>((resolve, reject) => {
      pending.set(sessionId, { resolve, reject });
      this.send(message);
    });
  }

  private send(message: MainToWorker): void {
    if (this.exited) {
      this.onMessage({ type: 'error', code: 'MEDIA_BAD_REQUEST', message: 'media worker has exited' });
      return;
    }
    this.worker.postMessage(message);
  }

  private onMessage(message: WorkerToMain): void {
    switch (message.type) {
      case 'started':
        settle(this.starting, message.sessionId)?.resolve({ localPort: message.localPort });
        break;
      case 'switched':
        settle(this.switching, message.sessionId)?.resolve({ localPort: message.localPort });
        break;
      case 'stopped':
        settle(this.stopping, message.sessionId)?.resolve();
        this.completions.delete(message.sessionId);
        break;
      case 'phaseB':
        this.emit('phaseB', message);
        break;
      case 'page':
        this.emit('page', message);
        break;
      case 'completed':
        this.completions.set(message.sessionId, message);
        for (const waiter of this.completionWaiters.get(message.sessionId) ?? []) waiter.resolve(message);
        this.completionWaiters.delete(message.sessionId);
        this.emit('completed', message);
        break;
      case 'error':
        this.onError(message);
        break;
      case 'shutdownComplete':
        break;
    }
  }

  private onError(event: MediaErrorEvent): void {
    const { sessionId } = event;
    const rejection = new MediaEngineError(event.code, event.message, sessionId);
    // A request error goes to whoever asked; everything else is a fault the call layer must hear about.
    const asker =
      sessionId === undefined
        ? undefined
        : (settle(this.starting, sessionId) ??
          settle(this.switching, sessionId) ??
          settle(this.stopping, sessionId));
    if (asker) {
      asker.reject(rejection);
    } else {
      this.emit('mediaError', event);
    }
  }

  private onExit(reason: string): void {
    if (this.exited) return;
    this.exited = true;
    const failure = new MediaEngineError('MEDIA_WORKER_EXITED', reason);
    for (const pending of [this.starting, this.switching, this.stopping]) {
      for (const p of pending.values()) p.reject(failure);
      pending.clear();
    }
    for (const waiters of this.completionWaiters.values()) for (const w of waiters) w.reject(failure);
    this.completionWaiters.clear();
    if (!this.closing)
      this.emit('mediaError', { type: 'error', code: 'MEDIA_WORKER_EXITED', message: reason });
  }
}

/**
 * The worker entry is TypeScript. Node 20 does not apply the parent's `--import tsx` hooks to a worker's entry
 * file, so a one-line bootstrap registers tsx inside the worker first, then imports media-worker.ts.
 */
function workerBootstrap(): string {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./media-worker.ts', import.meta.url).href;
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
}

function settle<T>(pending: Map<string, Pending<T>>, sessionId: string): Pending<T> | undefined {
  const p = pending.get(sessionId);
  pending.delete(sessionId);
  return p;
}
