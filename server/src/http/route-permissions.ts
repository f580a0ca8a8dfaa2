// The permission every route declares in its options (`config: { permission }` on partner routes,
// `config: { operatorPermission }` on admin routes), named as in the permission catalog (API.md
// "Portal roles"). The People work checks them; declaring them here keeps the console's routes typed.

import type { FastifyRequest } from 'fastify';

export type PartnerPermission =
  | 'usage:read'
  | 'numbers:read'
  | 'numbers:manage'
  | 'inbox:read'
  | 'fax:send'
  | 'credits:balance'
  | 'credits:read'
  | 'billing:read'
  | 'billing:manage'
  | 'developers:manage'
  | 'team:read'
  | 'team:manage'
  | 'team:transfer';

export type OperatorPermission = 'admin:read' | 'admin:write' | 'operators:manage' | 'audit:read';

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: PartnerPermission;
    operatorPermission?: OperatorPermission;
  }
}

/**
 * May the caller see fax content (OCR text, extracted data) where a route shows it beside other
 * things? A partner key may (keys carry every permission); People narrows this to `inbox:read`.
 */
export function mayReadFaxContent(request: FastifyRequest): boolean {
  return request.apiKey !== null;
}
