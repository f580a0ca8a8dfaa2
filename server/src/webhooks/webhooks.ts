// The webhooks domain as the appliance's services see it: the outbox other modules enqueue into, the
// delivery log behind it, the dispatcher the appliance starts and stops, and the URL policy every
// outbound URL goes through.

import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/config.ts';
import type { SettingsRepository } from '../settings/settings-repository.ts';
import type { Db } from '../storage/database.ts';
import type { MasterKey } from '../storage/master-key.ts';
import { Dispatcher } from './dispatcher.ts';
import { WebhookOutbox } from './outbox.ts';
import { OutboxRepository } from './outbox-repository.ts';
import { UrlPolicy } from './url-policy.ts';
import type { WebhookSecretRepository } from './webhook-secret-repository.ts';

export interface Webhooks {
  outbox: WebhookOutbox;
  /** The events and deliveries the outbox recorded (the delivery log, the dispatcher's claims). */
  deliveries: OutboxRepository;
  dispatcher: Dispatcher;
  urlPolicy: UrlPolicy;
}

export function createWebhooks(deps: {
  db: Db;
  clock: Clock;
  log: Logger;
  config: Config;
  settings: SettingsRepository;
  webhookSecrets: WebhookSecretRepository;
  masterKey: MasterKey;
}): Webhooks {
  const { config } = deps;
  const urlPolicy = new UrlPolicy(config.urlAllowlist);
  const deliveries = new OutboxRepository(deps.db, deps.clock, deps.masterKey);
  const outbox = new WebhookOutbox(deps.db, deps.clock, deps.settings, deliveries);
  const dispatcher = new Dispatcher(deliveries, deps.webhookSecrets, urlPolicy, deps.clock, deps.log, {
    concurrency: config.webhookConcurrency,
    concurrencyPerEndpoint: config.webhookConcurrencyPerEndpoint,
    timeoutMs: config.webhookTimeoutMs,
    retrySchedule: config.webhookRetrySchedule,
    responseCapBytes: config.webhookResponseCapBytes,
  });
  outbox.onEnqueue = (status) => dispatcher.enqueued(status);
  return { outbox, deliveries, dispatcher, urlPolicy };
}
