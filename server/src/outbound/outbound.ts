// The outbound domain as the appliance's services see it: the fax repository and service, the
// dialer job, trunk administration and monitoring, and the SIP side they share. Until the inbound
// TelephonyService exists, outbound runs its own user agent (any free port on the SIP host) and its
// own media engine (started at the first call); both sit behind OutboundCallPlacer so they can be
// swapped for the shared ones without touching the dialer.

import path from 'node:path';
import type { Logger } from 'pino';
import { MediaEngine } from '../../../native-workers/media/media-engine.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/config.ts';
import type { CreditLedger } from '../credits/credit-ledger.ts';
import type { SqliteJobQueue } from '../jobs/job-queue.ts';
import type { NumberRepository } from '../numbers/number-repository.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { Db } from '../storage/database.ts';
import type { MasterKey } from '../storage/master-key.ts';
import type { SipLogger } from '../telephony/sip/logger.ts';
import { UserAgent } from '../telephony/sip/user-agent.ts';
import type { TrunkRepository } from '../telephony/trunks/trunk-repository.ts';
import type { Webhooks } from '../webhooks/webhooks.ts';
import { type OutboundCallPlacer, SipCallPlacer } from './call-placer.ts';
import { Dialer } from './dialer.ts';
import { OutboundFaxRepository } from './outbound-fax-repository.ts';
import { OutboundFaxes } from './outbound-faxes.ts';
import { TrunkAdminRepository } from './trunk-admin-repository.ts';
import { TrunkMonitor } from './trunk-monitor.ts';

export interface Outbound {
  repo: OutboundFaxRepository;
  faxes: OutboundFaxes;
  dialer: Dialer;
  trunkAdmin: TrunkAdminRepository;
  /** Null until `start()`. */
  placer: OutboundCallPlacer | null;
  monitor: TrunkMonitor | null;
  /** The SIP user agent outbound calls leave from (null until started). */
  userAgent: UserAgent | null;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createOutbound(deps: {
  config: Config;
  db: Db;
  clock: Clock;
  log: Logger;
  masterKey: MasterKey;
  credits: CreditLedger;
  numbers: NumberRepository;
  trunks: TrunkRepository;
  blobs: BlobStore;
  jobs: SqliteJobQueue;
  webhooks: Webhooks;
}): Outbound {
  const { config, db, clock, log } = deps;
  const repo = new OutboundFaxRepository(db, clock);
  const faxes = new OutboundFaxes({
    db,
    clock,
    log,
    repo,
    credits: deps.credits,
    numbers: deps.numbers,
    blobs: deps.blobs,
    jobs: deps.jobs,
    outbox: deps.webhooks.outbox,
    urlPolicy: deps.webhooks.urlPolicy,
    limits: { maxBytes: config.faxMaxMegabytes * 1024 * 1024, maxPages: config.faxMaxPages },
  });
  // The media worker thread starts with the first call, not with the appliance.
  let media: MediaEngine | null = null;
  let stopped = false;
  const mediaEngine = () => {
    if (stopped) throw new Error('outbound telephony is stopped');
    if (!media) {
      media = new MediaEngine({
        bindAddress: config.sipHost,
        portMin: config.mediaPorts.first,
        portMax: config.mediaPorts.last,
      });
      media.on('mediaError', (e) =>
        log.warn({ sessionId: e.sessionId, code: e.code }, 'outbound media error'),
      );
    }
    return media;
  };
  const outbound: Outbound = {
    repo,
    faxes,
    dialer: undefined as unknown as Dialer,
    trunkAdmin: new TrunkAdminRepository(db, deps.masterKey, deps.trunks),
    placer: null,
    monitor: null,
    userAgent: null,
    async start() {
      const sipLog = log.child({ module: 'sip-outbound' });
      const ua = await UserAgent.start({
        host: config.sipHost,
        port: 0,
        logger: sipLogger(sipLog),
      });
      outbound.userAgent = ua;
      outbound.placer = new SipCallPlacer(ua, mediaEngine);
      outbound.monitor = new TrunkMonitor(ua, deps.trunks, sipLog, config.trunkKeepaliveSeconds);
      outbound.monitor.start();
    },
    async stop() {
      stopped = true;
      outbound.dialer.stop();
      outbound.monitor?.stop();
      await outbound.userAgent?.stop();
      await media?.close();
      media = null;
      outbound.placer = null;
      outbound.userAgent = null;
    },
  };
  outbound.dialer = new Dialer(
    {
      db,
      clock,
      log,
      repo,
      faxes,
      numbers: deps.numbers,
      trunks: deps.trunks,
      blobs: deps.blobs,
      jobs: deps.jobs,
      placer: () => outbound.placer,
    },
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

function sipLogger(log: Logger): SipLogger {
  return {
    debug: (o, m) => log.debug(o, m),
    info: (o, m) => log.debug(o, m),
    warn: (o, m) => log.warn(o, m),
    error: (o, m) => log.error(o, m),
  };
}
