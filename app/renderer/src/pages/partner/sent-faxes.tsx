// Sent faxes: each one's status and pages confirmed, following progress without a reload, and sending
// a fax from the portal (a PDF, the user whose number sends it, an optional cover page).

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
  Typography,
} from '@mui/material';
import { type FormEvent, useState } from 'react';
import type { ApiProblem } from '../../api/client.ts';
import { failureSummary } from '../../api/failure-words.ts';
import type { PartnerApi } from '../../api/partner-api.ts';
import type { OutboundFax, SubmittedFax } from '../../api/types.ts';
import { asProblem, useResource } from '../../api/use-resource.ts';
import { DataList } from '../../layout/data-list.tsx';
import { fieldError } from '../../layout/field-errors.ts';
import { dateTime, phone, toE164 } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { PagerButtons, usePager } from '../../layout/pager.tsx';
import { ProblemAlert } from '../../layout/problem-alert.tsx';
import { EmptyState, Loaded } from '../../layout/widget.tsx';
import { Link, navigate } from '../../routing/router.tsx';

const STATUS_COLOUR: Record<string, 'default' | 'info' | 'success' | 'error'> = {
  queued: 'default',
  sending: 'info',
  delivered: 'success',
  failed: 'error',
};

export function SentFaxes({ api }: { api: PartnerApi }) {
  const pager = usePager();
  const cursor = pager.cursor;
  const faxes = useResource(() => api.sentFaxes({ limit: 25, cursor }), [api, cursor], {
    refreshMs: cursor ? undefined : 4000,
  });
  const [sending, setSending] = useState(false);
  const [submitted, setSubmitted] = useState<SubmittedFax | null>(null);

  return (
    <Page
      title="Sent faxes"
      subtitle="Status, pages confirmed by the receiving machine, and a transmission report for each"
      actions={
        <Button variant="contained" onClick={() => setSending(true)}>
          Send a fax
        </Button>
      }
    >
      {submitted && (
        <Alert
          severity="success"
          sx={{ mb: 2 }}
          onClose={() => setSubmitted(null)}
          data-testid="fax-submitted"
        >
          Queued {submitted.pages} page{submitted.pages === 1 ? '' : 's'} ({submitted.creditsReserved} credits
          reserved). <Link href={`/partner/sent/${submitted.id}`}>Follow it</Link>
        </Alert>
      )}
      <Loaded
        resource={faxes}
        skeletonRows={5}
        isEmpty={(p) => p.items.length === 0}
        empty={
          <EmptyState
            title="No faxes sent yet"
            action={
              <Button variant="outlined" onClick={() => setSending(true)}>
                Send a fax
              </Button>
            }
          >
            Send one from here with a PDF, or with one API call: <code>POST /api/partner/fax</code>.
          </EmptyState>
        }
      >
        {(p) => (
          <DataList
            label="Sent faxes"
            testId="sent-list"
            rows={p.items}
            rowKey={(f) => f.id}
            columns={[
              {
                label: 'To',
                render: (f) => (
                  <Link
                    href={`/partner/sent/${f.id}`}
                    aria-label={`Open the fax to ${phone(f.to)}, ${dateTime(f.createdAt)}`}
                  >
                    {phone(f.to)}
                  </Link>
                ),
              },
              { label: 'From', render: (f) => `${f.externalUserId} (${phone(f.from)})` },
              {
                label: 'Status',
                render: (f) => (
                  <Stack sx={{ gap: 0.5, alignItems: 'flex-start' }}>
                    <StatusChip fax={f} />
                    {f.failureCode && (
                      <Typography variant="body2" color="text.secondary" data-testid="failure-words">
                        {failureSummary(f.failureCode)}
                      </Typography>
                    )}
                  </Stack>
                ),
              },
              { label: 'Pages', numeric: true, render: (f) => `${f.pagesDelivered} / ${f.pages}` },
              { label: 'Sent', render: (f) => dateTime(f.createdAt) },
            ]}
          />
        )}
      </Loaded>
      <PagerButtons pager={pager} next={faxes.data?.nextCursor} />
      <SendDialog
        open={sending}
        api={api}
        onClose={() => setSending(false)}
        onSent={(s) => {
          setSending(false);
          setSubmitted(s);
          faxes.reload();
        }}
      />
    </Page>
  );
}

