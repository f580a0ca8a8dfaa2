// POST /stripe/webhook: where Stripe delivers signed events. The body is kept as raw bytes (the
// signature covers exactly them); a bad or stale signature is 400 invalid_signature, a repeat is
// 200 with nothing done, and a failure inside is 503 so Stripe retries: never a 500.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError } from '../domain-error.ts';
import { Problem, problemResponses } from '../http/problem.ts';

/** Stripe's events stay well under this; larger bodies are not Stripe's. */
const MAX_EVENT_BYTES = 512 * 1024;

export const stripeWebhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Scoped to this plugin: every other route keeps the JSON parser.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_EVENT_BYTES }, (_request, body, done) =>
    done(null, body),
  );

  app.post(
    '/stripe/webhook',
    {
      // Stripe proves itself with the event's signature, not with a key or a session.
      config: { access: 'public' },
      schema: {
        tags: ['Billing'],
        summary: 'Stripe webhook endpoint (for Stripe, not partners)',
        description:
          'Point a Stripe webhook endpoint here and set its signing secret as FAXSEAL_STRIPE_WEBHOOK_SECRET. Events used: checkout.session.completed, checkout.session.async_payment_succeeded, checkout.session.expired, charge.refunded, charge.dispute.closed, invoice.finalized, invoice.paid, invoice.payment_failed, invoice.overdue, invoice.marked_uncollectible, invoice.voided; other types are stored and acknowledged.',
        response: {
          200: Type.Object({
            received: Type.Boolean(),
            eventId: Type.String(),
            duplicate: Type.Boolean(),
            outcome: Type.String(),
          }),
          ...problemResponses(400, 409, 413, 503),
        },
      },
    },
    async (request) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const signature = request.headers['stripe-signature'];
      try {
        const receipt = app.services.billing.inbox.receive(
          raw,
          typeof signature === 'string' ? signature : undefined,
        );
        return {
          received: true,
          eventId: receipt.eventId,
          duplicate: receipt.duplicate,
          outcome: receipt.outcome,
        };
      } catch (err) {
        if (err instanceof DomainError || err instanceof Problem) throw err;
        request.log.error({ err }, 'Stripe event could not be processed; Stripe will retry');
        throw new Problem(
          503,
          'webhook_processing_failed',
          'The event could not be processed',
          `Nothing was recorded; Stripe retries the delivery (request ${request.id}).`,
        );
      }
    },
  );
};
