// The partner's overview, every figure read from the API: numbers by tier, this month's inbound
// pages against the allowance, faxes per day, whether webhooks actually arrive, credits and billing.
// Each tile loads and fails on its own, with Retry.

import { Alert, Box, Button, Chip, Grid, LinearProgress, Stack, Typography } from '@mui/material';
import type { PartnerApi } from '../../api/partner-api.ts';
import { useResource } from '../../api/use-resource.ts';
import { DailyChart } from '../../charts/daily-chart.tsx';
import { count, dateTime, money } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { Widget } from '../../layout/widget.tsx';
import type { PartnerContext } from '../../partner-console.tsx';
import { Link, LinkBehavior } from '../../routing/router.tsx';
import { BILLING_STATUS_WORDS } from './billing.tsx';

export function Dashboard({ api, ctx }: { api: PartnerApi; ctx: PartnerContext }) {
  const usage = useResource(() => api.usage(), [api]);
  const daily = useResource(() => api.daily(30), [api]);
  const health = useResource(() => api.webhookHealth(), [api]);
  const credits = useResource(() => api.credits(), [api]);
  const billing = useResource(() => api.billing(), [api]);
  const { may } = ctx;

  return (
    <Page title="Dashboard" subtitle="This month at a glance">
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, sm: 6, lg: 3 }}>
          <Widget title="Active numbers" resource={usage} skeletonRows={2}>
            {(u) => (
              <>
                <Typography variant="h4" component="p" data-testid="active-numbers">
                  {count(u.activeNumbers.personal + u.activeNumbers.business)}
                </Typography>
                <Typography variant="body2" color="text.secondary">
                  {count(u.activeNumbers.personal)} personal · {count(u.activeNumbers.business)} business
                </Typography>
                {may.has('numbers:read') && (
                  <Link href="/partner/numbers" variant="body2">
                    See numbers
                  </Link>
                )}
              </>
            )}
          </Widget>
        </Grid>
        <Grid size={{ xs: 12, sm: 6, lg: 3 }}>
          <Widget title="Inbound pages this month" resource={usage} skeletonRows={2}>
            {(u) => {
              const allowance = u.numbers.reduce((sum, n) => sum + n.allowancePages, 0);
              const share = allowance > 0 ? Math.min(100, (u.totals.inboundPages / allowance) * 100) : 0;
              return (
                <>
                  <Typography variant="h4" component="p" data-testid="inbound-pages">
                    {count(u.totals.inboundPages)}
                  </Typography>
                  <Typography variant="body2" color="text.secondary">
                    of {count(allowance)} included
                  </Typography>
                  <LinearProgress
                    variant="determinate"
                    value={share}
                    aria-label="Share of the included pages used"
                    sx={{ my: 1 }}
                  />
                  {u.totals.overagePages > 0 ? (
                    <Chip
                      color="warning"
                      size="small"
                      label={`${count(u.totals.overagePages)} overage pages`}
                    />
                  ) : (
                    <Typography variant="body2">No overage</Typography>
                  )}
                </>
              );
            }}
          </Widget>
        </Grid>
        <Grid size={{ xs: 12, sm: 6, lg: 3 }}>
          <Widget title="Webhook" resource={health} skeletonRows={2}>
            {(h) => (
              <Box data-testid="webhook-health">
                <Chip
                  size="small"
                  color={h.state === 'healthy' ? 'success' : h.state === 'failing' ? 'error' : 'default'}
                  label={
                    {
                      healthy: 'Delivering',
                      failing: 'Failing',
                      not_configured: 'Not set up',
                      no_deliveries_yet: 'No deliveries yet',
                    }[h.state]
                  }
                />
                <Typography variant="body2" sx={{ mt: 1 }}>
                  Last success: {dateTime(h.lastSuccessAt)}
                </Typography>
                {(h.failed > 0 || h.retrying > 0) && (
                  <Typography variant="body2" color="error.main">
                    {count(h.failed)} failed this week, {count(h.retrying)} retrying
                    {h.lastError ? ` — ${h.lastError}` : ''}
                  </Typography>
                )}
                {may.has('developers:manage') && (
                  <Link
                    href={
                      h.state === 'failing' ? '/partner/developers/deliveries' : '/partner/developers/webhook'
                    }
                    variant="body2"
                  >
                    {h.state === 'not_configured' ? 'Set up a webhook' : 'See deliveries'}
                  </Link>
                )}
              </Box>
            )}
          </Widget>
        </Grid>
        {may.has('credits:balance') && (
          <Grid size={{ xs: 12, sm: 6, lg: 3 }}>
            <Widget title="Credits" resource={credits} skeletonRows={2}>
              {(c) => (
                <>
                  <Typography variant="h4" component="p" data-testid="credits">
                    {count(c.balance)}
                  </Typography>
                  <Typography variant="body2" color="text.secondary">
                    1 credit sends 1 page
                  </Typography>
                  {c.balance < c.lowBalanceThreshold && (
                    <Alert severity="warning" sx={{ mt: 1 }} data-testid="low-balance">
                      Low balance: below {c.lowBalanceThreshold} credits.
                      {may.has('billing:manage') && (
                        <>
                          {' '}
                          <Link href="/partner/credits">Buy credits</Link>
                        </>
                      )}
                    </Alert>
                  )}
                </>
              )}
            </Widget>
          </Grid>
        )}
        <Grid size={{ xs: 12, lg: may.has('billing:read') ? 8 : 12 }}>
          <Widget title="Faxes per day" resource={daily} skeletonRows={4}>
            {(d) => <DailyChart days={d.days} />}
          </Widget>
        </Grid>
        {may.has('billing:read') && (
          <Grid size={{ xs: 12, lg: 4 }}>
            <Widget title="Billing" resource={billing} skeletonRows={3}>
              {(b) => (
                <Stack sx={{ gap: 1 }}>
                  <Chip
                    size="small"
                    sx={{ alignSelf: 'flex-start' }}
                    color={b.status === 'active' ? 'success' : 'error'}
                    label={BILLING_STATUS_WORDS[b.status]}
                    data-testid="dashboard-billing-status"
                  />
                  <Typography variant="body2">Last invoice: {dateTime(b.lastInvoiceAt)}</Typography>
                  <Typography variant="body2">
                    This month so far:{' '}
                    {money(b.currentMonth.estimatedAmount.amount, b.currentMonth.estimatedAmount.currency)}
                  </Typography>
                  <Button
                    component={LinkBehavior}
                    href="/partner/billing"
                    size="small"
                    sx={{ alignSelf: 'flex-start' }}
                  >
                    Billing details
                  </Button>
                </Stack>
              )}
            </Widget>
          </Grid>
        )}
      </Grid>
    </Page>
  );
}
