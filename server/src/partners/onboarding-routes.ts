// Public onboarding endpoints: apply with a company name and email; verify the emailed link and
// receive the first partner key (JSON for API clients, a small page for browsers).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { problemResponses } from '../http/problem.ts';

const ApplyBody = Type.Object(
  {
    companyName: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Your company as it appears on invoices',
    }),
    email: Type.String({
      format: 'email',
      maxLength: 254,
      description: 'Where the verification link is sent',
    }),
  },
  { additionalProperties: false },
);

const VerifiedResponse = Type.Object({
  partnerId: Type.String(),
  companyName: Type.String(),
  apiKey: Type.String({ description: 'Your first sk_partner_… key. Shown once: store it now.' }),
  apiKeyId: Type.String(),
  apiKeyPrefix: Type.String(),
  ownerEmail: Type.String(),
});

export const onboardingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/partners/apply',
    {
      schema: {
        tags: ['Onboarding'],
        summary: 'Apply for a partner account',
        description:
          'Sends a one-time verification link to `email`. Following it issues your first API key at once.',
        body: ApplyBody,
        response: {
          202: Type.Object({
            status: Type.Literal('verification_sent'),
            email: Type.String(),
            expiresAt: Type.String(),
          }),
          ...problemResponses(400, 429),
        },
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
      schema: {
        tags: ['Onboarding'],
        summary: 'Verify your email and receive your first API key',
        querystring: Type.Object(
          { token: Type.String({ minLength: 10, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: VerifiedResponse, ...problemResponses(400, 410, 429) },
      },
    },
    async (request, reply) => {
      const verified = app.services.onboarding.verify(request.query.token);
      request.log.info({ partnerId: verified.partner.id }, 'partner verified; first key issued');
      const body = {
        partnerId: verified.partner.id,
        companyName: verified.partner.companyName,
        apiKey: verified.apiKey,
        apiKeyId: verified.key.id,
        apiKeyPrefix: verified.key.prefix,
        ownerEmail: verified.partner.email,
      };
      reply.header('cache-control', 'no-store');
      if (wantsHtml(request.headers.accept)) {
        return reply.type('text/html; charset=utf-8').send(keyPage(body) as never);
      }
      return body;
    },
  );
};

function wantsHtml(accept: string | undefined): boolean {
  return !!accept && accept.includes('text/html') && !accept.startsWith('application/json');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function keyPage(body: { companyName: string; apiKey: string; partnerId: string }): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Your FaxSeal partner key</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}code{display:block;padding:1rem;background:#f3f4f6;word-break:break-all}</style>
</head><body><h1>Welcome, ${escapeHtml(body.companyName)}</h1>
<p>Your partner API key is below. It is shown <strong>once</strong>: store it in your secret manager now.</p>
<code>${escapeHtml(body.apiKey)}</code>
<p>Partner id: ${escapeHtml(body.partnerId)}. Next: <a href="/docs">read the API reference</a> and provision your first number.</p>
</body></html>`;
}
