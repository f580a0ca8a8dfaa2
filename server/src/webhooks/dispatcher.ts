// Delivers the outbox: claims due deliveries up to a concurrency limit, overall and per endpoint
// (one slow receiver cannot hold every slot), signs each attempt with the partner's secrets of the
// moment, and records the outcome (success, retry per schedule, or failed).
// Woken at once by enqueue, so an event usually leaves within milliseconds of its commit.

import { setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Metric, type Registry } from 'prom-client';
import type { Clock } from '../clock.ts';
import type { DeliveryStatus } from './delivery-schema.ts';
import { type OutboundResult, requestOutbound } from './outbound-request.ts';
import type { AttemptOutcome, ClaimedDelivery, OutboxRepository } from './outbox-repository.ts';
import type { UrlPolicy } from './url-policy.ts';
import type { WebhookSecretRepository } from './webhook-secret-repository.ts';
import { signWebhook } from './webhook-signature.ts';

export interface DispatcherOptions {
  /** Attempts in flight at once. */
  concurrency: number;
  /** Attempts in flight at once to one URL (at most `concurrency`). */
  concurrencyPerEndpoint: number;
  /** Deadline of one attempt. */
  timeoutMs: number;
  /** Seconds before each retry; after the last the delivery is failed. */
  retrySchedule: readonly number[];
  /** Response bytes read and kept as the attempt's excerpt. */
  responseCapBytes: number;
  /** Safety poll for rows written by another process (the CLI); enqueue wakes us otherwise. */
  pollIntervalMs?: number;
}

const USER_AGENT = 'FaxSeal-Webhooks/1';

