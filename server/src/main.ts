// Starts the appliance in the foreground on its configured (or embedded default) addresses and
// shuts it down cleanly on SIGINT/SIGTERM.

import { startAppliance } from './appliance.ts';
import { InvalidConfigError, loadConfig } from './config/config.ts';
import { probeNativeEngine } from './ocr/ocr-engine.ts';
import { MasterKeyMismatchError } from './storage/master-key-check.ts';

try {
  const config = loadConfig();
  // The first fax would otherwise load libtesseract and its model on the event loop, a ~0.3 s stall
  // seen in a CPU profile of the SIP fuzz: load it now, before anything listens (the result is cached).
  if (config.nodeRoles.includes('ocr') && config.ocrEngine !== 'tesseract.js') probeNativeEngine();
  const appliance = await startAppliance(config);
  const stop = async (signal: string) => {
    appliance.services.log.info({ signal }, 'shutting down');
    await appliance.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
} catch (err) {
  if (err instanceof InvalidConfigError || err instanceof MasterKeyMismatchError) {
    console.error(err.message);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}
