// The console: find the appliance (the page's own origin, or a saved server profile in the desktop
// shell), restore or start a session, then show the partner portal (/partner…) or the operator
// console (/admin…). A session that ends mid-way (expired, revoked key) brings the person back to the
// page they were on after they sign in again.

import { Box, CircularProgress } from '@mui/material';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { type ConsoleBridge, profileApiBase, type ServerProfile } from '../../shared/console-bridge.ts';
import { OperatorConsole } from './operator-console.tsx';
import { PublicPage, publicPageFor } from './pages/public/public-pages.tsx';
import { ServerProfiles } from './pages/server-profiles.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { PartnerConsole } from './partner-console.tsx';
import { navigate, useLocation } from './routing/router.tsx';
import {
  bridgeTokenStore,
  browserTokenStore,
  realmOfPath,
  type Session,
  type StoredSession,
  type TokenStore,
} from './session/session.ts';
import { restoreCookieSession, signOutCookie } from './session/sign-in-api.ts';

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
      store: bridgeTokenStore(bridge, profile.id, window.sessionStorage),
      apiBase: profileApiBase(profile.id),
      serverLabel: profile.name,
    };
  }, [profile]);

  if (!place && bridge)
    return (
      <ServerProfiles
        bridge={bridge}
        onConnect={(p) => {
          setProfile(p);
          if (
            !window.location.pathname.startsWith('/partner') &&
            !window.location.pathname.startsWith('/admin')
          )
            navigate('/partner', { replace: true });
        }}
      />
    );
  if (!place) return null;
  return (
    <SignedInOrNot key={place.apiBase} place={place} bridge={bridge} onLeaveServer={() => setProfile(null)} />
  );
}

/** Why the sign-in page is showing, when it is not the first visit. */
export type SignInReason = { kind: 'ended'; returnTo: string } | { kind: 'signed_out' } | null;

function SignedInOrNot({
  place,
  bridge,
  onLeaveServer,
}: {
  place: Place;
  bridge?: ConsoleBridge;
  onLeaveServer(): void;
}) {
  const location = useLocation();
  const realm = realmOfPath(location.pathname);
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [reason, setReason] = useState<SignInReason>(null);

  useEffect(() => {
    let current = true;
    void (async () => {
      const stored = await place.store.load();
      const restored = await restore(place, stored).catch(() => null);
      if (current) setSession(restored);
    })();
    return () => {
      current = false;
    };
  }, [place]);

  const end = useCallback(
    (why: SignInReason) => {
      void place.store.clear();
      setReason(why);
      setSession(null);
    },
    [place],
  );

  const signOut = useCallback(() => {
    if (session?.credential.kind === 'cookie')
      void signOutCookie(place.apiBase, session.realm, session.credential.csrfToken);
    end({ kind: 'signed_out' });
    navigate(session?.realm === 'admin' ? '/admin' : '/partner');
  }, [session, place, end]);

  const sessionEnded = useCallback(() => {
    end({ kind: 'ended', returnTo: window.location.pathname + window.location.search });
  }, [end]);

  const publicPage = publicPageFor(location.pathname);
  if (publicPage)
    return <PublicPage page={publicPage} apiBase={place.apiBase} serverLabel={place.serverLabel} />;

  if (session === undefined) {
    return (
      <Box sx={{ display: 'flex', justifyContent: 'center', mt: 10 }} aria-busy="true">
        <CircularProgress aria-label="Loading the console" />
      </Box>
    );
  }
  if (session === null || session.realm !== realm) {
    return (
      <SignIn
        realm={realm}
        reason={reason}
        apiBase={place.apiBase}
        serverLabel={place.serverLabel}
        onBack={bridge ? onLeaveServer : undefined}
        onSignedIn={async (next, stored) => {
          await place.store.save(stored);
          setSession({ ...next, apiBase: place.apiBase, serverLabel: place.serverLabel });
          if (reason?.kind === 'ended') navigate(reason.returnTo, { replace: true });
          setReason(null);
        }}
      />
    );
  }
  return session.realm === 'admin' ? (
    <OperatorConsole session={session} onSignOut={signOut} onSessionEnded={sessionEnded} />
  ) : (
    <PartnerConsole session={session} onSignOut={signOut} onSessionEnded={sessionEnded} />
  );
}

async function restore(place: Place, stored: StoredSession | null): Promise<Session | null> {
  const base = { apiBase: place.apiBase, serverLabel: place.serverLabel };
  if (stored?.token)
    return { ...base, realm: stored.realm, credential: { kind: 'key', token: stored.token } };
  const realm = stored?.realm ?? realmOfPath(window.location.pathname);
  const cookie = await restoreCookieSession(place.apiBase, realm);
  return cookie ? { ...base, realm, credential: { kind: 'cookie', ...cookie } } : null;
}
