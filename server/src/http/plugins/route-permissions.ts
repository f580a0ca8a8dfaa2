// The permission each route declares in its options (`config: { permission }` on partner routes,
// `config: { operatorPermission }` on admin routes): the catalog shared with the People work, which
// enforces it. Until that check lands the declaration is documentation the type checker keeps honest.

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
