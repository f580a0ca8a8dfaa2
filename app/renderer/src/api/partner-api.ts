// The partner portal's calls, one per endpoint it uses. Shapes come from the server's schema files
// (types.ts).

import type { ApiClient } from './client.ts';
import type {
  ApiKey,
  ApiKeyList,
  BillingOverview,
  BundleList,
  CreatedApiKey,
  CreditBalance,
  CreditEntryPage,
  DailyActivityList,
  Delivery,
  DeliveryRequest,
  DeliveryStatus,
  Fax,
  FaxNumber,
  FaxNumberPage,
  FaxSummary,
  InvitePage,
  InvoicePage,
  OutboundFax,
  PartnerAccess,
  PartnerSettings,
  PurchaseResult,
  SchemaTrial,
  SentFaxTimeline,
  SettingsPatch,
  SubmittedFax,
  Team,
  TeamInvite,
  TeamMember,
  Tier,
  UpdatedSettings,
  Usage,
  WebhookHealth,
  WebhookSecretRotation,
} from './types.ts';

export interface ListPage<T> {
  items: T[];
  nextCursor: string | null;
}

export type { TeamInvite, TeamMember } from './types.ts';

export function partnerApi(client: ApiClient) {
  return {
    client,
    me: () => client.get<PartnerAccess>('/api/partner/me'),

    listNumbers: (
      query: { limit?: number; cursor?: string; status?: 'active' | 'released'; q?: string } = {},
    ) => client.get<FaxNumberPage>('/api/partner/numbers', { query }),
    /** `created` is false when the user already had an active number (200 instead of 201). */
    async provisionNumber(body: { externalUserId: string; tier: Tier; areaCode?: string }) {
      const { status, body: number } = await client.send<FaxNumber>('POST', '/api/partner/numbers', {
        json: body,
      });
      return { number, created: status === 201 };
    },
    releaseNumber: (externalUserId: string) =>
      client.delete<FaxNumber>(`/api/partner/numbers/${encodeURIComponent(externalUserId)}`),
    usage: (month?: string) => client.get<Usage>('/api/partner/usage', { query: { month } }),
    daily: (days = 30) => client.get<DailyActivityList>('/api/partner/usage/daily', { query: { days } }),

    inbox: (query: { q?: string; externalUserId?: string; limit?: number; cursor?: string } = {}) =>
      client.get<ListPage<FaxSummary>>('/api/partner/inbox', { query }),
    fax: (id: string) => client.get<Fax>(`/api/partner/faxes/${encodeURIComponent(id)}`),
    pageImage: (id: string, page: number, width: number) =>
      client.blob(`/api/partner/faxes/${encodeURIComponent(id)}/pages/${page}/image`, { query: { width } }),
    reExtract: (id: string) =>
      client.post<unknown>(`/api/partner/faxes/${encodeURIComponent(id)}/re-extract`),

    sentFaxes: (query: { limit?: number; cursor?: string; status?: string } = {}) =>
      client.get<ListPage<OutboundFax>>('/api/partner/fax', { query }),
    sentFax: (id: string) => client.get<OutboundFax>(`/api/partner/fax/${encodeURIComponent(id)}`),
    sentFaxTimeline: (id: string) =>
      client.get<SentFaxTimeline>(`/api/partner/fax/${encodeURIComponent(id)}/timeline`),
    sentFaxReport: (id: string) => client.blob(`/api/partner/fax/${encodeURIComponent(id)}/report`),
    sentPageImage: (id: string, page: number, width: number) =>
      client.blob(`/api/partner/fax/${encodeURIComponent(id)}/pages/${page}/image`, { query: { width } }),
    sendFax: (form: FormData) => client.post<SubmittedFax>('/api/partner/fax', { form }),
    cancelFax: (id: string) => client.delete<OutboundFax>(`/api/partner/fax/${encodeURIComponent(id)}`),

    credits: () => client.get<CreditBalance>('/api/partner/credits'),
    creditLog: (query: { limit?: number; cursor?: string } = {}) =>
      client.get<CreditEntryPage>('/api/partner/credits/log', { query }),
    bundles: () => client.get<BundleList>('/api/partner/credits/bundles'),
    purchase: (bundle: string, successUrl: string, cancelUrl: string) =>
      client.post<PurchaseResult>('/api/partner/credits/purchase', {
        json: { bundle, successUrl, cancelUrl },
      }),
    billing: () => client.get<BillingOverview>('/api/partner/billing'),
    invoices: (query: { limit?: number; cursor?: string } = {}) =>
      client.get<InvoicePage>('/api/partner/invoices', { query }),

    getSettings: () => client.get<PartnerSettings>('/api/partner/settings'),
    updateSettings: (patch: SettingsPatch) =>
      client.patch<UpdatedSettings>('/api/partner/settings', { json: patch }),
    rotateSecret: () => client.post<WebhookSecretRotation>('/api/partner/settings/webhook-secret'),
    trySchema: (faxId: string, extractionSchema: unknown) =>
      client.post<SchemaTrial>('/api/partner/extraction/trial', { json: { faxId, extractionSchema } }),
    webhookHealth: () => client.get<WebhookHealth>('/api/partner/webhooks/health'),
    deliveries: (query: { limit?: number; cursor?: string; status?: DeliveryStatus } = {}) =>
      client.get<ListPage<Delivery>>('/api/partner/webhooks/deliveries', { query }),
    deliveryRequest: (id: string) =>
      client.get<DeliveryRequest>(`/api/partner/webhooks/deliveries/${encodeURIComponent(id)}/request`),
    replay: (id: string) =>
      client.post<Delivery>(`/api/partner/webhooks/deliveries/${encodeURIComponent(id)}/replay`),
    sendTestEvent: () => client.post<Delivery>('/api/partner/webhooks/test'),
    listKeys: () => client.get<ApiKeyList>('/api/partner/keys'),
    createKey: (name: string) => client.post<CreatedApiKey>('/api/partner/keys', { json: { name } }),
    revokeKey: (id: string) => client.delete<ApiKey>(`/api/partner/keys/${encodeURIComponent(id)}`),

    team: () => client.get<Team>('/api/partner/team'),
    invites: () => client.get<InvitePage>('/api/partner/team/invites'),
    invite: (email: string, role: string) =>
      client.post<TeamInvite>('/api/partner/team/invites', { json: { email, role } }),
    cancelInvite: (id: string) =>
      client.delete<unknown>(`/api/partner/team/invites/${encodeURIComponent(id)}`),
    changeRole: (accountId: string, role: string) =>
      client.patch<TeamMember>(`/api/partner/team/${encodeURIComponent(accountId)}`, { json: { role } }),
    removeMember: (accountId: string) =>
      client.delete<unknown>(`/api/partner/team/${encodeURIComponent(accountId)}`),
    transferOwnership: (accountId: string) =>
      client.post<unknown>('/api/partner/team/transfer-ownership', { json: { accountId } }),
  };
}

export type PartnerApi = ReturnType<typeof partnerApi>;
