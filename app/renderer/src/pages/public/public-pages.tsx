// The pages emailed links open without a session: accepting a team invitation, resetting a password
// (asking for the link, then choosing the new password) and confirming an email address.

import { Alert, Box, Button, Card, CardContent, Stack, TextField, Typography } from '@mui/material';
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { ApiClient, type ApiProblem } from '../../api/client.ts';
import { asProblem } from '../../api/use-resource.ts';
import { fieldError } from '../../layout/field-errors.ts';
import { ProblemAlert } from '../../layout/problem-alert.tsx';
import { Link } from '../../routing/router.tsx';

export type PublicPageName = 'invite' | 'reset-password' | 'verify-email';

export function publicPageFor(pathname: string): PublicPageName | null {
  const m = /^\/partner\/(invite|reset-password|verify-email)\/?$/.exec(pathname);
  return (m?.[1] as PublicPageName | undefined) ?? null;
}

const TITLES: Record<PublicPageName, string> = {
  invite: 'Join your team on FaxSeal',
  'reset-password': 'Reset your password',
  'verify-email': 'Confirm your email',
};

export function PublicPage({
  page,
  apiBase,
  serverLabel,
}: {
  page: PublicPageName;
  apiBase: string;
  serverLabel: string;
}) {
  const token = new URLSearchParams(window.location.search).get('token');
  const client = new ApiClient(apiBase, null);
  useEffect(() => {
    document.title = `${TITLES[page]} · FaxSeal`;
  }, [page]);
  return (
    <Box component="main" sx={{ display: 'flex', justifyContent: 'center', mt: { xs: 3, sm: 10 }, px: 2 }}>
      <Card sx={{ width: '100%', maxWidth: 480 }}>
        <CardContent>
          <Typography variant="h5" component="h1" gutterBottom>
            {TITLES[page]}
          </Typography>
          <Typography variant="body2" color="text.secondary" gutterBottom>
            {serverLabel}
          </Typography>
          {page === 'invite' && <AcceptInvite client={client} token={token} />}
          {page === 'reset-password' &&
            (token ? <ChooseNewPassword client={client} token={token} /> : <AskForReset client={client} />)}
          {page === 'verify-email' && <VerifyEmail client={client} token={token} />}
          <Box sx={{ mt: 3 }}>
            <Link href="/partner" variant="body2">
              Go to sign in
            </Link>
          </Box>
        </CardContent>
      </Card>
    </Box>
  );
}

function useSubmit(run: () => Promise<ReactNode>) {
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [done, setDone] = useState<ReactNode>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    setProblem(null);
    setBusy(true);
    try {
      setDone(await run());
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };
  return { problem, done, busy, submit };
}

function AcceptInvite({ client, token }: { client: ApiClient; token: string | null }) {
  const [password, setPassword] = useState('');
  const s = useSubmit(async () => {
    await client.post('/api/auth/invites/accept', { json: { token, password: password || undefined } });
    return 'You joined the team. Sign in with your email and password.';
  });
  if (!token)
    return (
      <Alert severity="error">This link has no invitation token: open the link from the email again.</Alert>
    );
  if (s.done)
    return (
      <Alert severity="success" data-testid="invite-accepted">
        {s.done}
      </Alert>
    );
  const passwordError = fieldError(s.problem, '/body/password');
  return (
    <Stack component="form" onSubmit={s.submit} sx={{ gap: 2, mt: 1 }}>
      {s.problem && !passwordError && <ProblemAlert problem={s.problem} />}
      <Typography variant="body2">
        New to FaxSeal? Choose a password for your account. Already have one? Leave it empty: the invitation
        is added to your account.
      </Typography>
      <TextField
        label="Password (new accounts)"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={!!passwordError}
        helperText={passwordError ? `The password ${passwordError}` : 'At least 12 characters'}
      />
      <Box>
        <Button type="submit" variant="contained" disabled={s.busy}>
          Accept the invitation
        </Button>
      </Box>
    </Stack>
  );
}

function AskForReset({ client }: { client: ApiClient }) {
  const [email, setEmail] = useState('');
  const s = useSubmit(async () => {
    await client.post('/api/auth/password-reset', { json: { email: email.trim() } });
    return 'If an account uses this email, a reset link is on its way. It works once and expires.';
  });
  if (s.done) return <Alert severity="success">{s.done}</Alert>;
  return (
    <Stack component="form" onSubmit={s.submit} sx={{ gap: 2, mt: 1 }}>
      <ProblemAlert problem={s.problem} />
      <TextField
        label="Email"
        type="email"
        autoComplete="email"
        required
        value={email}
        onChange={(e) => setEmail(e.target.value)}
      />
      <Box>
        <Button type="submit" variant="contained" disabled={s.busy || !email.trim()}>
          Send the reset link
        </Button>
      </Box>
    </Stack>
  );
}

function ChooseNewPassword({ client, token }: { client: ApiClient; token: string }) {
  const [password, setPassword] = useState('');
  const s = useSubmit(async () => {
    await client.post('/api/auth/password-reset/confirm', { json: { token, password } });
    return 'Your password is changed and your other sessions are signed out. Sign in with the new one.';
  });
  if (s.done) return <Alert severity="success">{s.done}</Alert>;
  const passwordError = fieldError(s.problem, '/body/password');
  return (
    <Stack component="form" onSubmit={s.submit} sx={{ gap: 2, mt: 1 }}>
      {s.problem && !passwordError && <ProblemAlert problem={s.problem} />}
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={!!passwordError}
        helperText={passwordError ? `The password ${passwordError}` : 'At least 12 characters'}
      />
      <Box>
        <Button type="submit" variant="contained" disabled={s.busy || !password}>
          Set the password
        </Button>
      </Box>
    </Stack>
  );
}

function VerifyEmail({ client, token }: { client: ApiClient; token: string | null }) {
  const s = useSubmit(async () => {
    await client.post('/api/auth/verify-email', { json: { token } });
    return 'Your email is confirmed.';
  });
  if (!token)
    return <Alert severity="error">This link has no token: open the link from the email again.</Alert>;
  if (s.done) return <Alert severity="success">{s.done}</Alert>;
  return (
    <Stack sx={{ gap: 2, mt: 1 }}>
      <ProblemAlert problem={s.problem} />
      <Box>
        <Button variant="contained" onClick={() => void s.submit()} disabled={s.busy}>
          Confirm my email
        </Button>
      </Box>
    </Stack>
  );
}
