// The webhooks domain as the appliance's services see it: the outbox other modules enqueue into, the
// dispatcher the appliance starts and stops, and the URL policy every outbound URL goes through.

import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/config.ts';
import type { SettingsRepository } from '../settings/settings-repository.ts';
import type { WebhookSecrets } from '../settings/webhook-secrets.ts';
import type { Db } from '../storage/database.ts';
import { Dispatcher } from './dispatcher.ts';
import { WebhookOutbox } from './outbox.ts';
import { UrlPolicy } from './url-policy.ts';

export interface Webhooks {
  outbox: WebhookOutbox;
  dispatcher: Dispatcher;
  urlPolicy: UrlPolicy;
}

export function createWebhooks(deps: {
  db: Db;
  clock: Clock;
  log: Logger;
  config: Config;
  settings: SettingsRepository;
  webhookSecrets: WebhookSecrets;
}): Webhooks {
  const { config } = deps;
  const urlPolicy = new UrlPolicy(config.urlAllowlist);
  const outbox = new WebhookOutbox(deps.db, deps.clock, deps.settings);
  const dispatcher = new Dispatcher(outbox, deps.webhookSecrets, urlPolicy, deps.clock, deps.log, {
    concurrency: config.webhookConcurrency,
    timeoutMs: config.webhookTimeoutMs,
    retrySchedule: config.webhookRetrySchedule,
    responseCapBytes: config.webhookResponseCapBytes,
  });
  return { outbox, dispatcher, urlPolicy };
}
