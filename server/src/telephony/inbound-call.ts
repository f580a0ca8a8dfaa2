// One inbound fax call from INVITE to committed fax: route it (or refuse with the router's status), ring,
// answer with T.38 or G.711 as offered, move to T.38 by re-INVITE when the trunk does T.38, receive, and
// when T.30 ends or the call drops stop the media session and commit the fax before releasing anything.
// The fax row exists from the answer, and each page is stored before the sender is told it arrived. A far end
// that never hangs up gets our BYE FAR_END_HANGUP_MS after phase E; one that went silent is ended by the media
// worker's silence limit; neither holds the channel.

import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  CompletedEvent,
  MediaEngine,
  MediaStats,
  PageEvent,
} from '../../../native-workers/media/media-engine.ts';
import { T30CompletionCode } from '../../../native-workers/spandsp/codes.ts';
import type { Clock } from '../clock.ts';
import type { InboundStatus } from '../faxes/fax-repository.ts';
import { createPrivateSpoolFile, type InboundIntake } from '../faxes/inbound-intake.ts';
import { isDatabaseUnavailable } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import type { CallRouter, RouteDecision } from './call-router.ts';
import { audioCodecOf, chooseAnswer, FaxCallMedia, type LocalSdp } from './fax-call-media.ts';
import { CallState } from './sip/call.ts';
import type { IncomingCall } from './sip/incoming-call.ts';
import type { SipLogger } from './sip/logger.ts';
import type { SipNoticeSummary } from './sip/notice-summary.ts';
import { SipStatus } from './sip/status.ts';
import { realTimers, type TimerSource } from './sip/timer-source.ts';

/** After phase E, how long the far end gets to send its BYE (and our last frames to leave) before ours. */
const FAR_END_HANGUP_MS = 1500;
/**
 * A fax whose call ended while the database was away (a PostgreSQL restart) is committed again this
 * often, for up to COMMIT_PATIENCE_MS: its confirmed pages wait in the spool file meanwhile.
 */
const COMMIT_RETRY_MS = 1000;
const COMMIT_PATIENCE_MS = 15 * 60_000;

export type InboundCallOutcome =
  | { kind: 'rejected'; callId: string; status: number; reason: string }
  | { kind: 'cancelled'; callId: string }
  | {
      kind: 'fax';
      callId: string;
      faxId: string;
      status: InboundStatus;
      transport: 't38' | 'audio';
      switchedToT38By?: 'local' | 'remote';
      pages: number;
      t30Code: number;
      t30Text: string;
      /** Who ended the call: the far end's BYE, or ours (after phase E, or on its silence). */
      hungUpBy: 'local' | 'remote';
      /** Set when the far end went silent and the media worker ended the session: ms since its last datagram. */
      farEndSilentMs?: number;
      /** Datagrams and IFPs as our side of the media saw them (what error correction rebuilt, what was lost). */
      media?: MediaStats;
    };

export interface InboundCallContext {
  router: CallRouter;
  intake: InboundIntake;
  /** The media engine, started on first use. */
  engine: () => MediaEngine;
  clock: Clock;
  log: SipLogger;
  /** Refused INVITEs are counted here (one summary line per interval), not logged one by one. */
  notices: SipNoticeSummary;
  spoolDir: string;
  /** A fresh SDP session for our media address. */
  newSdp: () => LocalSdp;
  /** Ring time before answering, so a CANCEL can still win. */
  answerDelayMs: number;
  /** On an audio call over a T.38 trunk, how long the far end has to re-INVITE to T.38 before we do. */
  t38ReinviteDelayMs: number;
  /** The wait for the far end's BYE after phase E runs on these: a virtual clock in tests. Default real. */
  timers?: TimerSource;
}

/** A function, not an inline test: the call's state changes behind the compiler's back across awaits. */
const isUp = (call: IncomingCall): boolean => call.state !== CallState.Terminated;

/** Resolves after `ms` on `timers`, or as soon as `other` settles (the timer then cleared). */
function raceTimer(timers: TimerSource, ms: number, other: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const handle = timers.setTimeout(resolve, ms);
    void other.then(() => {
      timers.clearTimeout(handle);
      resolve();
    });
  });
}

