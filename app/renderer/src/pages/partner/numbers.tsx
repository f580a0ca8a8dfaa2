// Fax numbers: search by user or number, this month's inbound pages per number against its tier's
// allowance, provision for a user, release. Cursor pages, newest first; the search lives in the URL.

import {
  Alert,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  MenuItem,
  Stack,
  TextField,
} from '@mui/material';
import { type FormEvent, useMemo, useState } from 'react';
import type { ApiProblem } from '../../api/client.ts';
import type { PartnerApi } from '../../api/partner-api.ts';
import type { FaxNumber, Tier } from '../../api/types.ts';
import { asProblem, useResource } from '../../api/use-resource.ts';
import { ConfirmDialog } from '../../layout/confirm-dialog.tsx';
import { DataList } from '../../layout/data-list.tsx';
import { fieldError } from '../../layout/field-errors.ts';
import { count, dateTime, phone } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { PagerButtons, usePager } from '../../layout/pager.tsx';
import { ProblemAlert } from '../../layout/problem-alert.tsx';
import { EmptyState, Loaded } from '../../layout/widget.tsx';
import type { PartnerContext } from '../../partner-console.tsx';
import { setQueryParam, useLocation } from '../../routing/router.tsx';

const PAGE_SIZE = 25;
type StatusFilter = 'active' | 'released' | 'all';

