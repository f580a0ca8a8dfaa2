// The partner portal's calls: numbers, settings, keys and (where the appliance has it) credits.

import { type ApiClient, ApiProblem } from './client.ts';
import type {
  ApiKey,
  ApiKeyList,
  CreatedApiKey,
  CreditBalance,
  FaxNumber,
  FaxNumberPage,
  PartnerSettings,
  SettingsPatch,
  Tier,
  UpdatedSettings,
} from './types.ts';

export function partnerApi(client: ApiClient) {
  return {
    listNumbers: (query: { limit?: number; cursor?: string; status?: 'active' | 'released' } = {}) =>
      client.get<FaxNumberPage>('/api/partner/numbers', { query }),
    /** `created` is false when the user already had an active number (200 instead of 201). */
    async provisionNumber(body: { externalUserId: string; tier: Tier; areaCode?: string }) {
      const { status, body: number } = await client.send<FaxNumber>('POST', '/api/partner/numbers', {
        json: body,
      });
      return { number, created: status === 201 };
    },
    releaseNumber: (externalUserId: string) =>
      client.delete<FaxNumber>(`/api/partner/numbers/${encodeURIComponent(externalUserId)}`),
    /** Walks every page: the API has no count endpoint. */
    async countActiveNumbers(): Promise<number> {
      let count = 0;
      let cursor: string | undefined;
      do {
        const page = await client.get<FaxNumberPage>('/api/partner/numbers', {
          query: { status: 'active', limit: 200, cursor },
        });
        count += page.items.length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return count;
    },
    getSettings: () => client.get<PartnerSettings>('/api/partner/settings'),
    updateSettings: (patch: SettingsPatch) =>
      client.patch<UpdatedSettings>('/api/partner/settings', { json: patch }),
    listKeys: () => client.get<ApiKeyList>('/api/partner/keys'),
    createKey: (name: string) => client.post<CreatedApiKey>('/api/partner/keys', { json: { name } }),
    revokeKey: (id: string) => client.delete<ApiKey>(`/api/partner/keys/${encodeURIComponent(id)}`),
    /** null when this appliance has no credits endpoint yet (404 route_not_found). */
    async credits(): Promise<CreditBalance | null> {
      try {
        return await client.get<CreditBalance>('/api/partner/credits');
      } catch (error) {
        if (error instanceof ApiProblem && error.status === 404 && error.code === 'route_not_found')
          return null;
        throw error;
      }
    },
  };
}

export type PartnerApi = ReturnType<typeof partnerApi>;
