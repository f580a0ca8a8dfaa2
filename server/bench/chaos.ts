// `npm run bench:chaos -- --trials 100 [--lanes 4] [--seed 1] [--max-delay-ms 15000]`: the long
// chaos run (see server/test/chaos/chaos.ts): SIGKILLs of the appliance at random moments while
// faxes come in and go out, then the counts — where the kills landed, pages confirmed, sends
// delivered or failed, month closes and invoices checked, events and webhook requests — and every
// invariant that broke. Exit 1 if any.

import { parseArgs } from 'node:util';
import { runChaos } from '../test/chaos/chaos.ts';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '100' },
    lanes: { type: 'string', default: '4' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    'max-delay-ms': { type: 'string', default: '15000' },
  },
});
const options = {
  trials: Number(values.trials),
  lanes: Number(values.lanes),
  seed: Number(values.seed),
  maxKillDelayMs: Number(values['max-delay-ms']),
};
console.log(`chaos: ${options.trials} trials in ${options.lanes} lanes, seed ${options.seed}`);
const report = await runChaos({ ...options, log: (line) => console.log(`  ${line}`) });
console.log(`
trials               ${report.trials} in ${(report.wallMs / 1000).toFixed(0)} s
kills landed during  ${Object.entries(report.kills)
  .map(([phase, n]) => `${phase} ${n}`)
  .join(', ')}
inbound calls        ${report.inboundCalls}, pages confirmed ${report.pagesConfirmed}, partial faxes ${report.partialFaxes}
sends acknowledged   ${report.sendsAcknowledged}: delivered ${report.sendsDelivered}, failed ${report.sendsFailed}${Object.entries(
  report.failures,
)
  .map(([why, n]) => `\n  ${n} × ${why}`)
  .join('')}
month closes         ${report.closes.job} by the job, ${report.closes.cli} by the CLI (${report.closes.cliRerun} cut short and run again); ${report.invoicesChecked} partner-months invoiced and checked here and in Stripe
webhook events       ${report.eventsRecorded} recorded, ${report.webhookRequests} requests received
violations           ${report.violations.length}`);
for (const v of report.violations) console.log(`  ${v}`);
process.exit(report.violations.length > 0 ? 1 : 0);
