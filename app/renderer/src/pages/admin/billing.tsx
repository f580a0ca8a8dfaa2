// The operator's billing page: prices per tier (monthly, inbound allowance, overage) and the credit
// bundles on sale, each edited with its errors shown at the field, and the month-close runs (the
// auditor sees the runs only, and no write control). Amounts are typed in dollars and sent in cents.

import { Alert, Box, Button, Grid, Stack, TextField, Typography } from '@mui/material';
import { type FormEvent, type ReactNode, useState } from 'react';
import type { AdminApi } from '../../api/admin-api.ts';
import type { ApiProblem } from '../../api/client.ts';
import type { Bundle, BundleList, Prices, TierPrice } from '../../api/types.ts';
import { asProblem, type Resource, useResource } from '../../api/use-resource.ts';
import { DataList } from '../../layout/data-list.tsx';
import { plainMessage } from '../../layout/field-errors.ts';
import { count, money } from '../../layout/format.ts';
import { Page } from '../../layout/page.tsx';
import { ProblemAlert } from '../../layout/problem-alert.tsx';
import { EmptyState, Widget } from '../../layout/widget.tsx';
import type { OperatorContext } from '../../operator-console.tsx';
import { MonthCloses } from './month-closes.tsx';

const TIERS = [
  { id: 'personal', label: 'Personal' },
  { id: 'business', label: 'Business' },
] as const;

export function Billing({ api, ctx }: { api: AdminApi; ctx: OperatorContext }) {
  const read = ctx.may.has('admin:read');
  const write = ctx.may.has('admin:write');
  return (
    <Page
      title="Billing"
      subtitle={
        read
          ? 'What partners pay: prices per number, credit bundles, and each month’s close'
          : 'Each month’s close: partners invoiced, totals and failures'
      }
    >
      {read && (
        <Grid container spacing={2} sx={{ mb: 3 }}>
          <Grid size={{ xs: 12, lg: 5 }}>
            <PricesWidget api={api} write={write} />
          </Grid>
          <Grid size={{ xs: 12, lg: 7 }}>
            <BundlesWidget api={api} write={write} />
          </Grid>
        </Grid>
      )}
      <MonthCloses api={api} />
    </Page>
  );
}

// --- amounts typed by a person ---

