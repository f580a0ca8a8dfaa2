// Partner settings: webhook URL, extraction schema and retention (GET/PATCH), and rotation of the
// webhook signing secret. The first settings write creates the secret and returns it once.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type ExtractionSchema, validateExtractionSchema } from '../extraction/extraction-schema.ts';
import { auditActor, partnerId } from '../http/plugins/partner-auth.ts';
import { type FieldError, Problem, problemResponses } from '../http/problem.ts';
import { TIERS } from '../numbers/tiers.ts';
import type { UrlPolicy } from '../webhooks/url-policy.ts';
import type { StoredSettings, StoredSettingsPatch } from './settings-repository.ts';
import {
  type PartnerSettings,
  PartnerSettingsSchema,
  type SettingsPatch,
  SettingsPatchSchema,
  UpdatedSettingsSchema,
  WebhookSecretRotationSchema,
} from './settings-schema.ts';

const RETENTION_CAPS = {
  personal: TIERS.personal.maxRetentionDays,
  business: TIERS.business.maxRetentionDays,
};

export const settingsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { settings, webhookSecrets } = app.services;

  // The stored row plus what is derived elsewhere: the tier caps and whether a secret signs.
  const withDerived = (id: string, stored: StoredSettings): PartnerSettings => ({
    ...stored,
    retentionCaps: RETENTION_CAPS,
    webhookSecretConfigured: webhookSecrets.active(id).length > 0,
  });

  app.get(
    '/settings',
    {
      config: { permission: 'developers:manage' },
      schema: {
        tags: ['Settings'],
        summary: 'Get settings',
        response: { 200: PartnerSettingsSchema, ...problemResponses(401, 429) },
      },
    },
    async (request) => {
      const id = partnerId(request);
      return withDerived(id, settings.get(id));
    },
  );

  app.patch(
    '/settings',
    {
      config: { permission: 'developers:manage' },
      schema: {
        tags: ['Settings'],
        summary: 'Change settings',
        description:
          'Only the fields sent change. The first write creates the webhook signing secret and returns it once as `webhookSecret`.',
        body: SettingsPatchSchema,
        response: { 200: UpdatedSettingsSchema, ...problemResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const id = partnerId(request);
      const patch = checkPatch(request.body, app.services.webhooks.urlPolicy);
      const updated = app.services.db.transaction(() => {
        const next = settings.update(id, patch);
        const created = webhookSecrets.ensure(id);
        return { next, secret: created ? webhookSecrets.active(id)[0].secret : undefined };
      })();
      request.log.info({ fields: Object.keys(patch) }, 'partner settings changed');
      app.services.audit.record({
        ...auditActor(request),
        action: 'settings.changed',
        details: { fields: Object.keys(patch) },
      });
      return {
        ...withDerived(id, updated.next),
        ...(updated.secret ? { webhookSecret: updated.secret } : {}),
      };
    },
  );

  app.post(
    '/settings/webhook-secret',
    {
      config: { permission: 'developers:manage' },
      schema: {
        tags: ['Settings'],
        summary: 'Rotate the webhook signing secret',
        description:
          'Returns the new secret once. The previous secret keeps signing in parallel for 24 hours (two v1= signatures), so receivers can switch without missing an event.',
        response: { 200: WebhookSecretRotationSchema, ...problemResponses(401, 429) },
      },
    },
    async (request) => {
      const id = partnerId(request);
      const fresh = webhookSecrets.rotate(id);
      const previous = webhookSecrets.active(id).find((s) => s.id !== fresh.id);
      request.log.info({ secretId: fresh.id }, 'webhook secret rotated');
      app.services.audit.record({
        ...auditActor(request),
        action: 'webhook_secret.rotated',
        targetId: fresh.id,
      });
      return {
        webhookSecret: fresh.secret,
        createdAt: fresh.createdAt,
        previousSecretExpiresAt: previous?.expiresAt ?? null,
      };
    },
  );
};

function checkPatch(body: SettingsPatch, urlPolicy: UrlPolicy): StoredSettingsPatch {
  const errors: FieldError[] = [];
  const patch: StoredSettingsPatch = {};
  if (body.webhookUrl !== undefined) {
    if (body.webhookUrl === null || body.webhookUrl.trim() === '') patch.webhookUrl = null;
    else {
      const problem = webhookUrlProblem(body.webhookUrl, urlPolicy);
      if (problem) errors.push({ field: '/body/webhookUrl', message: problem });
      else patch.webhookUrl = body.webhookUrl;
    }
  }
  if (body.extractionSchema !== undefined) {
    if (body.extractionSchema === null) patch.extractionSchema = null;
    else {
      const problems = validateExtractionSchema(body.extractionSchema, '/body/extractionSchema');
      if (problems.length > 0) {
        throw new Problem(
          400,
          'invalid_schema',
          'The extraction schema is not valid',
          problems.map((p) => `${p.path}: ${p.message}`).join('; '),
          {
            errors: problems.map((p) => ({ field: p.path, message: p.message })),
          },
        );
      }
      patch.extractionSchema = body.extractionSchema as ExtractionSchema;
    }
  }
  if (body.retentionDays !== undefined) patch.retentionDays = body.retentionDays;
  if (body.reviewThreshold !== undefined) patch.reviewThreshold = body.reviewThreshold;
  if (errors.length > 0) throw Problem.validation(errors);
  return patch;
}

function webhookUrlProblem(raw: string, urlPolicy: UrlPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return 'must use https (or http on a trusted LAN)';
  if (url.username || url.password) return 'must not carry credentials; verify our signature instead';
  if (url.hash) return 'must not have a #fragment';
  // A literal private address is refused now; host names are checked again on every connection.
  const checked = urlPolicy.checkUrl(raw);
  return checked.ok ? null : checked.message;
}
