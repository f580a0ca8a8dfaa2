// Billing in the operator's admin API: prices and credit bundles, one partner's billing view, the
// manual status override (with a note, audited) and the month-close reports.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listPage } from '../http/pagination.ts';
import { operatorOf } from '../http/plugins/operator-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import {
  AdminBillingSchema,
  BundleListSchema,
  BundlesPutSchema,
  CloseListQuerySchema,
  CloseListSchema,
  CloseReportSchema,
  PricesSchema,
  StatusOverrideSchema,
} from './billing-schema.ts';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const adminBillingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { billing, audit, clock, partners } = app.services;

  const auditChange = (operatorId: string, action: string, details: Record<string, unknown>) =>
    audit.record({ actorType: 'operator', actorId: operatorId, action, details });

  app.get(
    '/billing/prices',
    {
      config: { operatorPermission: 'admin:read' },
      schema: {
        tags: ['Billing'],
        summary: 'Monthly prices, inbound allowances and overage price per tier',
        response: { 200: PricesSchema, ...problemResponses(401) },
      },
    },
    async () => billing.prices.prices(),
  );

  app.put(
    '/billing/prices',
    {
      config: { operatorPermission: 'admin:write' },
      schema: {
        tags: ['Billing'],
        summary: 'Set prices (apply from the next month close)',
        description:
          'Amounts in cents. overagePerPage null: overage is reported on invoices but not billed. A month already closed keeps the amounts it was invoiced with.',
        body: PricesSchema,
        response: { 200: PricesSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const before = billing.prices.prices();
      billing.prices.savePrices(request.body, clock.now().toISOString());
      auditChange(operatorOf(request).id, 'billing.prices_changed', { before, after: request.body });
      return billing.prices.prices();
    },
  );

  app.get(
    '/billing/bundles',
    {
      config: { operatorPermission: 'admin:read' },
      schema: {
        tags: ['Billing'],
        summary: 'Credit bundles on sale',
        response: { 200: BundleListSchema, ...problemResponses(401) },
      },
    },
    async () => ({ items: billing.prices.bundles() }),
  );

  app.put(
    '/billing/bundles',
    {
      config: { operatorPermission: 'admin:write' },
      schema: {
        tags: ['Billing'],
        summary: 'Replace the credit bundles on sale',
        description:
          'The whole list, in the order partners see it. A bundle left out can no longer be bought; past purchases keep naming it.',
        body: BundlesPutSchema,
        response: { 200: BundleListSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const ids = request.body.items.map((b) => b.id);
      const repeated = ids.findIndex((id, i) => ids.indexOf(id) !== i);
      if (repeated >= 0)
        throw Problem.validation([{ field: `/body/items/${repeated}/id`, message: 'appears twice' }]);
      billing.prices.replaceBundles(request.body.items, clock.now().toISOString());
      auditChange(operatorOf(request).id, 'billing.bundles_changed', { bundles: request.body.items });
      return { items: billing.prices.bundles() };
    },
  );

  app.get(
    '/partners/:id/billing',
    {
      config: { operatorPermission: 'admin:read' },
      schema: {
        tags: ['Billing'],
        summary:
          "A partner's billing: status, credits and shortfall, the month so far, invoices, purchases, Stripe events",
        params: IdParams,
        response: { 200: AdminBillingSchema, ...problemResponses(401, 404) },
      },
    },
    async (request) => {
      const view = billing.adminView(request.params.id);
      if (!view) throw Problem.notFound('partner_not_found', `No partner ${request.params.id}.`);
      return view;
    },
  );

  app.post(
    '/partners/:id/billing/status',
    {
      config: { operatorPermission: 'admin:write' },
      schema: {
        tags: ['Billing'],
        summary: "Override a partner's billing status",
        description:
          "For what Stripe cannot know (paid by wire, a goodwill extension). The override stands until Stripe's events change what they say; the note is kept, emailed with the change and audited.",
        params: IdParams,
        body: StatusOverrideSchema,
        response: { 200: AdminBillingSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      if (!partners.get(request.params.id))
        throw Problem.notFound('partner_not_found', `No partner ${request.params.id}.`);
      billing.standing.override(
        request.params.id,
        request.body.status,
        request.body.note,
        operatorOf(request),
      );
      void app.services.mailer.flush();
      return billing.adminView(request.params.id)!;
    },
  );

  // The auditor reads the month-close reports (what was invoiced, to whom, what failed) with the
  // audit trail; prices and bundles stay the operators'.
  app.get(
    '/billing/closes',
    {
      config: { operatorPermission: 'audit:read' },
      schema: {
        tags: ['Billing'],
        summary: 'Month-close runs, newest first',
        querystring: CloseListQuerySchema,
        response: { 200: CloseListSchema, ...problemResponses(400, 401) },
      },
    },
    async (request) =>
      listPage(request.query, (window) => billing.invoices.closes({ ...window, month: request.query.month })),
  );

  app.get(
    '/billing/closes/:id',
    {
      config: { operatorPermission: 'audit:read' },
      schema: {
        tags: ['Billing'],
        summary: 'One month-close report: every partner, its amount and Stripe invoice id',
        params: IdParams,
        response: { 200: CloseReportSchema, ...problemResponses(401, 404) },
      },
    },
    async (request) => {
      const report = billing.invoices.close(request.params.id);
      if (!report) throw Problem.notFound('close_not_found', `No month-close report ${request.params.id}.`);
      return report;
    },
  );
};