/** "12.50" → 1250 cents; null when it is not an amount. */
export function parseAmount(typed: string): number | null {
  const t = typed.trim().replace(/^\$/, '').replace(/,/g, '');
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return null;
  const [whole, fraction = ''] = t.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

const dollars = (cents: number): string => (cents / 100).toFixed(2);

/** Errors found before sending, by the JSON pointer the server would name. */
type Errors = Record<string, string>;

/**
 * The message for one field: the console's own check first, then the server's, in words. The
 * server counts money in cents; a bound on an amount is said in the currency.
 */
function errorAt(
  pointer: string,
  mine: Errors,
  problem: ApiProblem | null,
  currency?: string,
): string | undefined {
  if (mine[pointer]) return mine[pointer];
  const error = problem?.errorsUnder(pointer)[0];
  if (!error) return undefined;
  const bound = /^must be ([<>]=) (\d+)/.exec(error.message);
  if (currency && bound)
    return `must be ${bound[1] === '<=' ? 'at most' : 'at least'} ${money(Number(bound[2]), currency)}`;
  if (pointer.endsWith('/id') && /pattern/.test(error.message))
    return 'may use lower-case letters, digits, - and _ (up to 64), starting with a letter or digit';
  if (pointer.endsWith('/currency') && /pattern/.test(error.message))
    return 'must be a three-letter currency code, like usd';
  return plainMessage(error);
}

// --- prices ---

interface TierDraft {
  monthly: string;
  included: string;
  overage: string;
}

function PricesWidget({ api, write }: { api: AdminApi; write: boolean }) {
  const prices = useResource(() => api.prices(), [api]);
  return (
    <Widget title="Prices" resource={prices} skeletonRows={4}>
      {(p) =>
        write ? (
          <PricesForm api={api} prices={p} onSaved={prices.reload} />
        ) : (
          <Stack sx={{ gap: 1 }} data-testid="prices">
            {TIERS.map((t) => (
              <Typography key={t.id} variant="body2">
                {t.label}: {tierWords(p.tiers[t.id], p.currency)}
              </Typography>
            ))}
          </Stack>
        )
      }
    </Widget>
  );
}

function tierWords(t: TierPrice, currency: string): string {
  const overage =
    t.overagePerPage === null
      ? 'overage reported, not billed'
      : `${money(t.overagePerPage, currency)} per page past that`;
  return `${money(t.monthlyAmount, currency)} per number per month, ${count(t.includedPages)} inbound pages included, ${overage}`;
}

function PricesForm({ api, prices, onSaved }: { api: AdminApi; prices: Prices; onSaved(): void }) {
  const [currency, setCurrency] = useState(prices.currency);
  const [tiers, setTiers] = useState<Record<'personal' | 'business', TierDraft>>(() => ({
    personal: draftOf(prices.tiers.personal),
    business: draftOf(prices.tiers.business),
  }));
  const [mine, setMine] = useState<Errors>({});
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [saved, setSaved] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    setProblem(null);
    const errors: Errors = {};
    const tier = (id: 'personal' | 'business'): TierPrice => {
      const d = tiers[id];
      const at = `/body/tiers/${id}`;
      const monthly = parseAmount(d.monthly);
      if (monthly === null) errors[`${at}/monthlyAmount`] = 'must be an amount like 12.50';
      const included = /^\d+$/.test(d.included.trim()) ? Number(d.included) : null;
      if (included === null) errors[`${at}/includedPages`] = 'must be a whole number of pages, like 100';
      const overage = d.overage.trim() === '' ? null : parseAmount(d.overage);
      if (d.overage.trim() !== '' && overage === null)
        errors[`${at}/overagePerPage`] = 'must be an amount like 0.05, or empty to leave overage unbilled';
      return { monthlyAmount: monthly ?? 0, includedPages: included ?? 0, overagePerPage: overage };
    };
    const body: Prices = {
      currency: currency.trim().toLowerCase(),
      tiers: { personal: tier('personal'), business: tier('business') },
    };
    setMine(errors);
    if (Object.keys(errors).length > 0) return;
    try {
      await api.savePrices(body);
      setSaved(true);
      onSaved();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };

  const field = (pointer: string, label: string, value: string, set: (v: string) => void, help: string) => {
    const error = errorAt(pointer, mine, problem, pointer.endsWith('Pages') ? undefined : currency);
    return (
      <TextField
        size="small"
        label={label}
        value={value}
        onChange={(e) => set(e.target.value)}
        error={!!error}
        helperText={error ? `${label} ${error}` : help}
        fullWidth
      />
    );
  };

  return (
    <Box component="form" onSubmit={submit} noValidate aria-label="Prices">
      {saved && (
        <Alert severity="success" sx={{ mb: 2 }} data-testid="prices-saved" onClose={() => setSaved(false)}>
          Prices saved: they apply from the next month close; closed months keep their amounts.
        </Alert>
      )}
      {problem && problem.errors.length === 0 && <ProblemAlert problem={problem} />}
      <Stack sx={{ gap: 2 }}>
        {field('/body/currency', 'Currency', currency, setCurrency, 'Three letters, like usd')}
        {TIERS.map((t) => {
          const d = tiers[t.id];
          const set = (patch: Partial<TierDraft>) =>
            setTiers((all) => ({ ...all, [t.id]: { ...all[t.id], ...patch } }));
          const at = `/body/tiers/${t.id}`;
          return (
            <Stack key={t.id} component="fieldset" sx={{ gap: 1.5, border: 0, p: 0, m: 0, minWidth: 0 }}>
              <Typography component="legend" variant="subtitle2" sx={{ mb: 1 }}>
                {t.label} numbers
              </Typography>
              {field(
                `${at}/monthlyAmount`,
                `${t.label}: monthly price`,
                d.monthly,
                (v) => set({ monthly: v }),
                'Per number per month, e.g. 5.00',
              )}
              {field(
                `${at}/includedPages`,
                `${t.label}: inbound pages included`,
                d.included,
                (v) => set({ included: v }),
                'Per number per month',
              )}
              {field(
                `${at}/overagePerPage`,
                `${t.label}: overage per page`,
                d.overage,
                (v) => set({ overage: v }),
                'Past the allowance; empty: reported on invoices, not billed',
              )}
            </Stack>
          );
        })}
        <Box>
          <Button type="submit" variant="contained">
            Save prices
          </Button>
        </Box>
      </Stack>
    </Box>
  );
}

function draftOf(t: TierPrice): TierDraft {
  return {
    monthly: dollars(t.monthlyAmount),
    included: String(t.includedPages),
    overage: t.overagePerPage === null ? '' : dollars(t.overagePerPage),
  };
}

// --- bundles ---

interface BundleDraft {
  /** Stable across edits (the id itself may be edited). */
  key: number;
  id: string;
  name: string;
  credits: string;
  price: string;
  currency: string;
}

function BundlesWidget({ api, write }: { api: AdminApi; write: boolean }) {
  const bundles = useResource(() => api.bundles(), [api]);
  return (
    <Widget title="Credit bundles" resource={bundles} skeletonRows={4}>
      {(b) =>
        write ? <BundlesForm api={api} bundles={b} resource={bundles} /> : <BundleTable items={b.items} />
      }
    </Widget>
  );
}

function BundleTable({ items }: { items: Bundle[] }): ReactNode {
  if (items.length === 0)
    return (
      <EmptyState title="No bundles on sale">Partners cannot buy credits until one is added.</EmptyState>
    );
  return (
    <DataList
      label="Credit bundles"
      testId="bundles"
      rows={items}
      rowKey={(b) => b.id}
      columns={[
        { label: 'Name', render: (b) => b.name },
        { label: 'Id', render: (b) => <code>{b.id}</code> },
        { label: 'Credits', numeric: true, render: (b) => count(b.credits) },
        { label: 'Price', numeric: true, render: (b) => money(b.price.amount, b.price.currency) },
      ]}
    />
  );
}

let nextKey = 1;

function BundlesForm({
  api,
  bundles,
  resource,
}: {
  api: AdminApi;
  bundles: BundleList;
  resource: Resource<BundleList>;
}) {
  const [rows, setRows] = useState<BundleDraft[]>(() =>
    bundles.items.map((b) => ({
      key: nextKey++,
      id: b.id,
      name: b.name,
      credits: String(b.credits),
      price: dollars(b.price.amount),
      currency: b.price.currency,
    })),
  );
  const [mine, setMine] = useState<Errors>({});
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [saved, setSaved] = useState(false);
  const currency = bundles.items[0]?.price.currency ?? 'usd';
  const set = (key: number, patch: Partial<BundleDraft>) =>
    setRows((all) => all.map((r) => (r.key === key ? { ...r, ...patch } : r)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    setProblem(null);
    const errors: Errors = {};
    const items = rows.map((r, i) => {
      const credits = /^\d+$/.test(r.credits.trim()) ? Number(r.credits) : null;
      if (credits === null) errors[`/body/items/${i}/credits`] = 'must be a whole number, like 100';
      const amount = parseAmount(r.price);
      if (amount === null) errors[`/body/items/${i}/price/amount`] = 'must be an amount like 10.00';
      return {
        id: r.id.trim(),
        name: r.name.trim(),
        credits: credits ?? 0,
        price: { amount: amount ?? 0, currency: r.currency },
      };
    });
    setMine(errors);
    if (Object.keys(errors).length > 0) return;
    try {
      await api.saveBundles({ items });
      setSaved(true);
      resource.reload();
    } catch (error) {
      setProblem(asProblem(error));
    }
  };

  return (
    <Box component="form" onSubmit={submit} noValidate aria-label="Credit bundles">
      {saved && (
        <Alert severity="success" sx={{ mb: 2 }} data-testid="bundles-saved" onClose={() => setSaved(false)}>
          Bundles saved: partners see these on their Credits page now.
        </Alert>
      )}
      {problem && problem.errors.length === 0 && <ProblemAlert problem={problem} />}
      {rows.length === 0 && (
        <EmptyState title="No bundles on sale">Add one: partners cannot buy credits until then.</EmptyState>
      )}
      <Stack sx={{ gap: 2 }} data-testid="bundles">
        {rows.map((r, i) => {
          const at = `/body/items/${i}`;
          const err = (name: string, money?: string) => errorAt(`${at}/${name}`, mine, problem, money);
          const label = r.name.trim() || r.id.trim() || `bundle ${i + 1}`;
          const input = (
            name: string,
            title: string,
            value: string,
            onChange: (v: string) => void,
            help?: string,
            sx?: object,
          ) => {
            const error = err(name, name === 'price/amount' ? r.currency : undefined);
            return (
              <TextField
                size="small"
                label={title}
                value={value}
                onChange={(e) => onChange(e.target.value)}
                error={!!error}
                helperText={error ? `${title} ${error}` : help}
                sx={sx}
              />
            );
          };
          return (
            <Stack
              key={r.key}
              direction={{ xs: 'column', md: 'row' }}
              sx={{ gap: 1, alignItems: { md: 'flex-start' } }}
              role="group"
              aria-label={`Bundle ${label}`}
            >
              {input('name', 'Name', r.name, (v) => set(r.key, { name: v }), undefined, { flex: 2 })}
              {input('id', 'Id', r.id, (v) => set(r.key, { id: v }), undefined, { flex: 1.5 })}
              {input('credits', 'Credits', r.credits, (v) => set(r.key, { credits: v }), undefined, {
                flex: 1,
              })}
              {input(
                'price/amount',
                `Price (${r.currency})`,
                r.price,
                (v) => set(r.key, { price: v }),
                undefined,
                {
                  flex: 1,
                },
              )}
              <Button
                color="error"
                onClick={() => setRows((all) => all.filter((x) => x.key !== r.key))}
                aria-label={`Remove bundle ${label}`}
                sx={{ mt: { md: 0.5 } }}
              >
                Remove
              </Button>
            </Stack>
          );
        })}
        <Stack direction="row" sx={{ gap: 1, flexWrap: 'wrap' }}>
          <Button
            onClick={() =>
              setRows((all) => [
                ...all,
                { key: nextKey++, id: '', name: '', credits: '', price: '', currency },
              ])
            }
          >
            Add a bundle
          </Button>
          <Button type="submit" variant="contained">
            Save bundles
          </Button>
        </Stack>
      </Stack>
    </Box>
  );
}
