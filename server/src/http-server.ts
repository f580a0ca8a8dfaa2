// The HTTP composition root: external plugins (helmet, docs, rate limit), our support plugins
// (auth, idempotency, problem+json) and the routes of every domain, each in its auth scope.

import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import https from 'node:https';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { authRoutes } from './accounts/auth-routes.ts';
import { adminRoutes } from './admin/admin-routes.ts';
import { operationsRoutes } from './admin/operations-routes.ts';
import { operatorAuthRoutes } from './admin/operator-auth-routes.ts';
import { operatorRoutes } from './admin/operator-routes.ts';
import { auditRoutes } from './audit/audit-routes.ts';
import { adminBillingRoutes } from './billing/admin-billing-routes.ts';
import { billingRoutes } from './billing/billing-routes.ts';
import { stripeWebhookRoutes } from './billing/stripe-webhook-routes.ts';
import { adminCreditRoutes, partnerCreditRoutes } from './credits/credit-routes.ts';
import { extractionRoutes } from './extraction/extraction-routes.ts';
import { modelRoutes } from './extraction/model-routes.ts';
import { consoleRoutes } from './http/console-routes.ts';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandling } from './http/errors.ts';
import { healthRoutes } from './http/health-routes.ts';
import { installJsonBodyParser } from './http/json-body.ts';
import { installNonFiniteGuard } from './http/non-finite.ts';
import { installAuthFailureLimit } from './http/plugins/auth-failures.ts';
import { enableIdempotency } from './http/plugins/idempotency.ts';
import { requireOperator } from './http/plugins/operator-auth.ts';
import { partnerId, rateLimitBucket, requirePartnerCaller } from './http/plugins/partner-auth.ts';
import { declareRouteAccess } from './http/plugins/route-access.ts';
import { sessionCookieToken } from './http/plugins/session-cookie.ts';
import { Problem } from './http/problem.ts';
import type { TlsFiles } from './http/tls.ts';
import { fileRoutes } from './inbox/file-routes.ts';
import { inboxRoutes } from './inbox/inbox-routes.ts';
import { keyRoutes } from './keys/key-routes.ts';
import { numberRoutes } from './numbers/number-routes.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { faxRoutes } from './outbound/fax-routes.ts';
import { sentFaxRoutes } from './outbound/sent-fax-routes.ts';
import { trunkRoutes } from './outbound/trunk-routes.ts';
import { onboardingRoutes } from './partners/onboarding-routes.ts';
import { partnerAccessRoutes } from './partners/partner-access-routes.ts';
import type { Services } from './services.ts';
import { settingsRoutes } from './settings/settings-routes.ts';
import { teamRoutes } from './team/team-routes.ts';
import { openApiWebhooks } from './webhooks/webhook-event-schema.ts';
import { webhookRoutes } from './webhooks/webhook-routes.ts';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    metrics: Metrics;
  }
}

export const API_VERSION = '0.1.0';

/**
 * Every route plugin of /api/partner: behind a partner key or a member's session, a rate limit per
 * key or session, idempotency, and the permission each route declares.
 */
const PARTNER_ROUTES = [
  numberRoutes,
  settingsRoutes,
  keyRoutes,
  webhookRoutes,
  faxRoutes,
  partnerCreditRoutes,
  billingRoutes,
  inboxRoutes,
  extractionRoutes,
  sentFaxRoutes,
  partnerAccessRoutes,
  teamRoutes,
];

/** Every route plugin of /api/admin: behind an operator token or session, each route with its operator permission. */
const OPERATOR_ROUTES = [
  operatorAuthRoutes,
  adminRoutes,
  operatorRoutes,
  auditRoutes,
  adminCreditRoutes,
  adminBillingRoutes,
  trunkRoutes,
  modelRoutes,
  operationsRoutes,
];

