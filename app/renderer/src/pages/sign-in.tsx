// Sign in: people with their email (partner portal) or username (operator console) and password,
// plus a TOTP code when their account asks for one; or with a key — a partner API key or an
// operator token, checked against the server before it is kept.

import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Link as MuiLink,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { type FormEvent, useEffect, useState } from 'react';
import { ApiClient, ApiProblem } from '../api/client.ts';
import { asProblem } from '../api/use-resource.ts';
import type { SignInReason } from '../app.tsx';
import { ProblemAlert } from '../layout/problem-alert.tsx';
import { Link } from '../routing/router.tsx';
import { type Realm, realmOf, type Session, type StoredSession, TOKEN_PREFIX } from '../session/session.ts';
import { signInWithPassword } from '../session/sign-in-api.ts';

export interface SignInProps {
  realm: Realm;
  reason: SignInReason;
  apiBase: string;
  serverLabel: string;
  onSignedIn(session: Omit<Session, 'apiBase' | 'serverLabel'>, stored: StoredSession): Promise<void>;
  onBack?: () => void;
}

const COPY: Record<
  Realm,
  { heading: string; login: string; key: string; keyHelp: string; other: string; otherPath: string }
> = {
  partner: {
    heading: 'Sign in to the FaxSeal partner portal',
    login: 'Email',
    key: 'Partner API key',
    keyHelp: 'An sk_partner_… key: the one you received at verification, or one created under Developers.',
    other: 'Operating this appliance? Sign in to the operator console',
    otherPath: '/admin',
  },
  admin: {
    heading: 'Sign in to the FaxSeal operator console',
    login: 'Username',
    key: 'Operator token',
    keyHelp: 'The sk_admin_… token printed once by the first start or by `faxseal create-admin`.',
    other: 'A partner? Sign in to the partner portal',
    otherPath: '/partner',
  },
};

export function SignIn({ realm, reason, apiBase, serverLabel, onSignedIn, onBack }: SignInProps) {
  const copy = COPY[realm];
  const [method, setMethod] = useState<'password' | 'key'>('password');
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needsTotp, setNeedsTotp] = useState(false);
  const [token, setToken] = useState('');
  const [keyError, setKeyError] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = `${copy.heading} · FaxSeal`;
  }, [copy.heading]);

  const withPassword = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setBusy(true);
    try {
      const cookie = await signInWithPassword(apiBase, realm, { login: login.trim(), password, totp });
      await onSignedIn({ realm, credential: { kind: 'cookie', ...cookie } }, { realm });
    } catch (error) {
      const p = asProblem(error);
      if (p.code === 'totp_required') setNeedsTotp(true);
      if (p.code === 'route_not_found')
        setProblem(
          new ApiProblem(
            404,
            p.code,
            'Password sign-in is not available on this appliance',
            'Sign in with a key instead.',
          ),
        );
      else setProblem(p);
    } finally {
      setBusy(false);
    }
  };

  const withKey = async (event: FormEvent) => {
    event.preventDefault();
    const key = token.trim();
    setProblem(null);
    if (realmOf(key) !== realm) {
      setKeyError(`${copy.key}s start with ${TOKEN_PREFIX[realm]}`);
      return;
    }
    setKeyError(null);
    setBusy(true);
    try {
      // Any authenticated read proves the key; every role may make this one.
      await new ApiClient(apiBase, key).get(realm === 'partner' ? '/api/partner/me' : '/api/admin/me');
      await onSignedIn({ realm, credential: { kind: 'key', token: key } }, { realm, token: key });
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box component="main" sx={{ display: 'flex', justifyContent: 'center', mt: { xs: 3, sm: 10 }, px: 2 }}>
      <Card sx={{ width: '100%', maxWidth: 480 }}>
        <CardContent>
          <Typography variant="h5" component="h1" gutterBottom>
            {copy.heading}
          </Typography>
          <Typography variant="body2" color="text.secondary" gutterBottom>
            {serverLabel}
          </Typography>
          {reason?.kind === 'ended' && (
            <Alert severity="info" sx={{ my: 2 }} data-testid="session-ended">
              Your session ended (it expired, or its key was revoked). Sign in again to go back to{' '}
              <strong>{reason.returnTo}</strong>.
            </Alert>
          )}
          {reason?.kind === 'signed_out' && (
            <Alert severity="success" sx={{ my: 2 }}>
              You are signed out.
            </Alert>
          )}
          <ProblemAlert problem={problem} onClose={() => setProblem(null)} />
          {method === 'password' ? (
            <form onSubmit={withPassword}>
              <Stack sx={{ gap: 2, mt: 1 }}>
                <TextField
                  label={copy.login}
                  name="login"
                  type={realm === 'partner' ? 'email' : 'text'}
                  autoComplete="username"
                  required
                  value={login}
                  onChange={(e) => setLogin(e.target.value)}
                />
                <TextField
                  label="Password"
                  name="password"
                  type="password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
                {needsTotp && (
                  <TextField
                    label="Authentication code"
                    name="totp"
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    value={totp}
                    onChange={(e) => setTotp(e.target.value)}
                    helperText="The 6-digit code from your authenticator app, or a recovery code"
                  />
                )}
                <Stack direction="row" sx={{ gap: 1, flexWrap: 'wrap' }}>
                  <Button type="submit" variant="contained" disabled={busy || !login.trim() || !password}>
                    Sign in
                  </Button>
                  <Button onClick={() => setMethod('key')}>Use a key instead</Button>
                </Stack>
              </Stack>
            </form>
          ) : (
            <form onSubmit={withKey}>
              <Stack sx={{ gap: 2, mt: 1 }}>
                <TextField
                  label={copy.key}
                  name="token"
                  type="password"
                  autoComplete="off"
                  fullWidth
                  value={token}
                  onChange={(e) => setToken(e.target.value)}
                  error={keyError !== null}
                  helperText={keyError ?? copy.keyHelp}
                />
                <Stack direction="row" sx={{ gap: 1, flexWrap: 'wrap' }}>
                  <Button type="submit" variant="contained" disabled={busy || token.trim() === ''}>
                    Sign in
                  </Button>
                  <Button onClick={() => setMethod('password')}>Use a password instead</Button>
                </Stack>
              </Stack>
            </form>
          )}
          <Stack sx={{ mt: 3, gap: 1 }}>
            {realm === 'partner' && (
              <Link href="/partner/reset-password" variant="body2">
                Forgot your password?
              </Link>
            )}
            <Link href={copy.otherPath} variant="body2">
              {copy.other}
            </Link>
            {onBack && (
              <MuiLink component="button" variant="body2" onClick={onBack} sx={{ alignSelf: 'flex-start' }}>
                Connect to another appliance
              </MuiLink>
            )}
          </Stack>
        </CardContent>
      </Card>
    </Box>
  );
}
