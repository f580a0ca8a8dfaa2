// The partner permission catalog (API.md "Portal roles"): what each role of a partner team may do.
// Every /api/partner route declares one of these; API keys hold all of them unless narrowed.

export const PARTNER_ROLES = ['owner', 'admin', 'billing', 'developer'] as const;
export type PartnerRole = (typeof PARTNER_ROLES)[number];

export const PARTNER_PERMISSIONS = [
  'usage:read',
  'numbers:read',
  'numbers:manage',
  'inbox:read',
  'fax:send',
  'credits:balance',
  'credits:read',
  'billing:read',
  'billing:manage',
  'developers:manage',
  'team:read',
  'team:manage',
  'team:transfer',
] as const;
export type PartnerPermission = (typeof PARTNER_PERMISSIONS)[number];

const EVERYONE = ['usage:read', 'numbers:read', 'credits:balance'] as const;

/** The roles table. Changing a role is a change of this table and of docs/people.md, nothing else. */
export const ROLE_PERMISSIONS: Record<PartnerRole, readonly PartnerPermission[]> = {
  owner: PARTNER_PERMISSIONS,
  admin: [
    ...EVERYONE,
    'numbers:manage',
    'inbox:read',
    'fax:send',
    'credits:read',
    'developers:manage',
    'team:read',
    'team:manage',
  ],
  billing: [...EVERYONE, 'credits:read', 'billing:read', 'billing:manage'],
  developer: [...EVERYONE, 'numbers:manage', 'fax:send', 'developers:manage'],
};

export function isPartnerPermission(name: string): name is PartnerPermission {
  return (PARTNER_PERMISSIONS as readonly string[]).includes(name);
}
