// Starts a real appliance for a test: its own data directory (and, on PostgreSQL, its own database),
// HTTP on a free loopback port, silent logs. Helpers onboard partners through the real HTTP endpoints.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Appliance, type StartOptions, startAppliance } from '../../src/appliance.ts';
import { type Config, loadConfig } from '../../src/config/config.ts';
import { type Db, type Engine, openDatabase } from '../../src/storage/database.ts';
import type { TelephonyService } from '../../src/telephony/telephony-service.ts';
import { defaultTestEngine, dropTestDatabase, newTestDatabase } from './postgres.ts';

export interface TestAppliance extends Omit<Appliance, 'telephony' | 'sipPort'> {
  /** The appliance's SIP side; throws on a node started without the sip role. */
  telephony: TelephonyService;
  sipPort: number;
  dataDir: string;
  config: Config;
  /** fetch against the appliance; `key` becomes the bearer token, objects are sent as JSON. */
  call(method: string, urlPath: string, options?: CallOptions): Promise<CallResult>;
  /** Applies and verifies a partner through the API; returns its first key. */
  onboardPartner(companyName?: string): Promise<{ partnerId: string; apiKey: string }>;
  /** Stops and deletes the data directory (unless `keepData`). */
  shutdown(options?: { keepData?: boolean }): Promise<void>;
}

export interface CallOptions {
  key?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export function tempDataDir(label = 'faxseal'): string {
  return mkdtempSync(path.join(os.tmpdir(), `${label}-`));
}

export function testConfig(dataDir: string, overrides: Partial<Config> = {}): Config {
  return loadConfig(
    {},
    {
      dataDir,
      httpHost: '127.0.0.1',
      httpPort: 0,
      sipPort: 0,
      // TEST_LOG_LEVEL=error shows what a failing test's appliance logged.
      logLevel: (process.env.TEST_LOG_LEVEL as Config['logLevel'] | undefined) ?? 'silent',
      // A developer's real model in models/ must not switch every test appliance to llama.
      modelsDir: path.join(dataDir, 'models'),
      ...overrides,
    },
  );
}

let partnerCounter = 0;

/** PostgreSQL databases by data directory: an appliance started again on its data directory finds its data. */
const databases = new Map<string, string>();

/**
 * The database target of a test data directory on `engine`: nothing to add for SQLite (the file in
 * the directory), a database of the test server for PostgreSQL, the same one every time.
 */
export async function testDatabase(
  dataDir: string,
  engine: Engine = defaultTestEngine(),
): Promise<{ databaseUrl: string | null }> {
  if (engine === 'sqlite') return { databaseUrl: null };
  let url = databases.get(dataDir);
  if (!url) {
    url = await newTestDatabase();
    databases.set(dataDir, url);
  }
  return { databaseUrl: url };
}

/**
 * A migrated database for a test data directory on the test engine (no appliance around it); the
 * test's `after` closes it and removes the directory and the PostgreSQL database.
 */
export async function openTestDatabase(
  t: { after: (fn: () => Promise<void> | void) => void },
  dataDir: string,
  engine: Engine = defaultTestEngine(),
): Promise<Db> {
  const target = await testDatabase(dataDir, engine);
  const db = openDatabase({ dataDir, ...target });
  t.after(async () => {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
    databases.delete(dataDir);
    if (target.databaseUrl) await dropTestDatabase(target.databaseUrl);
  });
  return db;
}

export async function startTestAppliance(
  overrides: Partial<Config> = {},
  options: StartOptions & { dataDir?: string; engine?: Engine } = {},
): Promise<TestAppliance> {
  const dataDir = options.dataDir ?? tempDataDir();
  const config = testConfig(dataDir, { ...(await testDatabase(dataDir, options.engine)), ...overrides });
  const appliance = await startAppliance(config, { quiet: true, ...options });

  const call = async (
    method: string,
    urlPath: string,
    callOptions: CallOptions = {},
  ): Promise<CallResult> => {
    const headers: Record<string, string> = { ...callOptions.headers };
    if (callOptions.key) headers.authorization = `Bearer ${callOptions.key}`;
    let body: string | undefined;
    if (callOptions.body !== undefined) {
      body = typeof callOptions.body === 'string' ? callOptions.body : JSON.stringify(callOptions.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(appliance.httpUrl + urlPath, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, headers: res.headers, body: parsed, text };
  };

  const sip = () => {
    if (!appliance.telephony) throw new Error('this test appliance runs without the sip role');
    return appliance.telephony;
  };
  return {
    ...appliance,
    get telephony() {
      return sip();
    },
    get sipPort() {
      return sip().sipPort;
    },
    dataDir,
    config,
    call,
    async onboardPartner(companyName = `Partner ${++partnerCounter}`) {
      const email = `owner${partnerCounter}-${Date.now()}@partner.test`;
      // Onboarding allows 20 requests a minute per address: a suite that onboards more waits, as a client would.
      const politely = async (method: string, urlPath: string, options: CallOptions = {}) => {
        for (let attempt = 0; ; attempt++) {
          const r = await call(method, urlPath, options);
          if (r.status !== 429 || attempt >= 3) return r;
          await new Promise((done) => setTimeout(done, (Number(r.headers.get('retry-after')) || 5) * 1000));
        }
      };
      const applied = await politely('POST', '/partners/apply', { body: { companyName, email } });
      if (applied.status !== 202) throw new Error(`apply failed: ${applied.text}`);
      const verification = appliance.services.emails
        .sentTo(email)
        .find((e) => e.kind === 'partner_verification')!;
      const token = /token=([\w-]+)/.exec(verification.text)![1];
      const verified = await politely('GET', `/partners/verify?token=${token}`);
      if (verified.status !== 200) throw new Error(`verify failed: ${verified.text}`);
      return { partnerId: verified.body.partnerId, apiKey: verified.body.apiKey };
    },
    async shutdown(shutdownOptions = {}) {
      await appliance.stop();
      if (shutdownOptions.keepData) return;
      rmSync(dataDir, { recursive: true, force: true });
      const url = databases.get(dataDir);
      databases.delete(dataDir);
      if (url) await dropTestDatabase(url);
    },
  };
}

/** A clock tests move by hand (expiry, quarantine, retention). */
export class ManualClock {
  private current: number;
  constructor(start = Date.now()) {
    this.current = start;
  }
  now(): Date {
    return new Date(this.current);
  }
  advanceMinutes(minutes: number): void {
    this.current += minutes * 60_000;
  }
  advanceDays(days: number): void {
    this.advanceMinutes(days * 24 * 60);
  }
}

/** Asserts the RFC 9457 shape every error must have and returns the body. */
export function expectProblem(result: CallResult, status: number, code: string): any {
  if (result.status !== status || result.body?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${result.status}: ${result.text}`);
  }
  const type = result.headers.get('content-type') ?? '';
  if (!type.startsWith('application/problem+json')) throw new Error(`expected problem+json, got ${type}`);
  for (const field of ['type', 'title', 'status', 'code']) {
    if (!(field in result.body)) throw new Error(`problem body lacks ${field}: ${result.text}`);
  }
  return result.body;
}
