// The outbound domain as the appliance's services see it: the outbound fax service, the dialer job,
// trunk monitoring, and the call placer. Calls leave through the telephony service's user agent and
// media engine, handed over by start(); they sit behind OutboundCallPlacer, so the dialer never
// touches SIP itself.

import path from 'node:path';
import type { Logger } from 'pino';
import type { MediaEngine } from '../../../native-workers/media/media-engine.ts';
import type { Services } from '../services.ts';
import type { UserAgent } from '../telephony/sip/user-agent.ts';
import { type OutboundCallPlacer, SipCallPlacer } from './call-placer.ts';
import { Dialer } from './dialer.ts';
import { OutboundFaxes } from './outbound-faxes.ts';
import { TrunkMonitor } from './trunk-monitor.ts';

export interface Outbound {
  faxes: OutboundFaxes;
  dialer: Dialer;
  /** Null until `start()`. */
  placer: OutboundCallPlacer | null;
  monitor: TrunkMonitor | null;
  /** The SIP user agent outbound calls leave from (null until started). */
  userAgent: UserAgent | null;
  /**
   * Starts placing calls through the telephony service's user agent and media engine. The trunk
   * monitor is created but left to the trunk singleton to start (appliance.ts).
   */
  start(ua: UserAgent, mediaEngine: () => MediaEngine): void;
  /** Stops dialing and registrations; the user agent and media stay with their owner. */
  stop(): Promise<void>;
}

export function createOutbound(
  deps: Pick<
    Services,
    | 'config'
    | 'db'
    | 'clock'
    | 'faxes'
    | 'credits'
    | 'numbers'
    | 'settings'
    | 'trunks'
    | 'blobs'
    | 'jobs'
    | 'webhooks'
    | 'billing'
  >,
  log: Logger,
): Outbound {
  const { config } = deps;
  const service = new OutboundFaxes({
    ...deps,
    log,
    limits: { maxBytes: config.faxMaxMegabytes * 1024 * 1024, maxPages: config.faxMaxPages },
  });
  const outbound: Outbound = {
    faxes: service,
    dialer: undefined as unknown as Dialer,
    placer: null,
    monitor: null,
    userAgent: null,
    start(ua, mediaEngine) {
      // Outbound calls leave from the appliance's own SIP user agent (the one on the SIP port):
      // carriers see our usual address, and a registration's Contact is the agent that takes
      // their INVITEs. The media worker is shared the same way.
      outbound.userAgent = ua;
      outbound.placer = new SipCallPlacer(ua, mediaEngine);
      outbound.monitor = new TrunkMonitor(
        ua,
        deps.trunks,
        log.child({ module: 'sip-outbound' }),
        config.trunkKeepaliveSeconds,
      );
    },
    async stop() {
      outbound.dialer.stop();
      outbound.monitor?.stop();
      outbound.placer = null;
      outbound.userAgent = null;
    },
  };
  outbound.dialer = new Dialer(
    { ...deps, log, outbound: service, placer: () => outbound.placer },
    {
      concurrency: config.outboundConcurrency,
      ringTimeoutMs: config.outboundRingTimeoutSeconds * 1000,
      retry: {
        busy: config.outboundBusyRetrySchedule,
        no_answer: config.outboundNoAnswerRetrySchedule,
        transmission_error: config.outboundErrorRetrySchedule,
      },
      spoolDir: path.join(config.dataDir, 'spool'),
    },
  );
  outbound.dialer.register();
  return outbound;
}
