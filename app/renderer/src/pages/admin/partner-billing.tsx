// One partner's billing for the operator: the status as Stripe's events say it and as it stands
// (an override for what Stripe cannot know, paid by wire or a goodwill extension, with its note),
// credits owed by take-backs, the month so far, invoices with their Stripe links, purchases and the
// Stripe events received for the partner.

import { Alert, Button, Chip, Grid, MenuItem, Stack, TextField, Typography } from '@mui/material';
import { type FormEvent, useState } from 'react';
import type { AdminApi } from '../../api/admin-api.ts';
import type { ApiProblem } from '../../api/client.ts';
import type { AdminBilling, BillingStatus } from '../../api/types.ts';
import { asProblem, type Resource } from '../../api/use-resource.ts';
import { DataList } from '../../layout/data-list.tsx';
import { fieldError } from '../../layout/field-errors.ts';
import { count, date, dateTime, money } from '../../layout/format.ts';
import { ProblemAlert } from '../../layout/problem-alert.tsx';
import { EmptyState, Widget } from '../../layout/widget.tsx';
import { BILLING_STATUS_WORDS, MonthSoFar } from '../partner/billing.tsx';

export function PartnerBilling({
  api,
  partnerId,
  billing,
  write,
}: {
  api: AdminApi;
  partnerId: string;
  billing: Resource<AdminBilling>;
  write: boolean;
}) {
  return (
    <>
      <Typography variant="h6" component="h2" sx={{ mt: 3, mb: 1 }}>
        Billing
      </Typography>
      <Grid container spacing={2} sx={{ mb: 2 }}>
        <Grid size={{ xs: 12, md: 6 }}>
          <Widget title="Billing status" resource={billing} skeletonRows={3}>
            {(b) => (
              <Stack sx={{ gap: 1 }} data-testid="partner-billing-status">
                <Chip
                  sx={{ alignSelf: 'flex-start' }}
                  color={b.status === 'active' ? 'success' : 'error'}
                  label={BILLING_STATUS_WORDS[b.status]}
                />
                {b.status !== b.statusFromStripe && (
                  <Typography variant="body2">
                    Stripe says {BILLING_STATUS_WORDS[b.statusFromStripe].toLowerCase()}
                  </Typography>
                )}
                {b.override && (
                  <Typography variant="body2">
                    Set by {b.override.by} on {dateTime(b.override.at)}: “{b.override.note}”
                  </Typography>
                )}
                {b.pastDueSince && (
                  <Typography variant="body2">
                    Past due since {date(b.pastDueSince)}; sends refused from {dateTime(b.graceEndsAt)}
                  </Typography>
                )}
                <Typography variant="body2">
                  Stripe customer:{' '}
                  {b.stripeCustomerId ?? 'none yet (created at the first purchase or invoice)'}
                </Typography>
              </Stack>
            )}
          </Widget>
        </Grid>
        <Grid size={{ xs: 12, md: 6 }}>
          <Widget title="This month so far" resource={billing} skeletonRows={3}>
            {(b) => (
              <MonthSoFar month={b.currentMonth}>
                <Typography variant="body2">
                  Credits: {count(b.credits.balance)}
                  {b.credits.shortfall > 0
                    ? `, ${count(b.credits.shortfall)} owed by refunds or disputes`
                    : ''}
                </Typography>
              </MonthSoFar>
            )}
          </Widget>
        </Grid>
      </Grid>
      {write && billing.data && (
        <StatusOverrideForm
          api={api}
          partnerId={partnerId}
          current={billing.data.status}
          onDone={billing.reload}
        />
      )}
      {billing.data && <BillingRecords billing={billing.data} />}
    </>
  );
}

