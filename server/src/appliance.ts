// The whole appliance as one object: services, HTTP, SIP and media, webhooks, the job pipeline
// and outbound dialing, started in dependency order and stopped in reverse. Tests start it exactly
// as production does.

import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import { writeFirstRunCredentials } from './admin/first-run-credentials.ts';
import type { NewOperatorCredentials } from './admin/operator-repository.ts';
import { MONTH_CLOSE_JOB, registerMonthClose } from './billing/month-close.ts';
import type { Clock } from './clock.ts';
import type { Config, NodeRole } from './config/config.ts';
import { FAX_EXTRACT_JOB, registerExtraction } from './extraction/extract-job.ts';
import { FAX_PROCESS_JOB } from './faxes/inbound-intake.ts';
import { loadTlsFiles } from './http/tls.ts';
import { buildHttpApp } from './http-server.ts';
import { runSingletons, type SingletonWork, singletonJob } from './jobs/singletons.ts';
import { createLogger } from './observability/logger.ts';
import { SEND_JOB } from './outbound/outbound-faxes.ts';
import { type Pipeline, registerPipeline } from './pipeline/pipeline.ts';
import { RETENTION_PURGE_JOB } from './pipeline/retention-purger.ts';
import { type RecoveryReport, recoverAfterCrash } from './recovery.ts';
import { createServices, type Services } from './services.ts';
import { ApplianceLock } from './storage/appliance-lock.ts';
import { TelephonyService, type TelephonyServiceOptions } from './telephony/telephony-service.ts';

export interface Appliance {
  services: Services;
  http: FastifyInstance;
  /** Base URL the HTTP server actually listens on (resolves port 0). */
  httpUrl: string;
  /** Null on a node without the sip role. */
  telephony: TelephonyService | null;
  /** SIP port actually bound, UDP and TCP (resolves port 0); null without the sip role. */
  sipPort: number | null;
  /** The operator created on the very first start (null afterwards). */
  firstRunOperator: NewOperatorCredentials | null;
  /** The inbound pipeline's job handlers (fax.process, retention.purge). */
  pipeline: Pipeline;
  /** What this start found and finished of a previous process. */
  recovery: RecoveryReport;
  stop(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  logDestination?: pino.DestinationStream;
  /** Do not print the first-run operator credentials (tests read them from the services). */
  quiet?: boolean;
  /** The fax line's options (call timers, ring time) for tests and tuning. */
  telephony?: TelephonyServiceOptions;
}

export async function startAppliance(config: Config, options: StartOptions = {}): Promise<Appliance> {
  const log = createLogger(config.logLevel, options.logDestination);
  const lock = ApplianceLock.acquire(config.dataDir);
  try {
    return await start(config, options, log, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function start(
  config: Config,
  options: StartOptions,
  log: pino.Logger,
  lock: ApplianceLock,
): Promise<Appliance> {
  // A bad certificate or key stops start-up before anything is created or listens.
  const tls = config.tlsCert && config.tlsKey ? loadTlsFiles(config.tlsCert, config.tlsKey) : null;
  const services = createServices(config, log, options.clock);
  const recovery = await recoverAfterCrash(services);
  const firstRunOperator =
    services.operators.count() === 0 ? services.operators.create('admin', 'superadmin') : null;
  if (firstRunOperator && !options.quiet) {
    // stdout is the log stream (journald, docker logs): it gets where the credentials are, never them.
    const file = writeFirstRunCredentials(config.dataDir, firstRunOperator);
    process.stdout.write(
      `\n  First start: an operator account "${firstRunOperator.operator.username}" was created.\n` +
        `  Its admin token and one-time password are in ${file} (mode 0600): read it, then delete it.\n\n`,
    );
  }
  const http = await buildHttpApp(services, tls);
  await http.listen({ host: config.httpHost, port: config.httpPort });
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.httpPort;
  const scheme = tls ? 'https' : 'http';
  const httpUrl = `${scheme}://${config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost}:${port}`;
  const roles = new Set(config.nodeRoles);
  const telephony = roles.has('sip')
    ? await TelephonyService.start(services, http.metrics.registry, options.telephony)
    : null;
  log.info(
    {
      node: config.nodeName,
      roles: config.nodeRoles,
      httpUrl,
      docs: `${httpUrl}/docs`,
      sipPort: telephony?.sipPort,
    },
    'FaxSeal appliance ready',
  );
  if (roles.has('dispatch')) {
    void services.mailer.flush();
    services.webhooks.dispatcher.start(http.metrics.registry);
  }
  const pipeline = registerPipeline(services);
  const extraction = registerExtraction(services);
  services.running.pipeline = pipeline;
  services.running.extraction = extraction;
  if (telephony) services.outbound.start(telephony.ua, () => telephony.mediaEngine());
  const bookMonthClose = registerMonthClose(services.jobs, services.clock, services.billing.monthClose);
  const singletonWork: SingletonWork[] = [singletonJob(services.jobs, MONTH_CLOSE_JOB, bookMonthClose)];
  if (roles.has('ocr'))
    singletonWork.push(singletonJob(services.jobs, RETENTION_PURGE_JOB, pipeline.bookPurge));
  const trunks = services.outbound.monitor;
  if (trunks)
    singletonWork.push({
      name: TRUNK_SINGLETON,
      role: { start: () => trunks.start(), stop: () => trunks.stop() },
    });
  services.jobs.start({ skip: jobsOutsideRoles(roles) });
  const singletons = runSingletons(services.db, singletonWork, log.child({ module: 'singletons' }));
  services.running.singletons = singletons;
  return {
    services,
    http,
    httpUrl,
    telephony,
    sipPort: telephony?.sipPort ?? null,
    firstRunOperator,
    pipeline,
    recovery,
    async stop() {
      await singletons.stop(); // first: another node may take the month close, purge and trunks
      await services.outbound.stop(); // no new outbound calls
      await telephony?.stop(); // hangs up and commits every call in progress, then closes SIP and media
      const jobsStopped = services.jobs.stop();
      await extraction.close(); // aborts a running extraction: stopping never waits on a model
      await jobsStopped;
      await pipeline.close();
      await services.webhooks.dispatcher.stop();
      await http.close();
      services.close();
      lock.release();
    },
  };
}

/** Trunk registration and keepalive: one node registers with each carrier. */
const TRUNK_SINGLETON = 'trunk.monitor';

// The job kinds each role runs; kinds no role claims (added later, or not role-specific) run on
// every node.
const JOBS_OF_ROLE: Partial<Record<NodeRole, readonly string[]>> = {
  sip: [SEND_JOB],
  ocr: [FAX_PROCESS_JOB, RETENTION_PURGE_JOB],
  extract: [FAX_EXTRACT_JOB],
};

function jobsOutsideRoles(roles: ReadonlySet<NodeRole>): string[] {
  return Object.entries(JOBS_OF_ROLE).flatMap(([role, kinds]) =>
    roles.has(role as NodeRole) ? [] : (kinds ?? []),
  );
}
