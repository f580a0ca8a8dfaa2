// Public onboarding endpoints: apply with a company name and email; verify the emailed link and
// receive the first partner key (JSON for API clients, a small page for browsers).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '../http/problem.ts';
import {
  ApplicationSchema,
  ApplicationSentSchema,
  type PartnerVerified,
  PartnerVerifiedSchema,
  VerificationQuerySchema,
} from './partner-schema.ts';

export const onboardingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/partners/apply',
    {
      config: { access: 'public' },
      schema: {
        tags: ['Onboarding'],
        summary: 'Apply for a partner account',
        description:
          'Sends a one-time verification link to `email`. Following it issues your first API key at once.',
        body: ApplicationSchema,
        response: { 202: ApplicationSentSchema, ...problemResponses(400, 429) },
      },
    },
    async (request, reply) => {
      const { companyName, email } = request.body;
      const { expiresAt } = await app.services.onboarding.apply(
        companyName.trim(),
        email.trim().toLowerCase(),
      );
      return reply.code(202).send({ status: 'verification_sent' as const, email, expiresAt });
    },
  );

  app.get(
    '/partners/verify',
    {
      config: { access: 'public' },
      schema: {
        tags: ['Onboarding'],
        summary: 'Verify your email and receive your first API key',
        querystring: VerificationQuerySchema,
        response: { 200: PartnerVerifiedSchema, ...problemResponses(400, 410, 429) },
      },
    },
    async (request, reply) => {
      const verified = app.services.onboarding.verify(request.query.token);
      request.log.info({ partnerId: verified.partnerId }, 'partner verified; first key issued');
      reply.header('cache-control', 'no-store');
      if (wantsHtml(request.headers.accept)) {
        return reply.type('text/html; charset=utf-8').send(keyPage(verified) as never);
      }
      return verified;
    },
  );
};

function wantsHtml(accept: string | undefined): boolean {
  return !!accept && accept.includes('text/html') && !accept.startsWith('application/json');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function keyPage(body: PartnerVerified): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Your FaxSeal partner key</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}code{display:block;padding:1rem;background:#f3f4f6;word-break:break-all}</style>
</head><body><h1>Welcome, ${escapeHtml(body.companyName)}</h1>
<p>Your partner API key is below. It is shown <strong>once</strong>: store it in your secret manager now.</p>
<code>${escapeHtml(body.apiKey)}</code>
<p>Partner id: ${escapeHtml(body.partnerId)}. Next: <a href="/docs">read the API reference</a> and provision your first number.</p>
<p>Your team portal: <a href="${escapeHtml(body.passwordSetupUrl)}">set your portal password</a> (the link works once, until ${escapeHtml(body.passwordSetupExpiresAt)}), then sign in as ${escapeHtml(body.ownerEmail)} and invite your team.</p>
</body></html>`;
}