function BillingRecords({ billing }: { billing: AdminBilling }) {
  return (
    <>
      <Typography variant="h6" component="h3" sx={{ mt: 3, mb: 1, fontSize: '1.05rem' }}>
        Invoices
      </Typography>
      {billing.invoices.length === 0 ? (
        <EmptyState title="No invoices yet">
          The month close on the 1st issues one per month with numbers.
        </EmptyState>
      ) : (
        <DataList
          label="Invoices"
          testId="partner-invoices"
          rows={billing.invoices}
          rowKey={(i) => i.id}
          columns={[
            { label: 'Invoice', render: (i) => i.number },
            { label: 'Month', render: (i) => i.month ?? date(i.periodStart) },
            { label: 'Amount', numeric: true, render: (i) => money(i.amount, i.currency) },
            { label: 'Status', render: (i) => i.status },
          ]}
          actions={(i) =>
            i.hostedInvoiceUrl && (
              <Button
                size="small"
                href={i.hostedInvoiceUrl}
                target="_blank"
                rel="noopener"
                aria-label={`Open invoice ${i.number} in Stripe`}
              >
                Stripe
              </Button>
            )
          }
        />
      )}
      <Typography variant="h6" component="h3" sx={{ mt: 3, mb: 1, fontSize: '1.05rem' }}>
        Purchases
      </Typography>
      {billing.purchases.length === 0 ? (
        <EmptyState title="No purchases yet">
          Credit bundles bought through Stripe Checkout appear here.
        </EmptyState>
      ) : (
        <DataList
          label="Purchases"
          testId="partner-purchases"
          rows={billing.purchases}
          rowKey={(p) => p.id}
          columns={[
            { label: 'Started', render: (p) => dateTime(p.createdAt) },
            { label: 'Bundle', render: (p) => `${p.bundleId} (${count(p.credits)} credits)` },
            { label: 'Price', numeric: true, render: (p) => money(p.price.amount, p.price.currency) },
            { label: 'Status', render: (p) => (p.paidAt ? `paid ${dateTime(p.paidAt)}` : p.status) },
            {
              label: 'Returned',
              numeric: true,
              render: (p) =>
                p.refundedAmount + p.disputedAmount > 0
                  ? `${money(p.refundedAmount + p.disputedAmount, p.price.currency)}, ${count(p.creditsTakenBack)} credits back`
                  : '—',
            },
          ]}
        />
      )}
      <Typography variant="h6" component="h3" sx={{ mt: 3, mb: 1, fontSize: '1.05rem' }}>
        Stripe events
      </Typography>
      {billing.events.length === 0 ? (
        <EmptyState title="No Stripe events yet">
          Signed events from Stripe about this partner appear here.
        </EmptyState>
      ) : (
        <DataList
          label="Stripe events"
          testId="partner-stripe-events"
          rows={billing.events}
          rowKey={(e) => e.id}
          columns={[
            { label: 'Event', render: (e) => e.type },
            { label: 'Received', render: (e) => dateTime(e.receivedAt) },
            { label: 'Outcome', render: (e) => (e.detail ? `${e.outcome}: ${e.detail}` : e.outcome) },
            { label: 'Id', render: (e) => e.id },
          ]}
        />
      )}
    </>
  );
}

function StatusOverrideForm({
  api,
  partnerId,
  current,
  onDone,
}: {
  api: AdminApi;
  partnerId: string;
  current: BillingStatus;
  onDone(): void;
}) {
  const [status, setStatus] = useState<BillingStatus>(current);
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setDone(null);
    try {
      const result = await api.overrideBillingStatus(partnerId, status, note.trim());
      setNote('');
      setDone(`Billing status is now ${BILLING_STATUS_WORDS[result.status].toLowerCase()}.`);
      onDone();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };
  const noteError = fieldError(problem, '/body/note');
  return (
    <Stack component="form" onSubmit={submit} sx={{ gap: 1 }} aria-label="Override the billing status">
      <Typography variant="h6" component="h3" sx={{ fontSize: '1.05rem' }}>
        Override the billing status
      </Typography>
      <Typography variant="body2" color="text.secondary">
        For what Stripe cannot know (paid by wire, a goodwill extension). Stands until Stripe’s next event
        about the partner’s invoices; the note is emailed with the change and kept in the audit log.
      </Typography>
      {problem && !noteError && <ProblemAlert problem={problem} />}
      {done && (
        <Alert severity="success" onClose={() => setDone(null)} data-testid="billing-override-done">
          {done}
        </Alert>
      )}
      <Stack direction={{ xs: 'column', sm: 'row' }} sx={{ gap: 1 }}>
        <TextField
          select
          size="small"
          label="Billing status"
          value={status}
          onChange={(e) => setStatus(e.target.value as BillingStatus)}
          sx={{ minWidth: 160 }}
        >
          {(Object.keys(BILLING_STATUS_WORDS) as BillingStatus[]).map((s) => (
            <MenuItem key={s} value={s}>
              {BILLING_STATUS_WORDS[s]}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          size="small"
          label="Why (for the partner and the audit log)"
          name="note"
          value={note}
          onChange={(e) => setNote(e.target.value)}
          error={noteError !== undefined}
          helperText={noteError ? `The note ${noteError}` : undefined}
          sx={{ flexGrow: 1 }}
        />
        <Button type="submit" variant="contained" disabled={note.trim() === ''}>
          Set billing status
        </Button>
      </Stack>
    </Stack>
  );
}
