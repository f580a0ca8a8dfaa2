// `npm run fax -- send --to <number> [options] <file.pdf|file.tiff>`: a remote fax machine on the command line,
// for demos and for checking a trunk. Prints progress per page and the T.30 result.
// Exit codes: 0 sent, 1 the fax failed (T.30), 2 the call was refused or not answered, 64 usage error.

import { parseArgs } from 'node:util';
import { loadFaxDocument } from './fax-document.ts';
import { FaxSimulator, type SimulatorMode, type SimulatorProgress } from './fax-simulator.ts';

const USAGE = `usage: npm run fax -- send --to <number> [--from <number>] [--target host:port] [--transport udp|tcp]
         [--mode t38|audio|reinvite] [--codec pcmu|pcma] [--accept-t38] [--loss <percent>]
         [--hangup-after-page <n>] [--bind <address>] <file.pdf|file.tiff>

  --target      the appliance or trunk to call (default 127.0.0.1:5060)
  --mode        t38 (default), audio (G.711 only; refuses T.38 unless --accept-t38), reinvite (audio, then our
                re-INVITE to T.38)
  --loss        percent of media datagrams dropped each way by a relay in front of the simulator
  --bind        local address for SIP and media (default 127.0.0.1)`;

const EXIT = { sent: 0, faxFailed: 1, notAnswered: 2, usage: 64 } as const;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(EXIT.usage);
}

function describe(event: SimulatorProgress): string {
  switch (event.type) {
    case 'ringing':
      return `ringing (${event.status})`;
    case 'answered':
      return `answered, media ${event.transport === 't38' ? 'T.38' : 'G.711'}`;
    case 'switched':
      return `switched to T.38 (re-INVITE from ${event.by === 'local' ? 'us' : 'the far end'})`;
    case 'negotiated':
      return `negotiated ${event.bitRate} bit/s, ECM ${event.ecm ? 'on' : 'off'}, far end "${event.remoteIdent}"`;
    case 'page':
      return `page ${event.page}${event.pagesInFile > 0 ? ` of ${event.pagesInFile}` : ''} sent`;
    case 'hangup':
      return `hanging up after page ${event.afterPage}, as asked`;
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      to: { type: 'string' },
      from: { type: 'string' },
      target: { type: 'string', default: '127.0.0.1:5060' },
      transport: { type: 'string', default: 'udp' },
      mode: { type: 'string', default: 't38' },
      codec: { type: 'string', default: 'pcmu' },
      'accept-t38': { type: 'boolean', default: false },
      loss: { type: 'string' },
      'hangup-after-page': { type: 'string' },
      bind: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.sent;
  }
  const [command, file, ...rest] = positionals;
  if (command !== 'send') fail(command ? `unknown command "${command}"` : 'a command is required');
  if (!file || rest.length > 0) fail('exactly one file to send is required');
  if (!values.to) fail('--to <number> is required');
  const target = /^(.+):(\d+)$/.exec(values.target);
  if (!target) fail(`--target must be host:port, got "${values.target}"`);
  const mode = values.mode as SimulatorMode;
  if (!['t38', 'audio', 'reinvite'].includes(mode)) fail(`--mode must be t38, audio or reinvite`);
  if (values.codec !== 'pcmu' && values.codec !== 'pcma') fail('--codec must be pcmu or pcma');
  if (values.transport !== 'udp' && values.transport !== 'tcp') fail('--transport must be udp or tcp');
  const loss = values.loss === undefined ? undefined : Number(values.loss);
  if (loss !== undefined && !(loss >= 0 && loss < 100)) fail('--loss must be a percentage from 0 to 99');
  const hangupAfterPage =
    values['hangup-after-page'] === undefined ? undefined : Number(values['hangup-after-page']);
  if (hangupAfterPage !== undefined && !(Number.isInteger(hangupAfterPage) && hangupAfterPage > 0))
    fail('--hangup-after-page must be a page number');

  let document: Awaited<ReturnType<typeof loadFaxDocument>>;
  try {
    document = await loadFaxDocument(file);
  } catch (err) {
    fail(`cannot read ${file}: ${(err as Error).message}`);
  }
  const simulator = await FaxSimulator.start({ address: values.bind });
  const started = Date.now();
  const say = (line: string) =>
    process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
  say(
    `calling ${values.to} at ${values.target} (${mode}${mode === 't38' ? '' : `, ${values.codec}`}` +
      `${loss ? `, ${loss} % loss` : ''}) with ${document.pages} page(s)`,
  );
  try {
    const result = await simulator.send({
      to: values.to,
      from: values.from,
      target: { host: target[1], port: Number(target[2]), transport: values.transport },
      tiffPath: document.tiffPath,
      mode,
      codec: values.codec,
      acceptT38: values['accept-t38'],
      lossPercent: loss,
      hangupAfterPage,
      onProgress: (event) => say(describe(event)),
    });
    if (!result.answered || !result.fax) {
      say(`call not answered: ${result.sipStatus} ${result.sipReason}`);
      return EXIT.notAnswered;
    }
    const { fax } = result;
    say(
      `T.30 result ${fax.code} (${fax.text}): ${fax.pages} page(s) sent in ${(fax.durationMs / 1000).toFixed(1)} s ` +
        `over ${result.transport === 't38' ? 'T.38' : 'G.711'}, ${fax.stats.bitRate} bit/s, ECM ${fax.stats.ecm ? 'on' : 'off'}`,
    );
    if (result.relay)
      say(
        `relay dropped ${result.relay.dropped} of ${result.relay.forwarded + result.relay.dropped} datagrams`,
      );
    return fax.ok ? EXIT.sent : EXIT.faxFailed;
  } finally {
    await simulator.stop();
    document.release();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`fax simulator failed: ${err.message}\n`);
    process.exit(EXIT.faxFailed);
  },
);
