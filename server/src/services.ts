// The appliance's services, built once at start and shared by HTTP routes, the CLI, telephony
// and the pipeline. Construction order here is the dependency order.

import type { Logger } from 'pino';
import { OperatorRepository } from './admin/operator-repository.ts';
import { AuditLog } from './audit/audit-log.ts';
import { AuditRepository } from './audit/audit-repository.ts';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config/config.ts';
import { CreditLedger } from './credits/credit-ledger.ts';
import { CreditRepository } from './credits/credit-repository.ts';
import { sendLowBalanceEmail } from './credits/low-balance-email.ts';
import { EmailRepository } from './email/email-repository.ts';
import { Mailer } from './email/mailer.ts';
import { FaxRepository } from './faxes/fax-repository.ts';
import { InboundIntake } from './faxes/inbound-intake.ts';
import { SignedPdfLinks } from './inbox/signed-links.ts';
import { DatabaseJobQueue } from './jobs/job-queue.ts';
import { ApiKeyRepository } from './keys/api-key-repository.ts';
import { seedDemoDids } from './numbers/did-import.ts';
import { DidRepository } from './numbers/did-repository.ts';
import { NumberRepository } from './numbers/number-repository.ts';
import { createOutbound, type Outbound } from './outbound/outbound.ts';
import { Onboarding } from './partners/onboarding.ts';
import { PartnerRepository } from './partners/partner-repository.ts';
import { SettingsRepository } from './settings/settings-repository.ts';
import { BlobStore } from './storage/blob-store.ts';
import { type Db, openDatabase } from './storage/database.ts';
import { MasterKey } from './storage/master-key.ts';
import { S3BlobBackend } from './storage/s3-blob-backend.ts';
import { parseBlobUrl } from './storage/s3-blob-url.ts';
import { SealedColumnRepository } from './storage/sealed-column-repository.ts';
import { CallRouter } from './telephony/call-router.ts';
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
  intake: InboundIntake;
  /** Time-limited PDF download links (webhooks, fax details). */
  signedLinks: SignedPdfLinks;
  credits: CreditLedger;
  /** Outbound faxes, the dialer job, trunk monitoring and the call placer. */
  outbound: Outbound;
  close(): void;
}

export function createServices(config: Config, log: Logger, clock: Clock = systemClock): Services {
  const db = openDatabase(config);
  const masterKey = MasterKey.load(config.dataDir, config.masterKey);
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
  const numbers = new NumberRepository(db, clock, dids, config.didQuarantineDays);
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
  const webhooks = createWebhooks({
    db,
    clock,
    log: log.child({ module: 'webhooks' }),
    config,
    settings,
    webhookSecrets,
    masterKey,
  });
  const outbound = createOutbound(
    { config, db, clock, faxes, credits, numbers, trunks, blobs, jobs, webhooks },
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
    onboarding: new Onboarding(db, clock, partners, apiKeys, mailer, {
      publicUrl: config.publicUrl,
      tokenTtlMinutes: config.verificationTokenTtlMinutes,
    }),
    dids,
    numbers,
    settings,
    webhookSecrets,
    operators: new OperatorRepository(db, clock),
    emails,
    mailer,
    webhooks,
    jobs,
    blobs,
    audit: new AuditLog(new AuditRepository(db), clock),
    faxes,
    trunks,
    callRouter: new CallRouter(trunks, dids, numbers),
    intake: new InboundIntake(db, clock, faxes, blobs, settings, jobs, log.child({ module: 'intake' })),
    signedLinks: new SignedPdfLinks(
      masterKey.deriveKey('signed-pdf-links'),
      config.publicUrl,
      config.signedUrlTtlSeconds,
      clock,
    ),
    credits,
    outbound,
    close() {
      mailer.close();
      db.close();
    },
  };
}
