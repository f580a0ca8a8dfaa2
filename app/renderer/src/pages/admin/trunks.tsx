// SIP trunks: each one's registration and last OPTIONS answer, create and edit (the password is
// write-only), delete, and a test call that reports how a fax would have fared.

import {
  Alert,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  MenuItem,
  Stack,
  Switch,
  TextField,
  Typography,
} from '@mui/material';
import { type FormEvent, useState } from 'react';
import type { AdminApi, TrunkInput } from '../../api/admin-api.ts';
import type { ApiProblem } from '../../api/client.ts';
import { failureSummary } from '../../api/failure-words.ts';
import type { TestCall, Trunk } from '../../api/types.ts';
import { asProblem, useResource } from '../../api/use-resource.ts';
import { ConfirmDialog } from '../../layout/confirm-dialog.tsx';
import { DataList } from '../../layout/data-list.tsx';
import { fieldError } from '../../layout/field-errors.ts';
import { dateTime, toE164 } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { ProblemAlert } from '../../layout/problem-alert.tsx';
import { EmptyState, Loaded } from '../../layout/widget.tsx';
import type { OperatorContext } from '../../operator-console.tsx';

export function Trunks({ api, ctx }: { api: AdminApi; ctx: OperatorContext }) {
  const trunks = useResource(() => api.trunks(), [api]);
  const write = ctx.may.has('admin:write');
  const [editing, setEditing] = useState<Trunk | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Trunk | null>(null);
  const [testing, setTesting] = useState<Trunk | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);

  const remove = async (t: Trunk) => {
    setDeleting(null);
    try {
      await api.deleteTrunk(t.id);
      trunks.reload();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };

  return (
    <Page
      title="Trunks"
      subtitle="The carrier connections faxes arrive and leave through"
      actions={
        write && (
          <Button variant="contained" onClick={() => setEditing('new')}>
            Add trunk
          </Button>
        )
      }
    >
      <ProblemAlert problem={problem} onClose={() => setProblem(null)} />
      <Loaded
        resource={trunks}
        isEmpty={(t) => t.items.length === 0}
        empty={
          <EmptyState title="No trunks">Add your carrier’s SIP trunk to receive and send faxes.</EmptyState>
        }
      >
        {(t) => (
          <DataList
            label="Trunks"
            testId="trunks"
            rows={t.items}
            rowKey={(x) => x.id}
            columns={[
              { label: 'Name', render: (x) => x.name },
              { label: 'Address', render: (x) => `${x.transport.toUpperCase()} ${x.host}:${x.port}` },
              {
                label: 'Mode',
                render: (x) => (x.mode === 'register' ? `registers as ${x.username}` : 'peer'),
              },
              {
                label: 'Media',
                render: (x) =>
                  `${x.t38 ? 'T.38, ' : ''}${x.codecs.join(', ')}${x.outbound ? ' · outbound' : ''}`,
              },
              { label: 'Status', render: (x) => <TrunkHealth api={api} trunk={x} /> },
            ]}
            actions={
              write
                ? (x) => (
                    <>
                      <Button
                        size="small"
                        onClick={() => setTesting(x)}
                        aria-label={`Test call through ${x.name}`}
                      >
                        Test call
                      </Button>
                      <Button size="small" onClick={() => setEditing(x)} aria-label={`Edit ${x.name}`}>
                        Edit
                      </Button>
                      <Button
                        size="small"
                        color="error"
                        onClick={() => setDeleting(x)}
                        aria-label={`Delete ${x.name}`}
                      >
                        Delete
                      </Button>
                    </>
                  )
                : undefined
            }
          />
        )}
      </Loaded>
      {editing && (
        <TrunkDialog
          api={api}
          trunk={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            trunks.reload();
          }}
        />
      )}
      {testing && <TestCallDialog api={api} trunk={testing} onClose={() => setTesting(null)} />}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete ${deleting?.name}?`}
        confirmLabel="Delete"
        onCancel={() => setDeleting(null)}
        onConfirm={() => deleting && void remove(deleting)}
      >
        Calls from its addresses are refused from now on.
      </ConfirmDialog>
    </Page>
  );
}

function TrunkHealth({ api, trunk }: { api: AdminApi; trunk: Trunk }) {
  const status = useResource(() => api.trunkStatus(trunk.id), [api, trunk.id], { refreshMs: 15_000 });
  if (status.error)
    return (
      <Chip
        size="small"
        label={status.error.code === 'telephony_not_running' ? 'telephony stopped' : 'unknown'}
      />
    );
  const s = status.data;
  if (!s) return <Typography variant="body2">…</Typography>;
  const options = s.lastOptions;
  return (
    <Stack sx={{ gap: 0.5 }}>
      {s.registration && (
        <Chip
          size="small"
          color={s.registration.status === 'registered' ? 'success' : 'warning'}
          label={`registration: ${s.registration.status}`}
        />
      )}
      <Typography variant="body2">
        {options
          ? `OPTIONS ${options.status} in ${options.latencyMs} ms, ${dateTime(options.at)}`
          : 'no OPTIONS probe yet'}
      </Typography>
    </Stack>
  );
}

function TrunkDialog({
  api,
  trunk,
  onClose,
  onSaved,
}: {
  api: AdminApi;
  trunk: Trunk | null;
  onClose(): void;
  onSaved(): void;
}) {
  const [form, setForm] = useState<TrunkInput>(
    trunk
      ? {
          name: trunk.name,
          mode: trunk.mode,
          host: trunk.host,
          port: trunk.port,
          transport: trunk.transport,
          username: trunk.username,
          allowedIps: trunk.allowedIps,
          outbound: trunk.outbound,
          codecs: trunk.codecs,
          t38: trunk.t38,
        }
      : {
          name: '',
          mode: 'peer',
          host: '',
          port: 5060,
          transport: 'udp',
          allowedIps: [],
          outbound: true,
          codecs: ['pcmu', 'pcma'],
          t38: true,
        },
  );
  const [password, setPassword] = useState('');
  const [allowed, setAllowed] = useState((form.allowedIps ?? []).join(', '));
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const set = (patch: TrunkInput) => setForm((f) => ({ ...f, ...patch }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    const body: TrunkInput = {
      ...form,
      allowedIps: allowed.split(/[\s,]+/).filter(Boolean),
      username: form.mode === 'register' ? form.username || null : null,
      ...(password ? { password } : {}),
    };
    try {
      if (trunk) await api.updateTrunk(trunk.id, body);
      else await api.createTrunk(body);
      onSaved();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };
  const err = (name: string) => fieldError(problem, `/body/${name}`);
  const helper = (name: string, label: string, help?: string) => {
    const e = err(name);
    return e ? `${label} ${e}` : help;
  };

  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="sm" aria-labelledby="trunk-title">
      <form onSubmit={submit}>
        <DialogTitle id="trunk-title">{trunk ? `Edit ${trunk.name}` : 'Add a trunk'}</DialogTitle>
        <DialogContent>
          {problem && problem.errors.length === 0 && <ProblemAlert problem={problem} />}
          <Stack sx={{ gap: 2, mt: 1 }}>
            <TextField
              label="Name"
              required
              value={form.name}
              onChange={(e) => set({ name: e.target.value })}
              error={!!err('name')}
              helperText={helper('name', 'The name')}
            />
            <TextField
              select
              label="Mode"
              value={form.mode}
              onChange={(e) => set({ mode: e.target.value as Trunk['mode'] })}
            >
              <MenuItem value="peer">Peer: the carrier sends from known addresses</MenuItem>
              <MenuItem value="register">Register: we register with the carrier</MenuItem>
            </TextField>
            <Stack direction={{ xs: 'column', sm: 'row' }} sx={{ gap: 2 }}>
              <TextField
                label="Host"
                required
                value={form.host}
                onChange={(e) => set({ host: e.target.value })}
                error={!!err('host')}
                helperText={helper('host', 'The host')}
                sx={{ flexGrow: 1 }}
              />
              <TextField
                label="Port"
                type="number"
                value={form.port}
                onChange={(e) => set({ port: Number(e.target.value) })}
                error={!!err('port')}
                helperText={helper('port', 'The port')}
                sx={{ width: { sm: 110 } }}
              />
              <TextField
                select
                label="Transport"
                value={form.transport}
                onChange={(e) => set({ transport: e.target.value as Trunk['transport'] })}
                sx={{ width: { sm: 120 } }}
              >
                <MenuItem value="udp">UDP</MenuItem>
                <MenuItem value="tcp">TCP</MenuItem>
              </TextField>
            </Stack>
            {form.mode === 'register' && (
              <Stack direction={{ xs: 'column', sm: 'row' }} sx={{ gap: 2 }}>
                <TextField
                  label="Username"
                  value={form.username ?? ''}
                  onChange={(e) => set({ username: e.target.value })}
                  error={!!err('username')}
                  helperText={helper('username', 'The username')}
                  sx={{ flexGrow: 1 }}
                />
                <TextField
                  label="Password"
                  type="password"
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                  helperText={trunk?.hasPassword ? 'Set; leave empty to keep it' : undefined}
                  sx={{ flexGrow: 1 }}
                />
              </Stack>
            )}
            <TextField
              label="Allowed source addresses"
              value={allowed}
              onChange={(e) => setAllowed(e.target.value)}
              helperText={helper(
                'allowedIps',
                'An address',
                'IPs or CIDRs, comma-separated, e.g. 203.0.113.0/24',
              )}
              error={!!err('allowedIps')}
            />
            <Stack direction="row" sx={{ gap: 2, flexWrap: 'wrap' }}>
              <FormControlLabel
                control={
                  <Switch checked={form.t38 ?? true} onChange={(e) => set({ t38: e.target.checked })} />
                }
                label="Offer T.38"
              />
              <FormControlLabel
                control={
                  <Switch
                    checked={form.outbound ?? true}
                    onChange={(e) => set({ outbound: e.target.checked })}
                  />
                }
                label="Outbound faxes"
              />
            </Stack>
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="contained">
            Save
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

function TestCallDialog({ api, trunk, onClose }: { api: AdminApi; trunk: Trunk; onClose(): void }) {
  const [to, setTo] = useState('');
  const [result, setResult] = useState<TestCall | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    setResult(null);
    try {
      setResult(await api.testCall(trunk.id, toE164(to)));
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };
  const toError = fieldError(problem, '/body/to');
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="xs" aria-labelledby="test-call-title">
      <form onSubmit={submit}>
        <DialogTitle id="test-call-title">Test call through {trunk.name}</DialogTitle>
        <DialogContent>
          {problem && !toError && <ProblemAlert problem={problem} />}
          <TextField
            label="Number to call"
            required
            fullWidth
            value={to}
            onChange={(e) => setTo(e.target.value)}
            error={!!toError}
            helperText={toError ? `The number ${toError}` : 'An answered call is hung up at once'}
            sx={{ mt: 1 }}
          />
          {result && (
            <Alert
              severity={result.answered ? 'success' : 'warning'}
              sx={{ mt: 2 }}
              data-testid="test-call-result"
            >
              {result.answered ? 'Answered' : 'Not answered'}: SIP {result.status} {result.reason} in{' '}
              {result.durationMs} ms.
              {result.failureCode
                ? ` A fax sent now would fail: ${failureSummary(result.failureCode)}`
                : ' The trunk carries calls to this number.'}
            </Alert>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Close</Button>
          <Button type="submit" variant="contained" disabled={busy || !to.trim()}>
            Call
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
