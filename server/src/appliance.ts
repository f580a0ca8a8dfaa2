// The whole appliance as one object: services, the HTTP server (and later SIP and the pipeline),
// started in dependency order and stopped in reverse. Tests start it exactly as production does.

import type { FastifyInstance } from 'fastify';
import { buildHttpApp } from './http/app.ts';
import type { Config } from './config/config.ts';
import { createLogger } from './observability/logger.ts';
import { createServices, type Services } from './services.ts';
import type { Clock } from './clock.ts';
import type pino from 'pino';

export interface Appliance {
  services: Services;
  http: FastifyInstance;
  /** Base URL the HTTP server actually listens on (resolves port 0). */
  httpUrl: string;
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
  const firstRun = services.operators.count() === 0;
  if (firstRun && !options.quiet) {
    const { operator, password, token } = services.operators.create('admin', 'superadmin');
    // Printed once, straight to the terminal: these never go to the log file.
    process.stdout.write(
      [
        '',
        '  First start: an operator account was created.',
        `    username: ${operator.username}`,
        `    one-time password: ${password}   (change it at first console login)`,
        `    admin token: ${token}`,
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
  log.info({ httpUrl, docs: `${httpUrl}/docs` }, 'FaxSeal appliance ready');
  void services.mailer.flush();
  return {
    services,
    http,
    httpUrl,
    async stop() {
      await http.close();
      services.close();
    },
  };
}