/** The HTTP app; with `tls` (checked by loadTlsFiles) it serves HTTPS only. */
export async function buildHttpApp(
  services: Services,
  tls: TlsFiles | null = null,
): Promise<FastifyInstance> {
  if (tls) {
    const days = Math.floor((tls.validTo.getTime() - services.clock.now().getTime()) / 86_400_000);
    const fields = { subject: tls.subject, validTo: tls.validTo.toISOString(), days };
    if (days < 14) services.log.warn(fields, 'the TLS certificate expires soon (or has expired): renew it');
    else services.log.info(fields, 'serving HTTPS');
  }
  const app = Fastify({
    // HTTPS only when configured: one listener, no plain-http side door beside it.
    ...(tls
      ? {
          serverFactory: (handler: http.RequestListener) =>
            https.createServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, handler),
        }
      : {}),
    loggerInstance: services.log.child({ module: 'http' }) as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    // Route registration compiles every schema; on a loaded box (a restart after a crash, with OCR
    // catching up) that takes longer than Fastify's 10 s default, which would abort the start.
    pluginTimeout: 120_000,
    ajv: {
      customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true },
    },
    trustProxy: false,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('services', services);
  app.decorate('metrics', createMetrics());
  installErrorHandling(app);
  installAuthFailureLimit(app, services.config.authFailuresPerMinute, services.clock);

  installJsonBodyParser(app);
  installNonFiniteGuard(app);

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    app.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    app.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  await app.register(helmet, {
    // The docs page runs Swagger UI's inline bootstrap; everything else is JSON.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        // LAN appliances are often plain http: do not force https sub-resources.
        upgradeInsecureRequests: null,
      },
    },
    // HSTS only over TLS: on a plain-http LAN appliance it would tell browsers to refuse the box.
    strictTransportSecurity: tls ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'FaxSeal Partner API',
        version: API_VERSION,
        description:
          'Embedded fax for your product: a dedicated US fax number per user, inbound faxes as signed webhooks with OCR text and extracted JSON, outbound faxes in one call. Errors are RFC 9457 problem+json with a stable `code`.',
      },
      servers: [{ url: services.config.publicUrl }],
      // The events the appliance POSTs to the partner (OpenAPI 3.1 webhooks).
      webhooks: openApiWebhooks(),
      components: {
        securitySchemes: {
          partnerKey: { type: 'http', scheme: 'bearer', description: 'sk_partner_… key' },
          portalSession: {
            type: 'apiKey',
            in: 'cookie',
            name: 'faxseal_session',
            description:
              'A portal member’s session from POST /api/auth/sign-in, with `x-faxseal-partner: ptr_…` (optional with one membership) and `x-csrf-token` on writes',
          },
          adminToken: { type: 'http', scheme: 'bearer', description: 'sk_admin_… operator token' },
          consoleSession: {
            type: 'apiKey',
            in: 'cookie',
            name: 'faxseal_admin_session',
            description:
              'An operator’s session from POST /api/admin/auth/sign-in, with `x-csrf-token` on writes',
          },
        },
      },
      tags: [
        { name: 'Onboarding', description: 'Apply and verify to get a partner key' },
        { name: 'Keys', description: 'Partner API keys' },
        { name: 'Numbers', description: 'Fax numbers per external user' },
        { name: 'Settings', description: 'Webhook, extraction schema and retention' },
        { name: 'Webhooks', description: 'Delivery log, replay and test events' },
        { name: 'Sending', description: 'Outbound faxes: send, status, cancel' },
        {
          name: 'Credits',
          description:
            'Credit balance and log (1 credit = 1 page sent), bundles and their purchase through Stripe',
        },
        {
          name: 'Billing',
          description:
            'Billing status, the month so far and invoices (per number per month, through Stripe); the operator side: prices, bundles, status overrides, month-close reports; the Stripe webhook',
        },
        { name: 'Inbox', description: 'Received and sent faxes, search, signed PDF links, usage' },
        { name: 'Team', description: 'Members, roles and invites of the partner team' },
        {
          name: 'Portal sign-in',
          description: 'Accounts of partner team members: sign-in, sessions, passwords, TOTP',
        },
        { name: 'Console sign-in', description: 'Operators: sign-in, sessions, passwords, TOTP, tokens' },
        { name: 'Admin', description: 'Operator API used by the desktop console' },
        { name: 'Audit', description: 'The audit trail, its verification and retention reports (auditors)' },
        { name: 'Health', description: 'Liveness, readiness, metrics' },
      ],
    },
  });
  // A node without the api role (SIP, OCR or dispatch only) answers health checks and metrics only.
  const api = services.config.nodeRoles.includes('api');
  if (api) await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
  // Swagger UI's page has no viewport meta (it renders 980 px wide on a phone) and no option for one.
  app.addHook('onSend', async (request, reply, payload) => {
    if (typeof payload !== 'string' || !request.url.startsWith('/docs')) return payload;
    if (!String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload;
    return payload.replace(
      /<meta charset="UTF-8">/i,
      '<meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    );
  });
  await app.register(cookie);
  declareRouteAccess(app);

  await app.register(healthRoutes);
  if (!api) return app;
  await app.register(async (scope) => {
    // Unauthenticated onboarding is limited per client address to blunt email flooding.
    await scope.register(rateLimit, {
      max: 20,
      timeWindow: 60_000,
      enableDraftSpec: true,
      errorResponseBuilder: (_req, ctx) => tooManyRequests(ctx.after),
    });
    await scope.register(onboardingRoutes);
  });
  await app.register(
    async (scope) => {
      // Sign-in and emailed links, limited per address (the sign-in lockout comes on top); a
      // signed-in person's own calls count against their session, not their office's address.
      await scope.register(rateLimit, {
        max: services.config.authRateLimitPerMinute,
        timeWindow: 60_000,
        // Only a live session earns its own bucket: a made-up cookie per request must not
        // escape the address's limit (password-reset emails, sign-in attempts).
        keyGenerator: (request) => {
          const cookie = sessionCookieToken(request, 'account');
          const session = cookie ? services.sessions.resolve(cookie, 'account') : null;
          return session ? `session:${session.id}` : `ip:${request.ip}`;
        },
        enableDraftSpec: true,
        errorResponseBuilder: (_req, ctx) => tooManyRequests(ctx.after),
      });
      await scope.register(authRoutes);
    },
    { prefix: '/api/auth' },
  );
  await app.register(
    async (scope) => {
      requirePartnerCaller(scope);
      await scope.register(rateLimit, {
        timeWindow: 60_000,
        enableDraftSpec: true,
        keyGenerator: rateLimitBucket,
        max: async (request) =>
          request.apiKey
            ? (request.apiKey.rateLimitPerMinute ?? services.config.rateLimitPerMinute)
            : services.config.sessionRateLimitPerMinute,
        errorResponseBuilder: (_req, ctx) => tooManyRequests(ctx.after),
      });
      enableIdempotency(scope, (request) => `partner:${partnerId(request)}`);
      for (const routes of PARTNER_ROUTES) await scope.register(routes);
    },
    { prefix: '/api/partner' },
  );
  // Stripe signs its events; the route verifies each one over its raw body.
  await app.register(stripeWebhookRoutes);
  await app.register(fileRoutes);
  await app.register(
    async (scope) => {
      // Every operator endpoint, whatever its domain, sits behind this one check.
      requireOperator(scope);
      // Guessing sign-ins per address is also held back by the lockout; this bounds the rest.
      await scope.register(rateLimit, {
        max: 600,
        timeWindow: 60_000,
        enableDraftSpec: true,
        keyGenerator: (request) => request.operator?.id ?? `ip:${request.ip}`,
        errorResponseBuilder: (_req, ctx) => tooManyRequests(ctx.after),
      });
      for (const routes of OPERATOR_ROUTES) await scope.register(routes);
    },
    { prefix: '/api/admin' },
  );
  await app.register(consoleRoutes);
  return app;
}

function tooManyRequests(after: string): Problem {
  return new Problem(429, 'rate_limited', 'Too many requests', `Rate limit exceeded; retry in ${after}.`);
}
