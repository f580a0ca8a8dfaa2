// Shared support for the billing suites: an appliance whose Stripe configuration points the real
// SDK at a local stateful Stripe (server/test/support/stripe-server.ts) over loopback, on a clock
// both of them share, and the partner API calls billing tests make.

import type { Config } from '../../src/config/config.ts';
import { adminToken } from '../outbound/support.ts';
import { LocalStripe } from '../support/stripe-server.ts';
import {
  type CallResult,
  ManualClock,
  startTestAppliance,
  type TestAppliance,
} from '../support/test-appliance.ts';

export interface BillingRig {
  app: TestAppliance;
  stripe: LocalStripe;
  clock: ManualClock;
  close(): Promise<void>;
}

/**
 * Starts a local Stripe and an appliance configured for it (FAXSEAL_STRIPE_* as an operator sets
 * them). Pass `stripe` and `clock` to start another appliance against the same Stripe (it then
 * stays open when this rig closes), `dataDir` to start on an existing database.
 */
export async function startBillingRig(
  options: {
    start?: Date;
    overrides?: Partial<Config>;
    dataDir?: string;
    stripe?: LocalStripe;
    clock?: ManualClock;
  } = {},
): Promise<BillingRig> {
  const clock = options.clock ?? new ManualClock((options.start ?? new Date()).getTime());
  const stripe = options.stripe ?? (await LocalStripe.start({ now: () => clock.now() }));
  const app = await startTestAppliance(
    {
      stripeSecretKey: stripe.secretKey,
      stripeWebhookSecret: stripe.webhookSecret,
      stripeApiBase: stripe.url,
      ...options.overrides,
    },
    { clock, dataDir: options.dataDir },
  );
  stripe.webhookUrl = `${app.httpUrl}/stripe/webhook`;
  return {
    app,
    stripe,
    clock,
    async close() {
      await app.shutdown();
      if (!options.stripe) await stripe.close();
    },
  };
}

/** The month's close reports, once there is one (the job queue polls its clock for the scheduled close). */
export async function closesOf(app: TestAppliance, month: string): Promise<any[]> {
  for (let i = 0; i < 1200; i++) {
    const res = await app.call('GET', `/api/admin/billing/closes?month=${month}`, { key: adminToken(app) });
    if (res.body.items?.length > 0) return res.body.items;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no close of ${month} after 60 s`);
}

export async function provision(
  app: TestAppliance,
  apiKey: string,
  externalUserId: string,
  tier: 'personal' | 'business',
): Promise<CallResult> {
  const res = await app.call('POST', '/api/partner/numbers', { key: apiKey, body: { externalUserId, tier } });
  if (res.status !== 201) throw new Error(`provision failed: ${res.text}`);
  return res;
}

export async function release(app: TestAppliance, apiKey: string, externalUserId: string): Promise<void> {
  const res = await app.call('DELETE', `/api/partner/numbers/${externalUserId}`, { key: apiKey });
  if (res.status !== 200) throw new Error(`release failed: ${res.text}`);
}

export async function balance(app: TestAppliance, apiKey: string): Promise<number> {
  const res = await app.call('GET', '/api/partner/credits', { key: apiKey });
  if (res.status !== 200) throw new Error(`credits failed: ${res.text}`);
  return res.body.balance;
}

/** Starts a purchase over the API and returns its Checkout Session id. */
export async function buy(app: TestAppliance, apiKey: string, bundle = 'credits-100'): Promise<string> {
  const res = await app.call('POST', '/api/partner/credits/purchase', { key: apiKey, body: { bundle } });
  if (res.status !== 201) throw new Error(`purchase failed: ${res.text}`);
  return res.body.checkoutSessionId;
}

/**
 * An inbound fax of `pages` pages on the user's number at the clock's time, committed through the
 * fax repository as intake does (the month close only counts pages; OCR and PDFs do not matter).
 */
export function recordInbound(
  rig: BillingRig,
  partnerId: string,
  externalUserId: string,
  pages: number,
): void {
  const { services } = rig.app;
  const number = services.numbers.activeFor(partnerId, externalUserId);
  if (!number) throw new Error(`${externalUserId} has no active number`);
  const at = rig.clock.now().toISOString();
  const id = `fax_bill_${++faxCounter}`;
  services.faxes.insertInbound(
    {
      id,
      partnerId,
      numberId: number.id,
      shadowUserId: number.shadowUserId,
      status: 'received',
      from: '+12125550100',
      to: number.number,
      callId: `call-${id}`,
      trunkId: null,
      transport: 't38',
      pages,
      remoteStationId: null,
      bitRate: 14400,
      ecm: true,
      resolution: '204x196',
      t30Code: 0,
      t30Text: 'OK',
      startedAt: at,
      completedAt: at,
      durationMs: pages * 30_000,
      overage: false,
      pdfBlob: null,
      purgeAt: new Date(rig.clock.now().getTime() + 30 * 86_400_000).toISOString(),
      extractionSchema: null,
      createdAt: at,
    },
    [],
  );
}
let faxCounter = 0;
