// The webhook outbox: other domains record an event inside the transaction of the state change that
// caused it, and it gets one delivery to the URL routing picks (a per-request callback URL, else the
// partner's webhook URL). Replays start a fresh delivery of the same event. The SQL is in outbox-repository.ts.

import type { Clock } from '../clock.ts';
import { DomainError } from '../domain-error.ts';
import type { SettingsRepository } from '../settings/settings-repository.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { Delivery } from './delivery-schema.ts';
import type { OutboxRepository } from './outbox-repository.ts';
import { type WebhookEventPayloads, type WebhookEventType, webhookBody } from './webhook-event.ts';

export interface EnqueueOptions {
  /** A per-request callback URL (outbound fax status); wins over the partner's webhook URL. */
  callbackUrl?: string | null;
}

export interface EnqueuedEvent {
  eventId: string;
  deliveryId: string;
  status: 'pending' | 'skipped';
}

export class WebhookOutbox {
  /** Called after every enqueue and replay; the dispatcher hooks it to wake up (it acts after the caller's commit). */
  onEnqueue: (status: 'pending' | 'skipped') => void = () => {};

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly settings: SettingsRepository,
    private readonly repo: OutboxRepository,
  ) {}

  /**
   * Records an event and its delivery. Synchronous, so it runs inside the caller's better-sqlite3
   * transaction and commits (or rolls back) with the state change that caused the event.
   */
  enqueue<E extends WebhookEventType>(
    partnerId: string,
    event: E,
    payload: WebhookEventPayloads[E],
    options: EnqueueOptions = {},
  ): EnqueuedEvent {
    const now = this.clock.now().toISOString();
    const eventId = newId('evt');
    const target = options.callbackUrl ?? null;
    const result = this.db.transaction(() => {
      this.repo.insertEvent({
        id: eventId,
        partnerId,
        type: event,
        body: webhookBody(eventId, event, now, payload),
        targetUrl: target,
        createdAt: now,
      });
      return this.repo.insertDelivery(
        partnerId,
        eventId,
        target ?? this.settings.get(partnerId).webhookUrl,
        now,
        null,
      );
    })();
    this.onEnqueue(result.status);
    return { eventId, ...result };
  }

  /** A new delivery (a fresh attempt cycle) of the same event, routed as the event would be today. */
  replay(partnerId: string, deliveryId: string): Delivery {
    const delivery = this.db.transaction((): Delivery => {
      const source = this.repo.replaySource(partnerId, deliveryId);
      if (!source) throw deliveryNotFound(deliveryId);
      if (source.status === 'pending' || source.status === 'delivering')
        throw DomainError.conflict(
          'delivery_in_progress',
          'This delivery is still being attempted; replay it once it has succeeded or failed.',
        );
      const url = source.targetUrl ?? this.settings.get(partnerId).webhookUrl;
      if (!url)
        throw DomainError.conflict(
          'webhook_url_not_set',
          'Set `webhookUrl` in PATCH /api/partner/settings first.',
        );
      const created = this.repo.insertDelivery(
        partnerId,
        source.eventId,
        url,
        this.clock.now().toISOString(),
        deliveryId,
      );
      return this.repo.get(partnerId, created.deliveryId)!;
    })();
    this.onEnqueue('pending');
    return delivery;
  }
}

export function deliveryNotFound(id: string): DomainError {
  return DomainError.notFound('delivery_not_found', `No webhook delivery ${id}.`);
}
