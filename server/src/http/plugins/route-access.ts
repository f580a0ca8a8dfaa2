// Every route says who may call it, in its options: `config: { permission }` on /api/partner,
// `config: { operatorPermission }` (or `access: 'self'`) on /api/admin, `config: { access }`
// elsewhere. A route that declares nothing stops the server at start; the declaration is also
// written into the OpenAPI document (`x-faxseal-access`, `security`).

import type { FastifyInstance } from 'fastify';
import type { OperatorPermission } from '../../admin/operator-permissions.ts';
import type { PartnerPermission } from '../../team/partner-permissions.ts';
import { ProblemSchema } from '../problem.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** /api/partner: what a member's role or a key's scopes must include. */
    permission?: PartnerPermission;
    /** /api/admin: what the operator's role must include. */
    operatorPermission?: OperatorPermission;
    /** `public`: no credential (sign-in, reset links, health); `self`: any signed-in person acting on themselves. */
    access?: 'public' | 'self';
  }
}

export type RouteAccess =
  | { permission: PartnerPermission }
  | { operatorPermission: OperatorPermission }
  | { access: 'public' | 'operator-self' | 'account-self' };

export const ACCESS_EXTENSION = 'x-faxseal-access';

const SECURITY: Record<'partner' | 'operator' | 'account' | 'public', Record<string, string[]>[]> = {
  partner: [{ partnerKey: [] }, { portalSession: [] }],
  operator: [{ adminToken: [] }, { consoleSession: [] }],
  account: [{ portalSession: [] }],
  public: [],
};

/** Adds the onRoute hook that checks and documents every route's access (before any route is registered). */
export function declareRouteAccess(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if ((route.schema as { hide?: boolean } | undefined)?.hide) return;
    const config = route.config ?? {};
    const name = `${String(route.method)} ${route.url}`;
    let access: RouteAccess;
    let security: Record<string, string[]>[];
    if (route.url.startsWith('/api/partner/')) {
      if (!config.permission)
        throw new Error(`${name} declares no config.permission (team/partner-permissions.ts)`);
      access = { permission: config.permission };
      security = SECURITY.partner;
    } else if (route.url.startsWith('/api/admin/')) {
      if (config.operatorPermission) {
        access = { operatorPermission: config.operatorPermission };
        security = SECURITY.operator;
      } else if (config.access) {
        access = { access: config.access === 'self' ? 'operator-self' : 'public' };
        security = config.access === 'self' ? SECURITY.operator : SECURITY.public;
      } else {
        throw new Error(`${name} declares no config.operatorPermission (admin/operator-permissions.ts)`);
      }
    } else {
      if (!config.access) throw new Error(`${name} declares no config.access`);
      access = { access: config.access === 'self' ? 'account-self' : 'public' };
      security = config.access === 'self' ? SECURITY.account : SECURITY.public;
    }
    // The access layer's own answers (no credential, refused, suspended, rate limited) are part
    // of every guarded route's documented responses, whether its plugin listed them or not.
    const response = { ...((route.schema?.response as Record<string, unknown> | undefined) ?? {}) };
    if (security.length > 0) for (const status of ['401', '403', '429']) response[status] ??= ProblemSchema;
    route.schema = { ...route.schema, response, security, [ACCESS_EXTENSION]: access } as typeof route.schema;
  });
}
