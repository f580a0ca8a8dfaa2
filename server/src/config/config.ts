// The appliance's configuration: one typed table of knobs, read from FAXSEAL_* environment variables
// and an optional JSON config file, with defaults that work on a laptop. Bad values stop start-up.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBlobUrl } from '../storage/s3-blob-url.ts';

export interface PortRange {
  first: number;
  last: number;
}

export interface Config {
  dataDir: string;
  /** Null: blobs under <dataDir>/blobs. */
  blobUrl: string | null;
  databaseUrl: string | null;
  databaseStatementTimeoutMs: number;
  httpHost: string;
  httpPort: number;
  nodeName: string;
  nodeRoles: NodeRole[];
  sipHost: string;
  /** Null: sipHost, or this machine's first external IPv4 address when sipHost is a wildcard. */
  sipAdvertiseAddress: string | null;
  sipPort: number;
  sipTcpMaxConnections: number;
  sipTcpMaxConnectionsPerAddress: number;
  sipTcpMessageTimeoutMs: number;
  sipTcpIdleTimeoutSeconds: number;
  sipNoticeIntervalSeconds: number;
  sipTlsCert: string | null;
  sipTlsKey: string | null;
  sipTlsPort: number;
  sipTlsCa: string | null;
  mediaPorts: PortRange;
  mediaSilenceSeconds: number;
  smtpUrl: string | null;
  emailFrom: string;
  tlsCert: string | null;
  tlsKey: string | null;
  publicUrl: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  rateLimitPerMinute: number;
  authFailuresPerMinute: number;
  urlAllowlist: string[];
  webhookRetrySchedule: number[];
  webhookTimeoutMs: number;
  webhookResponseCapBytes: number;
  webhookConcurrency: number;
  webhookRetentionDays: number;
  webhookConcurrencyPerEndpoint: number;
  seedDemoDids: boolean;
  didQuarantineDays: number;
  verificationTokenTtlMinutes: number;
  ocrPoolSize: number;
  ocrEngine: OcrEngineSetting;
  signedUrlTtlSeconds: number;
  masterKey: string | null;
  backupPassphrase: string | null;
  /** Null: automatic (`llama` when models/ holds a usable model, else `layout`). */
  extractionProvider: ExtractionProviderName | null;
  modelsDir: string;
  llamaModel: string | null;
  llamaThreads: number;
  extractionBudgetMs: number;
  openaiBaseUrl: string | null;
  openaiModel: string | null;
  openaiApiKey: string | null;
  faxMaxMegabytes: number;
  faxMaxPages: number;
  outboundConcurrency: number;
  outboundRingTimeoutSeconds: number;
  outboundBusyRetrySchedule: number[];
  outboundNoAnswerRetrySchedule: number[];
  outboundErrorRetrySchedule: number[];
  trunkKeepaliveSeconds: number;
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  sessionRateLimitPerMinute: number;
  authRateLimitPerMinute: number;
  signInMaxFailures: number;
  signInLockoutMinutes: number;
  passwordResetTtlMinutes: number;
  inviteTtlHours: number;
  stripeSecretKey: string | null;
  stripeWebhookSecret: string | null;
  stripeApiBase: string;
  billingGraceDays: number;
}

/** What a node runs (FAXSEAL_NODE_ROLES): every node runs all of them unless told otherwise. */
export const NODE_ROLES = ['api', 'sip', 'ocr', 'extract', 'dispatch'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

export type ExtractionProviderName = 'layout' | 'rules' | 'llama' | 'openai-compatible';
/** FAXSEAL_OCR_ENGINE (server/src/ocr/ocr-engine.ts): auto picks native tesseract when its addon loads. */
export const OCR_ENGINE_SETTINGS = ['auto', 'native', 'tesseract.js'] as const;
export type OcrEngineSetting = (typeof OCR_ENGINE_SETTINGS)[number];

const EXTRACTION_PROVIDERS: readonly ExtractionProviderName[] = [
  'layout',
  'rules',
  'llama',
  'openai-compatible',
];

type Parser<T> = (raw: string) => T;

interface Knob<K extends keyof Config> {
  env: string;
  doc: string;
  default: (partial: Partial<Config>) => Config[K];
  parse: Parser<Config[K]>;
  /** Secrets are never echoed back in error messages or `doctor` output. */
  secret?: boolean;
}

class ConfigError extends Error {}

const str: Parser<string> = (raw) => {
  if (raw.trim() === '') throw new ConfigError('must not be empty');
  return raw.trim();
};

const int =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`must be a whole number between ${min} and ${max}`);
    const n = Number(raw);
    if (n < min || n > max) throw new ConfigError(`must be between ${min} and ${max}`);
    return n;
  };

