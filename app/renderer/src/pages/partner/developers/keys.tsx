// API keys: list, create (the whole key is shown once, then only its prefix) and revoke.

import { Alert, AlertTitle, Button, Chip, Stack, TextField } from '@mui/material';
import { type FormEvent, useState } from 'react';
import type { ApiProblem } from '../../../api/client.ts';
import type { PartnerApi } from '../../../api/partner-api.ts';
import type { ApiKey, CreatedApiKey } from '../../../api/types.ts';
import { asProblem, useResource } from '../../../api/use-resource.ts';
import { ConfirmDialog } from '../../../layout/confirm-dialog.tsx';
import { DataList } from '../../../layout/data-list.tsx';
import { dateTime } from '../../../layout/format.ts';
import { ProblemAlert } from '../../../layout/problem-alert.tsx';
import { EmptyState, Loaded } from '../../../layout/widget.tsx';

export function Keys({ api }: { api: PartnerApi }) {
  const keys = useResource(() => api.listKeys(), [api]);
  const me = useResource(() => api.me(), [api]);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const thisConsole = (key: ApiKey) =>
    me.data?.principal.type === 'api_key' && me.data.principal.id === key.id;

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

  return (
    <>
      <ProblemAlert problem={problem} onClose={() => setProblem(null)} />
      {created && (
        <Alert severity="warning" sx={{ mb: 2 }} onClose={() => setCreated(null)} data-testid="created-key">
          <AlertTitle>Copy “{created.name}” now: it is shown only once</AlertTitle>
          <Stack direction={{ xs: 'column', sm: 'row' }} sx={{ alignItems: { sm: 'center' }, gap: 1 }}>
            <code style={{ wordBreak: 'break-all' }}>{created.apiKey}</code>
            <Button size="small" onClick={() => void navigator.clipboard?.writeText(created.apiKey)}>
              Copy
            </Button>
          </Stack>
        </Alert>
      )}
      <Stack
        component="form"
        onSubmit={create}
        direction={{ xs: 'column', sm: 'row' }}
        sx={{ gap: 1, mb: 2, maxWidth: 560 }}
      >
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
      <Loaded
        resource={keys}
        isEmpty={(k) => k.items.length === 0}
        empty={
          <EmptyState title="No API keys">
            Create one for your backend: it calls the API with it as a bearer token.
          </EmptyState>
        }
      >
        {(k) => (
          <DataList
            label="API keys"
            testId="keys-table"
            rows={k.items}
            rowKey={(key) => key.id}
            columns={[
              {
                label: 'Name',
                render: (key) => (
                  <span>
                    {key.name} {thisConsole(key) && <Chip size="small" label="this console" sx={{ ml: 1 }} />}
                  </span>
                ),
              },
              {
                label: 'Key',
                render: (key) => <span style={{ fontFamily: 'monospace' }}>{key.prefix}…</span>,
              },
              { label: 'Created', render: (key) => dateTime(key.createdAt) },
              { label: 'Last used', render: (key) => (key.lastUsedAt ? dateTime(key.lastUsedAt) : 'never') },
              {
                label: 'Status',
                render: (key) => (
                  <Chip
                    size="small"
                    label={key.revokedAt ? 'revoked' : 'live'}
                    color={key.revokedAt ? 'default' : 'success'}
                  />
                ),
              },
            ]}
            actions={(key) =>
              !key.revokedAt && (
                <Button
                  size="small"
                  color="error"
                  onClick={() => setRevoking(key)}
                  aria-label={`Revoke ${key.name}`}
                >
                  Revoke
                </Button>
              )
            }
          />
        )}
      </Loaded>
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke “${revoking?.name}”?`}
        confirmLabel="Revoke"
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && void revoke(revoking)}
      >
        Requests with {revoking?.prefix}… are refused from now on.
        {revoking && thisConsole(revoking) && ' This console signed in with it: you will be signed out.'}
      </ConfirmDialog>
    </>
  );
}
