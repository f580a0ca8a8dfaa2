// The appliance's fax line: a SIP user agent (UDP + TCP on sipHost:sipPort) and one media engine (a worker
// thread owning every media socket and spandsp session, started with the first call). Every INVITE becomes
// an InboundFaxCall; stop() hangs up, commits every fax in progress, then closes SIP and media.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import { MediaEngine } from '../../../native-workers/media/media-engine.ts';
import type { Services } from '../services.ts';
import { advertisedSipAddress } from './advertised-address.ts';
import { LocalSdp } from './fax-call-media.ts';
import { handleInboundCall, type InboundCallContext, type InboundCallOutcome } from './inbound-call.ts';
import { CallState } from './sip/call.ts';
import { TypedEmitter } from './sip/emitter.ts';
import type { IncomingCall } from './sip/incoming-call.ts';
import { SipStatus } from './sip/status.ts';
import type { TimerSource } from './sip/timer-source.ts';
import { UserAgent, type UserAgentConfig } from './sip/user-agent.ts';

export interface TelephonyServiceOptions {
  /** Ring time before answering, so a CANCEL can still win. Default 400 ms. */
  answerDelayMs?: number;
  /** On an audio call over a T.38 trunk, the far end's head start to re-INVITE to T.38 before we do. Default 1 s. */
  t38ReinviteDelayMs?: number;
  /** SIP stack overrides (timers, limits) for tests and tuning. */
  sip?: Partial<UserAgentConfig>;
  /** Each call's own waits (the far end's BYE after phase E); a virtual clock in tests. Default real. */
  callTimers?: TimerSource;
}

export interface TelephonyEvents {
  /** Every inbound call's outcome, once its fax (if any) is committed. */
  call: InboundCallOutcome;
}

type Deps = Pick<Services, 'config' | 'log' | 'clock' | 'callRouter' | 'intake' | 'trunks' | 'liveCalls'>;

