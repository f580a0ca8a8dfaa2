// Sign in with a key: a partner key (sk_partner_…) opens the partner portal, an operator token
// (sk_admin_…) the operator console. The key is checked against the server before it is kept.

import { Box, Button, Card, CardContent, Tab, Tabs, TextField, Typography } from '@mui/material';
import { type FormEvent, useState } from 'react';
import { adminApi } from '../api/admin-api.ts';
import { ApiClient, type ApiProblem } from '../api/client.ts';
import { partnerApi } from '../api/partner-api.ts';
import { asProblem } from '../api/use-resource.ts';
import { ProblemAlert } from '../layout/problem-alert.tsx';
import { type Realm, realmOf, TOKEN_PREFIX } from '../session/session.ts';

export interface SignInProps {
  defaultRealm: Realm;
  apiBase: string;
  serverLabel: string;
  onSignedIn(token: string, realm: Realm): Promise<void>;
  onBack?: () => void;
}

const COPY: Record<Realm, { tab: string; label: string; help: string }> = {
  partner: {
    tab: 'Partner portal',
    label: 'Partner API key',
    help: 'The sk_partner_… key you received when your account was verified, or one created under API keys.',
  },
  admin: {
    tab: 'Operator',
    label: 'Operator token',
    help: 'The sk_admin_… token printed once by the first start or by `faxseal create-admin`.',
  },
};

export function SignIn({ defaultRealm, apiBase, serverLabel, onSignedIn, onBack }: SignInProps) {
  const [realm, setRealm] = useState<Realm>(defaultRealm);
  const [token, setToken] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const key = token.trim();
    setProblem(null);
    if (realmOf(key) !== realm) {
      setFieldError(`${COPY[realm].label}s start with ${TOKEN_PREFIX[realm]}`);
      return;
    }
    setFieldError(null);
    setBusy(true);
    try {
      const client = new ApiClient(apiBase, key);
      // Any authenticated read proves the key; these are cheap and every role may make them.
      if (realm === 'partner') await partnerApi(client).getSettings();
      else await adminApi(client).listPartners();
      await onSignedIn(key, realm);
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box sx={{ display: 'flex', justifyContent: 'center', mt: 10 }}>
      <Card sx={{ width: 480 }}>
        <CardContent>
          <Typography variant="h5" gutterBottom>
            Sign in to FaxSeal
          </Typography>
          <Typography variant="body2" color="text.secondary" gutterBottom>
            {serverLabel}
          </Typography>
          <Tabs value={realm} onChange={(_e, value: Realm) => setRealm(value)} sx={{ mb: 2 }}>
            <Tab value="partner" label={COPY.partner.tab} />
            <Tab value="admin" label={COPY.admin.tab} />
          </Tabs>
          <ProblemAlert problem={problem} />
          <form onSubmit={submit}>
            <TextField
              label={COPY[realm].label}
              name="token"
              type="password"
              autoComplete="off"
              fullWidth
              value={token}
              onChange={(e) => setToken(e.target.value)}
              error={fieldError !== null}
              helperText={fieldError ?? COPY[realm].help}
            />
            <Box sx={{ display: 'flex', gap: 1, mt: 2 }}>
              <Button type="submit" variant="contained" disabled={busy || token.trim() === ''}>
                Sign in
              </Button>
              {onBack && <Button onClick={onBack}>Other server</Button>}
            </Box>
          </form>
        </CardContent>
      </Card>
    </Box>
  );
}
