// Starts the appliance in the foreground on its configured (or embedded default) addresses and
// shuts it down cleanly on SIGINT/SIGTERM.

import { startAppliance } from './appliance.ts';
import { InvalidConfigError, loadConfig } from './config/config.ts';
import { MasterKeyMismatchError } from './storage/master-key-check.ts';

try {
  const config = loadConfig();
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
