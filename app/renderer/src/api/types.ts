// Response shapes of the endpoints the console uses: the server's own schema types, re-exported
// type-only (nothing of the server reaches the bundle), so a shape is written once.

export type { PartnerDetail } from '../../../../server/src/admin/operations-schema.ts';
export type { Operator, OperatorList } from '../../../../server/src/admin/operator-schema.ts';
export type {
  AuditEntryView as AuditEntry,
  AuditPage,
  AuditVerification,
  PurgeReport,
  PurgeReportPage,
} from '../../../../server/src/audit/audit-schema.ts';
export type {
  AdminBilling,
  BillingOverview,
  BillingStatus,
  Bundle,
  BundleList,
  BundlesPut,
  CloseLine,
  CloseList,
  CloseReport,
  CloseSummary,
  Invoice,
  InvoiceLine,
  InvoicePage,
  InvoiceStatus,
  MonthUsage,
  Prices,
  Purchase,
  PurchaseResult,
  StripeEventSummary,
  TierPrice,
} from '../../../../server/src/billing/billing-schema.ts';
export type {
  CreditBalance,
  CreditEntry,
  CreditEntryPage,
  CreditGrantResult,
  CreditReason,
} from '../../../../server/src/credits/credit-schema.ts';
export type { Model, Models, Provider } from '../../../../server/src/extraction/model-schema.ts';
export type { SchemaTrial } from '../../../../server/src/extraction/schema-trial-schema.ts';
export type { Fax, FaxPageDetail, FaxSummary } from '../../../../server/src/faxes/fax-schema.ts';
export type {
  DailyActivity,
  DailyActivityList,
  NumberUsage,
  Usage,
} from '../../../../server/src/inbox/usage-schema.ts';
export type { JobKindStats, Queues } from '../../../../server/src/jobs/queue-schema.ts';
export type { ApiKey, ApiKeyList, CreatedApiKey } from '../../../../server/src/keys/key-schema.ts';
export type {
  Did,
  DidImportResult,
  DidList,
  DidStatus,
  DidStock,
} from '../../../../server/src/numbers/did-schema.ts';
export type { FaxNumber, FaxNumberPage, Tier } from '../../../../server/src/numbers/number-schema.ts';
export type {
  OutboundFax,
  SubmittedFax,
} from '../../../../server/src/outbound/outbound-fax-schema.ts';
export type { SentFaxTimeline, TimelineEntry } from '../../../../server/src/outbound/sent-fax-schema.ts';
export type { OperatorAccess, PartnerAccess } from '../../../../server/src/partners/access-schema.ts';
export type { Partner, PartnerList } from '../../../../server/src/partners/partner-schema.ts';
export type {
  PartnerSettings,
  SettingsPatch,
  UpdatedSettings,
  WebhookSecretRotation,
} from '../../../../server/src/settings/settings-schema.ts';
export type {
  Invite as TeamInvite,
  InvitePage,
  Team,
  TeamMemberView as TeamMember,
} from '../../../../server/src/team/team-schema.ts';
export type { LiveCall, LiveCallList } from '../../../../server/src/telephony/live-call-schema.ts';
export type {
  TestCall,
  Trunk,
  TrunkStatus,
} from '../../../../server/src/telephony/trunks/trunk-schema.ts';
export type {
  Delivery,
  DeliveryRequest,
  DeliveryStatus,
  WebhookHealth,
} from '../../../../server/src/webhooks/delivery-schema.ts';
