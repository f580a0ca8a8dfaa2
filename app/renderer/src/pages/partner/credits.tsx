// Credits: the balance (with the low-balance warning), the credit log, and buying a bundle through
// Stripe Checkout. The buyer comes back from Checkout before Stripe's signed event has landed: the
// page follows the log until that Checkout Session's entry appears, then says what arrived. Who sees
// what follows the role: a developer sees the balance only. If Stripe's confirmation has not come
// after GIVE_UP_MS the page stops waiting, says so in words, and offers Retry.

import { Alert, Button, Card, CardActions, CardContent, Chip, Grid, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import type { ApiProblem } from '../../api/client.ts';
import type { PartnerApi } from '../../api/partner-api.ts';
import type { Bundle, CreditEntry, CreditReason } from '../../api/types.ts';
import { asProblem, useResource } from '../../api/use-resource.ts';
import { DataList } from '../../layout/data-list.tsx';
import { count, dateTime, money } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { PagerButtons, usePager } from '../../layout/pager.tsx';
import { ProblemAlert } from '../../layout/problem-alert.tsx';
import { EmptyState, Loaded, Widget } from '../../layout/widget.tsx';
import type { PartnerContext } from '../../partner-console.tsx';
import { Link, setQueryParam, useLocation } from '../../routing/router.tsx';

const REASON_WORDS: Record<CreditReason, string> = {
  grant: 'Granted by the operator',
  adjustment: 'Adjusted by the operator',
  purchase: 'Bought through Stripe',
  purchase_refund: 'Taken back: purchase refunded',
  dispute_lost: 'Taken back: payment disputed',
  fax_reservation: 'Reserved for a fax',
  fax_refund: 'Refund: pages not sent',
};

/** While a paid Checkout Session's credits are awaited, the balance and log reload this often. */
const AWAIT_MS = 2000;
/** How long the page waits for Stripe's confirmation before it stops and says so. */
const GIVE_UP_MS = 3 * 60_000;

export function Credits({ api, ctx }: { api: PartnerApi; ctx: PartnerContext }) {
  const { may } = ctx;
  const { search } = useLocation();
  const returned = search.get('purchase');
  // Back from Checkout in this window, or paying in the system browser (the desktop shell).
  const [elsewhere, setElsewhere] = useState<string | null>(null);
  const awaited = elsewhere ?? (returned === 'done' ? search.get('session') : null);
  const [arrived, setArrived] = useState<CreditEntry | null>(null);
  const unconfirmed = awaited !== null && arrived?.stripeObjectId !== awaited;
  const [gaveUp, setGaveUp] = useState(false);
  const waiting = unconfirmed && !gaveUp;
  const refreshMs = waiting ? AWAIT_MS : undefined;
  useEffect(() => {
    if (!waiting) return;
    const timer = setTimeout(() => setGaveUp(true), GIVE_UP_MS);
    return () => clearTimeout(timer);
  }, [waiting]);

  const balance = useResource(() => api.credits(), [api], { refreshMs });
  const pager = usePager();
  const cursor = pager.cursor;
  const log = useResource(
    async () => {
      if (!may.has('credits:read')) return null;
      const page = await api.creditLog({ limit: 25, cursor });
      const entry = awaited ? page.items.find((e) => e.stripeObjectId === awaited) : undefined;
      if (entry) setArrived(entry);
      return page;
    },
    [api, cursor, awaited],
    { refreshMs: cursor ? undefined : refreshMs },
  );

  const retry = () => {
    setGaveUp(false);
    balance.reload();
    log.reload();
  };
  const dismiss = () => {
    setElsewhere(null);
    setArrived(null);
    setGaveUp(false);
    setQueryParam('session', null);
    setQueryParam('purchase', null);
  };

  return (
    <Page
      title="Credits"
      subtitle="1 credit sends 1 page; reserved when a fax is queued, refunded for pages not sent"
    >
      {awaited && arrived?.stripeObjectId === awaited && (
        <Alert severity="success" sx={{ mb: 2 }} onClose={dismiss} data-testid="purchase-arrived">
          Payment confirmed: {count(arrived.amount)} credits added, balance {count(arrived.balanceAfter)}.
        </Alert>
      )}
      {waiting && (
        <Alert severity="info" sx={{ mb: 2 }} data-testid="purchase-waiting">
          {elsewhere
            ? 'Finish the payment in the browser window that opened; the credits appear here when Stripe confirms it.'
            : 'Thank you. Waiting for Stripe to confirm the payment; the credits appear here by themselves.'}
        </Alert>
      )}
      {unconfirmed && gaveUp && (
        <Alert
          severity="warning"
          sx={{ mb: 2 }}
          data-testid="purchase-unconfirmed"
          action={
            <Button color="inherit" size="small" onClick={retry}>
              Retry
            </Button>
          }
        >
          Stripe has not confirmed this payment after {GIVE_UP_MS / 60_000} minutes, so the page stopped
          waiting. If the payment went through, the credits are added as soon as Stripe’s confirmation arrives
          (never twice); Retry looks again. If nothing arrives within the hour, ask the appliance’s operator,
          naming the time of your payment.
        </Alert>
      )}
      {returned === 'done' && !awaited && (
        <Alert severity="success" sx={{ mb: 2 }} onClose={dismiss}>
          Thank you. Credits appear in the log below once Stripe confirms the payment.
        </Alert>
      )}
      {returned === 'canceled' && (
        <Alert severity="info" sx={{ mb: 2 }} onClose={dismiss} data-testid="purchase-canceled">
          The purchase was canceled; nothing was charged.
        </Alert>
      )}
      <Grid container spacing={2} sx={{ mb: 2 }}>
        <Grid size={{ xs: 12, md: 4 }}>
          <Widget title="Balance" resource={balance} skeletonRows={2}>
            {(b) => (
              <>
                <Typography variant="h3" component="p" data-testid="balance">
                  {count(b.balance)}
                </Typography>
                {b.balance < b.lowBalanceThreshold && (
                  <Alert severity="warning" sx={{ mt: 1 }}>
                    Below {b.lowBalanceThreshold} credits: faxes with more pages than your balance are
                    refused.
                  </Alert>
                )}
              </>
            )}
          </Widget>
        </Grid>
        {may.has('billing:manage') && (
          <Grid size={{ xs: 12, md: 8 }}>
            <Bundles api={api} onPayingElsewhere={setElsewhere} />
          </Grid>
        )}
      </Grid>
      {may.has('credits:read') && (
        <>
          <Typography variant="h6" component="h2" gutterBottom>
            Credit log
          </Typography>
          <Loaded
            resource={log}
            skeletonRows={5}
            isEmpty={(p) => !p || p.items.length === 0}
            empty={
              <EmptyState title="No credit movements yet">
                {may.has('billing:manage')
                  ? 'Buy a bundle above; each fax you send then reserves and settles credits here.'
                  : 'Purchases, grants and each fax sent appear here.'}
              </EmptyState>
            }
          >
            {(p) => (
              <DataList<CreditEntry>
                label="Credit log"
                testId="credit-log"
                rows={p?.items ?? []}
                rowKey={(e) => e.id}
                columns={[
                  { label: 'When', render: (e) => dateTime(e.createdAt) },
                  {
                    label: 'What',
                    render: (e) => (
                      <span>
                        {REASON_WORDS[e.reason] ?? e.reason}
                        {e.note ? ` — ${e.note}` : ''}
                        {e.shortfall > 0 ? ` (${count(e.shortfall)} more owed: the balance was lower)` : ''}
                      </span>
                    ),
                  },
                  {
                    label: 'Change',
                    numeric: true,
                    render: (e) => (
                      <Chip
                        size="small"
                        color={e.amount >= 0 ? 'success' : 'default'}
                        label={`${e.amount > 0 ? '+' : ''}${count(e.amount)}`}
                      />
                    ),
                  },
                  { label: 'Balance', numeric: true, render: (e) => count(e.balanceAfter) },
                  {
                    label: 'Fax',
                    render: (e) =>
                      e.faxId ? <Link href={`/partner/sent/${e.faxId}`}>{e.faxId.slice(0, 12)}…</Link> : '—',
                  },
                ]}
              />
            )}
          </Loaded>
          <PagerButtons pager={pager} next={log.data?.nextCursor} />
        </>
      )}
    </Page>
  );
}

function Bundles({ api, onPayingElsewhere }: { api: PartnerApi; onPayingElsewhere(session: string): void }) {
  const bundles = useResource(() => api.bundles(), [api]);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const buy = async (bundle: Bundle) => {
    setProblem(null);
    setBusy(bundle.id);
    try {
      const base = `${window.location.origin}/partner/credits`;
      // Stripe fills in {CHECKOUT_SESSION_ID} on the way back: the page knows which payment to await.
      const { checkoutUrl, checkoutSessionId } = await api.purchase(
        bundle.id,
        `${base}?purchase=done&session={CHECKOUT_SESSION_ID}`,
        `${base}?purchase=canceled`,
      );
      // The desktop shell opens Checkout in the system browser; a browser goes there.
      if (window.faxseal) {
        window.open(checkoutUrl, '_blank');
        onPayingElsewhere(checkoutSessionId);
        setBusy(null);
      } else window.location.assign(checkoutUrl);
    } catch (error) {
      setProblem(asProblem(error));
      setBusy(null);
    }
  };

  return (
    <Widget
      title="Buy credits"
      resource={bundles}
      skeletonRows={2}
      isEmpty={(b) => b.items.length === 0}
      empty={
        <EmptyState title="No bundles on sale">
          Ask the appliance’s operator to set up credit bundles.
        </EmptyState>
      }
    >
      {(b) => (
        <>
          <ProblemAlert problem={problem} onClose={() => setProblem(null)} />
          <Grid container spacing={1}>
            {b.items.map((bundle) => (
              <Grid key={bundle.id} size={{ xs: 12, sm: 6, lg: 4 }}>
                <Card variant="outlined">
                  <CardContent>
                    <Typography variant="h6" component="h3">
                      {count(bundle.credits)} credits
                    </Typography>
                    <Typography variant="body2" color="text.secondary">
                      {bundle.name} · {money(bundle.price.amount, bundle.price.currency)}
                    </Typography>
                  </CardContent>
                  <CardActions>
                    <Button
                      variant="contained"
                      size="small"
                      disabled={busy !== null}
                      onClick={() => void buy(bundle)}
                      aria-label={`Buy ${count(bundle.credits)} credits for ${money(bundle.price.amount, bundle.price.currency)}`}
                    >
                      {busy === bundle.id ? 'Opening Checkout…' : 'Buy'}
                    </Button>
                  </CardActions>
                </Card>
              </Grid>
            ))}
          </Grid>
        </>
      )}
    </Widget>
  );
}
