// Which pages and actions each person may use. The server says what the caller may do
// (GET /api/partner/me, /api/admin/me, from the permission catalog); this module maps permissions to
// the navigation. The API enforces the same permissions whatever the console shows.

import type { OperatorAccess, PartnerAccess } from '../api/types.ts';

export type PartnerPermission = PartnerAccess['permissions'][number];
export type OperatorPermission = OperatorAccess['permissions'][number];

export interface NavPage<P extends string> {
  /** The link text, exactly as the product names the page. */
  label: string;
  path: string;
  /** Any one of these opens the page. */
  anyOf: P[];
}

export const PARTNER_PAGES: NavPage<PartnerPermission>[] = [
  { label: 'Dashboard', path: '/partner', anyOf: ['usage:read'] },
  { label: 'Numbers', path: '/partner/numbers', anyOf: ['numbers:read'] },
  { label: 'Inbox', path: '/partner/inbox', anyOf: ['inbox:read'] },
  { label: 'Sent faxes', path: '/partner/sent', anyOf: ['fax:send'] },
  { label: 'Credits', path: '/partner/credits', anyOf: ['credits:balance', 'credits:read'] },
  { label: 'Billing', path: '/partner/billing', anyOf: ['billing:read'] },
  { label: 'Developers', path: '/partner/developers', anyOf: ['developers:manage'] },
  { label: 'Team', path: '/partner/team', anyOf: ['team:read'] },
];

export const OPERATOR_PAGES: NavPage<OperatorPermission>[] = [
  { label: 'Partners', path: '/admin/partners', anyOf: ['admin:read', 'audit:read'] },
  // Prices and bundles need admin:read; the auditor reads the month-close reports.
  { label: 'Billing', path: '/admin/billing', anyOf: ['admin:read', 'audit:read'] },
  { label: 'Trunks', path: '/admin/trunks', anyOf: ['admin:read'] },
  { label: 'DIDs', path: '/admin/dids', anyOf: ['admin:read'] },
  { label: 'Live calls', path: '/admin/calls', anyOf: ['admin:read'] },
  { label: 'Queues', path: '/admin/queues', anyOf: ['admin:read'] },
  { label: 'Models', path: '/admin/models', anyOf: ['admin:read'] },
  { label: 'Audit log', path: '/admin/audit', anyOf: ['audit:read'] },
  { label: 'Retention reports', path: '/admin/retention', anyOf: ['audit:read'] },
  { label: 'Operators', path: '/admin/operators', anyOf: ['operators:manage'] },
];

/** What a signed-in person may do, asked of the server once per sign-in or organisation switch. */
export class Permissions<P extends string> {
  private readonly held: ReadonlySet<P>;
  constructor(held: readonly P[]) {
    this.held = new Set(held);
  }
  has(permission: P): boolean {
    return this.held.has(permission);
  }
  mayOpen(page: NavPage<P>): boolean {
    return page.anyOf.some((p) => this.held.has(p));
  }
  pages(all: NavPage<P>[]): NavPage<P>[] {
    return all.filter((page) => this.mayOpen(page));
  }
}

/** The page a path belongs to (the longest matching page path), for the refusal and the active link. */
export function pageOf<P extends string>(all: NavPage<P>[], pathname: string): NavPage<P> | null {
  const path = pathname.replace(/\/+$/, '') || '/';
  let best: NavPage<P> | null = null;
  for (const page of all) {
    const hit = path === page.path || path.startsWith(`${page.path}/`);
    if (hit && (!best || page.path.length > best.path.length)) best = page;
  }
  return best;
}
