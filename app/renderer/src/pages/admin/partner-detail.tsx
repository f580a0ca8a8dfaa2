// One partner for the operator: status with suspend and reinstate, credits (grant or take back, with a
// note for the credit log), numbers by tier, each key's rate limit, and the partner's billing.

import { Alert, Button, Chip, Grid, Stack, TextField, Typography } from '@mui/material';
import { type FormEvent, useState } from 'react';
import type { AdminApi } from '../../api/admin-api.ts';
import type { ApiProblem } from '../../api/client.ts';
import { asProblem, useResource } from '../../api/use-resource.ts';
import { ConfirmDialog } from '../../layout/confirm-dialog.tsx';
import { DataList } from '../../layout/data-list.tsx';
import { fieldError } from '../../layout/field-errors.ts';
import { count, dateTime } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { ProblemAlert } from '../../layout/problem-alert.tsx';
import { Loaded, Widget } from '../../layout/widget.tsx';
import type { OperatorContext } from '../../operator-console.tsx';
import { Link } from '../../routing/router.tsx';
import { PartnerBilling } from './partner-billing.tsx';

export function PartnerDetailView({
  api,
  ctx,
  partnerId,
}: {
  api: AdminApi;
  ctx: OperatorContext;
  partnerId: string;
}) {
  const detail = useResource(() => api.partner(partnerId), [api, partnerId]);
  const billing = useResource(() => api.partnerBilling(partnerId), [api, partnerId]);
  const write = ctx.may.has('admin:write');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [suspending, setSuspending] = useState(false);
  const [reason, setReason] = useState('');

  const act = async (what: () => Promise<unknown>, done: string) => {
    setProblem(null);
    try {
      await what();
      setNotice(done);
      detail.reload();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };

  return (
    <Loaded resource={detail} skeletonRows={6}>
      {(d) => (
        <Page
          title={d.partner.companyName}
          subtitle={`${d.partner.email} · since ${dateTime(d.partner.createdAt)}`}
          actions={
            <>
              <Button component={Link} href="/admin/partners">
                All partners
              </Button>
              {write && d.partner.status !== 'suspended' && (
                <Button color="error" variant="outlined" onClick={() => setSuspending(true)}>
                  Suspend
                </Button>
              )}
              {write && d.partner.status === 'suspended' && (
                <Button
                  variant="contained"
                  onClick={() => void act(() => api.reinstate(partnerId), 'Reinstated.')}
                >
                  Reinstate
                </Button>
              )}
            </>
          }
        >
          <ProblemAlert problem={problem} onClose={() => setProblem(null)} />
          {notice && (
            <Alert
              severity="success"
              onClose={() => setNotice(null)}
              sx={{ mb: 2 }}
              data-testid="partner-notice"
            >
              {notice}
            </Alert>
          )}
          <Grid container spacing={2} sx={{ mb: 2 }}>
            <Grid size={{ xs: 12, sm: 4 }}>
              <Widget title="Status" resource={detail}>
                {(x) => (
                  <Stack sx={{ gap: 0.5, alignItems: 'flex-start' }}>
                    <Chip
                      label={x.partner.status}
                      color={x.partner.status === 'active' ? 'success' : 'warning'}
                      data-testid="partner-status"
                    />
                    {x.partner.suspendedAt && (
                      <Typography variant="body2" data-testid="partner-suspension">
                        Since {dateTime(x.partner.suspendedAt)}
                        {x.partner.suspensionReason ? `: “${x.partner.suspensionReason}”` : ''}
                      </Typography>
                    )}
                  </Stack>
                )}
              </Widget>
            </Grid>
            <Grid size={{ xs: 12, sm: 4 }}>
              <Widget title="Active numbers" resource={detail}>
                {(x) => (
                  <Typography>
                    {count(x.activeNumbers.personal)} personal · {count(x.activeNumbers.business)} business
                  </Typography>
                )}
              </Widget>
            </Grid>
            <Grid size={{ xs: 12, sm: 4 }}>
              <Widget title="Credits" resource={detail}>
                {(x) => (
                  <Typography variant="h5" component="p" data-testid="partner-credits">
                    {count(x.creditBalance)}
                  </Typography>
                )}
              </Widget>
            </Grid>
          </Grid>
          {write && (
            <GrantForm
              api={api}
              partnerId={partnerId}
              onDone={(balance) => {
                setNotice(`Balance is now ${count(balance)}.`);
                detail.reload();
                billing.reload();
              }}
            />
          )}
          <Typography variant="h6" component="h2" sx={{ mt: 3, mb: 1 }}>
            API keys and rate limits
          </Typography>
          <DataList
            label="API keys"
            testId="partner-keys"
            rows={d.keys}
            rowKey={(k) => k.id}
            columns={[
              { label: 'Key', render: (k) => `${k.name} (${k.prefix}…)` },
              { label: 'Status', render: (k) => (k.revokedAt ? 'revoked' : 'live') },
              { label: 'Last used', render: (k) => dateTime(k.lastUsedAt) },
              {
                label: 'Rate limit',
                render: (k) =>
                  write && !k.revokedAt ? (
                    <RateLimitField
                      value={k.rateLimitPerMinute}
                      fallback={d.defaultRateLimitPerMinute}
                      label={`Rate limit of ${k.name}`}
                      onSave={(v) =>
                        act(
                          () => api.setKeyRateLimit(k.id, v),
                          `Rate limit of ${k.name}: ${v ?? `default (${d.defaultRateLimitPerMinute})`}/min.`,
                        )
                      }
                    />
                  ) : (
                    `${k.rateLimitPerMinute ?? `${d.defaultRateLimitPerMinute} (default)`}/min`
                  ),
              },
            ]}
          />
          <PartnerBilling api={api} partnerId={partnerId} billing={billing} write={write} />
          <ConfirmDialog
            open={suspending}
            title={`Suspend ${d.partner.companyName}?`}
            confirmLabel="Suspend"
            onCancel={() => setSuspending(false)}
            onConfirm={() => {
              setSuspending(false);
              const why = reason.trim() || 'suspended from the operator console';
              setReason('');
              void act(
                () => api.suspend(partnerId, why),
                'Suspended: keys and sessions are refused, webhooks pause, inbound faxes are still received.',
              );
            }}
          >
            Their keys and sessions are refused and webhooks pause; faxes to their numbers are still received
            and kept. Reinstating resumes everything.
            <TextField
              label="Reason (kept with the suspension and in the audit log)"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              fullWidth
              multiline
              slotProps={{ htmlInput: { maxLength: 500 } }}
              sx={{ mt: 2 }}
            />
          </ConfirmDialog>
        </Page>
      )}
    </Loaded>
  );
}

function GrantForm({
  api,
  partnerId,
  onDone,
}: {
  api: AdminApi;
  partnerId: string;
  onDone(balance: number): void;
}) {
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      const result = await api.grantCredits(partnerId, Number(amount), note.trim());
      setAmount('');
      setNote('');
      onDone(result.balance);
    } catch (error) {
      setProblem(asProblem(error));
    }
  };
  const amountError = fieldError(problem, '/body/amount');
  return (
    <Stack component="form" onSubmit={submit} sx={{ gap: 1 }} aria-label="Grant or take back credits">
      <Typography variant="h6" component="h2">
        Grant or take back credits
      </Typography>
      {problem && !amountError && <ProblemAlert problem={problem} />}
      <Stack direction={{ xs: 'column', sm: 'row' }} sx={{ gap: 1 }}>
        <TextField
          size="small"
          label="Credits (negative to take back)"
          name="amount"
          type="number"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          error={amountError !== undefined}
          helperText={amountError ? `The amount ${amountError}` : undefined}
        />
        <TextField
          size="small"
          label="Note for the credit log"
          name="note"
          value={note}
          onChange={(e) => setNote(e.target.value)}
          sx={{ flexGrow: 1 }}
        />
        <Button type="submit" variant="contained" disabled={!amount || Number(amount) === 0}>
          Apply
        </Button>
      </Stack>
    </Stack>
  );
}

function RateLimitField({
  value,
  fallback,
  label,
  onSave,
}: {
  value: number | null;
  fallback: number;
  label: string;
  onSave(v: number | null): Promise<void>;
}) {
  const [draft, setDraft] = useState(value === null ? '' : String(value));
  return (
    <Stack direction="row" sx={{ gap: 1, alignItems: 'center' }}>
      <TextField
        size="small"
        type="number"
        value={draft}
        placeholder={`${fallback}`}
        onChange={(e) => setDraft(e.target.value)}
        slotProps={{ htmlInput: { 'aria-label': label, min: 1 } }}
        sx={{ width: 110 }}
      />
      <Button
        size="small"
        onClick={() => void onSave(draft.trim() === '' ? null : Number(draft))}
        aria-label={`Save ${label.toLowerCase()}`}
      >
        Save
      </Button>
    </Stack>
  );
}