function terminated(call: IncomingCall): Promise<void> {
  if (call.state === CallState.Terminated) return Promise.resolve();
  return call.next('terminated').then(() => undefined);
}

export async function handleInboundCall(
  call: IncomingCall,
  ctx: InboundCallContext,
): Promise<InboundCallOutcome> {
  const { callId } = call;
  const refuse = (status: number, reason: string, detail = reason): InboundCallOutcome => {
    ctx.notices.note(`invite_refused:${status}`, call.source.address, { callId, detail });
    call.reject(status, reason);
    return { kind: 'rejected', callId, status, reason };
  };
  let decision: RouteDecision;
  try {
    decision = ctx.router.route({
      calledUser: call.toUser ?? '',
      callingUser: call.fromUser ?? null,
      sourceIp: call.source.address,
    });
  } catch (err) {
    // Without an answer the caller would wait out Timer B (408); 503 lets a proxy try another node
    // and a carrier retry. Nothing is known about the call yet, so nothing is lost.
    if (!isDatabaseUnavailable(err)) throw err;
    return refuse(SipStatus.ServiceUnavailable, 'Service Unavailable', 'database unavailable');
  }
  if (decision.kind === 'reject') return refuse(decision.status, decision.reason, decision.detail);
  const { trunk, number } = decision;
  if (!call.sdpOffer) return refuse(SipStatus.NotAcceptableHere, 'an SDP offer is required');

  const sdp = ctx.newSdp();
  const t38Allowed = trunk.t38;
  const choice = chooseAnswer(sdp, call.sdpOffer, {
    t38: t38Allowed,
    codecs: trunk.codecs.map(audioCodecOf),
  });
  if (!choice.ok) return refuse(choice.status, choice.reason);
  const offered = choice.media;

  ctx.log.info(
    {
      callId,
      trunk: trunk.name,
      to: decision.to,
      transport: offered.transport,
      source: call.source.transport,
    },
    'inbound fax call',
  );
  call.ringing();
  const faxId = newId('fax');
  const rxTiffPath = join(ctx.spoolDir, `${faxId}.tif`);
  // The page in progress is fax content in the clear: only the appliance's user may read it.
  mkdirSync(ctx.spoolDir, { recursive: true, mode: 0o700 });
  createPrivateSpoolFile(rxTiffPath);
  const engine = ctx.engine();
  let localPort: number;
  try {
    ({ localPort } = await engine.startSession({
      sessionId: faxId,
      transport: offered.transport,
      codec: offered.transport === 'audio' ? offered.codec : undefined,
      t38: offered.transport === 't38' ? offered.t38 : undefined,
      role: 'answering',
      job: { rxTiff: rxTiffPath, localIdent: number.number, confirmPages: true },
    }));
  } catch (err) {
    ctx.log.error({ callId, err: (err as Error).message }, 'inbound call: no media session');
    rmSync(rxTiffPath, { force: true });
    return refuse(SipStatus.ServiceUnavailable, 'Media Unavailable');
  }

  const ended = terminated(call);
  await Promise.race([sleep(ctx.answerDelayMs), ended]);
  if (call.state === CallState.Terminated) {
    // CANCEL (or BYE) while ringing: no fax happened, nothing to commit.
    await engine.stopSession(faxId).catch(() => undefined);
    rmSync(rxTiffPath, { force: true });
    return { kind: 'cancelled', callId };
  }
  const startedAt = ctx.clock.now();
  const answered = {
    faxId,
    callId,
    trunkId: trunk.id,
    number,
    from: decision.from,
    to: decision.to,
    transport: offered.transport,
    startedAt,
  };
  try {
    ctx.intake.open(answered);
  } catch (err) {
    // No fax row, no answer: a sender must never see pages confirmed that have nowhere to go.
    ctx.log.error({ callId, err: (err as Error).message }, 'inbound call: cannot record the fax');
    await engine.stopSession(faxId).catch(() => undefined);
    rmSync(rxTiffPath, { force: true });
    return refuse(SipStatus.ServiceUnavailable, 'Service Unavailable');
  }
  // Each page the worker reports is stored, then its held answer (MCF) released, one page at a time.
  let pagesStored: Promise<void> = Promise.resolve();
  const onPage = (e: PageEvent) => {
    if (e.sessionId !== faxId || e.direction !== 'rx') return;
    pagesStored = pagesStored.then(() => {
      try {
        ctx.intake.commitPages(faxId, rxTiffPath);
      } catch (err) {
        // The page stays in the spool file; the commit at the end of the call tries again.
        ctx.log.error({ callId, faxId, err: (err as Error).message }, 'inbound page could not be stored');
      }
      engine.pageDurable(faxId);
    });
  };
  engine.on('page', onPage);
  const answer = choice.answer(localPort);
  const media = new FaxCallMedia({
    engine,
    call,
    sessionId: faxId,
    sdp,
    advertisedPort: localPort,
    media: offered,
    acceptT38: t38Allowed,
    log: ctx.log,
  });
  const completion = engine.waitForCompletion(faxId).catch(() => undefined);
  if (offered.transport === 'audio' && t38Allowed) {
    call.once('ack', () => void media.requestT38After(ctx.t38ReinviteDelayMs));
  }
  call.answer(answer);
  // No media before the answer: the terminal starts (CED, then DIS) once it knows where to send.
  engine.updateRemote(faxId, offered.remote);

  // Whichever comes first: T.30 ends (then the far end normally hangs up) or the call drops.
  const first = await Promise.race([
    completion.then(() => 'fax' as const),
    ended.then(() => 'call' as const),
  ]);
  // A far end that went silent will send no BYE either: no point waiting for one.
  if (first === 'fax' && (await completion)?.silentForMs === undefined)
    await raceTimer(ctx.timers ?? realTimers, FAR_END_HANGUP_MS, ended);
  await engine.stopSession(faxId).catch(() => undefined);
  const done: CompletedEvent | undefined = await completion;
  engine.off('page', onPage);
  await pagesStored;

  const stats = done?.stats;
  // No completion at all: the media worker died under the call.
  const t30Code = done?.code ?? T30CompletionCode.CALLDROPPED;
  const t30Text = done?.text ?? 'Media session lost';
  const status = await commitPatiently(ctx, {
    ...answered,
    transport: media.transport,
    rxTiffPath,
    t30Code,
    t30Text,
    pagesReceived: done?.pages ?? 0,
    remoteStationId: stats?.remoteIdent ? stats.remoteIdent : null,
    bitRate: stats && stats.bitRate > 0 ? stats.bitRate : null,
    ecm: stats && stats.bitRate > 0 ? stats.ecm : null,
    completedAt: ctx.clock.now(),
  });
  // Only now, with the fax durable, does the call go. Its BYE is not waited for: a far end that vanished would
  // hold the channel for Timer F (32 s) with nothing left to do.
  const hungUpBy = isUp(call) ? 'local' : 'remote';
  if (hungUpBy === 'local') void call.bye().catch(() => undefined);
  return {
    kind: 'fax',
    callId,
    faxId,
    status,
    transport: media.transport,
    switchedToT38By: media.switchedBy,
    pages: done?.pages ?? 0,
    t30Code,
    t30Text,
    hungUpBy,
    farEndSilentMs: done?.silentForMs,
    media: done?.media,
  };
}

/**
 * The end-of-call commit, tried again while the database is away: the sender was told its pages
 * arrived (each MCF waits for the page to be stored, or, with the database away, for the spool
 * file), so the fax must land once the database is back.
 */
async function commitPatiently(
  ctx: InboundCallContext,
  finished: Parameters<InboundIntake['commit']>[0],
): Promise<InboundStatus> {
  const giveUpAt = Date.now() + COMMIT_PATIENCE_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.intake.commit(finished);
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() > giveUpAt) throw err;
      if (attempt === 1)
        ctx.log.warn(
          { callId: finished.callId, faxId: finished.faxId },
          'database unavailable: the fax waits in the spool until it is back',
        );
      await sleep(COMMIT_RETRY_MS);
    }
  }
}
