// API keys: list, create (the whole key is shown once, then only its prefix) and revoke.

import {
  Alert,
  AlertTitle,
  Button,
  Chip,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { type FormEvent, useState } from 'react';
import type { ApiProblem } from '../../api/client.ts';
import type { PartnerApi } from '../../api/partner-api.ts';
import type { ApiKey, CreatedApiKey } from '../../api/types.ts';
import { asProblem, useResource } from '../../api/use-resource.ts';
import { ConfirmDialog } from '../../layout/confirm-dialog.tsx';
import { ProblemAlert } from '../../layout/problem-alert.tsx';

export function Keys({ api, sessionToken }: { api: PartnerApi; sessionToken: string }) {
  const keys = useResource(() => api.listKeys(), [api]);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      setCreated(await api.createKey(name.trim() || 'API key'));
      setName('');
      keys.reload();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };

  const revoke = async (key: ApiKey) => {
    setRevoking(null);
    try {
      await api.revokeKey(key.id);
      keys.reload();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };

  const isThisSession = (key: ApiKey) => sessionToken.startsWith(key.prefix);

  return (
    <>
      <Typography variant="h5" gutterBottom>
        API keys
      </Typography>
      <ProblemAlert problem={problem ?? keys.error} onClose={() => setProblem(null)} />
      {created && (
        <Alert severity="warning" sx={{ mb: 2 }} onClose={() => setCreated(null)} data-testid="created-key">
          <AlertTitle>Copy “{created.name}” now — it is shown only once</AlertTitle>
          <Stack direction="row" sx={{ alignItems: 'center', gap: 1 }}>
            <code style={{ wordBreak: 'break-all' }}>{created.apiKey}</code>
            <Button size="small" onClick={() => void navigator.clipboard?.writeText(created.apiKey)}>
              Copy
            </Button>
          </Stack>
        </Alert>
      )}
      <form onSubmit={create}>
        <Stack direction="row" sx={{ gap: 1, mb: 2, maxWidth: 560 }}>
          <TextField
            size="small"
            label="New key name"
            name="keyName"
            value={name}
            onChange={(e) => setName(e.target.value)}
            sx={{ flexGrow: 1 }}
          />
          <Button type="submit" variant="contained">
            Create key
          </Button>
        </Stack>
      </form>
      <Table size="small" data-testid="keys-table">
        <TableHead>
          <TableRow>
            <TableCell>Name</TableCell>
            <TableCell>Key</TableCell>
            <TableCell>Created</TableCell>
            <TableCell>Last used</TableCell>
            <TableCell>Status</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {keys.data?.items.map((k) => (
            <TableRow key={k.id}>
              <TableCell>
                {k.name} {isThisSession(k) && <Chip size="small" label="this console" sx={{ ml: 1 }} />}
              </TableCell>
              <TableCell sx={{ fontFamily: 'monospace' }}>{k.prefix}…</TableCell>
              <TableCell>{new Date(k.createdAt).toLocaleString()}</TableCell>
              <TableCell>{k.lastUsedAt ? new Date(k.lastUsedAt).toLocaleString() : 'never'}</TableCell>
              <TableCell>
                <Chip
                  size="small"
                  label={k.revokedAt ? 'revoked' : 'live'}
                  color={k.revokedAt ? 'default' : 'success'}
                />
              </TableCell>
              <TableCell align="right">
                {!k.revokedAt && (
                  <Button size="small" color="error" onClick={() => setRevoking(k)}>
                    Revoke
                  </Button>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this key?"
        confirmLabel="Revoke"
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && void revoke(revoking)}
      >
        Requests with {revoking?.prefix}… are refused from now on.
        {revoking && isThisSession(revoking) && ' This console signed in with it: you will be signed out.'}
      </ConfirmDialog>
    </>
  );
}
