// The billing domain as the appliance's services see it: Stripe (or none), the prices and bundles,
// purchases, the event inbox, billing status and the month close, plus the two read models the
// partner and the operator look at.

import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/config.ts';
import type { CreditLedger } from '../credits/credit-ledger.ts';
import { LOW_BALANCE_THRESHOLD } from '../credits/credit-ledger.ts';
import type { Mailer } from '../email/mailer.ts';
import type { FaxRepository } from '../faxes/fax-repository.ts';
import type { PartnerRepository } from '../partners/partner-repository.ts';
import type { Db } from '../storage/database.ts';
import type { MembershipRepository } from '../team/membership-repository.ts';
import { BillingAccountRepository } from './billing-account-repository.ts';
import type { AdminBilling, BillingOverview } from './billing-schema.ts';
import { BillingStanding } from './billing-standing.ts';
import { CreditPurchases } from './credit-purchases.ts';
import { InvoiceRepository } from './invoice-repository.ts';
import { MonthClose, monthOf, monthStart, nextMonth } from './month-close.ts';
import type { PriceRepository } from './price-repository.ts';
import { PurchaseRepository } from './purchase-repository.ts';
import { StripeEventInbox } from './stripe-event-inbox.ts';
import { StripeEventRepository } from './stripe-event-repository.ts';
import { StripeGateway } from './stripe-gateway.ts';

export interface Billing {
  /** Null when Stripe is not configured: invoices are computed locally, credits only granted. */
  stripe: StripeGateway | null;
  prices: PriceRepository;
  accounts: BillingAccountRepository;
  invoices: InvoiceRepository;
  purchaseRecords: PurchaseRepository;
  events: StripeEventRepository;
  purchases: CreditPurchases;
  standing: BillingStanding;
  inbox: StripeEventInbox;
  monthClose: MonthClose;
  overview(partnerId: string): BillingOverview;
  adminView(partnerId: string): AdminBilling | null;
}

export interface BillingDeps {
  config: Config;
  db: Db;
  clock: Clock;
  log: Logger;
  partners: PartnerRepository;
  memberships: Pick<MembershipRepository, 'ofPartner'>;
  faxes: FaxRepository;
  credits: CreditLedger;
  mailer: Mailer;
  audit: AuditLog;
  /** Tests inject a gateway pointed at their local Stripe server; by default it follows the config. */
  stripe?: StripeGateway | null;
}

/** `prices` is built first by the caller: numbers and inbound intake read their allowances from it. */
export function createBilling(deps: BillingDeps, prices: PriceRepository): Billing {
  const { config, db, clock, log, partners, faxes, credits, mailer, audit } = deps;
  const stripe = deps.stripe !== undefined ? deps.stripe : StripeGateway.fromConfig(config);
  const accounts = new BillingAccountRepository(db);
  const invoices = new InvoiceRepository(db);
  const purchaseRecords = new PurchaseRepository(db);
  const events = new StripeEventRepository(db);
  const standing = new BillingStanding({
    db,
    clock,
    accounts,
    invoices,
    partners,
    memberships: deps.memberships,
    mailer,
    audit,
    graceDays: config.billingGraceDays,
    publicUrl: config.publicUrl,
  });
  const purchases = new CreditPurchases({
    db,
    clock,
    stripe,
    prices,
    purchases: purchaseRecords,
    accounts,
    partners,
    credits,
    audit,
    publicUrl: config.publicUrl,
  });
  const inbox = new StripeEventInbox({
    db,
    clock,
    log: log.child({ module: 'stripe-webhook' }),
    stripe,
    events,
    purchases,
    invoices,
    accounts,
    standing,
    credits,
    mailer,
    audit,
  });
  const monthClose = new MonthClose({
    db,
    clock,
    log: log.child({ module: 'month-close' }),
    stripe,
    prices,
    invoices,
    accounts,
    partners,
    faxes,
    audit,
  });

  const overview = (partnerId: string): BillingOverview => {
    const account = standing.account(partnerId);
    const month = monthOf(clock.now());
    return {
      status: account.status,
      lastInvoiceAt: invoices.lastInvoiceAt(partnerId),
      nextInvoiceAt: monthStart(nextMonth(month)).toISOString(),
      pastDueSince: account.status === 'active' ? null : account.pastDueSince,
      graceEndsAt: standing.graceEndsAt(account),
      currentMonth: monthClose.estimate(partnerId, month),
    };
  };

  return {
    stripe,
    prices,
    accounts,
    invoices,
    purchaseRecords,
    events,
    purchases,
    standing,
    inbox,
    monthClose,
    overview,
    adminView(partnerId) {
      const partner = partners.get(partnerId);
      if (!partner) return null;
      const account = standing.account(partnerId);
      return {
        partnerId,
        companyName: partner.companyName,
        status: account.status,
        statusFromStripe: account.derivedStatus,
        pastDueSince: account.status === 'active' ? null : account.pastDueSince,
        graceEndsAt: standing.graceEndsAt(account),
        override: account.override,
        stripeCustomerId: account.stripeCustomerId,
        credits: {
          balance: credits.balance(partnerId),
          lowBalanceThreshold: LOW_BALANCE_THRESHOLD,
          shortfall: credits.shortfall(partnerId),
        },
        currentMonth: overview(partnerId).currentMonth,
        invoices: invoices.list(partnerId, { limit: 12 }),
        purchases: purchaseRecords.recent(partnerId, 20),
        events: events.recent(partnerId, 20),
      };
    },
  };
}
