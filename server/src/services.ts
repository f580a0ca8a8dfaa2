// The appliance's services, built once at start and shared by HTTP routes, the CLI, telephony
// and the pipeline. Construction order here is the dependency order.

import path from 'node:path';
import type { Logger } from 'pino';
import { AccountRepository } from './accounts/account-repository.ts';
import { PortalAccounts } from './accounts/portal-accounts.ts';
import { OperatorRepository } from './admin/operator-repository.ts';
import { OperatorSignIn } from './admin/operator-sign-in.ts';
import { AuditLog } from './audit/audit-log.ts';
import { AuditRepository } from './audit/audit-repository.ts';
import { type Billing, createBilling } from './billing/billing.ts';
import { PriceRepository } from './billing/price-repository.ts';
import type { StripeGateway } from './billing/stripe-gateway.ts';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config/config.ts';
import { CreditLedger } from './credits/credit-ledger.ts';
import { CreditRepository } from './credits/credit-repository.ts';
import { sendLowBalanceEmail } from './credits/low-balance-email.ts';
import { EmailRepository } from './email/email-repository.ts';
import { Mailer } from './email/mailer.ts';
import type { ExtractionRuntime } from './extraction/extract-job.ts';
import { FaxRepository } from './faxes/fax-repository.ts';
import { InboundIntake } from './faxes/inbound-intake.ts';
import { FaxPageImages } from './inbox/page-images.ts';
import { SignedPdfLinks } from './inbox/signed-links.ts';
import { DatabaseJobQueue } from './jobs/job-queue.ts';
import type { RunningSingletons } from './jobs/singletons.ts';
import { ApiKeyRepository } from './keys/api-key-repository.ts';
import { seedDemoDids } from './numbers/did-import.ts';
import { DidRepository } from './numbers/did-repository.ts';
import { NumberRepository } from './numbers/number-repository.ts';
import { createOutbound, type Outbound } from './outbound/outbound.ts';
import { Onboarding } from './partners/onboarding.ts';
import { PartnerRepository } from './partners/partner-repository.ts';
import { SecondFactorRepository } from './people/second-factor-repository.ts';
import { SecondFactors } from './people/second-factors.ts';
import { SessionRepository } from './people/session-repository.ts';
import { Sessions } from './people/sessions.ts';
import { SignInFailureRepository } from './people/sign-in-failure-repository.ts';
import { SignInGuard } from './people/sign-in-guard.ts';
import { SignInThrottle } from './people/sign-in-throttle.ts';
import type { Pipeline } from './pipeline/pipeline.ts';
import { SettingsRepository } from './settings/settings-repository.ts';
import { BlobStore } from './storage/blob-store.ts';
import { type Db, openDatabase } from './storage/database.ts';
import { MasterKey } from './storage/master-key.ts';
import { verifyMasterKey } from './storage/master-key-check.ts';
import { S3BlobBackend } from './storage/s3-blob-backend.ts';
import { parseBlobUrl } from './storage/s3-blob-url.ts';
import { SealedColumnRepository } from './storage/sealed-column-repository.ts';
import { InviteRepository } from './team/invite-repository.ts';
import { MembershipRepository } from './team/membership-repository.ts';
import { Team } from './team/team.ts';
import { CallRouter } from './telephony/call-router.ts';
import { LiveCalls } from './telephony/live-calls.ts';
import { TrunkRepository } from './telephony/trunks/trunk-repository.ts';
import { WebhookSecretRepository } from './webhooks/webhook-secret-repository.ts';
import { createWebhooks, type Webhooks } from './webhooks/webhooks.ts';

