// Billing: the account's status (and the past-due notice with what it means), the last and next
// invoice, this month so far, and every invoice with its Stripe links.

import { Alert, AlertTitle, Box, Button, Chip, Grid, Stack, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import type { PartnerApi } from '../../api/partner-api.ts';
import type { BillingStatus, Invoice, InvoiceStatus, MonthUsage } from '../../api/types.ts';
import { useResource } from '../../api/use-resource.ts';
import { DataList } from '../../layout/data-list.tsx';
import { count, date, dateTime, money } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { PagerButtons, usePager } from '../../layout/pager.tsx';
import { EmptyState, Loaded, Widget } from '../../layout/widget.tsx';
import type { PartnerContext } from '../../partner-console.tsx';

export const BILLING_STATUS_WORDS: Record<BillingStatus, string> = {
  active: 'Active',
  past_due: 'Past due',
  canceled: 'Canceled',
};

const INVOICE_STATUS_WORDS: Record<InvoiceStatus, string> = {
  draft: 'Draft',
  open: 'Due',
  paid: 'Paid',
  void: 'Void',
  uncollectible: 'Uncollectible',
};

export function Billing({ api, ctx }: { api: PartnerApi; ctx: PartnerContext }) {
  const status = useResource(() => api.billing(), [api]);
  const pager = usePager();
  const invoices = useResource(() => api.invoices({ limit: 25, cursor: pager.cursor }), [api, pager.cursor]);
  // Invoices come newest first: on the first page, the first is the last one issued.
  const last = pager.cursor ? undefined : invoices.data?.items[0];

  return (
    <Page
      title="Billing"
      subtitle="Numbers are billed monthly per tier; inbound pages over the allowance are overage"
    >
      {status.data?.status === 'past_due' && (
        <Alert severity="error" sx={{ mb: 2 }} data-testid="past-due">
          <AlertTitle>Payment is past due since {date(status.data.pastDueSince)}</AlertTitle>
          Inbound faxes keep arriving.{' '}
          {status.data.graceEndsAt && new Date(status.data.graceEndsAt) > new Date()
            ? `From ${dateTime(status.data.graceEndsAt)}, sending faxes is refused until the invoice is paid`
            : 'Sending faxes is refused until the invoice is paid'}
          {ctx.may.has('billing:manage') ? ': pay it from the invoice’s View link below.' : '.'}
        </Alert>
      )}
      {status.data?.status === 'canceled' && (
        <Alert severity="error" sx={{ mb: 2 }} data-testid="billing-canceled">
          <AlertTitle>Billing is canceled</AlertTitle>
          An invoice went unpaid. Inbound faxes keep arriving; sending is refused. Contact the appliance’s
          operator to settle it.
        </Alert>
      )}
      <Grid container spacing={2} sx={{ mb: 2 }}>
        <Grid size={{ xs: 12, md: 6 }}>
          <Widget title="Status" resource={status} skeletonRows={3}>
            {(b) => (
              <Stack sx={{ gap: 1 }}>
                <Chip
                  sx={{ alignSelf: 'flex-start' }}
                  color={b.status === 'active' ? 'success' : 'error'}
                  label={BILLING_STATUS_WORDS[b.status]}
                  data-testid="billing-status"
                />
                <Box data-testid="billing-dates">
                  <Typography variant="body2">
                    Last invoice: {dateTime(b.lastInvoiceAt)}
                    {last
                      ? ` — ${last.number}, ${money(last.amount, last.currency)}, ${INVOICE_STATUS_WORDS[last.status].toLowerCase()}`
                      : ''}
                  </Typography>
                  <Typography variant="body2">Next invoice: {dateTime(b.nextInvoiceAt)}</Typography>
                </Box>
              </Stack>
            )}
          </Widget>
        </Grid>
        <Grid size={{ xs: 12, md: 6 }}>
          <Widget title="This month so far" resource={status} skeletonRows={3}>
            {(b) => <MonthSoFar month={b.currentMonth} />}
          </Widget>
        </Grid>
      </Grid>
      <Typography variant="h6" component="h2" gutterBottom>
        Invoices
      </Typography>
      <Loaded
        resource={invoices}
        isEmpty={(p) => p.items.length === 0}
        empty={
          <EmptyState title="No invoices yet">
            The first invoice is issued on the 1st, for the month before.
          </EmptyState>
        }
      >
        {(p) => (
          <DataList<Invoice>
            label="Invoices"
            testId="invoices"
            rows={p.items}
            rowKey={(i) => i.id}
            columns={[
              { label: 'Invoice', render: (i) => i.number },
              { label: 'Period', render: (i) => period(i) },
              { label: 'Amount', numeric: true, render: (i) => money(i.amount, i.currency) },
              {
                label: 'Status',
                render: (i) => (
                  <Chip
                    size="small"
                    label={INVOICE_STATUS_WORDS[i.status]}
                    color={i.status === 'paid' ? 'success' : i.status === 'open' ? 'warning' : 'default'}
                  />
                ),
              },
            ]}
            actions={(i) => (
              <>
                {i.hostedInvoiceUrl && (
                  <Button
                    size="small"
                    href={i.hostedInvoiceUrl}
                    target="_blank"
                    rel="noopener"
                    aria-label={`View invoice ${i.number}`}
                  >
                    View
                  </Button>
                )}
                {i.pdfUrl && (
                  <Button
                    size="small"
                    href={i.pdfUrl}
                    target="_blank"
                    rel="noopener"
                    aria-label={`Download invoice ${i.number} as PDF`}
                  >
                    PDF
                  </Button>
                )}
              </>
            )}
          />
        )}
      </Loaded>
      <PagerButtons pager={pager} next={invoices.data?.nextCursor} />
    </Page>
  );
}

/** A month's invoice names its month (UTC, as the close counts it); any other period its first and last day. */
function period(invoice: Invoice): string {
  const start = new Date(invoice.periodStart);
  if (invoice.month)
    return start.toLocaleDateString(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });
  const last = new Date(new Date(invoice.periodEnd).getTime() - 1).toISOString();
  return `${date(invoice.periodStart)} – ${date(last)}`;
}

/** What the month's invoice would say if it closed now. */
export function MonthSoFar({ month, children }: { month: MonthUsage; children?: ReactNode }) {
  return (
    <Stack sx={{ gap: 0.5 }}>
      <Typography variant="h5" component="p">
        {money(month.estimatedAmount.amount, month.estimatedAmount.currency)}
      </Typography>
      <Typography variant="body2">
        {count(month.numbers.personal)} personal and {count(month.numbers.business)} business numbers
      </Typography>
      <Typography variant="body2">
        {count(month.inboundPages)} inbound pages, {count(month.overagePages)} overage
      </Typography>
      {children}
    </Stack>
  );
}