export function StatusChip({ fax }: { fax: OutboundFax }) {
  const retrying = fax.status === 'queued' && fax.nextAttemptAt;
  return (
    <Chip
      size="small"
      color={retrying ? 'warning' : STATUS_COLOUR[fax.status]}
      label={
        retrying
          ? `retrying (${fax.failureCode})`
          : fax.status === 'failed'
            ? `failed: ${fax.failureCode}`
            : fax.status
      }
    />
  );
}

function SendDialog({
  open,
  api,
  onClose,
  onSent,
}: {
  open: boolean;
  api: PartnerApi;
  onClose(): void;
  onSent(s: SubmittedFax): void;
}) {
  const numbers = useResource(
    () => (open ? api.listNumbers({ status: 'active', limit: 200 }) : Promise.resolve(null)),
    [api, open],
  );
  const [externalUserId, setExternalUserId] = useState('');
  const [to, setTo] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [subject, setSubject] = useState('');
  const [notes, setNotes] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const users = numbers.data?.items ?? [];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setProblem(null);
    const form = new FormData();
    form.set('externalUserId', externalUserId || users[0]?.externalUserId || '');
    form.set('to', toE164(to));
    if (subject.trim() || notes.trim())
      form.set('cover', JSON.stringify({ subject: subject.trim(), notes: notes.trim() }));
    form.set('file', file, file.name);
    try {
      onSent(await api.sendFax(form));
      setTo('');
      setFile(null);
      setSubject('');
      setNotes('');
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };
  const toError = fieldError(problem, '/body/to');

  return (
    <Dialog open={open} onClose={onClose} fullWidth maxWidth="sm" aria-labelledby="send-title">
      <form onSubmit={submit}>
        <DialogTitle id="send-title">Send a fax</DialogTitle>
        <DialogContent>
          {problem && !toError && <ProblemAlert problem={problem} />}
          {numbers.data && users.length === 0 && (
            <Alert severity="info">
              Provision a number first: a fax goes out from one of your users’ numbers.
            </Alert>
          )}
          <Stack sx={{ gap: 2, mt: 1 }}>
            <TextField
              select
              label="Send from"
              name="externalUserId"
              value={externalUserId || users[0]?.externalUserId || ''}
              onChange={(e) => setExternalUserId(e.target.value)}
              helperText="The user whose number is the caller ID"
              disabled={users.length === 0}
            >
              {users.map((n) => (
                <MenuItem key={n.id} value={n.externalUserId}>
                  {n.externalUserId} ({phone(n.number)})
                </MenuItem>
              ))}
            </TextField>
            <TextField
              label="Fax number"
              name="to"
              required
              inputMode="tel"
              value={to}
              onChange={(e) => setTo(e.target.value)}
              error={toError !== undefined}
              helperText={toError ? `Fax number ${toError}` : 'A US number, e.g. +1 212 555 0123'}
            />
            <Button variant="outlined" component="label" sx={{ alignSelf: 'flex-start' }}>
              {file ? `Document: ${file.name}` : 'Choose a PDF'}
              <input
                hidden
                type="file"
                name="file"
                accept="application/pdf,.pdf"
                onChange={(e) => setFile(e.target.files?.[0] ?? null)}
                aria-label="PDF document"
              />
            </Button>
            <TextField
              label="Cover page subject (optional)"
              name="subject"
              value={subject}
              onChange={(e) => setSubject(e.target.value)}
            />
            <TextField
              label="Cover page notes (optional)"
              name="notes"
              multiline
              minRows={2}
              value={notes}
              onChange={(e) => setNotes(e.target.value)}
              helperText="With a subject or notes, a cover page goes first (1 more credit)"
            />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            type="submit"
            variant="contained"
            disabled={busy || !file || !to.trim() || users.length === 0}
          >
            Send
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

export const goToSent = (id: string) => navigate(`/partner/sent/${id}`);