export class TelephonyService extends TypedEmitter<TelephonyEvents> {
  private engine: MediaEngine | undefined;
  private readonly inFlight = new Map<string, { call: IncomingCall; done: Promise<void> }>();
  private readonly activeCallsGauge: Gauge;
  private readonly callsTotal: Counter<'outcome'>;
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly deps: Deps,
    readonly ua: UserAgent,
    registry: Registry,
    private readonly options: TelephonyServiceOptions,
  ) {
    super();
    this.activeCallsGauge = new Gauge({
      name: 'faxseal_telephony_active_calls',
      help: 'Inbound fax calls in progress (ringing, receiving or committing)',
      registers: [registry],
      collect: () => this.activeCallsGauge.set(this.inFlight.size),
    });
    this.callsTotal = new Counter({
      name: 'faxseal_telephony_calls_total',
      help: 'Inbound calls by outcome: received, partial, failed, cancelled, rejected_<SIP status>',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    ua.on('invite', (call) => this.onInvite(call));
    ua.on('strangerInvite', () => this.callsTotal.inc({ outcome: `rejected_${SipStatus.Forbidden}` }));
  }

  static async start(
    deps: Deps,
    registry: Registry,
    options: TelephonyServiceOptions = {},
  ): Promise<TelephonyService> {
    const { config, log, trunks } = deps;
    const tls =
      config.sipTlsCert && config.sipTlsKey
        ? {
            cert: readFileSync(config.sipTlsCert),
            key: readFileSync(config.sipTlsKey),
            port: config.sipTlsPort,
            ca: config.sipTlsCa ? readFileSync(config.sipTlsCa) : undefined,
          }
        : undefined;
    const ua = new UserAgent({
      host: config.sipHost,
      advertise: advertisedSipAddress(config),
      port: config.sipPort,
      transports: ['udp', 'tcp'],
      tls,
      stream: {
        maxConnections: config.sipTcpMaxConnections,
        maxConnectionsPerAddress: config.sipTcpMaxConnectionsPerAddress,
        messageTimeoutMs: config.sipTcpMessageTimeoutMs,
        idleTimeoutMs: config.sipTcpIdleTimeoutSeconds * 1000,
      },
      noticeIntervalMs: config.sipNoticeIntervalSeconds * 1000,
      logger: log.child({ module: 'sip' }),
      ...options.sip,
    });
    // Only trunks may hold a SIP connection: a stranger's is closed before a byte of it is read; over
    // UDP a stranger's request gets one stateless answer, its INVITE a 403 (no call, no transaction).
    const isTrunk = (address: string) => trunks.matchSource(address) !== null;
    ua.transport.acceptPeer = isTrunk;
    ua.isPeer = isTrunk;
    await ua.start();
    return new TelephonyService(deps, ua, registry, options);
  }

  /** The SIP port actually bound (resolves port 0). */
  get sipPort(): number {
    return this.ua.port;
  }

  /** The SIP over TLS port actually bound, when TLS is configured. */
  get sipTlsPort(): number | undefined {
    return this.ua.transport.transports.includes('tls') ? this.ua.transport.portOf('tls') : undefined;
  }

  get activeCalls(): number {
    return this.inFlight.size;
  }

  /** Hangs up one call (operator action); its fax is committed as usual. False if no such call. */
  async hangup(callId: string): Promise<boolean> {
    const entry = this.inFlight.get(callId);
    if (!entry) return false;
    await entry.call.bye();
    await entry.done;
    return true;
  }

  /** Hangs up every call, waits for their faxes to be committed, then closes SIP and the media worker. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const calls = [...this.inFlight.values()];
      await Promise.all(calls.map((c) => c.call.bye().catch(() => undefined)));
      await Promise.all(calls.map((c) => c.done));
      await this.ua.stop();
      await this.engine?.close();
    })();
    return this.stopping;
  }

  /** The one media worker of the appliance (started with the first call); outbound calls share it. */
  mediaEngine(): MediaEngine {
    if (!this.engine) {
      const { config, log } = this.deps;
      const engine = new MediaEngine({
        bindAddress: config.sipHost,
        portMin: config.mediaPorts.first,
        portMax: config.mediaPorts.last,
        silenceTimeoutMs: config.mediaSilenceSeconds * 1000,
      });
      // Every call in progress, inbound or outbound, listens for its own pages.
      engine.setMaxListeners(0);
      engine.on('mediaError', (e) =>
        log.warn({ module: 'media', sessionId: e.sessionId, code: e.code, err: e.message }, 'media error'),
      );
      this.deps.liveCalls.attach(engine);
      this.engine = engine;
    }
    return this.engine;
  }

  private onInvite(call: IncomingCall): void {
    if (this.stopping) {
      call.reject(SipStatus.ServiceUnavailable, 'Shutting Down');
      return;
    }
    const { config, log, clock, callRouter, intake } = this.deps;
    const ctx: InboundCallContext = {
      router: callRouter,
      intake,
      engine: () => this.mediaEngine(),
      clock,
      log: log.child({ module: 'telephony' }),
      notices: this.ua.notices,
      spoolDir: join(config.dataDir, 'spool'),
      newSdp: () => new LocalSdp(this.ua.host),
      answerDelayMs: this.options.answerDelayMs ?? 400,
      t38ReinviteDelayMs: this.options.t38ReinviteDelayMs ?? 1000,
      timers: this.options.callTimers,
    };
    const done = handleInboundCall(call, ctx).then(
      (outcome) => {
        this.callsTotal.inc({ outcome: outcomeLabel(outcome) });
        this.emit('call', outcome);
      },
      (err: Error) => {
        this.callsTotal.inc({ outcome: 'error' });
        log.error({ module: 'telephony', callId: call.callId, err: err.message }, 'inbound call failed');
        if (call.state !== CallState.Terminated) void call.bye().catch(() => undefined);
      },
    );
    const entry = {
      call,
      done: done.finally(() => this.inFlight.delete(call.callId)),
    };
    this.inFlight.set(call.callId, entry);
  }
}

function outcomeLabel(outcome: InboundCallOutcome): string {
  if (outcome.kind === 'rejected') return `rejected_${outcome.status}`;
  if (outcome.kind === 'cancelled') return 'cancelled';
  return outcome.status;
}
