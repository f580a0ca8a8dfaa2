// The whole appliance as one object: services, HTTP, SIP and media, webhooks, the job pipeline
// and outbound dialing, started in dependency order and stopped in reverse. Tests start it exactly
// as production does.

import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import type { NewOperatorCredentials } from './admin/operator-repository.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config/config.ts';
import { registerExtraction } from './extraction/extract-job.ts';
import { buildHttpApp } from './http-server.ts';
import { createLogger } from './observability/logger.ts';
import { type Pipeline, registerPipeline } from './pipeline/pipeline.ts';
import { createServices, type Services } from './services.ts';
import { TelephonyService } from './telephony/telephony-service.ts';

export interface Appliance {
  services: Services;
  http: FastifyInstance;
  /** Base URL the HTTP server actually listens on (resolves port 0). */
  httpUrl: string;
  telephony: TelephonyService;
  /** SIP port actually bound, UDP and TCP (resolves port 0). */
  sipPort: number;
  /** The operator created on the very first start (null afterwards). */
  firstRunOperator: NewOperatorCredentials | null;
  /** The inbound pipeline's job handlers (fax.process, retention.purge). */
  pipeline: Pipeline;
  stop(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  logDestination?: pino.DestinationStream;
  /** Do not print the first-run operator credentials (tests read them from the services). */
  quiet?: boolean;
}

export async function startAppliance(config: Config, options: StartOptions = {}): Promise<Appliance> {
  const log = createLogger(config.logLevel, options.logDestination);
  const services = createServices(config, log, options.clock);
  const firstRunOperator =
    services.operators.count() === 0 ? services.operators.create('admin', 'superadmin') : null;
  if (firstRunOperator && !options.quiet) {
    const { operator, password, token } = firstRunOperator;
    // Printed once, straight to the terminal: these never go to the log file.
    process.stdout.write(
      [
        '',
        '  First start: an operator account was created.',
        `    username: ${operator.username}`,
        `    admin token: ${token}   (sign in to the console at /admin, or use it with /api/admin)`,
        `    one-time password: ${password}   (kept for password sign-in)`,
        '  They are shown once. Lost them? `npm run faxseal -- reset-admin-password admin`.',
        '',
      ].join('\n'),
    );
  }
  const http = await buildHttpApp(services);
  await http.listen({ host: config.httpHost, port: config.httpPort });
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.httpPort;
  const httpUrl = `http://${config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost}:${port}`;
  const telephony = await TelephonyService.start(services, http.metrics.registry);
  log.info({ httpUrl, docs: `${httpUrl}/docs`, sipPort: telephony.sipPort }, 'FaxSeal appliance ready');
  void services.mailer.flush();
  services.webhooks.dispatcher.start(http.metrics.registry);
  const pipeline = registerPipeline(services);
  const extraction = registerExtraction(services);
  services.running.pipeline = pipeline;
  services.running.extraction = extraction;
  services.outbound.start(telephony.ua, () => telephony.mediaEngine());
  services.jobs.start();
  return {
    services,
    http,
    httpUrl,
    telephony,
    sipPort: telephony.sipPort,
    firstRunOperator,
    pipeline,
    async stop() {
      await services.outbound.stop(); // first: no new outbound calls or registrations
      await telephony.stop(); // hangs up and commits every call in progress, then closes SIP and media
      const jobsStopped = services.jobs.stop();
      await extraction.close(); // aborts a running extraction: stopping never waits on a model
      await jobsStopped;
      await pipeline.close();
      await services.webhooks.dispatcher.stop();
      await http.close();
      services.close();
    },
  };
}
