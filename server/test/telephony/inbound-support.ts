// Shared set-up for the inbound fax suites: a real appliance (SIP on a free port), a partner with numbers,
// the fax simulator as the remote machine, and readers for what the appliance committed.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FaxPage, readFaxTiff, writeFaxTiff } from '../../../native-workers/spandsp/index.ts';
import type { StartOptions } from '../../src/appliance.ts';
import type { Config } from '../../src/config/config.ts';
import { FaxSimulator, type FaxSimulatorOptions } from '../../src/simulator/fax-simulator.ts';
import type { InboundCallOutcome } from '../../src/telephony/inbound-call.ts';
import { startTestAppliance, type TestAppliance } from '../support/test-appliance.ts';

export interface FaxBench {
  app: TestAppliance;
  apiKey: string;
  dir: string;
  /** Gives `externalUserId` a number; returns it in E.164. */
  provision(externalUserId: string): Promise<string>;
  /** The appliance's outcome for a call, once its fax is committed. */
  outcome(callId: string): Promise<InboundCallOutcome>;
  /** Writes pages as a T.6 TIFF the simulator can send. */
  tiff(name: string, pages: FaxPage[]): string;
  /** The pages the appliance stored for a fax, decoded from the sealed TIFF blob. */
  storedPages(faxId: string): FaxPage[];
  simulator(options?: FaxSimulatorOptions): Promise<FaxSimulator>;
  close(): Promise<void>;
}

export async function startFaxBench(
  overrides: Partial<Config> = {},
  options: StartOptions = {},
): Promise<FaxBench> {
  const app = await startTestAppliance(overrides, options);
  const { apiKey } = await app.onboardPartner();
  const dir = mkdtempSync(join(tmpdir(), 'faxseal-inbound-'));
  const outcomes = new Map<string, InboundCallOutcome>();
  const waiters = new Map<string, (o: InboundCallOutcome) => void>();
  app.telephony.on('call', (o) => {
    outcomes.set(o.callId, o);
    waiters.get(o.callId)?.(o);
  });
  const simulators: FaxSimulator[] = [];
  return {
    app,
    apiKey,
    dir,
    async provision(externalUserId) {
      const r = await app.call('POST', '/api/partner/numbers', {
        key: apiKey,
        body: { externalUserId, tier: 'personal' },
      });
      if (r.status !== 201 && r.status !== 200) throw new Error(`provision failed: ${r.text}`);
      return r.body.number as string;
    },
    outcome(callId) {
      const known = outcomes.get(callId);
      if (known) return Promise.resolve(known);
      return new Promise((resolve) => waiters.set(callId, resolve));
    },
    tiff(name, pages) {
      const path = join(dir, `${name}.tif`);
      writeFaxTiff(path, pages);
      return path;
    },
    storedPages(faxId) {
      const pages = app.services.faxes.pages(faxId);
      if (pages.length === 0 || !pages[0].imageBlob) return [];
      const path = join(dir, `${faxId}-stored.tif`);
      writeFileSync(path, app.services.blobs.get(pages[0].imageBlob));
      return readFaxTiff(path).pages;
    },
    async simulator(options) {
      const sim = await FaxSimulator.start(options);
      simulators.push(sim);
      return sim;
    },
    async close() {
      await Promise.all(simulators.map((s) => s.stop()));
      await app.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const applianceTarget = (bench: FaxBench) => ({ host: '127.0.0.1', port: bench.app.sipPort });
