// GET /api/partner/me: the partner the caller acts for and the permissions they hold there, so the
// console can show exactly the pages a role may use.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { partnerId } from '../http/plugins/partner-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { PARTNER_PERMISSIONS, PartnerAccessSchema } from './access-schema.ts';

export const partnerAccessRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/me',
    {
      // Everyone signed in may ask what they may do.
      config: { permission: 'usage:read' },
      schema: {
        tags: ['Keys'],
        summary: 'Who is calling, for which partner, with which permissions',
        security: [{ partnerKey: [] }],
        response: { 200: PartnerAccessSchema, ...problemResponses(401, 429) },
      },
    },
    async (request) => {
      const partner = app.services.partners.get(partnerId(request));
      if (!partner) throw Problem.unauthorized('This key belongs to no partner.');
      const key = request.apiKey!;
      return {
        partner: { id: partner.id, companyName: partner.companyName, status: partner.status },
        principal: { type: 'api_key' as const, id: key.id, name: key.name, role: null },
        // A key carries every permission of its partner (scoped keys arrive with the People work).
        permissions: [...PARTNER_PERMISSIONS],
      };
    },
  );
};