export interface Services {
  config: Config;
  log: Logger;
  clock: Clock;
  db: Db;
  masterKey: MasterKey;
  partners: PartnerRepository;
  apiKeys: ApiKeyRepository;
  onboarding: Onboarding;
  dids: DidRepository;
  numbers: NumberRepository;
  settings: SettingsRepository;
  webhookSecrets: WebhookSecretRepository;
  operators: OperatorRepository;
  /** Portal people: `accounts` rows, memberships of partners, and the team service. */
  accounts: AccountRepository;
  memberships: MembershipRepository;
  team: Team;
  /** Sign-in of accounts and operators: sessions, second factors, lockout. */
  sessions: Sessions;
  secondFactors: SecondFactors;
  portalAccounts: PortalAccounts;
  operatorSignIn: OperatorSignIn;
  /** The email outbox; `mailer` writes to it and delivers. */
  emails: EmailRepository;
  mailer: Mailer;
  webhooks: Webhooks;
  /** Durable jobs: domains register their handlers; the appliance starts and stops the queue. */
  jobs: DatabaseJobQueue;
  blobs: BlobStore;
  audit: AuditLog;
  faxes: FaxRepository;
  trunks: TrunkRepository;
  callRouter: CallRouter;
  /** The fax calls on the line now (and just ended), for the operator's Live calls view. */
  liveCalls: LiveCalls;
  intake: InboundIntake;
  /** Page pictures of faxes (PNG) for the console's viewer and transmission reports. */
  pageImages: FaxPageImages;
  /** Time-limited PDF download links (webhooks, fax details). */
  signedLinks: SignedPdfLinks;
  credits: CreditLedger;
  /** Credit purchases, invoices, the month close, billing status and the Stripe event inbox. */
  billing: Billing;
  /** Outbound faxes, the dialer job, trunk monitoring and the call placer. */
  outbound: Outbound;
  /**
   * What runs beside HTTP once the appliance has started it (the OCR pipeline, the extraction
   * provider); null before, and in tools that build services without starting them.
   */
  running: {
    pipeline: Pipeline | null;
    extraction: ExtractionRuntime | null;
    /** The singleton roles this node competes for (month close, retention purge, trunks). */
    singletons: RunningSingletons | null;
  };
  close(): void;
}

export interface ServiceOptions {
  /** A Stripe gateway to use instead of the one the config describes (tests, benchmarks). */
  stripe?: StripeGateway | null;
}

