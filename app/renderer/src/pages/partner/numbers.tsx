// Fax numbers: one page at a time (cursor pagination, newest first), provision for a user, release.

import {
  Alert,
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  MenuItem,
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
import type { FaxNumber, Tier } from '../../api/types.ts';
import { asProblem, useResource } from '../../api/use-resource.ts';
import { ConfirmDialog } from '../../layout/confirm-dialog.tsx';
import { ProblemAlert } from '../../layout/problem-alert.tsx';

const PAGE_SIZE = 20;
type StatusFilter = 'active' | 'released' | 'all';

export function Numbers({ api }: { api: PartnerApi }) {
  const [status, setStatus] = useState<StatusFilter>('active');
  // Cursors of the pages before the current one, so "Newer" can go back.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const page = useResource(
    () => api.listNumbers({ limit: PAGE_SIZE, cursor, status: status === 'all' ? undefined : status }),
    [api, cursor, status],
  );
  const [provisioning, setProvisioning] = useState(false);
  const [releasing, setReleasing] = useState<FaxNumber | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);

  const firstPage = () => {
    setCursors([undefined]);
    page.reload();
  };

  const release = async (number: FaxNumber) => {
    setReleasing(null);
    try {
      await api.releaseNumber(number.externalUserId);
      setNotice(`Released ${number.number} (${number.externalUserId}).`);
      page.reload();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };

  return (
    <>
      <Stack direction="row" sx={{ alignItems: 'center', mb: 2, gap: 2 }}>
        <Typography variant="h5" sx={{ flexGrow: 1 }}>
          Numbers
        </Typography>
        <TextField
          select
          size="small"
          label="Status"
          value={status}
          onChange={(e) => {
            setStatus(e.target.value as StatusFilter);
            setCursors([undefined]);
          }}
          sx={{ width: 140 }}
        >
          <MenuItem value="active">Active</MenuItem>
          <MenuItem value="released">Released</MenuItem>
          <MenuItem value="all">All</MenuItem>
        </TextField>
        <Button variant="contained" onClick={() => setProvisioning(true)}>
          Provision number
        </Button>
      </Stack>
      {notice && (
        <Alert severity="success" onClose={() => setNotice(null)} sx={{ mb: 2 }} data-testid="notice">
          {notice}
        </Alert>
      )}
      <ProblemAlert problem={problem ?? page.error} onClose={() => setProblem(null)} />
      <Table size="small" data-testid="numbers-table">
        <TableHead>
          <TableRow>
            <TableCell>Number</TableCell>
            <TableCell>User</TableCell>
            <TableCell>Tier</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Created</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {page.data?.items.map((n) => (
            <TableRow key={n.id}>
              <TableCell sx={{ fontFamily: 'monospace' }}>{n.number}</TableCell>
              <TableCell>{n.externalUserId}</TableCell>
              <TableCell>{n.tier}</TableCell>
              <TableCell>
                <Chip size="small" label={n.status} color={n.status === 'active' ? 'success' : 'default'} />
              </TableCell>
              <TableCell>{new Date(n.createdAt).toLocaleString()}</TableCell>
              <TableCell align="right">
                {n.status === 'active' && (
                  <Button size="small" color="error" onClick={() => setReleasing(n)}>
                    Release
                  </Button>
                )}
              </TableCell>
            </TableRow>
          ))}
          {page.data?.items.length === 0 && (
            <TableRow>
              <TableCell colSpan={6}>No numbers here yet.</TableCell>
            </TableRow>
          )}
        </TableBody>
      </Table>
      <Box sx={{ display: 'flex', justifyContent: 'flex-end', gap: 1, mt: 1 }}>
        <Button disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Newer
        </Button>
        <Button
          disabled={!page.data?.nextCursor}
          onClick={() => setCursors((c) => [...c, page.data?.nextCursor ?? undefined])}
        >
          Older
        </Button>
      </Box>
      <ProvisionDialog
        open={provisioning}
        api={api}
        onClose={() => setProvisioning(false)}
        onProvisioned={(n, created) => {
          setProvisioning(false);
          setNotice(
            created
              ? `Provisioned ${n.number} for ${n.externalUserId}.`
              : `${n.externalUserId} already has ${n.number}.`,
          );
          firstPage();
        }}
      />
      <ConfirmDialog
        open={releasing !== null}
        title="Release this number?"
        confirmLabel="Release"
        onCancel={() => setReleasing(null)}
        onConfirm={() => releasing && void release(releasing)}
      >
        {releasing?.number} stops receiving faxes for {releasing?.externalUserId} at once. The number rests in
        quarantine before anyone else can get it.
      </ConfirmDialog>
    </>
  );
}

interface ProvisionDialogProps {
  open: boolean;
  api: PartnerApi;
  onClose(): void;
  onProvisioned(number: FaxNumber, created: boolean): void;
}

function ProvisionDialog({ open, api, onClose, onProvisioned }: ProvisionDialogProps) {
  const [externalUserId, setExternalUserId] = useState('');
  const [tier, setTier] = useState<Tier>('personal');
  const [areaCode, setAreaCode] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);

  const fieldError = (name: string) => problem?.errorsUnder(`/body/${name}`)[0]?.message;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const { number, created } = await api.provisionNumber({
        externalUserId: externalUserId.trim(),
        tier,
        areaCode: areaCode.trim() || undefined,
      });
      onProvisioned(number, created);
      setExternalUserId('');
      setAreaCode('');
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} onClose={onClose} fullWidth maxWidth="sm">
      <form onSubmit={submit}>
        <DialogTitle>Provision a number</DialogTitle>
        <DialogContent>
          <ProblemAlert problem={problem} />
          <Stack sx={{ gap: 2, mt: 1 }}>
            <TextField
              label="External user id"
              name="externalUserId"
              required
              value={externalUserId}
              onChange={(e) => setExternalUserId(e.target.value)}
              error={fieldError('externalUserId') !== undefined}
              helperText={fieldError('externalUserId') ?? 'Your own id for the user, e.g. dr-jones'}
            />
            <TextField
              select
              label="Tier"
              name="tier"
              value={tier}
              onChange={(e) => setTier(e.target.value as Tier)}
            >
              <MenuItem value="personal">Personal — $2.50/month, 200 pages, 60-day retention</MenuItem>
              <MenuItem value="business">Business — $7.50/month, 1,000 pages, 180-day retention</MenuItem>
            </TextField>
            <TextField
              label="Area code (optional)"
              name="areaCode"
              value={areaCode}
              onChange={(e) => setAreaCode(e.target.value)}
              error={fieldError('areaCode') !== undefined}
              helperText={fieldError('areaCode') ?? 'Three digits, e.g. 212'}
            />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="contained" disabled={busy || externalUserId.trim() === ''}>
            Provision
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
