// GET /api/partner/me: the partner the caller acts for and the permissions they hold there, so the
// console can show exactly the pages a role may use.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { partnerCaller } from '../http/plugins/partner-auth.ts';
import { Problem, problemResponses } from '../http/problem.ts';
import { PartnerAccessSchema } from './access-schema.ts';

export const partnerAccessRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/me',
    {
      // Everyone signed in may ask what they may do.
      config: { permission: 'usage:read' },
      schema: {
        tags: ['Keys'],
        summary: 'Who is calling, for which partner, with which permissions',
        response: { 200: PartnerAccessSchema, ...problemResponses(401, 429) },
      },
    },
    async (request) => {
      const caller = partnerCaller(request);
      const partner = app.services.partners.get(caller.partnerId);
      if (!partner) throw Problem.unauthorized('This credential belongs to no partner.');
      const principal =
        caller.kind === 'key'
          ? { type: 'api_key' as const, id: caller.key.id, name: caller.key.name, role: null }
          : {
              type: 'account' as const,
              id: caller.accountId,
              name: app.services.accounts.get(caller.accountId)?.email ?? '',
              role: caller.role,
            };
      return {
        partner: { id: partner.id, companyName: partner.companyName, status: partner.status },
        principal,
        permissions: [...caller.permissions],
      };
    },
  );
};
