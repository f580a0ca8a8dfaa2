// The partner portal: what the signed-in person may do for the organisation they act for (the
// switcher when they belong to several), the pages that allows, and the page the URL names.

import { type ReactNode, useMemo, useState } from 'react';
import { partnerApi } from './api/partner-api.ts';
import { useResource } from './api/use-resource.ts';
import { ConsoleShell } from './layout/console-shell.tsx';
import { Forbidden, NotFound } from './layout/refusals.tsx';
import { Loaded } from './layout/widget.tsx';
import { Billing } from './pages/partner/billing.tsx';
import { Credits } from './pages/partner/credits.tsx';
import { Dashboard } from './pages/partner/dashboard.tsx';
import { Developers } from './pages/partner/developers.tsx';
import { FaxView } from './pages/partner/fax-view.tsx';
import { Inbox } from './pages/partner/inbox.tsx';
import { Numbers } from './pages/partner/numbers.tsx';
import { SentFaxView } from './pages/partner/sent-fax-view.tsx';
import { SentFaxes } from './pages/partner/sent-faxes.tsx';
import { Team } from './pages/partner/team.tsx';
import { matchPath, useLocation } from './routing/router.tsx';
import { PARTNER_PAGES, type PartnerPermission, Permissions, pageOf } from './session/access.ts';
import { partnerChoice, type Session } from './session/session.ts';
import { useApiClient } from './session/use-api-client.ts';

export interface PartnerContext {
  may: Permissions<PartnerPermission>;
}

interface Props {
  session: Session;
  onSignOut(): void;
  onSessionEnded(): void;
}

export function PartnerConsole({ session, onSignOut, onSessionEnded }: Props) {
  const memberships = session.credential.kind === 'cookie' ? session.credential.memberships : [];
  const [partnerId, setPartnerId] = useState<string | null>(() => {
    const saved = partnerChoice.load();
    return memberships.find((m) => m.partnerId === saved)?.partnerId ?? memberships[0]?.partnerId ?? null;
  });
  const client = useApiClient(session, partnerId, onSessionEnded);
  const api = useMemo(() => partnerApi(client), [client]);
  const access = useResource(() => api.me(), [api]);
  const location = useLocation();

  const may = useMemo(() => new Permissions(access.data?.permissions ?? []), [access.data]);
  const links = may.pages(PARTNER_PAGES);
  const page = pageOf(PARTNER_PAGES, location.pathname);
  const role = access.data?.principal.role ?? (access.data ? 'API key' : '');
  const who =
    session.credential.kind === 'cookie'
      ? `${session.credential.name} · ${role}`
      : `API key “${access.data?.principal.name ?? ''}”`;
  const home = links[0]?.path ?? '/partner';

  return (
    <ConsoleShell
      title={access.data ? `${access.data.partner.companyName} · FaxSeal` : 'FaxSeal partner portal'}
      serverLabel={session.serverLabel}
      who={who}
      links={links}
      activePath={page && may.mayOpen(page) ? page.path : null}
      organisation={
        partnerId
          ? {
              current: partnerId,
              options: memberships.map((m) => ({ id: m.partnerId, label: `${m.companyName} (${m.role})` })),
              onChange: (id) => {
                partnerChoice.save(id);
                setPartnerId(id);
              },
            }
          : undefined
      }
      onSignOut={onSignOut}
    >
      <Loaded resource={access} skeletonRows={6}>
        {() => {
          if (!page) return <NotFound home={home} />;
          if (!may.mayOpen(page)) return <Forbidden page={page.label} role={role} home={home} />;
          return route(location.pathname, { api, ctx: { may } }) ?? <NotFound home={home} />;
        }}
      </Loaded>
    </ConsoleShell>
  );
}

type Deps = { api: ReturnType<typeof partnerApi>; ctx: PartnerContext };

function route(pathname: string, { api, ctx }: Deps): ReactNode | null {
  const path = pathname.replace(/\/+$/, '') || '/';
  const at = (pattern: string) => matchPath(pattern, path);
  if (at('/partner')) return <Dashboard api={api} ctx={ctx} />;
  if (at('/partner/numbers')) return <Numbers api={api} ctx={ctx} />;
  if (at('/partner/inbox')) return <Inbox api={api} />;
  const received = at('/partner/inbox/:faxId');
  if (received) return <FaxView key={received.faxId} api={api} faxId={received.faxId} />;
  if (at('/partner/sent')) return <SentFaxes api={api} />;
  const sent = at('/partner/sent/:faxId');
  if (sent) return <SentFaxView key={sent.faxId} api={api} faxId={sent.faxId} />;
  if (at('/partner/credits')) return <Credits api={api} ctx={ctx} />;
  if (at('/partner/billing')) return <Billing api={api} ctx={ctx} />;
  const developers = at('/partner/developers') ?? at('/partner/developers/:section');
  if (developers) return <Developers api={api} ctx={ctx} section={developers.section ?? 'keys'} />;
  if (at('/partner/team')) return <Team api={api} ctx={ctx} />;
  return null;
}
