// Response shapes of the endpoints the console uses: the server's own schema types, re-exported
// type-only (nothing of the server reaches the bundle), so a shape is written once.

export type { CreditBalance } from '../../../../server/src/credits/credit-schema.ts';
export type { ApiKey, ApiKeyList, CreatedApiKey } from '../../../../server/src/keys/key-schema.ts';
export type { Did, DidImportResult, DidList, DidStatus } from '../../../../server/src/numbers/did-schema.ts';
export type { FaxNumber, FaxNumberPage, Tier } from '../../../../server/src/numbers/number-schema.ts';
export type { Partner, PartnerList } from '../../../../server/src/partners/partner-schema.ts';
export type {
  PartnerSettings,
  SettingsPatch,
  UpdatedSettings,
} from '../../../../server/src/settings/settings-schema.ts';