export class Dispatcher {
  readonly metrics: WebhookMetrics;
  private running = false;
  private pumpQueued = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Attempts in flight per delivery URL. */
  private readonly inFlightPerUrl = new Map<string, number>();
  private abort = new AbortController();
  private agents: { http: http.Agent; https: https.Agent } | null = null;
  private readonly finished: {
    delivery: ClaimedDelivery;
    outcome: AttemptOutcome;
    kind: string;
    resolve: () => void;
  }[] = [];

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly secrets: WebhookSecretRepository,
    private readonly policy: UrlPolicy,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: DispatcherOptions,
  ) {
    this.metrics = createWebhookMetrics(() => outbox.countUnfinished());
  }

  /** An event was recorded (the outbox calls this): a pending delivery wakes us, a skipped one is counted. */
  enqueued(status: 'pending' | 'skipped'): void {
    if (status === 'skipped') this.metrics.deliveries.inc({ outcome: 'skipped' });
    else this.wake();
  }

  /** Resumes deliveries a crash left in flight and starts delivering; `registry` gets the metrics. */
  start(registry?: Registry): void {
    if (this.running) return;
    if (registry) registerOnce(registry, Object.values(this.metrics));
    const socketOptions = { keepAlive: true, maxSockets: this.options.concurrency };
    this.agents = { http: new http.Agent(socketOptions), https: new https.Agent(socketOptions) };
    this.abort = new AbortController();
    setMaxListeners(this.options.concurrency + 10, this.abort.signal); // one listener per attempt in flight
    this.running = true;
    const recovered = this.outbox.recoverInterrupted();
    if (recovered > 0)
      this.log.info({ recovered }, 'resuming webhook deliveries interrupted by the last stop');
    this.wake();
  }

  /** Looks for due work on the next turn of the event loop (after the enqueuing transaction committed). */
  wake(): void {
    if (!this.running || this.pumpQueued) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  /** Stops claiming, aborts attempts in flight (they become due again, unlogged) and closes sockets. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await Promise.allSettled(this.inFlight.values());
    this.agents?.http.destroy();
    this.agents?.https.destroy();
    this.agents = null;
  }

  private pump(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      const free = this.options.concurrency - this.inFlight.size;
      if (free <= 0) return; // every completion wakes us again
      const perUrl = Math.min(this.options.concurrencyPerEndpoint, this.options.concurrency);
      const claimed = this.outbox.claimDue(free, perUrl, this.inFlightPerUrl);
      for (const delivery of claimed) {
        this.inFlightPerUrl.set(delivery.url, (this.inFlightPerUrl.get(delivery.url) ?? 0) + 1);
        const attempt = this.attempt(delivery).finally(() => {
          this.inFlight.delete(delivery.id);
          const left = (this.inFlightPerUrl.get(delivery.url) ?? 1) - 1;
          if (left > 0) this.inFlightPerUrl.set(delivery.url, left);
          else this.inFlightPerUrl.delete(delivery.url);
          this.wake();
        });
        this.inFlight.set(delivery.id, attempt);
      }
      if (this.inFlight.size < this.options.concurrency) this.armTimer(this.outbox.nextDueAt());
    } catch (err) {
      this.log.error({ err }, 'webhook dispatcher could not read the outbox; retrying');
      this.armTimer(null);
    }
  }

  private armTimer(nextDueAt: string | null): void {
    const poll = this.options.pollIntervalMs ?? 5_000;
    const untilDue = nextDueAt ? Date.parse(nextDueAt) - this.clock.now().getTime() : poll;
    this.timer = setTimeout(() => this.pump(), Math.max(1, Math.min(poll, untilDue)));
    this.timer.unref();
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    try {
      const startedAt = this.clock.now();
      const result = await requestOutbound(this.policy, delivery.url, {
        method: 'POST',
        headers: this.headers(delivery, startedAt),
        body: delivery.body,
        timeoutMs: this.options.timeoutMs,
        maxResponseBytes: this.options.responseCapBytes,
        agents: this.agents ?? undefined,
        signal: this.abort.signal,
      });
      if (!result.ok && result.error.code === 'aborted') {
        this.outbox.release(delivery.id);
        return;
      }
      await this.record(delivery, startedAt, result);
    } catch (err) {
      // Unexpected (the database went away, a secret could not be opened): leave it due again.
      this.log.error({ err, deliveryId: delivery.id }, 'webhook attempt failed unexpectedly');
      try {
        this.outbox.release(delivery.id);
      } catch {
        // Still `delivering`: the next start resumes it.
      }
    }
  }

  private headers(delivery: ClaimedDelivery, now: Date): Record<string, string> {
    let secrets = this.secrets.active(delivery.partnerId);
    if (secrets.length === 0) {
      // A callbackUrl from a partner who never opened settings: create the secret they can rotate to see.
      this.secrets.ensure(delivery.partnerId);
      secrets = this.secrets.active(delivery.partnerId);
    }
    return {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(delivery.body)),
      'user-agent': USER_AGENT,
      'x-faxseal-event': delivery.eventType,
      'x-faxseal-delivery': delivery.id,
      'x-faxseal-attempt': String(delivery.attemptCount + 1),
      ...signWebhook({
        id: delivery.eventId,
        timestamp: Math.floor(now.getTime() / 1000),
        body: delivery.body,
        secrets: secrets.map((s) => s.secret),
      }),
    };
  }

  /** Queues the outcome; everything that finishes in one event-loop turn is written in one transaction. */
  private record(delivery: ClaimedDelivery, startedAt: Date, result: OutboundResult): Promise<void> {
    const statusCode = result.ok ? result.response.status : null;
    const succeeded = statusCode !== null && statusCode >= 200 && statusCode < 300;
    const retryDelay = succeeded ? undefined : this.options.retrySchedule[delivery.attemptCount];
    const error = result.ok
      ? succeeded
        ? null
        : httpError(result.response.status, result.response.headers.location)
      : `${result.error.code}: ${result.error.message}`;
    const outcome: AttemptOutcome = {
      startedAt: startedAt.toISOString(),
      statusCode,
      latencyMs: result.latencyMs,
      error,
      responseExcerpt: result.ok ? result.response.body.toString('utf8') : null,
      succeeded,
      retryAt:
        retryDelay === undefined
          ? null
          : new Date(this.clock.now().getTime() + retryDelay * 1000).toISOString(),
    };
    const kind = succeeded ? 'success' : result.ok ? 'http_error' : result.error.code;
    return new Promise((resolve) => {
      this.finished.push({ delivery, outcome, kind, resolve });
      if (this.finished.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.finished.splice(0);
    let statuses: DeliveryStatus[];
    try {
      statuses = this.outbox.recordAttempts(batch);
    } catch (err) {
      // They stay `delivering` and are attempted again after the next start (at-least-once).
      this.log.error({ err, deliveries: batch.length }, 'could not record webhook attempts');
      statuses = [];
    }
    batch.forEach(({ delivery, outcome, kind, resolve }, i) => {
      resolve();
      const status = statuses[i];
      if (!status) return;
      this.metrics.attempts.inc({ result: kind });
      this.metrics.attemptDuration.observe({ result: kind }, outcome.latencyMs / 1000);
      if (status === 'succeeded' || status === 'failed') this.metrics.deliveries.inc({ outcome: status });
      const context = {
        deliveryId: delivery.id,
        eventId: delivery.eventId,
        event: delivery.eventType,
        attempt: delivery.attemptCount + 1,
        statusCode: outcome.statusCode,
        latencyMs: outcome.latencyMs,
      };
      if (status === 'failed')
        this.log.warn({ ...context, error: outcome.error }, 'webhook delivery failed after its last attempt');
      else if (status === 'pending')
        this.log.info({ ...context, error: outcome.error }, 'webhook attempt failed; will retry');
      else this.log.debug(context, 'webhook delivered');
    });
  }
}

function httpError(status: number, location: string | undefined): string {
  return status >= 300 && status < 400 && location
    ? `HTTP ${status}: redirect to ${location} not followed (configure the final URL)`
    : `HTTP ${status}: the receiver did not answer 2xx`;
}

export type WebhookMetrics = ReturnType<typeof createWebhookMetrics>;

function createWebhookMetrics(countUnfinished: () => number) {
  return {
    deliveries: new Counter({
      name: 'faxseal_webhook_deliveries_total',
      help: 'Webhook deliveries finished, by outcome (succeeded, failed, skipped: no endpoint configured)',
      labelNames: ['outcome'] as const,
      registers: [],
    }),
    attempts: new Counter({
      name: 'faxseal_webhook_attempts_total',
      help: 'Webhook attempts by result (success, http_error, timeout, connection_error, tls_error, dns_error, address_refused, url_refused)',
      labelNames: ['result'] as const,
      registers: [],
    }),
    attemptDuration: new Histogram({
      name: 'faxseal_webhook_attempt_duration_seconds',
      help: 'Webhook attempt latency (request sent to response read) by result',
      labelNames: ['result'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [],
    }),
    pending: new Gauge({
      name: 'faxseal_webhook_deliveries_unfinished',
      help: 'Webhook deliveries pending or in flight (read from the outbox at scrape time)',
      registers: [],
      collect() {
        this.set(countUnfinished());
      },
    }),
  };
}

function registerOnce(registry: Registry, metrics: Metric[]): void {
  for (const metric of metrics) {
    if (!registry.getSingleMetric((metric as unknown as { name: string }).name))
      registry.registerMetric(metric);
  }
}
