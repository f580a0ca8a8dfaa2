// `npm run fax -- send --to <number> [options] <file.pdf|file.tiff>`: a remote fax machine on the command line,
// for demos and for checking a trunk. Prints progress per page and the T.30 result.
// Exit codes: 0 sent, 1 the fax failed (T.30), 2 the call was refused or not answered, 64 usage error.
// `npm run fax -- receive [options]`: the far end of an outbound fax (a fax machine, a busy line, a line nobody
// answers, a voice line); prints each call and each fax received until interrupted (exit 0).

import { parseArgs } from 'node:util';
import { loadFaxDocument } from './fax-document.ts';
import { RECEIVE_MODES, type ReceivedCall, type ReceiveMode } from './fax-receiver.ts';
import { FaxSimulator, type SimulatorMode, type SimulatorProgress } from './fax-simulator.ts';

const USAGE = `usage: npm run fax -- send --to <number> [--from <number>] [--target host:port] [--transport udp|tcp]
         [--mode t38|audio|reinvite] [--codec pcmu|pcma] [--accept-t38] [--loss <percent>]
         [--hangup-after-page <n>] [--bind <address>] <file.pdf|file.tiff>

  --target      the appliance or trunk to call (default 127.0.0.1:5060)
  --mode        t38 (default), audio (G.711 only; refuses T.38 unless --accept-t38), reinvite (audio, then our
                re-INVITE to T.38)
  --loss        percent of media datagrams dropped each way by a relay in front of the simulator
  --bind        local address for SIP and media (default 127.0.0.1)

       npm run fax -- receive [--bind 127.0.0.1] [--port 5062] [--number <number>]
         [--mode fax|busy|no-answer|voice|reject] [--status <sip status>] [--no-t38] [--request-t38]
         [--hangup-after-page <n>] [--ring <seconds>] [--out <dir>]

  --mode        fax (default): answer as a fax machine, T.38 when offered, else G.711; busy: 486; no-answer:
                180 until the caller gives up; voice: answer with a 400 Hz tone, no fax tones; reject: --status
  --no-t38      an audio-only machine: 488 to T.38 offers and re-INVITEs
  --request-t38 on a G.711 call, re-INVITE to T.38 ourselves 1 s after the answer
  --out         where received faxes are written as TIFF (default ./received-faxes)`;

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

function describeCall(c: ReceivedCall): string {
  const who = `call ${c.index} from ${c.from ?? '?'} to ${c.to ?? '?'}`;
  if (c.sipStatus !== 200)
    return `${who}: ${c.sipStatus === 487 ? 'caller gave up (487)' : `refused ${c.sipStatus}`}`;
  if (!c.fax)
    return `${who}: answered as a voice line (${c.refusedReinvites} T.38 re-INVITE(s) refused), ${(c.durationMs / 1000).toFixed(1)} s, hung up by ${c.hungUpBy === 'local' ? 'us' : 'the caller'}`;
  const f = c.fax;
  return (
    `${who}: T.30 result ${f.code} (${f.text}): ${f.pages} page(s) received over ${c.transport === 't38' ? 'T.38' : 'G.711'}` +
    `${c.switchedToT38By ? ` (re-INVITE from ${c.switchedToT38By === 'local' ? 'us' : 'the caller'})` : ''}, ` +
    `${f.bitRate} bit/s, ECM ${f.ecm ? 'on' : 'off'}, far end "${f.remoteIdent}" -> ${f.rxTiff}`
  );
}

async function receive(values: Record<string, string | boolean | undefined>): Promise<number> {
  const mode = (values.mode ?? 'fax') as ReceiveMode;
  if (!RECEIVE_MODES.includes(mode)) fail(`--mode must be one of ${RECEIVE_MODES.join(', ')}`);
  const port = Number(values.port ?? 5062);
  if (!(Number.isInteger(port) && port >= 0 && port < 65536)) fail('--port must be a UDP port');
  const status = values.status === undefined ? undefined : Number(values.status);
  if (status !== undefined && !(Number.isInteger(status) && status >= 300 && status <= 699))
    fail('--status must be a SIP status from 300 to 699');
  const hangupAfterPage =
    values['hangup-after-page'] === undefined ? undefined : Number(values['hangup-after-page']);
  if (hangupAfterPage !== undefined && !(Number.isInteger(hangupAfterPage) && hangupAfterPage > 0))
    fail('--hangup-after-page must be a page number');
  const ring = values.ring === undefined ? undefined : Number(values.ring);
  if (ring !== undefined && !(ring >= 0 && ring <= 600)) fail('--ring must be seconds from 0 to 600');
  const bind = String(values.bind);
  const simulator = await FaxSimulator.start({ address: bind, sipPort: port });
  const started = Date.now();
  const say = (line: string) =>
    process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
  const receiver = simulator.receive({
    number: values.number as string | undefined,
    mode,
    rejectStatus: status,
    acceptT38: !values['no-t38'],
    requestT38AfterMs: values['request-t38'] ? 1000 : undefined,
    hangupAfterPage,
    ringSeconds: ring,
    outDir: String(values.out ?? 'received-faxes'),
    onPage: (e) => say(`page ${e.page} received (call ${e.callId})`),
    onCall: (c) => say(describeCall(c)),
  });
  say(
    `receiving on sip:${values.number ?? '<any number>'}@${bind}:${simulator.sipPort} (udp) as ${mode}` +
      `${hangupAfterPage ? `, hanging up after page ${hangupAfterPage}` : ''}; faxes go to ${receiver.outDir}`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  say(`stopping after ${receiver.calls.length} call(s)`);
  await simulator.stop();
  return EXIT.sent;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'receive') {
    const { values, positionals } = parseArgs({
      args: argv.slice(1),
      allowPositionals: true,
      options: {
        bind: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '5062' },
        number: { type: 'string' },
        mode: { type: 'string', default: 'fax' },
        status: { type: 'string' },
        'no-t38': { type: 'boolean', default: false },
        'request-t38': { type: 'boolean', default: false },
        'hangup-after-page': { type: 'string' },
        ring: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return EXIT.sent;
    }
    if (positionals.length > 0) fail(`receive takes no file, got "${positionals[0]}"`);
    return receive(values);
  }
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
  if (command !== 'send')
    fail(command ? `unknown command "${command}" (send or receive)` : 'a command is required');
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
