// Operator roles and what each may do on /api/admin. Every admin route declares one permission;
// `auditor` reads the audit trail, its verification, retention reports and the partner list.

export const OPERATOR_ROLES = ['superadmin', 'operator', 'auditor'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

export const OPERATOR_PERMISSIONS = ['admin:read', 'admin:write', 'operators:manage', 'audit:read'] as const;
export type OperatorPermission = (typeof OPERATOR_PERMISSIONS)[number];

/**
 * `audit:read` covers the partner list because the auditor must be able to name the partners the
 * log refers to; operators hold it too (they answer for partners and need their history).
 */
export const OPERATOR_ROLE_PERMISSIONS: Record<OperatorRole, readonly OperatorPermission[]> = {
  superadmin: OPERATOR_PERMISSIONS,
  operator: ['admin:read', 'admin:write', 'audit:read'],
  auditor: ['audit:read'],
};

export function operatorMay(role: OperatorRole, permission: OperatorPermission): boolean {
  return OPERATOR_ROLE_PERMISSIONS[role].includes(permission);
}
