// What a start does before anything else runs, to finish what a killed process left behind: calls
// it died in become faxes with their confirmed pages, outbound faxes no job will send again fail
// (refunded), its spool goes, and blobs written just before the crash that no row names are deleted.
// Runs before HTTP, SIP and the job queue start.

import type { Services } from './services.ts';
import { sweepSpool } from './storage/spool.ts';

export interface RecoveryReport {
  /** Inbound faxes that were still receiving: now partial (or failed, with no page). */
  interruptedFaxes: number;
  /** Outbound faxes left queued or sending with no attempt left: now failed. */
  strandedSends: number;
  spoolEntries: number;
  unreferencedBlobs: number;
  partialBlobs: number;
}

export async function recoverAfterCrash(services: Services): Promise<RecoveryReport> {
  const { intake, blobs, faxes, log } = services;
  const interruptedFaxes = await intake.recoverInterrupted();
  const strandedSends = services.outbound.faxes.sweepStranded();
  // The pages are in the blob store: the spool copies (and any other call's or job's files) go.
  const spoolEntries = sweepSpool(services.config.dataDir);
  const swept = blobs.sweepUnreferenced(faxes.referencedBlobs());
  const report = {
    interruptedFaxes,
    strandedSends,
    spoolEntries,
    unreferencedBlobs: swept.unreferenced,
    partialBlobs: swept.partial,
  };
  if (Object.values(report).some((n) => n > 0)) log.warn(report, 'cleaned up after a previous process');
  return report;
}
