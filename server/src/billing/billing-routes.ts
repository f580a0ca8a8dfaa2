// Billing over the partner API: the credit bundles on sale and their purchase through Stripe
// Checkout, the billing status with the month so far, and the invoices.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listPage } from '../http/pagination.ts';
import { auditActor, partnerId } from '../http/plugins/partner-auth.ts';
import { problemResponses } from '../http/problem.ts';
import {
  BillingOverviewSchema,
  BundleListSchema,
  InvoiceListQuerySchema,
  InvoicePageSchema,
  PurchaseRequestSchema,
  PurchaseResultSchema,
} from './billing-schema.ts';

export const billingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { billing } = app.services;

  app.get(
    '/credits/bundles',
    {
      config: { permission: 'billing:read' },
      schema: {
        tags: ['Credits'],
        summary: 'Credit bundles on sale',
        response: { 200: BundleListSchema, ...problemResponses(401, 403, 429) },
      },
    },
    async () => ({ items: billing.prices.bundles() }),
  );

  app.post(
    '/credits/purchase',
    {
      config: { permission: 'billing:manage' },
      schema: {
        tags: ['Credits'],
        summary: 'Buy a credit bundle (Stripe Checkout)',
        description:
          "Returns a Stripe Checkout URL for the buyer's browser. Credits land when Stripe's signed checkout.session.completed (paid) reaches the appliance, once per payment; the credit log then shows a `purchase` entry naming the Checkout Session. Without Stripe connected: 409 billing_not_configured (the operator grants credits instead). Stripe unreachable: 503 stripe_unavailable, nothing charged.",
        body: PurchaseRequestSchema,
        response: { 201: PurchaseResultSchema, ...problemResponses(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const { actorType, actorId } = auditActor(request);
      const result = await billing.purchases.start(partnerId(request), request.body, {
        type: actorType as 'partner_key' | 'portal_account',
        id: actorId!,
      });
      return reply.code(201).send(result);
    },
  );

  app.get(
    '/billing',
    {
      config: { permission: 'billing:read' },
      schema: {
        tags: ['Billing'],
        summary: 'Billing status and the month so far',
        description:
          "status comes from Stripe's signed events: invoice.paid → active, invoice.payment_failed → past_due, an invoice marked uncollectible (or voided unpaid past the grace days) → canceled. Past due beyond the grace days, outbound sends get 402 billing_past_due; inbound faxes are never refused. currentMonth counts the numbers active at any time this month (UTC) and estimates the invoice.",
        response: { 200: BillingOverviewSchema, ...problemResponses(401, 403, 429) },
      },
    },
    async (request) => billing.overview(partnerId(request)),
  );

  app.get(
    '/invoices',
    {
      config: { permission: 'billing:read' },
      schema: {
        tags: ['Billing'],
        summary: 'Invoices, newest first',
        description:
          "One per closed month with numbers. hostedInvoiceUrl (Stripe's payment page) and pdfUrl are null when the appliance bills without Stripe.",
        querystring: InvoiceListQuerySchema,
        response: { 200: InvoicePageSchema, ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (request) => listPage(request.query, (window) => billing.invoices.list(partnerId(request), window)),
  );
};