export function createServices(
  config: Config,
  log: Logger,
  clock: Clock = systemClock,
  options: ServiceOptions = {},
): Services {
  const db = openDatabase(config);
  const masterKey = MasterKey.load(config.dataDir, config.masterKey);
  try {
    verifyMasterKey(db, masterKey, config.dataDir, clock.now());
  } catch (err) {
    db.close();
    throw err;
  }
  const sealedNow = new SealedColumnRepository(db).sealBacklog(masterKey);
  if (sealedNow > 0)
    log.info({ values: sealedNow }, 'sealed content stored in the clear by an older version');
  const partners = new PartnerRepository(db);
  const apiKeys = new ApiKeyRepository(db, clock);
  const emails = new EmailRepository(db, masterKey);
  const mailer = new Mailer(emails, clock, log.child({ module: 'email' }), config.smtpUrl, config.emailFrom);
  const dids = new DidRepository(db, clock);
  if (config.seedDemoDids) {
    const seeded = seedDemoDids(dids);
    if (seeded > 0) log.info({ seeded }, 'seeded the DID pool with fictional demo numbers (555-01xx)');
  }
  const settings = new SettingsRepository(db, clock);
  const webhookSecrets = new WebhookSecretRepository(db, clock, masterKey);
  const prices = new PriceRepository(db);
  const allowances = () => prices.allowances();
  const numbers = new NumberRepository(db, clock, dids, config.didQuarantineDays, allowances);
  const trunks = new TrunkRepository(db, clock, masterKey);
  if (trunks.seedLabTrunk()) log.info('created the loopback lab trunk (accepts calls from 127.0.0.0/8 only)');
  const jobs = new DatabaseJobQueue(db, clock, log.child({ module: 'jobs' }), config.nodeName);
  const blobs = new BlobStore(
    config.blobUrl ? new S3BlobBackend(parseBlobUrl(config.blobUrl)) : config.dataDir,
    masterKey,
  );
  const faxes = new FaxRepository(db, clock, masterKey);
  const credits = new CreditLedger(db, clock, new CreditRepository(db));
  credits.onLowBalance = (partnerId, balance) =>
    void sendLowBalanceEmail(mailer, partners, config.publicUrl, partnerId, balance).catch((err) =>
      log.warn({ partnerId, err: (err as Error).message }, 'low-balance email failed'),
    );
  const audit = new AuditLog(new AuditRepository(db), clock);
  const memberships = new MembershipRepository(db);
  const billing = createBilling(
    { config, db, clock, log, partners, memberships, faxes, credits, mailer, audit, stripe: options.stripe },
    prices,
  );
  const webhooks = createWebhooks({
    db,
    clock,
    log: log.child({ module: 'webhooks' }),
    config,
    settings,
    webhookSecrets,
    audit,
    masterKey,
  });
  const operators = new OperatorRepository(db, clock);
  const accounts = new AccountRepository(db);
  const sessions = new Sessions(new SessionRepository(db), clock, masterKey.deriveKey('csrf-tokens'), {
    idleMinutes: config.sessionIdleMinutes,
    absoluteHours: config.sessionAbsoluteHours,
  });
  const secondFactors = new SecondFactors(new SecondFactorRepository(db), masterKey, clock);
  const throttle = new SignInThrottle(new SignInFailureRepository(db), clock, {
    maxFailures: config.signInMaxFailures,
    lockoutMinutes: config.signInLockoutMinutes,
  });
  const guard = new SignInGuard(throttle, secondFactors, clock);
  const portalAccounts = new PortalAccounts(
    { db, clock, accounts, memberships, secondFactors, guard, throttle, sessions, mailer, audit },
    {
      publicUrl: config.publicUrl,
      passwordResetTtlMinutes: config.passwordResetTtlMinutes,
      passwordSetupTtlMinutes: config.verificationTokenTtlMinutes,
    },
  );
  const team = new Team(
    {
      db,
      clock,
      accounts,
      memberships,
      invites: new InviteRepository(db),
      partners,
      secondFactors,
      mailer,
      audit,
    },
    { publicUrl: config.publicUrl, inviteTtlHours: config.inviteTtlHours },
  );
  const outbound = createOutbound(
    { config, db, clock, faxes, credits, numbers, settings, trunks, blobs, jobs, webhooks, billing },
    log.child({ module: 'outbound' }),
  );
  return {
    config,
    log,
    clock,
    db,
    masterKey,
    partners,
    apiKeys,
    onboarding: new Onboarding(
      db,
      clock,
      partners,
      apiKeys,
      mailer,
      { accounts, memberships, portalAccounts },
      { publicUrl: config.publicUrl, tokenTtlMinutes: config.verificationTokenTtlMinutes },
    ),
    dids,
    numbers,
    settings,
    webhookSecrets,
    operators,
    accounts,
    memberships,
    team,
    sessions,
    secondFactors,
    portalAccounts,
    operatorSignIn: new OperatorSignIn(operators, guard, sessions, audit),
    emails,
    mailer,
    webhooks,
    jobs,
    blobs,
    audit,
    faxes,
    trunks,
    callRouter: new CallRouter(trunks, dids, numbers),
    liveCalls: new LiveCalls(clock),
    intake: new InboundIntake(
      db,
      clock,
      faxes,
      blobs,
      settings,
      numbers,
      jobs,
      log.child({ module: 'intake' }),
      allowances,
    ),
    pageImages: new FaxPageImages(faxes, blobs, path.join(config.dataDir, 'spool', 'previews')),
    signedLinks: new SignedPdfLinks(
      masterKey.deriveKey('signed-pdf-links'),
      config.publicUrl,
      config.signedUrlTtlSeconds,
      clock,
    ),
    credits,
    billing,
    outbound,
    running: { pipeline: null, extraction: null, singletons: null },
    close() {
      mailer.close();
      db.close();
    },
  };
}
