// The operator console: the signed-in operator's role decides the pages (an auditor sees the audit
// log, retention reports, month-close reports and the partner list, and no write control), the URL
// decides the page.

import { type ReactNode, useMemo } from 'react';
import { adminApi } from './api/admin-api.ts';
import { useResource } from './api/use-resource.ts';
import { ConsoleShell } from './layout/console-shell.tsx';
import { Forbidden, NotFound } from './layout/refusals.tsx';
import { Loaded } from './layout/widget.tsx';
import { AuditLog } from './pages/admin/audit-log.tsx';
import { Billing } from './pages/admin/billing.tsx';
import { Dids } from './pages/admin/dids.tsx';
import { LiveCalls } from './pages/admin/live-calls.tsx';
import { Models } from './pages/admin/models.tsx';
import { CloseReportView } from './pages/admin/month-closes.tsx';
import { Operators } from './pages/admin/operators.tsx';
import { PartnerDetailView } from './pages/admin/partner-detail.tsx';
import { Partners } from './pages/admin/partners.tsx';
import { Queues } from './pages/admin/queues.tsx';
import { RetentionReports } from './pages/admin/retention-reports.tsx';
import { Trunks } from './pages/admin/trunks.tsx';
import { matchPath, navigate, useLocation } from './routing/router.tsx';
import { OPERATOR_PAGES, type OperatorPermission, Permissions, pageOf } from './session/access.ts';
import type { Session } from './session/session.ts';
import { useApiClient } from './session/use-api-client.ts';

export interface OperatorContext {
  may: Permissions<OperatorPermission>;
}

interface Props {
  session: Session;
  onSignOut(): void;
  onSessionEnded(): void;
}

export function OperatorConsole({ session, onSignOut, onSessionEnded }: Props) {
  const client = useApiClient(session, null, onSessionEnded);
  const api = useMemo(() => adminApi(client), [client]);
  const access = useResource(() => api.me(), [api]);
  const location = useLocation();
  const may = useMemo(() => new Permissions(access.data?.permissions ?? []), [access.data]);
  const links = may.pages(OPERATOR_PAGES);
  // The auditor's work starts at the audit log; everyone else's at the partners.
  const home = may.has('admin:read') ? '/admin/partners' : '/admin/audit';
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const page = pageOf(OPERATOR_PAGES, path);
  const role = access.data?.operator.role ?? '';

  if (access.data && path === '/admin') navigate(home, { replace: true });

  return (
    <ConsoleShell
      title="FaxSeal operator console"
      serverLabel={session.serverLabel}
      who={access.data ? `${access.data.operator.username} · ${role}` : ''}
      links={links}
      activePath={page && may.mayOpen(page) ? page.path : null}
      onSignOut={onSignOut}
    >
      <Loaded resource={access} skeletonRows={6}>
        {() => {
          if (path === '/admin') return null;
          if (!page) return <NotFound home={home} />;
          if (!may.mayOpen(page)) return <Forbidden page={page.label} role={role} home={home} />;
          return route(path, api, { may }) ?? <NotFound home={home} />;
        }}
      </Loaded>
    </ConsoleShell>
  );
}

function route(path: string, api: ReturnType<typeof adminApi>, ctx: OperatorContext): ReactNode | null {
  const at = (pattern: string) => matchPath(pattern, path);
  if (at('/admin/partners')) return <Partners api={api} />;
  const partner = at('/admin/partners/:id');
  if (partner) return <PartnerDetailView key={partner.id} api={api} ctx={ctx} partnerId={partner.id} />;
  if (at('/admin/billing')) return <Billing api={api} ctx={ctx} />;
  const close = at('/admin/billing/closes/:id');
  if (close) return <CloseReportView key={close.id} api={api} closeId={close.id} />;
  if (at('/admin/trunks')) return <Trunks api={api} ctx={ctx} />;
  if (at('/admin/dids')) return <Dids api={api} ctx={ctx} />;
  if (at('/admin/calls')) return <LiveCalls api={api} />;
  if (at('/admin/queues')) return <Queues api={api} />;
  if (at('/admin/models')) return <Models api={api} />;
  if (at('/admin/audit')) return <AuditLog api={api} />;
  if (at('/admin/retention')) return <RetentionReports api={api} />;
  if (at('/admin/operators')) return <Operators api={api} />;
  return null;
}
