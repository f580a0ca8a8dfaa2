// Month-close runs for the operator and the auditor: each run's month, partners closed, invoices,
// failures, total and Stripe calls, filtered by month; one run's report names every partner, its
// amount, its invoice and what Stripe did with it.

import { Alert, Box, Button, Chip, Stack, TextField, Typography } from '@mui/material';
import { useState } from 'react';
import type { AdminApi } from '../../api/admin-api.ts';
import type { CloseLine, CloseSummary } from '../../api/types.ts';
import { useResource } from '../../api/use-resource.ts';
import { DataList } from '../../layout/data-list.tsx';
import { count, dateTime, money } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { PagerButtons, usePager } from '../../layout/pager.tsx';
import { EmptyState, Loaded, Widget } from '../../layout/widget.tsx';
import { Link } from '../../routing/router.tsx';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export const OUTCOME_WORDS: Record<CloseLine['outcome'], string> = {
  invoiced: 'Invoiced in Stripe',
  already_invoiced: 'Already invoiced by an earlier run',
  local_only: 'Invoiced here only (Stripe not configured)',
  nothing_to_bill: 'Nothing to bill',
  failed: 'Failed',
};

const TRIGGER_WORDS: Record<CloseSummary['trigger'], string> = {
  schedule: 'scheduled',
  cli: 'by hand (faxseal billing close-month)',
};

export function MonthCloses({ api }: { api: AdminApi }) {
  const pager = usePager();
  const [month, setMonth] = useState('');
  const [draft, setDraft] = useState('');
  const [draftError, setDraftError] = useState<string | null>(null);
  const cursor = pager.cursor;
  const closes = useResource(
    () => api.closes({ limit: 12, cursor, month: month || undefined }),
    [api, cursor, month],
  );
  return (
    <Box component="section" aria-labelledby="closes-title">
      <Typography variant="h6" component="h2" id="closes-title" gutterBottom>
        Month closes
      </Typography>
      <Stack
        component="form"
        role="search"
        direction={{ xs: 'column', sm: 'row' }}
        sx={{ gap: 1, mb: 2, alignItems: { sm: 'flex-start' } }}
        onSubmit={(e) => {
          e.preventDefault();
          const typed = draft.trim();
          if (typed && !MONTH.test(typed)) {
            setDraftError('Month must be a month like 2026-03');
            return;
          }
          setDraftError(null);
          pager.reset();
          setMonth(typed);
        }}
      >
        <TextField
          size="small"
          label="Month"
          placeholder="2026-03"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          error={!!draftError}
          helperText={draftError ?? 'Empty: every month'}
        />
        <Button type="submit" variant="outlined">
          Show
        </Button>
      </Stack>
      <Loaded
        resource={closes}
        skeletonRows={4}
        isEmpty={(c) => c.items.length === 0}
        empty={
          <EmptyState title={month ? `No close ran for ${month}` : 'No month has been closed yet'}>
            The close runs at 00:00 UTC on the 1st for the month before;{' '}
            <code>npm run faxseal -- billing close-month --month YYYY-MM</code> runs it by hand.
          </EmptyState>
        }
      >
        {(c) => (
          <DataList<CloseSummary>
            label="Month closes"
            testId="closes"
            rows={c.items}
            rowKey={(x) => x.id}
            columns={[
              {
                label: 'Month',
                render: (x) => (
                  <Link
                    href={`/admin/billing/closes/${x.id}`}
                    aria-label={`Open the close of ${x.month}, ${dateTime(x.finishedAt)}`}
                  >
                    {x.month}
                  </Link>
                ),
              },
              { label: 'Run', render: (x) => `${dateTime(x.finishedAt)}, ${TRIGGER_WORDS[x.trigger]}` },
              { label: 'Partners', numeric: true, render: (x) => count(x.partners) },
              { label: 'Invoiced', numeric: true, render: (x) => count(x.invoiced) },
              {
                label: 'Failed',
                numeric: true,
                render: (x) =>
                  x.failed > 0 ? <Chip size="small" color="error" label={count(x.failed)} /> : '0',
              },
              { label: 'Total', numeric: true, render: (x) => money(x.total.amount, x.total.currency) },
              { label: 'Stripe calls', numeric: true, render: (x) => count(x.stripeCalls) },
            ]}
          />
        )}
      </Loaded>
      <PagerButtons pager={pager} next={closes.data?.nextCursor} />
    </Box>
  );
}

export function CloseReportView({ api, closeId }: { api: AdminApi; closeId: string }) {
  const report = useResource(() => api.close(closeId), [api, closeId]);
  return (
    <Loaded resource={report} skeletonRows={6}>
      {(r) => (
        <Page
          title={`Month close ${r.month}`}
          subtitle={`Run ${TRIGGER_WORDS[r.trigger]} from ${dateTime(r.startedAt)} to ${dateTime(r.finishedAt)}`}
          actions={
            <Button component={Link} href="/admin/billing">
              Back to billing
            </Button>
          }
        >
          {r.failed > 0 && (
            <Alert severity="error" sx={{ mb: 2 }} data-testid="close-failures">
              {count(r.failed)} partner{r.failed === 1 ? '' : 's'} could not be invoiced. Running the close
              again for {r.month} retries them only: partners already invoiced are never invoiced twice.
            </Alert>
          )}
          <Box sx={{ mb: 2 }}>
            <Widget title="Totals" resource={report} skeletonRows={2}>
              {(t) => (
                <Typography variant="body2" data-testid="close-totals">
                  {count(t.partners)} partners closed, {count(t.invoiced)} invoiced, {count(t.failed)} failed;
                  total {money(t.total.amount, t.total.currency)}; {count(t.stripeCalls)} Stripe calls.
                </Typography>
              )}
            </Widget>
          </Box>
          {r.lines.length === 0 ? (
            <EmptyState title="No partner had anything to close this month" />
          ) : (
            <DataList<CloseLine>
              label={`Partners in the close of ${r.month}`}
              testId="close-lines"
              rows={r.lines}
              rowKey={(l) => l.partnerId}
              columns={[
                {
                  label: 'Partner',
                  render: (l) => <Link href={`/admin/partners/${l.partnerId}`}>{l.companyName}</Link>,
                },
                {
                  label: 'Outcome',
                  render: (l) => (
                    <span>
                      <Chip
                        size="small"
                        color={
                          l.outcome === 'failed' ? 'error' : l.outcome === 'invoiced' ? 'success' : 'default'
                        }
                        label={OUTCOME_WORDS[l.outcome]}
                      />
                      {l.error && (
                        <Typography component="span" variant="body2" sx={{ display: 'block', mt: 0.5 }}>
                          {l.error}
                        </Typography>
                      )}
                    </span>
                  ),
                },
                {
                  label: 'Numbers',
                  render: (l) =>
                    `${count(l.numbers.personal)} personal, ${count(l.numbers.business)} business`,
                },
                { label: 'Overage pages', numeric: true, render: (l) => count(l.overagePages) },
                { label: 'Amount', numeric: true, render: (l) => money(l.amount, l.currency) },
                { label: 'Invoice', render: (l) => l.invoiceNumber ?? '—' },
                {
                  label: 'Stripe invoice',
                  render: (l) => (l.stripeInvoiceId ? <code>{l.stripeInvoiceId}</code> : '—'),
                },
              ]}
            />
          )}
        </Page>
      )}
    </Loaded>
  );
}
