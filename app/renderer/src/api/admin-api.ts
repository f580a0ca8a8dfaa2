// The operator console's calls: the DID pool and partners.

import type { ApiClient } from './client.ts';
import type { DidImportResult, DidList, DidStatus, PartnerList } from './types.ts';

export function adminApi(client: ApiClient) {
  return {
    listDids: (query: { status?: DidStatus; limit?: number; after?: string } = {}) =>
      client.get<DidList>('/api/admin/dids', { query }),
    importDids: (csv: string) =>
      client.post<DidImportResult>('/api/admin/dids/import', { text: csv, contentType: 'text/csv' }),
    listPartners: () => client.get<PartnerList>('/api/admin/partners'),
  };
}

export type AdminApi = ReturnType<typeof adminApi>;