const bool: Parser<boolean> = (raw) => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError('must be true or false');
};

const host: Parser<string> = (raw) => {
  const v = str(raw);
  if (!/^[A-Za-z0-9.:_-]+$/.test(v)) throw new ConfigError('must be a host name or IP address');
  return v;
};

const nodeName: Parser<string> = (raw) => {
  const v = str(raw);
  // No '_' or '%': the name prefixes job lease owners matched with LIKE.
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/.test(v))
    throw new ConfigError('must be 1–63 letters, digits, dots or hyphens');
  return v;
};

const nodeRoles: Parser<NodeRole[]> = (raw) => {
  const roles = str(raw)
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const unknown = roles.filter((r) => !(NODE_ROLES as readonly string[]).includes(r));
  if (unknown.length > 0 || roles.length === 0)
    throw new ConfigError(`must be a comma-separated list of ${NODE_ROLES.join(', ')}`);
  return NODE_ROLES.filter((r) => roles.includes(r));
};

const url: Parser<string> = (raw) => {
  let parsed: URL;
  try {
    parsed = new URL(raw.trim());
  } catch {
    throw new ConfigError('must be an absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError('must be http(s)');
  return parsed.toString().replace(/\/$/, '');
};

const blobUrl: Parser<string | null> = (raw) => {
  if (raw.trim() === '') return null;
  try {
    parseBlobUrl(raw.trim());
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  return raw.trim();
};

const smtp: Parser<string | null> = (raw) => {
  if (raw.trim() === '') return null;
  const parsed = (() => {
    try {
      return new URL(raw.trim());
    } catch {
      throw new ConfigError('must be an smtp:// or smtps:// URL');
    }
  })();
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new ConfigError('must be an smtp:// or smtps:// URL');
  }
  return raw.trim();
};

const postgresUrl: Parser<string | null> = (raw) => {
  if (raw.trim() === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw.trim());
  } catch {
    throw new ConfigError('must be a postgres:// URL');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw new ConfigError('must be a postgres:// URL');
  if (parsed.pathname.length <= 1)
    throw new ConfigError('must name the database: postgres://user@host:5432/faxseal');
  return raw.trim();
};

const portRange: Parser<PortRange> = (raw) => {
  const m = /^(\d+)-(\d+)$/.exec(raw.trim());
  if (!m) throw new ConfigError('must look like 20000-20999');
  const first = Number(m[1]);
  const last = Number(m[2]);
  if (first < 1024 || last > 65535 || first >= last)
    throw new ConfigError('must be a range inside 1024-65535');
  return { first, last };
};

const list: Parser<string[]> = (raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const secondsList: Parser<number[]> = (raw) => {
  const values = list(raw).map(Number);
  if (values.some((v) => !Number.isFinite(v) || v < 0 || v > 7 * 24 * 3600)) {
    throw new ConfigError('must be comma-separated delays in seconds, e.g. 60,300,1500');
  }
  return values;
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Every knob, documented once. The README's configuration table is generated from this. */
export const KNOBS: { [K in keyof Config]: Knob<K> } = {
  dataDir: {
    env: 'FAXSEAL_DATA_DIR',
    doc: 'Where the SQLite file (unless FAXSEAL_DATABASE_URL is set), encrypted documents and keys live. Created on first start.',
    default: () => path.resolve('data'),
    parse: (raw) => path.resolve(str(raw)),
  },
  blobUrl: {
    env: 'FAXSEAL_BLOB_URL',
    doc: 'Keep sealed documents in an S3-compatible bucket instead of the data directory: s3://[KEY:SECRET@]bucket[/prefix]?endpoint=http://host:port&region=…&pathStyle=true|false. Without KEY:SECRET the AWS SDK default credentials apply. Every node of a cluster uses the same bucket.',
    default: () => null,
    parse: blobUrl,
    secret: true,
  },
  databaseUrl: {
    env: 'FAXSEAL_DATABASE_URL',
    doc: 'PostgreSQL shared by several nodes, e.g. postgres://faxseal:secret@db.lan:5432/faxseal (the database needs LC_COLLATE C; see docs/cluster.md). Unset: the SQLite file in the data directory.',
    default: () => null,
    parse: postgresUrl,
    secret: true,
  },
  databaseStatementTimeoutMs: {
    env: 'FAXSEAL_DATABASE_STATEMENT_TIMEOUT_MS',
    doc: 'PostgreSQL only: the longest one statement may run (statement_timeout), which bounds how long the event loop can wait on the database.',
    default: () => 10_000,
    parse: int(100, 600_000),
  },
  httpHost: {
    env: 'FAXSEAL_HTTP_HOST',
    doc: 'Address the HTTP API, portal and docs listen on.',
    default: () => '127.0.0.1',
    parse: host,
  },
  httpPort: {
    env: 'FAXSEAL_HTTP_PORT',
    doc: 'HTTP port (0 = any free port).',
    default: () => 8080,
    parse: int(0, 65535),
  },
  sipHost: {
    env: 'FAXSEAL_SIP_HOST',
    doc: 'Address SIP listens on (UDP and TCP).',
    default: () => '127.0.0.1',
    parse: host,
  },
  sipAdvertiseAddress: {
    env: 'FAXSEAL_SIP_ADVERTISE_ADDRESS',
    doc: 'Address this node puts in SDP, Contact and Via. Unset: FAXSEAL_SIP_HOST, or the first external IPv4 address when that is 0.0.0.0 or ::.',
    default: () => null,
    parse: host,
  },
  nodeName: {
    env: 'FAXSEAL_NODE_NAME',
    doc: 'This node’s name in a cluster: in /healthz, /readyz, the start-up log line and job leases.',
    default: () =>
      os
        .hostname()
        .split('.')[0]
        .replace(/[^A-Za-z0-9-]/g, '-') || 'faxseal',
    parse: nodeName,
  },
  nodeRoles: {
    env: 'FAXSEAL_NODE_ROLES',
    doc: 'What this node runs, comma-separated: api (HTTP API, portal, console), sip (SIP, media, outbound dialing), ocr (the inbound pipeline), extract (extraction jobs), dispatch (webhooks and email). Every node answers /healthz and /readyz.',
    default: () => [...NODE_ROLES],
    parse: nodeRoles,
  },
  sipPort: { env: 'FAXSEAL_SIP_PORT', doc: 'SIP port.', default: () => 5060, parse: int(0, 65535) },
  sipTcpMaxConnections: {
    env: 'FAXSEAL_SIP_TCP_MAX_CONNECTIONS',
    doc: 'SIP over TCP and TLS: inbound connections open at once, all peers together; more are closed at accept.',
    default: () => 256,
    parse: int(1, 100_000),
  },
  sipTcpMaxConnectionsPerAddress: {
    env: 'FAXSEAL_SIP_TCP_MAX_PER_ADDRESS',
    doc: 'SIP over TCP and TLS: inbound connections open at once from one address.',
    default: () => 32,
    parse: int(1, 100_000),
  },
  sipTcpMessageTimeoutMs: {
    env: 'FAXSEAL_SIP_TCP_MESSAGE_TIMEOUT_MS',
    doc: 'SIP over TCP and TLS: time a message has from its first byte to its last (and a new connection to its first message, TLS handshake included). Trickled bytes do not extend it.',
    default: () => 10_000,
    parse: int(100, 600_000),
  },
  sipTcpIdleTimeoutSeconds: {
    env: 'FAXSEAL_SIP_TCP_IDLE_TIMEOUT_SECONDS',
    doc: 'SIP over TCP and TLS: a connection with no complete message or keepalive for this long is closed.',
    default: () => 120,
    parse: int(1, 86_400),
  },
  sipNoticeIntervalSeconds: {
    env: 'FAXSEAL_SIP_NOTICE_INTERVAL_SECONDS',
    doc: 'Malformed SIP, refused connections and refused INVITEs are logged as one summary line with counts per this interval (each one at debug).',
    default: () => 60,
    parse: int(1, 86_400),
  },
  sipTlsCert: {
    env: 'FAXSEAL_SIP_TLS_CERT',
    doc: 'PEM certificate chain for SIP over TLS (RFC 3261 §26). Set with FAXSEAL_SIP_TLS_KEY to listen on FAXSEAL_SIP_TLS_PORT and dial `tls` trunks.',
    default: () => null,
    parse: (raw) => path.resolve(str(raw)),
  },
  sipTlsKey: {
    env: 'FAXSEAL_SIP_TLS_KEY',
    doc: 'PEM private key of FAXSEAL_SIP_TLS_CERT (keep it mode 0600).',
    default: () => null,
    parse: (raw) => path.resolve(str(raw)),
  },
  sipTlsPort: {
    env: 'FAXSEAL_SIP_TLS_PORT',
    doc: 'SIP over TLS port (0 = any free port); used only when the certificate and key are set.',
    default: () => 5061,
    parse: int(0, 65535),
  },
  sipTlsCa: {
    env: 'FAXSEAL_SIP_TLS_CA',
    doc: 'PEM file of CAs trusted, besides the system ones, for the certificates of `tls` trunks we dial.',
    default: () => null,
    parse: (raw) => path.resolve(str(raw)),
  },
  mediaPorts: {
    env: 'FAXSEAL_MEDIA_PORTS',
    doc: 'UDP port range for UDPTL (T.38) and RTP (G.711) media.',
    default: () => ({ first: 20000, last: 20999 }),
    parse: portRange,
  },
  mediaSilenceSeconds: {
    env: 'FAXSEAL_MEDIA_SILENCE_SECONDS',
    doc: "An inbound fax call whose sender, once T.30 has negotiated (phase B), sends nothing (no UDPTL or RTP datagram) for this long is ended: its fax is committed with the pages confirmed so far and the call hung up. Counted on the media clock, never during our own hold of a page answer; keep it above T.30's T4 (3 s).",
    default: () => 8,
    parse: int(4, 120),
  },
  smtpUrl: {
    env: 'FAXSEAL_SMTP_URL',
    doc: 'SMTP relay, e.g. smtp://user:pass@mail.example:587. Unset: emails stay in the database outbox (sealed); `faxseal outbox` shows them.',
    default: () => null,
    parse: smtp,
    secret: true,
  },
  emailFrom: {
    env: 'FAXSEAL_EMAIL_FROM',
    doc: 'Sender address of the emails the appliance sends.',
    default: () => 'FaxSeal <no-reply@faxseal.local>',
    parse: str,
  },
  tlsCert: {
    env: 'FAXSEAL_TLS_CERT',
    doc: "PEM certificate (chain) file: with FAXSEAL_TLS_KEY the API, portal and console are served over HTTPS only, with HSTS. Start-up refuses an unreadable file or a key that is not the certificate's.",
    default: () => null,
    parse: (raw) => path.resolve(str(raw)),
  },
  tlsKey: {
    env: 'FAXSEAL_TLS_KEY',
    doc: 'PEM private key file of FAXSEAL_TLS_CERT (unencrypted; keep it mode 0600).',
    default: () => null,
    parse: (raw) => path.resolve(str(raw)),
  },
  publicUrl: {
    env: 'FAXSEAL_PUBLIC_URL',
    doc: 'Base URL partners reach this appliance at: used in emails, webhooks and signed links. Defaults to https when TLS is configured.',
    default: (c) => `${c.tlsCert ? 'https' : 'http'}://${c.httpHost ?? '127.0.0.1'}:${c.httpPort ?? 8080}`,
    parse: url,
  },
  logLevel: {
    env: 'FAXSEAL_LOG_LEVEL',
    doc: `Log level: ${LOG_LEVELS.join(', ')}. Fax content is only ever logged at debug or below.`,
    default: () => 'info',
    parse: (raw) => {
      const v = raw.trim() as Config['logLevel'];
      if (!LOG_LEVELS.includes(v)) throw new ConfigError(`must be one of ${LOG_LEVELS.join(', ')}`);
      return v;
    },
  },
  rateLimitPerMinute: {
    env: 'FAXSEAL_RATE_LIMIT_PER_MINUTE',
    doc: 'Partner API requests per minute per key (a key may carry its own limit).',
    default: () => 60,
    parse: int(1, 1_000_000),
  },
  authFailuresPerMinute: {
    env: 'FAXSEAL_AUTH_FAILURES_PER_MINUTE',
    doc: 'Failed authentications (unknown key or token, altered signed link) allowed per client address per minute; past it the address gets 429 until the minute ends.',
    default: () => 30,
    parse: int(1, 1_000_000),
  },
  urlAllowlist: {
    env: 'FAXSEAL_URL_ALLOWLIST',
    doc: 'Comma-separated CIDRs or host names that webhook, callback and document URLs may reach although they are private (LAN partners).',
    default: () => [],
    parse: list,
  },
  webhookRetrySchedule: {
    env: 'FAXSEAL_WEBHOOK_RETRY_SCHEDULE',
    doc: 'Seconds to wait before each webhook retry after a failed attempt (fractions allowed); after the last one the delivery is failed.',
    default: () => [60, 300, 1500],
    parse: secondsList,
  },
  webhookTimeoutMs: {
    env: 'FAXSEAL_WEBHOOK_TIMEOUT_MS',
    doc: 'Time a webhook receiver has to answer one attempt (connect, headers and body).',
    default: () => 10_000,
    parse: int(100, 120_000),
  },
  webhookResponseCapBytes: {
    env: 'FAXSEAL_WEBHOOK_RESPONSE_CAP_BYTES',
    doc: 'Bytes of a webhook response body read (and kept as the excerpt in the delivery log); the rest is dropped.',
    default: () => 1024,
    parse: int(0, 65_536),
  },
  webhookConcurrency: {
    env: 'FAXSEAL_WEBHOOK_CONCURRENCY',
    doc: 'Webhook attempts in flight at once, across all partners.',
    default: () => 64,
    parse: int(1, 1024),
  },
  webhookRetentionDays: {
    env: 'FAXSEAL_WEBHOOK_RETENTION_DAYS',
    doc: 'Days webhook events, deliveries and their attempt logs are kept (for the delivery log and replay) once every delivery of the event has finished.',
    default: () => 30,
    parse: int(1, 3650),
  },
  webhookConcurrencyPerEndpoint: {
    env: 'FAXSEAL_WEBHOOK_CONCURRENCY_PER_ENDPOINT',
    doc: 'Webhook attempts in flight at once to one URL, so a slow receiver cannot hold every slot of FAXSEAL_WEBHOOK_CONCURRENCY.',
    default: () => 8,
    parse: int(1, 1024),
  },
  seedDemoDids: {
    env: 'FAXSEAL_SEED_DEMO_DIDS',
    doc: 'Seed the DID pool with fictional 555-01xx numbers on first start, so provisioning works before a trunk exists.',
    default: () => true,
    parse: bool,
  },
  didQuarantineDays: {
    env: 'FAXSEAL_DID_QUARANTINE_DAYS',
    doc: 'Days a released DID rests before it can be assigned again (callers of the old owner fade out).',
    default: () => 30,
    parse: int(0, 3650),
  },
  verificationTokenTtlMinutes: {
    env: 'FAXSEAL_VERIFICATION_TTL_MINUTES',
    doc: 'How long an email verification link stays valid.',
    default: () => 24 * 60,
    parse: int(1, 30 * 24 * 60),
  },
  ocrPoolSize: {
    env: 'FAXSEAL_OCR_POOL_SIZE',
    doc: 'OCR worker threads, one engine each (~100 MiB native tesseract, ~140 MiB tesseract.js). Default: the number of cores.',
    default: () => Math.max(1, os.availableParallelism()),
    parse: int(1, 256),
  },
  ocrEngine: {
    env: 'FAXSEAL_OCR_ENGINE',
    doc: 'OCR engine: auto, native or tesseract.js. auto and native use native tesseract (Debian libtesseract through the addon) when it loads, else tesseract.js with a warning; `faxseal doctor` shows the engine in use.',
    default: () => 'auto' as OcrEngineSetting,
    parse: (raw) => {
      const v = raw.trim() as OcrEngineSetting;
      if (!OCR_ENGINE_SETTINGS.includes(v))
        throw new ConfigError(`must be one of ${OCR_ENGINE_SETTINGS.join(', ')}`);
      return v;
    },
  },
  signedUrlTtlSeconds: {
    env: 'FAXSEAL_SIGNED_URL_TTL_SECONDS',
    doc: 'How long a signed PDF download link (pdfUrl in webhooks and fax details) stays valid.',
    default: () => 3600,
    parse: int(60, 7 * 24 * 3600),
  },
  masterKey: {
    env: 'FAXSEAL_MASTER_KEY',
    doc: 'Base64 of 32 bytes: the key that encrypts documents and secrets at rest. Unset: a key file is created in the data directory (mode 0600).',
    default: () => null,
    parse: (raw) => {
      if (Buffer.from(raw.trim(), 'base64').length !== 32)
        throw new ConfigError('must be base64 of exactly 32 bytes');
      return raw.trim();
    },
    secret: true,
  },
  extractionProvider: {
    env: 'FAXSEAL_EXTRACTION_PROVIDER',
    doc: 'Extraction provider: layout (reads labels, boxes, tables and tick boxes off the page geometry), rules (the older line-based reader), llama or openai-compatible (layout first, the model fills what layout left empty). Unset: llama when models/ holds a usable GGUF model (see models/README.md), else layout. Language-model providers fall back to layout when they fail.',
    default: () => null,
    parse: (raw) => {
      const v = raw.trim() as ExtractionProviderName;
      if (!EXTRACTION_PROVIDERS.includes(v))
        throw new ConfigError(`must be one of ${EXTRACTION_PROVIDERS.join(', ')}`);
      return v;
    },
  },
  modelsDir: {
    env: 'FAXSEAL_MODELS_DIR',
    doc: 'Folder holding catalog.json and the GGUF models of the llama provider.',
    default: () => path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../models'),
    parse: (raw) => path.resolve(str(raw)),
  },
  llamaModel: {
    env: 'FAXSEAL_LLAMA_MODEL',
    doc: 'Model the llama provider loads: a catalog id, a file name in the models folder, or a path. Unset: the first usable model there (catalog order).',
    default: () => null,
    parse: str,
  },
  extractionBudgetMs: {
    env: 'FAXSEAL_EXTRACTION_BUDGET_MS',
    doc: 'Time one fax may spend in extraction (layout reading and any language model). Past it, what was found so far is returned and the empty fields are listed in needsReview.',
    default: () => 20_000,
    parse: int(100, 600_000),
  },
  llamaThreads: {
    env: 'FAXSEAL_LLAMA_THREADS',
    doc: 'CPU threads llama.cpp uses for one extraction. Default: the number of cores.',
    default: () => Math.max(1, os.availableParallelism()),
    parse: int(1, 256),
  },
  openaiBaseUrl: {
    env: 'FAXSEAL_OPENAI_BASE_URL',
    doc: 'openai-compatible provider: the LAN server up to its API version, e.g. http://10.0.0.5:8000/v1 (vLLM, llama.cpp server, Ollama). Allowed although private: the operator set it.',
    default: () => null,
    parse: url,
  },
  openaiModel: {
    env: 'FAXSEAL_OPENAI_MODEL',
    doc: 'openai-compatible provider: the model name the server knows.',
    default: () => null,
    parse: str,
  },
  openaiApiKey: {
    env: 'FAXSEAL_OPENAI_API_KEY',
    doc: 'openai-compatible provider: bearer key, if the server wants one.',
    default: () => null,
    parse: str,
    secret: true,
  },
  backupPassphrase: {
    env: 'FAXSEAL_BACKUP_PASSPHRASE',
    doc: '`faxseal backup` / `restore`: the passphrase the backup file is encrypted with (or pass `--passphrase-file`). Never stored.',
    default: () => null,
    parse: str,
    secret: true,
  },
  faxMaxMegabytes: {
    env: 'FAXSEAL_FAX_MAX_MB',
    doc: 'Largest document an outbound fax may carry, in MiB (larger ones get 413).',
    default: () => 50,
    parse: int(1, 1024),
  },
  faxMaxPages: {
    env: 'FAXSEAL_FAX_MAX_PAGES',
    doc: 'Most pages an outbound fax may have, cover page included (more get 413).',
    default: () => 200,
    parse: int(1, 10_000),
  },
  outboundConcurrency: {
    env: 'FAXSEAL_OUTBOUND_CONCURRENCY',
    doc: 'Outbound fax calls in progress at once (each holds a media port and a trunk channel).',
    default: () => 8,
    parse: int(1, 1000),
  },
  outboundRingTimeoutSeconds: {
    env: 'FAXSEAL_OUTBOUND_RING_TIMEOUT_SECONDS',
    doc: 'How long an outbound fax call may ring before it is given up as `no_answer`.',
    default: () => 60,
    parse: int(1, 600),
  },
  outboundBusyRetrySchedule: {
    env: 'FAXSEAL_OUTBOUND_BUSY_RETRIES',
    doc: 'Seconds before each new attempt after a `busy` outcome (the count is the number of retries; empty = none).',
    default: () => [300, 600, 1200],
    parse: secondsList,
  },
  outboundNoAnswerRetrySchedule: {
    env: 'FAXSEAL_OUTBOUND_NO_ANSWER_RETRIES',
    doc: 'Seconds before each new attempt after a `no_answer` outcome (empty = none).',
    default: () => [600, 1800],
    parse: secondsList,
  },
  outboundErrorRetrySchedule: {
    env: 'FAXSEAL_OUTBOUND_ERROR_RETRIES',
    doc: 'Seconds before each new attempt after a retryable `transmission_error` (a call dropped mid-document resends only the unconfirmed pages).',
    default: () => [60, 300],
    parse: secondsList,
  },
  trunkKeepaliveSeconds: {
    env: 'FAXSEAL_TRUNK_KEEPALIVE_SECONDS',
    doc: 'Interval of the OPTIONS keepalive sent to every outbound trunk (0 = off).',
    default: () => 60,
    parse: int(0, 3600),
  },
  sessionIdleMinutes: {
    env: 'FAXSEAL_SESSION_IDLE_MINUTES',
    doc: 'A portal or console session ends after this long without a request.',
    default: () => 30,
    parse: int(1, 24 * 60),
  },
  sessionAbsoluteHours: {
    env: 'FAXSEAL_SESSION_ABSOLUTE_HOURS',
    doc: 'A portal or console session ends this long after sign-in, however active.',
    default: () => 12,
    parse: int(1, 24 * 30),
  },
  sessionRateLimitPerMinute: {
    env: 'FAXSEAL_SESSION_RATE_LIMIT_PER_MINUTE',
    doc: 'Partner API requests per minute per portal session (a browser never spends a key’s budget).',
    default: () => 300,
    parse: int(1, 1_000_000),
  },
  authRateLimitPerMinute: {
    env: 'FAXSEAL_AUTH_RATE_LIMIT_PER_MINUTE',
    doc: 'Requests per minute to /api/auth (sign-in, password reset, invite links) per client address, or per session once signed in.',
    default: () => 30,
    parse: int(1, 1_000_000),
  },
  signInMaxFailures: {
    env: 'FAXSEAL_SIGN_IN_MAX_FAILURES',
    doc: 'Failed sign-ins for one email or operator name within the lockout window that lock it (an address is locked after 4× as many).',
    default: () => 5,
    parse: int(1, 1000),
  },
  signInLockoutMinutes: {
    env: 'FAXSEAL_SIGN_IN_LOCKOUT_MINUTES',
    doc: 'The failure window and how long a lock lasts; a lock always ends (a password reset by email lifts it at once).',
    default: () => 15,
    parse: int(1, 24 * 60),
  },
  passwordResetTtlMinutes: {
    env: 'FAXSEAL_PASSWORD_RESET_TTL_MINUTES',
    doc: 'How long a password reset or email confirmation link stays valid.',
    default: () => 60,
    parse: int(5, 7 * 24 * 60),
  },
  inviteTtlHours: {
    env: 'FAXSEAL_INVITE_TTL_HOURS',
    doc: 'How long a team invite link stays valid.',
    default: () => 7 * 24,
    parse: int(1, 90 * 24),
  },
  stripeSecretKey: {
    env: 'FAXSEAL_STRIPE_SECRET_KEY',
    doc: 'Stripe secret key (sk_live_… or sk_test_…; a restricted rk_ key with Customers, Checkout Sessions, Invoices and Invoice Items write access works too). Unset: no Stripe; invoices are computed and shown locally and operators grant credits. Needs FAXSEAL_STRIPE_WEBHOOK_SECRET.',
    default: () => null,
    parse: (raw) => {
      const v = str(raw);
      if (!/^(sk|rk)_(live|test)_\w+$/.test(v))
        throw new ConfigError('must be a Stripe secret key (sk_… or rk_…)');
      return v;
    },
    secret: true,
  },
  stripeWebhookSecret: {
    env: 'FAXSEAL_STRIPE_WEBHOOK_SECRET',
    doc: 'Signing secret (whsec_…) of the Stripe webhook endpoint that points at <public URL>/stripe/webhook; events without a valid signature are refused.',
    default: () => null,
    parse: (raw) => {
      const v = str(raw);
      if (!v.startsWith('whsec_')) throw new ConfigError('must be a Stripe webhook signing secret (whsec_…)');
      return v;
    },
    secret: true,
  },
  stripeApiBase: {
    env: 'FAXSEAL_STRIPE_API_BASE',
    doc: "Where the Stripe API is reached: Stripe's own by default; tests and demos point it at a local server.",
    default: () => 'https://api.stripe.com',
    parse: url,
  },
  billingGraceDays: {
    env: 'FAXSEAL_BILLING_GRACE_DAYS',
    doc: 'Days a partner may stay past due before outbound sends get 402 billing_past_due (inbound faxes are never refused); a voided unpaid invoice older than this cancels the account.',
    default: () => 14,
    parse: int(0, 365),
  },
};

export class InvalidConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

const ENV_PREFIX = 'FAXSEAL_';
/** Variables that are ours but not knobs (read by the CLI or the bootstrap). */
const NON_KNOB_ENV = new Set(['FAXSEAL_CONFIG', 'FAXSEAL_SKIP_SETUP']);

/**
 * Reads configuration from `env` (and the JSON file named by FAXSEAL_CONFIG, whose keys are the
 * knob names, e.g. {"httpPort": 8081}). Environment wins over the file. Throws InvalidConfigError
 * naming every bad or unknown variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const problems: string[] = [];
  const known = new Set(Object.values(KNOBS).map((k) => k.env));
  for (const name of Object.keys(env)) {
    if (name.startsWith(ENV_PREFIX) && !known.has(name) && !NON_KNOB_ENV.has(name)) {
      problems.push(`${name}: unknown setting (known: ${[...known].sort().join(', ')})`);
    }
  }

  let fileValues: Record<string, unknown> = {};
  if (env.FAXSEAL_CONFIG) {
    try {
      fileValues = JSON.parse(readFileSync(env.FAXSEAL_CONFIG, 'utf8'));
    } catch (err) {
      problems.push(`FAXSEAL_CONFIG: cannot read ${env.FAXSEAL_CONFIG}: ${(err as Error).message}`);
    }
    for (const key of Object.keys(fileValues)) {
      if (!(key in KNOBS)) problems.push(`FAXSEAL_CONFIG: unknown key "${key}" in ${env.FAXSEAL_CONFIG}`);
    }
  }

  const partial: Partial<Config> = {};
  // Order matters only for defaults derived from other knobs (publicUrl from the HTTP address).
  for (const name of Object.keys(KNOBS) as (keyof Config)[]) {
    const knob = KNOBS[name] as Knob<typeof name>;
    if (name in overrides) {
      (partial as Record<string, unknown>)[name] = overrides[name];
      continue;
    }
    const raw = env[knob.env] ?? (name in fileValues ? String(fileValues[name]) : undefined);
    if (raw === undefined) {
      (partial as Record<string, unknown>)[name] = knob.default(partial);
      continue;
    }
    try {
      (partial as Record<string, unknown>)[name] = knob.parse(raw);
    } catch (err) {
      const shown = knob.secret ? '(hidden)' : JSON.stringify(raw);
      problems.push(`${knob.env}=${shown}: ${(err as Error).message}`);
    }
  }
  if (partial.extractionProvider === 'openai-compatible' && !(partial.openaiBaseUrl && partial.openaiModel)) {
    problems.push(
      'FAXSEAL_EXTRACTION_PROVIDER=openai-compatible needs FAXSEAL_OPENAI_BASE_URL and FAXSEAL_OPENAI_MODEL',
    );
  }
  if ((partial.sipTlsCert == null) !== (partial.sipTlsKey == null)) {
    problems.push('FAXSEAL_SIP_TLS_CERT and FAXSEAL_SIP_TLS_KEY must be set together');
  }
  if (Boolean(partial.stripeSecretKey) !== Boolean(partial.stripeWebhookSecret)) {
    // A key without the webhook secret would take payments whose credits never land.
    problems.push(
      'FAXSEAL_STRIPE_SECRET_KEY and FAXSEAL_STRIPE_WEBHOOK_SECRET are set together or not at all',
    );
  }
  if (Boolean(partial.tlsCert) !== Boolean(partial.tlsKey)) {
    problems.push('FAXSEAL_TLS_CERT and FAXSEAL_TLS_KEY go together: set both for HTTPS, or neither');
  }
  if (problems.length > 0) throw new InvalidConfigError(problems);
  return partial as Config;
}

/** A knob's default as the documentation shows it (machine-dependent ones in words). */
export function describeDefault(name: keyof Config): string {
  if (name === 'dataDir') return './data';
  if (name === 'ocrPoolSize' || name === 'llamaThreads') return 'number of cores';
  if (name === 'modelsDir') return './models';
  if (name === 'nodeName') return 'host name';
  if (name === 'extractionProvider') return 'auto';
  const value = (KNOBS[name].default as (c: Partial<Config>) => unknown)({});
  if (value === null) return 'unset';
  if (Array.isArray(value)) return value.length > 0 ? value.join(',') : 'empty';
  if (typeof value === 'object') return `${(value as PortRange).first}-${(value as PortRange).last}`;
  return String(value);
}

/** Every knob as a Markdown table: the README's configuration section and `faxseal config --markdown`. */
export function configMarkdownTable(): string {
  const rows = Object.entries(KNOBS).map(
    ([name, knob]) => `| \`${knob.env}\` | \`${describeDefault(name as keyof Config)}\` | ${knob.doc} |`,
  );
  return ['| variable | default | what it does |', '| --- | --- | --- |', ...rows].join('\n');
}
