// The console: find where the token lives (desktop keychain or browser session), sign in, then
// show the partner portal or the operator console depending on the kind of key.

import { Box, CircularProgress } from '@mui/material';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { type ConsoleBridge, profileApiBase, type ServerProfile } from '../../shared/console-bridge.ts';
import { adminApi } from './api/admin-api.ts';
import { ApiClient, type FetchLike } from './api/client.ts';
import { partnerApi } from './api/partner-api.ts';
import { ConsoleShell } from './layout/console-shell.tsx';
import { useHashRoute } from './layout/hash-route.ts';
import { Dids } from './pages/admin/dids.tsx';
import { Partners } from './pages/admin/partners.tsx';
import { Dashboard } from './pages/partner/dashboard.tsx';
import { Keys } from './pages/partner/keys.tsx';
import { Numbers } from './pages/partner/numbers.tsx';
import { Settings } from './pages/partner/settings.tsx';
import { ServerProfiles } from './pages/server-profiles.tsx';
import { SignIn } from './pages/sign-in.tsx';
import {
  bridgeTokenStore,
  browserTokenStore,
  type Realm,
  realmOf,
  type Session,
  type TokenStore,
} from './session/session.ts';

interface Place {
  store: TokenStore;
  apiBase: string;
  serverLabel: string;
}

/** The preload bridge: present in the desktop shell, absent in a browser. */
const bridge = window.faxseal;

export function App() {
  const [profile, setProfile] = useState<ServerProfile | null>(null);
  const place = useMemo<Place | null>(() => {
    if (!bridge)
      return {
        store: browserTokenStore(window.sessionStorage),
        apiBase: '',
        serverLabel: window.location.host,
      };
    if (!profile) return null;
    return {
      store: bridgeTokenStore(bridge, profile.id),
      apiBase: profileApiBase(profile.id),
      serverLabel: profile.name,
    };
  }, [profile]);

  if (!place && bridge) return <ServerProfiles bridge={bridge} onConnect={setProfile} />;
  if (!place) return null;
  return (
    <SignedInOrNot key={place.apiBase} place={place} bridge={bridge} onLeaveServer={() => setProfile(null)} />
  );
}

function SignedInOrNot({
  place,
  bridge,
  onLeaveServer,
}: {
  place: Place;
  bridge?: ConsoleBridge;
  onLeaveServer(): void;
}) {
  const [session, setSession] = useState<Session | null | undefined>(undefined);

  useEffect(() => {
    void place.store.load().then((token) => {
      const realm = token ? realmOf(token) : null;
      setSession(
        token && realm ? { token, realm, apiBase: place.apiBase, serverLabel: place.serverLabel } : null,
      );
    });
  }, [place]);

  const signOut = useCallback(() => {
    void place.store.clear();
    setSession(null);
    window.location.hash = '';
  }, [place]);

  if (session === undefined) {
    return (
      <Box sx={{ display: 'flex', justifyContent: 'center', mt: 10 }}>
        <CircularProgress />
      </Box>
    );
  }
  if (session === null) {
    const defaultRealm: Realm = window.location.pathname.startsWith('/admin') ? 'admin' : 'partner';
    return (
      <SignIn
        defaultRealm={defaultRealm}
        apiBase={place.apiBase}
        serverLabel={place.serverLabel}
        onBack={bridge ? onLeaveServer : undefined}
        onSignedIn={async (token, realm) => {
          await place.store.save(token);
          window.location.hash = '';
          setSession({ token, realm, apiBase: place.apiBase, serverLabel: place.serverLabel });
        }}
      />
    );
  }
  return <SignedIn session={session} onSignOut={signOut} />;
}

function SignedIn({ session, onSignOut }: { session: Session; onSignOut(): void }) {
  const route = useHashRoute();
  // A revoked or expired key ends the session on the next call, wherever it is made.
  const client = useMemo(() => {
    const fetchImpl: FetchLike = async (input, init) => {
      const response = await fetch(input, init);
      if (response.status === 401) onSignOut();
      return response;
    };
    return new ApiClient(session.apiBase, session.token, fetchImpl);
  }, [session, onSignOut]);
  // Stable per client: pages reload their data when the api object changes.
  const admin = useMemo(() => adminApi(client), [client]);
  const partner = useMemo(() => partnerApi(client), [client]);

  if (session.realm === 'admin') {
    const pages = [
      { route: 'dids', label: 'DID pool' },
      { route: 'partners', label: 'Partners' },
    ];
    const current = pages.some((p) => p.route === route) ? route : 'dids';
    return (
      <ConsoleShell
        title="FaxSeal operator console"
        serverLabel={session.serverLabel}
        pages={pages}
        route={current}
        onSignOut={onSignOut}
      >
        {current === 'dids' && <Dids api={admin} />}
        {current === 'partners' && <Partners api={admin} />}
      </ConsoleShell>
    );
  }

  const pages = [
    { route: 'dashboard', label: 'Dashboard' },
    { route: 'numbers', label: 'Numbers' },
    { route: 'settings', label: 'Settings' },
    { route: 'keys', label: 'API keys' },
  ];
  const current = pages.some((p) => p.route === route) ? route : 'dashboard';
  return (
    <ConsoleShell
      title="FaxSeal partner portal"
      serverLabel={session.serverLabel}
      pages={pages}
      route={current}
      onSignOut={onSignOut}
    >
      {current === 'dashboard' && <Dashboard api={partner} />}
      {current === 'numbers' && <Numbers api={partner} />}
      {current === 'settings' && <Settings api={partner} />}
      {current === 'keys' && <Keys api={partner} sessionToken={session.token} />}
    </ConsoleShell>
  );
}
