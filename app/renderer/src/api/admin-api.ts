// The operator console's calls. Shapes come from the server's schema files (types.ts).

import type { ApiClient } from './client.ts';
import type {
  AdminBilling,
  AuditPage,
  AuditVerification,
  BillingStatus,
  BundleList,
  BundlesPut,
  CloseList,
  CloseReport,
  CreditGrantResult,
  DidImportResult,
  DidList,
  DidStatus,
  LiveCallList,
  Models,
  OperatorAccess,
  OperatorList,
  PartnerDetail,
  PartnerList,
  Prices,
  PurgeReportPage,
  Queues,
  TestCall,
  Trunk,
  TrunkStatus,
} from './types.ts';

export type TrunkInput = Partial<Omit<Trunk, 'id' | 'hasPassword' | 'createdAt'>> & {
  password?: string | null;
};

export function adminApi(client: ApiClient) {
  return {
    client,
    me: () => client.get<OperatorAccess>('/api/admin/me'),
    listDids: (query: { status?: DidStatus; limit?: number; after?: string; q?: string } = {}) =>
      client.get<DidList>('/api/admin/dids', { query }),
    importDids: (csv: string) =>
      client.post<DidImportResult>('/api/admin/dids/import', { text: csv, contentType: 'text/csv' }),
    listPartners: () => client.get<PartnerList>('/api/admin/partners'),
    partner: (id: string) => client.get<PartnerDetail>(`/api/admin/partners/${encodeURIComponent(id)}`),
    suspend: (id: string, reason: string) =>
      client.post<unknown>(`/api/admin/partners/${encodeURIComponent(id)}/suspend`, { json: { reason } }),
    reinstate: (id: string) =>
      client.post<unknown>(`/api/admin/partners/${encodeURIComponent(id)}/reinstate`),
    grantCredits: (id: string, amount: number, note: string) =>
      client.post<CreditGrantResult>(`/api/admin/partners/${encodeURIComponent(id)}/credits`, {
        json: { amount, note: note || undefined },
      }),
    partnerBilling: (id: string) =>
      client.get<AdminBilling>(`/api/admin/partners/${encodeURIComponent(id)}/billing`),
    overrideBillingStatus: (id: string, status: BillingStatus, note: string) =>
      client.post<AdminBilling>(`/api/admin/partners/${encodeURIComponent(id)}/billing/status`, {
        json: { status, note },
      }),
    prices: () => client.get<Prices>('/api/admin/billing/prices'),
    savePrices: (prices: Prices) => client.put<Prices>('/api/admin/billing/prices', { json: prices }),
    bundles: () => client.get<BundleList>('/api/admin/billing/bundles'),
    saveBundles: (bundles: BundlesPut) =>
      client.put<BundleList>('/api/admin/billing/bundles', { json: bundles }),
    closes: (query: { limit?: number; cursor?: string; month?: string } = {}) =>
      client.get<CloseList>('/api/admin/billing/closes', { query }),
    close: (id: string) => client.get<CloseReport>(`/api/admin/billing/closes/${encodeURIComponent(id)}`),
    setKeyRateLimit: (keyId: string, rateLimitPerMinute: number | null) =>
      client.patch<unknown>(`/api/admin/keys/${encodeURIComponent(keyId)}`, { json: { rateLimitPerMinute } }),

    trunks: () => client.get<{ items: Trunk[] }>('/api/admin/trunks'),
    createTrunk: (trunk: TrunkInput) => client.post<Trunk>('/api/admin/trunks', { json: trunk }),
    updateTrunk: (id: string, patch: TrunkInput) =>
      client.patch<Trunk>(`/api/admin/trunks/${encodeURIComponent(id)}`, { json: patch }),
    deleteTrunk: (id: string) => client.delete<unknown>(`/api/admin/trunks/${encodeURIComponent(id)}`),
    trunkStatus: (id: string) =>
      client.get<TrunkStatus>(`/api/admin/trunks/${encodeURIComponent(id)}/status`),
    testCall: (id: string, to: string) =>
      client.post<TestCall>(`/api/admin/trunks/${encodeURIComponent(id)}/test-call`, { json: { to } }),

    calls: () => client.get<LiveCallList>('/api/admin/calls'),
    queues: () => client.get<Queues>('/api/admin/queues'),
    models: () => client.get<Models>('/api/admin/models'),

    audit: (query: Record<string, string | number | undefined>) =>
      client.get<AuditPage>('/api/admin/audit', { query }),
    verifyAudit: () => client.get<AuditVerification>('/api/admin/audit/verify'),
    retentionReports: (query: { limit?: number; cursor?: string } = {}) =>
      client.get<PurgeReportPage>('/api/admin/retention/reports', { query }),
    operators: () => client.get<OperatorList>('/api/admin/operators'),
  };
}

export type AdminApi = ReturnType<typeof adminApi>;
