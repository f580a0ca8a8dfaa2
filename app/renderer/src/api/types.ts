// Response shapes of the endpoints the console uses, as the server's schemas declare them.

export type Tier = 'personal' | 'business';

export interface FaxNumber {
  id: string;
  externalUserId: string;
  number: string;
  tier: Tier;
  status: 'active' | 'released';
  inboundPagesPerMonth: number;
  maxRetentionDays: number;
  createdAt: string;
  releasedAt: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PartnerSettings {
  webhookUrl: string | null;
  extractionSchema: Record<string, unknown> | null;
  retentionDays: number;
  retentionCaps: { personal: number; business: number };
  webhookSecretConfigured: boolean;
  updatedAt: string | null;
  /** Present once: on the first settings write. */
  webhookSecret?: string;
}

export interface SettingsPatch {
  webhookUrl?: string | null;
  extractionSchema?: unknown;
  retentionDays?: number;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedApiKey extends ApiKey {
  /** The whole key: shown once. */
  apiKey: string;
}

export interface Credits {
  balance: number;
  lowBalanceThreshold: number;
}

export type DidStatus = 'available' | 'assigned' | 'quarantined' | 'disabled';

export interface Did {
  id: string;
  number: string;
  areaCode: string;
  status: string;
  quarantinedUntil: string | null;
  source: string;
  createdAt: string;
}

export interface DidList {
  items: Did[];
  stock: { areaCode: string; available: number }[];
}

export interface DidImportResult {
  imported: number;
  skipped: { line: number; value: string; reason: string }[];
}

export interface Partner {
  id: string;
  companyName: string;
  email: string;
  status: string;
  createdAt: string;
}
