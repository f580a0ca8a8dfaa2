// Starts the appliance in the foreground on its configured (or embedded default) addresses and
// shuts it down cleanly on SIGINT/SIGTERM.

import { startAppliance } from './appliance.ts';
import { InvalidConfigError, loadConfig } from './config/config.ts';
import { DataDirInUseError } from './storage/appliance-lock.ts';

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
  if (err instanceof InvalidConfigError) {
    console.error(err.message);
    process.exit(78); // EX_CONFIG
  }
  if (err instanceof DataDirInUseError) {
    console.error(err.message);
    process.exit(75); // EX_TEMPFAIL: start it again once the other one stopped
  }
  throw err;
}