export function Numbers({ api, ctx }: { api: PartnerApi; ctx: PartnerContext }) {
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const status = (search.get('status') as StatusFilter | null) ?? 'active';
  const [draft, setDraft] = useState(q);
  const pager = usePager();
  const cursor = pager.cursor;
  const page = useResource(
    () =>
      api.listNumbers({
        limit: PAGE_SIZE,
        cursor,
        status: status === 'all' ? undefined : status,
        q: q || undefined,
      }),
    [api, cursor, status, q],
  );
  const usage = useResource(() => api.usage(), [api]);
  const pagesByNumber = useMemo(
    () => new Map((usage.data?.numbers ?? []).map((n) => [n.numberId, n])),
    [usage.data],
  );
  const [provisioning, setProvisioning] = useState(false);
  const [releasing, setReleasing] = useState<FaxNumber | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const manage = ctx.may.has('numbers:manage');

  const release = async (number: FaxNumber) => {
    setReleasing(null);
    try {
      await api.releaseNumber(number.externalUserId);
      setNotice(`Released ${phone(number.number)} (${number.externalUserId}).`);
      page.reload();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };

  const applySearch = (event: FormEvent) => {
    event.preventDefault();
    pager.reset();
    setQueryParam('q', draft.trim());
  };

  return (
    <Page
      title="Numbers"
      subtitle="One fax number per user of your product"
      actions={
        manage && (
          <Button variant="contained" onClick={() => setProvisioning(true)}>
            Provision number
          </Button>
        )
      }
    >
      <Stack
        component="form"
        onSubmit={applySearch}
        direction={{ xs: 'column', sm: 'row' }}
        sx={{ gap: 1, mb: 2 }}
        role="search"
      >
        <TextField
          size="small"
          label="Search by user or number"
          name="q"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          sx={{ flexGrow: 1, maxWidth: { sm: 420 } }}
        />
        <TextField
          select
          size="small"
          label="Status"
          value={status}
          onChange={(e) => {
            pager.reset();
            setQueryParam('status', e.target.value === 'active' ? null : e.target.value);
          }}
          sx={{ width: { sm: 140 } }}
        >
          <MenuItem value="active">Active</MenuItem>
          <MenuItem value="released">Released</MenuItem>
          <MenuItem value="all">All</MenuItem>
        </TextField>
        <Button type="submit" variant="outlined">
          Search
        </Button>
      </Stack>
      {notice && (
        <Alert severity="success" onClose={() => setNotice(null)} sx={{ mb: 2 }} data-testid="notice">
          {notice}
        </Alert>
      )}
      <ProblemAlert problem={problem} onClose={() => setProblem(null)} />
      <Loaded
        resource={page}
        skeletonRows={5}
        isEmpty={(p) => p.items.length === 0}
        empty={
          <EmptyState title={q ? `No number matches “${q}”` : 'No numbers yet'}>
            {q
              ? 'Search by your user id (part of it is enough) or by digits of the number.'
              : manage
                ? 'Provision a number for a user of your product; faxes to it arrive in the inbox and at your webhook.'
                : 'Numbers appear here once your team provisions them.'}
          </EmptyState>
        }
      >
        {(p) => (
          <DataList
            label="Numbers"
            testId="numbers-table"
            rows={p.items}
            rowKey={(n) => n.id}
            columns={[
              {
                label: 'Number',
                render: (n) => <span style={{ fontFamily: 'monospace' }}>{phone(n.number)}</span>,
              },
              { label: 'User', render: (n) => n.externalUserId },
              { label: 'Tier', render: (n) => n.tier },
              {
                label: 'Pages this month',
                numeric: true,
                render: (n) => {
                  const u = pagesByNumber.get(n.id);
                  if (!u) return '—';
                  return (
                    <span>
                      {count(u.inboundPages)} / {count(u.allowancePages)}
                      {u.overagePages > 0 && (
                        <Chip size="small" color="warning" label={`+${u.overagePages}`} sx={{ ml: 0.5 }} />
                      )}
                    </span>
                  );
                },
              },
              {
                label: 'Status',
                render: (n) => (
                  <Chip size="small" label={n.status} color={n.status === 'active' ? 'success' : 'default'} />
                ),
              },
              { label: 'Since', render: (n) => dateTime(n.createdAt) },
            ]}
            actions={
              manage
                ? (n) =>
                    n.status === 'active' && (
                      <Button
                        size="small"
                        color="error"
                        onClick={() => setReleasing(n)}
                        aria-label={`Release ${n.number}`}
                      >
                        Release
                      </Button>
                    )
                : undefined
            }
          />
        )}
      </Loaded>
      <PagerButtons pager={pager} next={page.data?.nextCursor} />
      {manage && (
        <ProvisionDialog
          open={provisioning}
          api={api}
          onClose={() => setProvisioning(false)}
          onProvisioned={(n, created) => {
            setProvisioning(false);
            setNotice(
              created
                ? `Provisioned ${phone(n.number)} for ${n.externalUserId}.`
                : `${n.externalUserId} already has ${phone(n.number)}.`,
            );
            pager.reset();
            page.reload();
            usage.reload();
          }}
        />
      )}
      <ConfirmDialog
        open={releasing !== null}
        title={`Release ${phone(releasing?.number)}?`}
        confirmLabel="Release"
        onCancel={() => setReleasing(null)}
        onConfirm={() => releasing && void release(releasing)}
      >
        It stops receiving faxes for {releasing?.externalUserId} at once. Billing stops after this month; the
        number rests in quarantine before anyone else can get it.
      </ConfirmDialog>
    </Page>
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
  const userError = fieldError(problem, '/body/externalUserId');
  const areaError = fieldError(problem, '/body/areaCode');

  return (
    <Dialog open={open} onClose={onClose} fullWidth maxWidth="sm" aria-labelledby="provision-title">
      <form onSubmit={submit}>
        <DialogTitle id="provision-title">Provision a number</DialogTitle>
        <DialogContent>
          {problem && problem.errors.length === 0 && <ProblemAlert problem={problem} />}
          <Stack sx={{ gap: 2, mt: 1 }}>
            <TextField
              label="External user id"
              name="externalUserId"
              required
              value={externalUserId}
              onChange={(e) => setExternalUserId(e.target.value)}
              error={userError !== undefined}
              helperText={userError ? `User id ${userError}` : 'Your own id for the user, e.g. dr-jones'}
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
              inputMode="numeric"
              value={areaCode}
              onChange={(e) => setAreaCode(e.target.value)}
              error={areaError !== undefined}
              helperText={areaError ? `Area code ${areaError}` : 'Three digits, e.g. 212'}
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
